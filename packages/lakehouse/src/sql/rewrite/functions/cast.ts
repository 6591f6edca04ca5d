/**
 * CAST and TRY_CAST as Spark runs them with ANSI mode off: a value that does not fit the type is
 * NULL rather than an error (text that is not a number, a date or a boolean; a string too large
 * for the integer), integers narrow by wrapping and fractions by truncating as Java does, and
 * Spark's type names mean Spark's types (TIMESTAMP is an instant in the session time zone, BYTE a
 * TINYINT, DECIMAL alone DECIMAL(10,0)). The rewrite sees text: where the answer depends on the
 * value's type, a CASE on `typeof(x)` (folded while binding) picks the conversion.
 */
import type { DataType } from '@loch/delta';
import { duckType } from '../../../values/duck-types.js';
import { Cursor } from '../../parse/cursor.js';
import { isPunct, isWord, type Token } from '../../parse/lexer.js';
import { parseSparkType } from '../../parse/spark-types.js';
import type { Call } from '../call.js';
import { isSig } from '../tokens.js';
import { ANY, type Rule, sparkFunctionError } from './rule.js';

/** Spark's functions named after a type, each a cast to it (`int('1')`, `decimal(x)`). */
const TYPE_FUNCTIONS: Readonly<Record<string, DataType>> = {
  boolean: { kind: 'primitive', name: 'boolean' },
  tinyint: { kind: 'primitive', name: 'byte' },
  smallint: { kind: 'primitive', name: 'short' },
  int: { kind: 'primitive', name: 'integer' },
  bigint: { kind: 'primitive', name: 'long' },
  float: { kind: 'primitive', name: 'float' },
  double: { kind: 'primitive', name: 'double' },
  decimal: { kind: 'decimal', precision: 10, scale: 0 },
  string: { kind: 'primitive', name: 'string' },
  binary: { kind: 'primitive', name: 'binary' },
  date: { kind: 'primitive', name: 'date' },
  timestamp: { kind: 'primitive', name: 'timestamp' },
};

export const CAST_RULES: readonly (readonly [string, Rule])[] = [
  ['cast', { args: [1, ANY], to: (c) => cast(c), notACall: (c) => !needsRewrite(castPlan(c)), upperName: true }],
  ['try_cast', { args: [1, ANY], to: (c) => cast(c), notACall: (c) => !needsRewrite(castPlan(c)), upperName: true }],
  ...Object.entries(TYPE_FUNCTIONS).map(([name, type]): [string, Rule] => [
    name,
    // The type in `x::DECIMAL(10, 2)`, `AS INT` or a column definition (`price decimal(10, 2)`) is not a call.
    { args: [1, 1], to: (c) => sparkCast(c.sql(0), sourceOf(c.sig(0)), type), notACall: (c) => c.args.length !== 1 || c.isType() || afterName(c.t.tokens[c.t.prev(c.start)]) },
  ]),
];

/** Words a call may follow; after any other name, a type name is a column's type. */
const BEFORE_CALL = new Set(['SELECT', 'WHERE', 'AND', 'OR', 'NOT', 'WHEN', 'THEN', 'ELSE', 'CASE', 'DISTINCT', 'ALL', 'BY', 'HAVING', 'ON', 'RETURN', 'IS', 'IN', 'LIKE', 'BETWEEN', 'VALUES', 'QUALIFY', 'SET', 'USING']);

function afterName(t: Token | undefined): boolean {
  return t !== undefined && (t.kind === 'quoted' || (t.kind === 'word' && !BEFORE_CALL.has(t.text.toUpperCase())));
}

interface CastPlan {
  /** The value cast, translated. */
  readonly value: string;
  readonly source: Source;
  readonly type: DataType;
}

/** What the text shows of the value cast: a string or number literal, or anything. */
type Source = 'string' | 'number' | 'unknown';

function sourceOf(tokens: readonly Token[]): Source {
  const [first, second] = tokens;
  if (tokens.length === 2 && (isPunct(first, '-') || isPunct(first, '+')) && second.kind === 'number') return 'number';
  if (tokens.length !== 1) return 'unknown';
  return first.kind === 'string' ? 'string' : first.kind === 'number' ? 'number' : 'unknown';
}

/** `CAST(x AS type)` with a Spark type; undefined when the type is DuckDB's own (`INTEGER[]`). */
function castPlan(c: Call): CastPlan | undefined {
  const tokens = c.t.tokens;
  let as: number | undefined;
  let depth = 0;
  for (let j = c.open + 1; j < c.close; j++) {
    const t = tokens[j];
    if (t.kind === 'punct' && '([{'.includes(t.text)) depth++;
    else if (t.kind === 'punct' && ')]}'.includes(t.text)) depth--;
    else if (depth === 0 && isWord(t, 'AS')) as = j;
  }
  if (as === undefined) return undefined;
  let type: DataType;
  try {
    const cursor = new Cursor(c.t.text.slice(tokens[as].end, tokens[c.close].start));
    type = parseSparkType(cursor);
    if (!cursor.atEnd()) return undefined;
  } catch {
    return undefined;
  }
  const value = tokens.slice(c.open + 1, as).filter(isSig);
  return { value: c.t.range(c.open + 1, as, true).trim(), source: sourceOf(value), type };
}

