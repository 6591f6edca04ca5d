/**
 * Evaluates a predicate over what is known about a set of rows (one file): per column, whether it
 * may hold nulls and non-null values, and bounds on the values. The answer is the set of truth
 * values the predicate may take on those rows, an over-approximation: a file can be left out
 * exactly when TRUE is not in the set. Over a file's partition values (one value per column) the
 * answer for a predicate on partition columns only is exact.
 *
 * Comparisons follow DuckDB, which runs the query: a literal is compared with a column the way
 * DuckDB's implicit casts compare it (an exact decimal with an integer column exactly, a DOUBLE
 * with it as doubles, a decimal with a FLOAT column as the float it casts to, a date with a
 * timestamp as midnight UTC), NaN is above every number, strings compare by code point.
 */
import type { DataType } from '../schema/types.js';
import { likePrefix, type CompareOp, type Literal, type Operand, type Predicate } from './ast.js';
import {
  MICROS_PER_DAY, compareBigInt, compareDec, compareDouble, compareStrings, dateToDays, decFromBigInt, decScale,
  decToNumber, parseDec, roundingCandidates, temporalMicros, type Dec,
} from './values.js';

/** A set of SQL truth values, as bits. */
export type Outcomes = number;
export const TRUE = 1;
export const FALSE = 2;
export const NULL = 4;
export const ALL: Outcomes = TRUE | FALSE | NULL;
export const NONE: Outcomes = 0;
/** The outcome bits by name. */
export const Outcome = { TRUE, FALSE, NULL, ALL, NONE } as const;

/** Whether some row may satisfy the predicate (a file with NONE or only FALSE/NULL can be skipped). */
export const mayBeTrue = (o: Outcomes): boolean => (o & TRUE) !== 0;

/**
 * What is known about one column's values in a set of rows. Values are in the column's normal
 * form (see {@link ColumnValue}); a missing bound is unknown.
 */
export interface ColumnRange {
  readonly type: DataType;
  /** Some row may hold null. */
  readonly hasNull: boolean;
  /** Some row may hold a non-null value. */
  readonly hasValue: boolean;
  /** Every non-null value (NaN aside, see mayBeNaN) is >= min. */
  readonly min?: ColumnValue;
  /** Every non-null value (NaN aside) is <= max; with maxIsPrefix, <= every string starting with max. */
  readonly max?: ColumnValue;
  /** A string max is a truncated prefix: values are below it or start with it. */
  readonly maxIsPrefix?: boolean;
  /** A float column may hold NaN beyond its bounds (writers leave NaN out of min/max). */
  readonly mayBeNaN?: boolean;
}

/**
 * A column value in normal form: Dec for integer and decimal columns, number for float/double,
 * string for strings, bigint microseconds since the epoch for date/timestamp/timestamp_ntz
 * (a date is its midnight), boolean for booleans.
 */
export type ColumnValue = Dec | number | string | bigint | boolean;

export type Family = 'exact' | 'float' | 'double' | 'string' | 'time' | 'bool';

/** How a column type's values compare; undefined for types the kernel does not compare. */
export function family(t: DataType): Family | undefined {
  if (t.kind === 'decimal') return 'exact';
  if (t.kind !== 'primitive') return undefined;
  switch (t.name) {
    case 'byte':
    case 'short':
    case 'integer':
    case 'long':
      return 'exact';
    case 'float':
      return 'float';
    case 'double':
      return 'double';
    case 'string':
      return 'string';
    case 'date':
    case 'timestamp':
    case 'timestamp_ntz':
      return 'time';
    case 'boolean':
      return 'bool';
    default:
      return undefined;
  }
}

/** Resolves a column reference to what is known about it; undefined when nothing is. */
export type RangeResolver = (path: readonly string[]) => ColumnRange | undefined;

// ---- three-valued connectives over sets ----

