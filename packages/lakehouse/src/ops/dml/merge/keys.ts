import type { DuckDBConnection } from '@duckdb/node-api';
import type { StructType } from '@loch/delta';
import { sqlIdent } from '@loch/engine-node';

const IDENT = String.raw`(?:"(?:[^"]|"")+"|\x60[^\x60]+\x60|[A-Za-z_][A-Za-z0-9_]*)`;
const unquote = (s: string) => (s.startsWith('"') ? s.slice(1, -1).replaceAll('""', '"') : s.startsWith('`') ? s.slice(1, -1) : s);

/** The equi-join pairs (target column, source column) among the top-level ANDs of a condition. */
export function joinKeys(condition: string, targetAlias: string, sourceAlias: string): { target: string; source: string }[] {
  if (/\bOR\b/i.test(condition)) return [];
  const pairs: { target: string; source: string }[] = [];
  const side = new RegExp(String.raw`^\(?\s*(${IDENT})\s*\.\s*(${IDENT})\s*=\s*(${IDENT})\s*\.\s*(${IDENT})\s*\)?$`);
  for (const part of condition.split(/\s+AND\s+/i)) {
    const m = side.exec(part.trim());
    if (!m) continue;
    const [a, ac, b, bc] = [unquote(m[1]), unquote(m[2]), unquote(m[3]), unquote(m[4])];
    if (a.toLowerCase() === targetAlias.toLowerCase() && b.toLowerCase() === sourceAlias.toLowerCase()) pairs.push({ target: ac, source: bc });
    else if (b.toLowerCase() === targetAlias.toLowerCase() && a.toLowerCase() === sourceAlias.toLowerCase()) pairs.push({ target: bc, source: ac });
  }
  return pairs;
}

const NUMERIC = new Set(['byte', 'short', 'integer', 'long', 'float', 'double']);

/**
 * A predicate over the target that every target row the source can match satisfies: for each
 * join key, the source's values (IN, when few) or their range (BETWEEN). Target files outside it
 * cannot match and are never read.
 */
export async function sourceKeyFilter(
  c: DuckDBConnection,
  keys: readonly { target: string; source: string }[],
  sourceTable: string,
  target: StructType,
): Promise<string | undefined> {
  const parts: string[] = [];
  for (const k of keys) {
    const field = target.fields.find((f) => f.name.toLowerCase() === k.target.toLowerCase());
    if (!field || (field.type.kind !== 'primitive' && field.type.kind !== 'decimal')) continue;
    const numeric = field.type.kind === 'decimal' || NUMERIC.has((field.type as { name: string }).name);
    const lit = (v: unknown) => (numeric ? String(v) : `'${String(v).replaceAll("'", "''")}'`);
    const col = sqlIdent(k.source);
    // An estimate decides between a list and a range; the values themselves are exact. This only
    // prunes: when the source lacks the column, the MERGE itself reports it.
    let summary;
    try {
      summary = (await c.runAndReadAll(`SELECT approx_count_distinct(${col})::BIGINT, min(${col})::VARCHAR, max(${col})::VARCHAR FROM ${sourceTable}`)).getRows();
    } catch {
      continue;
    }
    const [[n, lo, hi]] = summary;
    const distinct = Number(n);
    if (lo === null) return 'FALSE';
    if (distinct <= 100) {
      const values = (await c.runAndReadAll(`SELECT DISTINCT ${col}::VARCHAR FROM ${sourceTable} WHERE ${col} IS NOT NULL`)).getRows().map(([v]) => lit(v));
      parts.push(`${sqlIdent(field.name)} IN (${values.join(', ')})`);
    } else {
      parts.push(`${sqlIdent(field.name)} BETWEEN ${lit(lo)} AND ${lit(hi)}`);
    }
  }
  return parts.length ? parts.join(' AND ') : undefined;
}