/** Undefined plans are DuckDB's casts; an integer written out cast to a number is DuckDB's cast too. */
function needsRewrite(plan: CastPlan | undefined): boolean {
  if (plan === undefined) return false;
  const numeric = plan.type.kind === 'primitive' && ['byte', 'short', 'integer', 'long', 'float', 'double'].includes(plan.type.name);
  return !(plan.source === 'number' && /^[0-9]+$/.test(plan.value) && numeric && plan.type.kind === 'primitive' && plan.type.name !== 'byte');
}

function cast(c: Call): string {
  const plan = castPlan(c);
  if (!plan) throw sparkFunctionError(c.name, 'unexpected form');
  return sparkCast(plan.value, plan.source, plan.type);
}

const INTEGERS = "('TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'HUGEINT', 'UTINYINT', 'USMALLINT', 'UINTEGER', 'UBIGINT', 'UHUGEINT')";
const BITS: Readonly<Record<string, number>> = { byte: 8, short: 16, integer: 32, long: 64 };

/** Characters Spark trims from text it reads as a number, a boolean or a date (whitespace and controls). */
const trimmed = (x: string) => `regexp_replace(CAST(${x} AS VARCHAR), '^[\\x00-\\x20]+|[\\x00-\\x20]+$', '', 'g')`;

/** Stands for the value in a cast's expression until it is known how to put the value in. */
const VALUE = '__loch_cast_value__';
/** Past this many characters of copies of the value, a cast binds the value once instead. */
const BIND_ONCE_CHARS = 4096;

/**
 * `x` (DuckDB SQL) cast to Spark's `type`, as Spark casts with ANSI mode off. The conversion of
 * a value of unknown type names the value several times (a CASE on its type, then the branch);
 * a value that is itself a long expression (casts nested in casts) would grow the SQL
 * exponentially and DuckDB's binding with it (seconds for `CAST(concat(CAST(d AS STRING), ' ',
 * CAST(t AS STRING)) AS TIMESTAMP)`), so such a value is bound once, as a lambda's parameter.
 */
export function sparkCast(x: string, source: Source, type: DataType): string {
  if (source !== 'unknown') return castExpression(x, source, type);
  const parts = castExpression(VALUE, source, type).split(VALUE);
  if ((parts.length - 1) * x.length < BIND_ONCE_CHARS) return parts.join(x);
  return `list_transform([${x}], lambda __loch_cast: ${parts.join('__loch_cast')})[1]`;
}