const bits = [TRUE, FALSE, NULL] as const;
function lift2(a: Outcomes, b: Outcomes, op: (x: number, y: number) => number): Outcomes {
  let out = 0;
  for (const x of bits) if (a & x) for (const y of bits) if (b & y) out |= op(x, y);
  return out;
}
const and3 = (x: number, y: number) => (x === FALSE || y === FALSE ? FALSE : x === NULL || y === NULL ? NULL : TRUE);
const or3 = (x: number, y: number) => (x === TRUE || y === TRUE ? TRUE : x === NULL || y === NULL ? NULL : FALSE);
const not3 = (o: Outcomes): Outcomes => (o & NULL) | (o & TRUE ? FALSE : 0) | (o & FALSE ? TRUE : 0);

export function evaluate(p: Predicate, resolve: RangeResolver): Outcomes {
  switch (p.kind) {
    case 'constant':
      return p.value === null ? NULL : p.value ? TRUE : FALSE;
    case 'unknown':
      return ALL;
    case 'and': {
      let acc: Outcomes = TRUE;
      for (const c of p.children) {
        acc = lift2(acc, evaluate(c, resolve), and3);
        if (acc === FALSE || acc === NONE) break;
      }
      return acc;
    }
    case 'or': {
      let acc: Outcomes = FALSE;
      for (const c of p.children) {
        acc = lift2(acc, evaluate(c, resolve), or3);
        if (acc === TRUE || acc === NONE) break;
      }
      return acc;
    }
    case 'not':
      return not3(evaluate(p.child, resolve));
    case 'in': {
      if (p.list.length === 0) return ALL;
      let acc: Outcomes = FALSE;
      for (const item of p.list) {
        acc = lift2(acc, compareOperands('=', p.value, item, resolve), or3);
        if (acc === TRUE || acc === NONE) break;
      }
      return acc;
    }
    case 'between':
      return lift2(compareOperands('>=', p.value, p.low, resolve), compareOperands('<=', p.value, p.high, resolve), and3);
    case 'compare':
      return compareOperands(p.op, p.left, p.right, resolve);
    case 'isNull': {
      if (p.value.kind === 'literal') {
        const isNullValue = p.value.type === 'null';
        return isNullValue !== p.negated ? TRUE : FALSE;
      }
      const r = resolve(p.value.path);
      if (!r) return TRUE | FALSE;
      const o = (r.hasNull ? TRUE : 0) | (r.hasValue ? FALSE : 0);
      return p.negated ? not3(o) : o;
    }
    case 'like':
      return evaluateLike(p.value, p.pattern, resolve);
  }
}

const FLIP: Record<CompareOp, CompareOp> = { '=': '=', '<>': '<>', '<': '>', '<=': '>=', '>': '<', '>=': '<=' };
const NEGATE: Record<CompareOp, CompareOp> = { '=': '<>', '<>': '=', '<': '>=', '<=': '>', '>': '<=', '>=': '<' };

function compareOperands(op: CompareOp, left: Operand, right: Operand, resolve: RangeResolver): Outcomes {
  if (left.kind === 'literal' && right.kind === 'column') return compareOperands(FLIP[op], right, left, resolve);
  if ((left.kind === 'literal' && left.type === 'null') || (right.kind === 'literal' && right.type === 'null')) {
    if (left.kind === 'column') {
      const r = resolve(left.path);
      if (r && !r.hasNull && !r.hasValue) return NONE; // no rows at all
    }
    return NULL;
  }
  if (left.kind !== 'column' || right.kind !== 'literal') return ALL; // column vs column, literal vs literal
  const r = resolve(left.path);
  if (!r) return ALL;
  return compareRange(op, r, right);
}

