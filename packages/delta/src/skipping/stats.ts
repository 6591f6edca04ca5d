/**
 * A data file's statistics (`add.stats`) as bounds on its columns' values.
 *
 * Keys are physical column names (under column mapping), nested like the schema. What is safe:
 * - min/max bound the file's non-null values, also with `tightBounds: false` (deletion vectors
 *   only remove rows); nullCount and numRecords may then over-count, so "every value is null"
 *   (nullCount = numRecords) is only trusted with tight bounds.
 * - a string min may be a truncated prefix (still a lower bound); a string max truncated by the
 *   writer (32 characters, with or without a '\uffff' tie-breaker) only bounds values by its prefix.
 * - timestamps are kept to the millisecond, so bounds are widened by a millisecond less a microsecond.
 * - float/double min/max leave NaN out (some writers): a float column may hold NaN beyond max.
 * - missing stats, missing columns or null/ill-typed bounds: unknown.
 */
import type { DataType } from '../schema/types.js';
import { family, type ColumnRange, type ColumnValue } from '../expressions/evaluate.js';
import { MICROS_PER_DAY, dateToDays, parseDec, temporalMicros } from '../expressions/values.js';
import { JsonNumber, numberText, parseExactJson, type ExactJson } from './exact-json.js';

export interface FileStats {
  readonly numRecords?: number;
  readonly tightBounds: boolean;
  readonly minValues?: ExactJson;
  readonly maxValues?: ExactJson;
  readonly nullCount?: ExactJson;
}

/** A file's stats JSON, or undefined when there is none or it cannot be read. */
export function parseFileStats(stats: string | null | undefined): FileStats | undefined {
  if (!stats) return undefined;
  let j: ExactJson;
  try {
    j = parseExactJson(stats);
  } catch {
    return undefined;
  }
  if (j === null || typeof j !== 'object' || Array.isArray(j) || !('numRecords' in j || 'minValues' in j)) {
    return undefined;
  }
  const o = j as { [key: string]: ExactJson };
  const n = numberText(o.numRecords);
  const numRecords = n !== undefined && /^\d+$/.test(n) ? Number(n) : undefined;
  return {
    numRecords,
    tightBounds: o.tightBounds !== false,
    minValues: o.minValues,
    maxValues: o.maxValues,
    nullCount: o.nullCount,
  };
}

const NUM_RECORDS = /^\s*\{\s*"numRecords"\s*:\s*(\d+)\s*[,}]/;

/** A file's numRecords without parsing all of its stats (undefined when unknown). */
export function statsNumRecords(stats: string | null | undefined): number | undefined {
  if (!stats) return undefined;
  const m = NUM_RECORDS.exec(stats);
  return m ? Number(m[1]) : parseFileStats(stats)?.numRecords;
}

function at(v: ExactJson | undefined, path: readonly string[]): ExactJson | undefined {
  let cur = v;
  for (const k of path) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur) || cur instanceof JsonNumber || !Object.prototype.hasOwnProperty.call(cur, k)) return undefined;
    cur = (cur as { [key: string]: ExactJson })[k];
  }
  return cur;
}

/** Longest string (in characters) a writer keeps in stats; a max this long may be truncated. */
export const STATS_STRING_PREFIX = 32;
const TIE_BREAKER = '\uffff';
const MS_SLACK = 999n;

/** What a file's stats say about one leaf column (physical path). */
export function statsRange(stats: FileStats | undefined, physicalPath: readonly string[], type: DataType): ColumnRange | undefined {
  const fam = family(type);
  if (!stats) return undefined;
  if (stats.numRecords === 0) return { type, hasNull: false, hasValue: false };
  const nc = numberText(at(stats.nullCount, physicalPath));
  const nullCount = nc !== undefined && /^\d+$/.test(nc) ? Number(nc) : undefined;
  const hasNull = nullCount === undefined || nullCount > 0;
  const allNull = stats.tightBounds && nullCount !== undefined && stats.numRecords !== undefined && nullCount >= stats.numRecords;
  if (allNull) return { type, hasNull: true, hasValue: false };
  const min = fam && bound(at(stats.minValues, physicalPath), type, 'min');
  let max = fam && bound(at(stats.maxValues, physicalPath), type, 'max');
  let maxIsPrefix = false;
  if (fam === 'string' && typeof max === 'string') {
    if (max.endsWith(TIE_BREAKER)) {
      max = max.replace(/\uffff+$/, '');
      maxIsPrefix = true;
    } else if (codePoints(max) >= STATS_STRING_PREFIX) {
      maxIsPrefix = true;
    }
  }
  return {
    type,
    hasNull,
    hasValue: true,
    ...(min !== undefined ? { min } : {}),
    ...(max !== undefined ? { max } : {}),
    ...(maxIsPrefix ? { maxIsPrefix } : {}),
    ...(fam === 'float' || fam === 'double' ? { mayBeNaN: true } : {}),
  };
}

function codePoints(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdbff) n++;
  }
  return n;
}

/** A stats value in the column's normal form, widened where the writer rounds; undefined if unusable. */
function bound(v: ExactJson | undefined, type: DataType, which: 'min' | 'max'): ColumnValue | undefined {
  if (v === undefined || v === null) return undefined;
  switch (family(type)) {
    case 'exact': {
      const t = numberText(v);
      return t === undefined ? undefined : parseDec(t);
    }
    case 'float':
    case 'double': {
      const t = numberText(v);
      if (t === undefined) return undefined; // "NaN", "Infinity" as strings: no bound
      const x = Number(t);
      if (Number.isNaN(x)) return undefined;
      return family(type) === 'float' ? Math.fround(x) : x;
    }
    case 'string':
      return typeof v === 'string' ? v : undefined;
    case 'time': {
      if (typeof v !== 'string') return undefined;
      const name = type.kind === 'primitive' ? type.name : '';
      if (name === 'date') {
        const d = dateToDays(v);
        return d === undefined ? undefined : BigInt(d) * MICROS_PER_DAY;
      }
      const micros = temporalMicros(v, true);
      if (micros === undefined) return undefined;
      return which === 'max' ? micros + MS_SLACK : micros - MS_SLACK;
    }
    case 'bool':
      return typeof v === 'boolean' ? v : undefined;
    default:
      return undefined;
  }
}