function castExpression(x: string, source: Source, type: DataType): string {
  const duck = duckType(type);
  const byType = (branches: readonly (readonly [string, string])[], otherwise: string) => {
    if (source === 'string') return branches.find(([test]) => test === 'VARCHAR')?.[1] ?? otherwise;
    const cases = branches.map(([test, sql]) => `WHEN ${typeTest(x, test)} THEN ${sql}`).join(' ');
    return branches.length === 0 ? otherwise : `CASE ${cases} ELSE ${otherwise} END`;
  };
  if (type.kind === 'decimal') return byType([['VARCHAR', `TRY_CAST(${trimmed(x)} AS ${duck})`], ['INTERVAL', `CAST(${x} AS ${duck})`]], `TRY_CAST(${x} AS ${duck})`);
  if (type.kind !== 'primitive') return `TRY_CAST(${x} AS ${duck})`;
  switch (type.name) {
    case 'byte':
    case 'short':
    case 'integer':
    case 'long': {
      const bits = BITS[type.name];
      const [min, max] = [`${-(2n ** BigInt(bits - 1))}`, `${2n ** BigInt(bits - 1) - 1n}`];
      const d = `TRY_CAST(${x} AS DOUBLE)`;
      // Java's (int) of a double: toward zero, NaN is 0, saturating at the ends.
      const fromFloating = `CASE WHEN isnan(${d}) THEN 0 WHEN ${d} >= ${max} THEN ${max} WHEN ${d} <= ${min} THEN ${min} ELSE CAST(trunc(${d}) AS ${duck}) END`;
      // Java's narrowing of a long: the low bits, wrapping around.
      const wrapped = (w: string) => `CAST(((${w} + ${2n ** BigInt(bits - 1)}::HUGEINT) % ${2n ** BigInt(bits)}::HUGEINT + ${2n ** BigInt(bits)}::HUGEINT) % ${2n ** BigInt(bits)}::HUGEINT - ${2n ** BigInt(bits - 1)}::HUGEINT AS ${duck})`;
      if (source === 'number') return /^[+-]?[0-9]+$/.test(x) ? `CAST(${x} AS ${duck})` : fromFloating;
      if (source === 'string') {
        // Read now: the digits before any fraction, NULL when not a number or out of range.
        const digits = sparkIntegral(stringValue(x));
        const fits = digits !== undefined && BigInt(digits) >= BigInt(min) && BigInt(digits) <= BigInt(max);
        return fits ? `CAST('${digits}' AS ${duck})` : `CAST(NULL AS ${duck})`;
      }
      return byType(
        [
          ['VARCHAR', `TRY_CAST(regexp_extract(${trimmed(x)}, '^([+-]?[0-9]+)(\\.[0-9]*)?$', 1) AS ${duck})`],
          ['FLOATING', fromFloating],
          ['INTEGER', wrapped(`TRY_CAST(${x} AS HUGEINT)`)],
          // The digits before the point (a cast to DECIMAL(38, 0) would round).
          ['DECIMAL', wrapped(`TRY_CAST(split_part(CAST(${x} AS VARCHAR), '.', 1) AS HUGEINT)`)],
          ['TIMESTAMPTZ', wrapped(`CAST(floor(epoch(TRY_CAST(${x} AS TIMESTAMPTZ))) AS HUGEINT)`)],
          // An interval that does not fit is an error in Spark whatever the ANSI mode.
          ['INTERVAL', `CAST(${x} AS ${duck})`],
        ],
        `TRY_CAST(${x} AS ${duck})`,
      );
    }
    case 'float':
    case 'double':
      if (source === 'number') return `CAST(${x} AS ${duck})`;
      return byType(
        [
          ['VARCHAR', `TRY_CAST(${trimmed(x)} AS ${duck})`],
          ['TIMESTAMPTZ', `CAST(epoch_us(TRY_CAST(${x} AS TIMESTAMPTZ)) / 1e6 AS ${duck})`],
        ],
        `TRY_CAST(${x} AS ${duck})`,
      );
    case 'boolean': {
      const s = `lower(${trimmed(x)})`;
      return byType(
        [['VARCHAR', `CASE WHEN ${s} IN ('t', 'true', 'y', 'yes', '1') THEN true WHEN ${s} IN ('f', 'false', 'n', 'no', '0') THEN false END`]],
        `TRY_CAST(${x} AS BOOLEAN)`,
      );
    }
    case 'date':
      return byType([['VARCHAR', sparkDate(trimmed(x))]], `TRY_CAST(${x} AS DATE)`);
    case 'timestamp':
      return byType(
        [
          ['VARCHAR', `coalesce(TRY_CAST(${trimmed(x)} AS TIMESTAMPTZ), CAST(${sparkDate(trimmed(x), true)} AS TIMESTAMPTZ))`],
          ['FLOATING', `CASE WHEN isfinite(TRY_CAST(${x} AS DOUBLE)) THEN to_timestamp(TRY_CAST(${x} AS DOUBLE)) END`],
          ['INTEGER', `to_timestamp(TRY_CAST(${x} AS DOUBLE))`],
          ['DECIMAL', `to_timestamp(TRY_CAST(${x} AS DOUBLE))`],
        ],
        `TRY_CAST(${x} AS TIMESTAMPTZ)`,
      );
    case 'timestamp_ntz':
      return byType(
        [['VARCHAR', `coalesce(TRY_CAST(${trimmed(x)} AS TIMESTAMP), CAST(${sparkDate(trimmed(x), true)} AS TIMESTAMP))`]],
        `TRY_CAST(${x} AS TIMESTAMP)`,
      );
    case 'string':
      if (source !== 'unknown') return `CAST(${x} AS VARCHAR)`;
      return byType(
        [
          // The wall clock in the session time zone, without an offset.
          ['TIMESTAMPTZ', `CAST(CAST(TRY_CAST(${x} AS TIMESTAMPTZ) AS TIMESTAMP) AS VARCHAR)`],
          ['BLOB', `decode(TRY_CAST(${x} AS BLOB))`],
          ['INTERVAL', intervalText(`TRY_CAST(CAST(${x} AS VARCHAR) AS INTERVAL)`)],
        ],
        `CAST(${x} AS VARCHAR)`,
      );
    case 'binary':
      return byType(
        [
          ['VARCHAR', `encode(CAST(${x} AS VARCHAR))`],
          // The integer's bytes, big-endian, as wide as its type.
          // (INTEGER last: its test is the whole integer family.)
          ...([['TINYINT', 2], ['SMALLINT', 4], ['BIGINT', 16], ['INTEGER', 8]] as const).map(([t, digits]): [string, string] => [t, `from_hex(right(lpad(to_hex(TRY_CAST(${x} AS BIGINT)), 16, '0'), ${digits}))`]),
        ],
        `TRY_CAST(${x} AS BLOB)`,
      );
  }
  return `TRY_CAST(${x} AS ${duck})`;
}