/** The truth values of `column op literal` (literal not null) over a column's range. */
export function compareRange(op: CompareOp, r: ColumnRange, l: Literal): Outcomes {
  let out: Outcomes = r.hasNull ? NULL : NONE;
  if (!r.hasValue) return out;
  const plan = comparison(r, l);
  if (!plan) return out | TRUE | FALSE;
  const lo = r.min === undefined ? undefined : plan.convert(r.min);
  const hi = r.max === undefined ? undefined : plan.convert(r.max);
  const prefix = plan.domain === 'string' && r.maxIsPrefix === true;
  for (const v of plan.literals) {
    out |= rangeOutcomes(op, lo, hi, prefix, v, plan.cmp);
    if (r.mayBeNaN && (plan.domain === 'double')) out |= pointOutcome(op, plan.cmp(NaN, v));
  }
  return out;
}

function pointOutcome(op: CompareOp, c: number): Outcomes {
  return holds(op, c) ? TRUE : FALSE;
}

function holds(op: CompareOp, c: number): boolean {
  switch (op) {
    case '=': return c === 0;
    case '<>': return c !== 0;
    case '<': return c < 0;
    case '<=': return c <= 0;
    case '>': return c > 0;
    case '>=': return c >= 0;
  }
}

type Cmp = (a: unknown, b: unknown) => number;

function rangeOutcomes(op: CompareOp, lo: unknown, hi: unknown, hiIsPrefix: boolean, v: unknown, cmp: Cmp): Outcomes {
  const c = cmp;
  // cLo: sign of (min - v); cHi: sign of (max - v), a prefix max being above every string it starts.
  const cLo = lo === undefined ? undefined : c(lo, v);
  let cHi: number | undefined;
  if (hi !== undefined) cHi = hiIsPrefix ? ((v as string).startsWith(hi as string) ? 1 : c(hi, v)) : c(hi, v);
  return (possible(op, cLo, cHi) ? TRUE : 0) | (possible(NEGATE[op], cLo, cHi) ? FALSE : 0);
}

/** Whether some value in [min, max] may satisfy `value op v`, given the signs of min - v and max - v. */
function possible(op: CompareOp, cLo: number | undefined, cHi: number | undefined): boolean {
  switch (op) {
    case '=': return (cLo ?? -1) <= 0 && (cHi ?? 1) >= 0;
    case '<>': return !(cLo === 0 && cHi === 0);
    case '<': return (cLo ?? -1) < 0;
    case '<=': return (cLo ?? -1) <= 0;
    case '>': return (cHi ?? 1) > 0;
    case '>=': return (cHi ?? 1) >= 0;
  }
}

interface Comparison {
  readonly domain: 'exact' | 'double' | 'string' | 'time' | 'bool';
  /** The column's normal-form value in the comparison domain (monotonic, so bounds stay bounds). */
  readonly convert: (v: ColumnValue) => unknown;
  /** The literal in the domain: several candidates when the engine's rounding of it is not known exactly. */
  readonly literals: readonly unknown[];
  readonly cmp: Cmp;
}

const identity = (v: ColumnValue) => v;
const INTEGER_TEXT = /^\s*[+-]?\d+\s*$/;

