import type { Comparison } from './search-filter.js';

const likeCache = new Map<string, RegExp>();

/** SQL LIKE: % any run of characters, _ one character; ILIKE ignores case. */
export function likeRegExp(pattern: string, ignoreCase: boolean): RegExp {
  const cacheKey = `${ignoreCase ? 'i' : 's'}${pattern}`;
  let re = likeCache.get(cacheKey);
  if (!re) {
    const body = [...pattern].map((c) => (c === '%' ? '.*' : c === '_' ? '.' : c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('');
    re = new RegExp(`^${body}$`, ignoreCase ? 'is' : 's');
    if (likeCache.size > 1000) likeCache.clear();
    likeCache.set(cacheKey, re);
  }
  return re;
}

/** Whether a value satisfies a comparison; a missing value satisfies none (as in MLflow). */
export function matches(c: Comparison, lhs: unknown): boolean {
  if (lhs === undefined || lhs === null) return false;
  const v = c.value;
  switch (c.op) {
    case '=': return typeof v === 'number' ? Number(lhs) === v : String(lhs) === v;
    case '!=': return typeof v === 'number' ? Number(lhs) !== v : String(lhs) !== v;
    case '<': return Number(lhs) < (v as number);
    case '<=': return Number(lhs) <= (v as number);
    case '>': return Number(lhs) > (v as number);
    case '>=': return Number(lhs) >= (v as number);
    case 'LIKE': return likeRegExp(v as string, false).test(String(lhs));
    case 'ILIKE': return likeRegExp(v as string, true).test(String(lhs));
    case 'IN': return (v as readonly string[]).includes(String(lhs));
    case 'NOT IN': return !(v as readonly string[]).includes(String(lhs));
  }
}

/**
 * Order of two sort values: missing values last whichever the direction, NaN after every
 * number ascending (and before them descending), as MLflow sorts.
 */
export function compareValues(a: unknown, b: unknown, ascending: boolean): number {
  const missA = a === undefined || a === null;
  const missB = b === undefined || b === null;
  if (missA || missB) return missA === missB ? 0 : missA ? 1 : -1;
  let c: number;
  if (typeof a === 'number' && typeof b === 'number') {
    const nanA = Number.isNaN(a);
    const nanB = Number.isNaN(b);
    c = nanA || nanB ? (nanA === nanB ? 0 : nanA ? 1 : -1) : a - b;
  } else {
    const sa = String(a);
    const sb = String(b);
    c = sa < sb ? -1 : sa > sb ? 1 : 0;
  }
  return ascending ? c : -c;
}