/** The value of a string literal as the rewrite writes it ('...' with quotes doubled). */
function stringValue(sql: string): string {
  return sql.slice(1, -1).replaceAll("''", "'");
}

/** Spark's reading of text as an integer: trimmed, the digits before any fraction; undefined when not a number. */
function sparkIntegral(text: string): string | undefined {
  const m = /^[\x00-\x20]*([+-]?)([0-9]+)(?:\.[0-9]*)?[\x00-\x20]*$/.exec(text);
  return m ? `${m[1] === '-' ? '-' : ''}${m[2]}` : undefined;
}

/** A test of `typeof(x)` for a kind of source type. */
function typeTest(x: string, kind: string): string {
  switch (kind) {
    case 'FLOATING':
      return `typeof(${x}) IN ('FLOAT', 'DOUBLE')`;
    case 'INTEGER':
      return `typeof(${x}) IN ${INTEGERS}`;
    case 'DECIMAL':
      return `typeof(${x}) LIKE 'DECIMAL%'`;
    case 'TIMESTAMPTZ':
      return `typeof(${x}) = 'TIMESTAMP WITH TIME ZONE'`;
    default:
      return `typeof(${x}) = '${kind}'`;
  }
}

/**
 * Spark's reading of text as a date: `[+-]yyyy[-m[m][-d[d]]]`, then nothing, or a space or `T`
 * and anything (a time Spark ignores); NULL otherwise. With `whole`, only the date forms that
 * DuckDB's timestamp cast does not read (a year, a year and month).
 */
function sparkDate(s: string, whole = false): string {
  const re = whole ? "'^([+-]?[0-9]{4,})(?:-([0-9]{1,2}))?$'" : "'^([+-]?[0-9]{4,})(?:-([0-9]{1,2})(?:-([0-9]{1,2}))?)?(?:[ T].*)?$'";
  const part = (k: number) => `regexp_extract(${s}, ${re}, ${k})`;
  const ymd = `${part(1)} || '-' || coalesce(nullif(${part(2)}, ''), '1') || '-' || ${whole ? "'1'" : `coalesce(nullif(${part(3)}, ''), '1')`}`;
  return `CASE WHEN regexp_matches(${s}, ${re}) THEN TRY_CAST(${ymd} AS DATE) END`;
}

/**
 * An interval as Spark writes its two interval types: `INTERVAL '3-1' YEAR TO MONTH` (months
 * only), `INTERVAL '3 00:00:01.5' DAY TO SECOND` (no months); DuckDB's text when it has both.
 */
function intervalText(x: string): string {
  const part = (f: string) => `CAST(date_part('${f}', ${x}) AS BIGINT)`;
  const ym = `(${part('year')} * 12 + ${part('month')})`;
  const dt = `(${part('day')} * 86400000000 + ${part('hour')} * 3600000000 + ${part('minute')} * 60000000 + ${part('microseconds')})`;
  const two = (v: string) => `lpad(CAST(${v} AS VARCHAR), 2, '0')`;
  const sign = (v: string) => `CASE WHEN ${v} < 0 THEN '-' ELSE '' END`;
  const a = `abs(${dt})`;
  const fraction = `CASE WHEN ${a} % 1000000 = 0 THEN '' ELSE '.' || rtrim(lpad(CAST(${a} % 1000000 AS VARCHAR), 6, '0'), '0') END`;
  const yearMonth = `'INTERVAL ''' || ${sign(ym)} || CAST(abs(${ym}) // 12 AS VARCHAR) || '-' || CAST(abs(${ym}) % 12 AS VARCHAR) || ''' YEAR TO MONTH'`;
  const dayTime = `'INTERVAL ''' || ${sign(dt)} || CAST(${a} // 86400000000 AS VARCHAR) || ' ' || ${two(`${a} % 86400000000 // 3600000000`)} || ':' || ${two(`${a} % 3600000000 // 60000000`)} || ':' || ${two(`${a} % 60000000 // 1000000`)} || ${fraction} || ''' DAY TO SECOND'`;
  return `CASE WHEN ${x} IS NULL THEN NULL WHEN ${dt} = 0 AND ${ym} <> 0 THEN ${yearMonth} WHEN ${ym} = 0 THEN ${dayTime} ELSE CAST(${x} AS VARCHAR) END`;
}