/** How DuckDB compares a column of this range's type with the literal; undefined if not modelled. */
function comparison(r: ColumnRange, l: Literal): Comparison | undefined {
  const fam = family(r.type);
  switch (fam) {
    case 'exact': {
      const exact = (d: Dec | undefined): Comparison | undefined =>
        d && { domain: 'exact', convert: identity, literals: [d], cmp: compareDec as Cmp };
      switch (l.type) {
        case 'bigint':
          return exact(decFromBigInt(l.value));
        case 'decimal':
          return exact(parseDec(l.value));
        case 'number':
          if (Number.isSafeInteger(l.value)) return exact(decFromBigInt(BigInt(l.value)));
          // DuckDB compares an integer or decimal column with a DOUBLE as doubles.
          return { domain: 'double', convert: (v) => decToNumber(v as Dec), literals: [l.value], cmp: compareDouble as Cmp };
        case 'string': {
          // DuckDB casts the string to the column's type; only take strings that cast without rounding.
          const d = parseDec(l.value);
          if (!d) return undefined;
          if (r.type.kind === 'decimal' ? decScale(d) > r.type.scale : !INTEGER_TEXT.test(l.value)) return undefined;
          return exact(d);
        }
        default:
          return undefined;
      }
    }
    case 'float':
    case 'double': {
      const dbl = (literals: number[]): Comparison => ({ domain: 'double', convert: identity, literals, cmp: compareDouble as Cmp });
      switch (l.type) {
        case 'number':
          return dbl([l.value]); // a FLOAT column is compared as DOUBLE with a DOUBLE
        case 'bigint':
          return dbl(roundingCandidates(decFromBigInt(l.value), fam === 'float'));
        case 'decimal': {
          // DuckDB casts the literal to the column's type (FLOAT or DOUBLE).
          const d = parseDec(l.value);
          return d && dbl(roundingCandidates(d, fam === 'float'));
        }
        default:
          return undefined;
      }
    }
    case 'string':
      return l.type === 'string' ? { domain: 'string', convert: identity, literals: [l.value], cmp: compareStrings as Cmp } : undefined;
    case 'time': {
      let v: bigint | undefined;
      switch (l.type) {
        case 'date': {
          const days = dateToDays(l.value);
          v = days === undefined ? undefined : BigInt(days) * MICROS_PER_DAY;
          break;
        }
        case 'timestamp':
        case 'timestamp_ntz':
          // Loch's DuckDB sessions run in UTC, so TIMESTAMP and TIMESTAMPTZ share one time line.
          v = l.value;
          break;
        case 'string': {
          // DuckDB casts the string to the column's type; a date column drops any time of day.
          const t = r.type.kind === 'primitive' ? r.type.name : '';
          v = t === 'date'
            ? (() => { const d = dateToDays(l.value); return d === undefined ? undefined : BigInt(d) * MICROS_PER_DAY; })()
            : temporalMicros(l.value, t === 'timestamp');
          break;
        }
      }
      return v === undefined ? undefined : { domain: 'time', convert: identity, literals: [v], cmp: compareBigInt as Cmp };
    }
    case 'bool':
      return l.type === 'boolean'
        ? { domain: 'bool', convert: (v) => (v ? 1 : 0), literals: [l.value ? 1 : 0], cmp: compareDouble as Cmp }
        : undefined;
    default:
      return undefined;
  }
}

function evaluateLike(value: Operand, pattern: string, resolve: RangeResolver): Outcomes {
  if (value.kind === 'literal') {
    if (value.type === 'null') return NULL;
    return ALL;
  }
  const r = resolve(value.path);
  if (!r) return ALL;
  if (!/[%_\\]/.test(pattern)) return compareRange('=', r, { kind: 'literal', type: 'string', value: pattern });
  let out: Outcomes = r.hasNull ? NULL : NONE;
  if (!r.hasValue) return out;
  const prefix = likePrefix(pattern);
  if (prefix === undefined || family(r.type) !== 'string') return out | TRUE | FALSE;
  const min = r.min as string | undefined;
  const max = r.max as string | undefined;
  // The strings starting with `prefix` are the interval [prefix, prefix∞).
  const maxReaches = max === undefined || compareStrings(max, prefix) >= 0 || (r.maxIsPrefix === true && prefix.startsWith(max));
  const minBelowEnd = min === undefined || min.startsWith(prefix) || compareStrings(min, prefix) < 0;
  if (maxReaches && minBelowEnd) out |= TRUE;
  const allInside = min !== undefined && max !== undefined && min.startsWith(prefix) && max.startsWith(prefix);
  if (!allInside) out |= FALSE;
  return out;
}

/** Three-valued summary of an outcome set: one truth value when it is certain, else 'unknown'. */
export function certainTruth(o: Outcomes): boolean | null | 'unknown' {
  return o === TRUE ? true : o === FALSE ? false : o === NULL ? null : 'unknown';
}
