/** CAST and TRY_CAST with Spark's reading of the target type (ANSI mode off). */
import type { DataType } from '@loch/delta';
import { duckType } from '../../../scan/duck-types.js';
import { Cursor } from '../../parse/cursor.js';
import { isPunct, isWord, type Token } from '../../parse/lexer.js';
import { parseSparkType } from '../../parse/spark-types.js';
import type { Call } from '../call.js';
import { isSig, sqlString } from '../tokens.js';
import { ANY, type Rule, sparkFunctionError } from './rule.js';

export const CAST_RULES: readonly (readonly [string, Rule])[] = [
  // --- CAST -----------------------------------------------------------------------------------
  ['cast', { args: [1, ANY], to: (c) => cast(c, 'CAST'), notACall: (c) => castPlan(c) === undefined, upperName: true }],
  ['try_cast', { args: [1, ANY], to: (c) => cast(c, 'TRY_CAST'), notACall: (c) => castPlan(c) === undefined, upperName: true }],
];

interface CastPlan {
  /** The value cast, translated. */
  readonly value: string;
  /** Its significant tokens as written. */
  readonly tokens: Token[];
  /** The DuckDB type. */
  readonly duck: string;
  /** Spark's cast to an integer or to STRING, which DuckDB's differs from; other: the type's name only. */
  readonly target: 'integral' | 'string' | 'other';
}

const INTEGRAL = new Set(['byte', 'short', 'integer', 'long']);

/**
 * CAST(x AS type) when Spark's answer differs from DuckDB's: a type DuckDB reads otherwise (BYTE,
 * DECIMAL without precision = DECIMAL(10,0), TIMESTAMP = an instant, ARRAY<...>), a fraction cast
 * to an integer (Spark truncates, DuckDB rounds), a TIMESTAMP cast to STRING (DuckDB adds the
 * offset). Undefined when DuckDB's cast is Spark's (or the type is DuckDB's own, say INTEGER[]).
 */
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
  const typeTokens = tokens.slice(as + 1, c.close).filter(isSig);
  let type: DataType;
  try {
    const cursor = new Cursor(c.t.text.slice(tokens[as].end, tokens[c.close].start));
    type = parseSparkType(cursor);
    if (!cursor.atEnd()) return undefined;
  } catch {
    return undefined;
  }
  // The type as written is read otherwise (or not at all) by DuckDB.
  const retyped = typeTokens.some(
    (t, k) => isWord(t, 'BYTE', 'TIMESTAMP', 'TIMESTAMP_LTZ', 'TIMESTAMP_NTZ') || isPunct(t, '<') || (isWord(t, 'DECIMAL', 'DEC', 'NUMERIC') && !isPunct(typeTokens[k + 1], '(')),
  );
  const value = tokens.slice(c.open + 1, as).filter(isSig);
  const literal = value.length === 1 && (value[0].kind === 'string' || value[0].kind === 'number');
  let target: CastPlan['target'] = 'other';
  if (type.kind === 'primitive' && INTEGRAL.has(type.name) && !(value.length === 1 && value[0].kind === 'number' && /^[0-9]+$/.test(value[0].text))) {
    target = value.length === 1 && value[0].kind === 'string' && sparkIntegral(value[0].value) === value[0].value ? 'other' : 'integral';
  }
  // Only Spark's name STRING: DuckDB's VARCHAR keeps DuckDB's text.
  if (type.kind === 'primitive' && type.name === 'string' && isWord(typeTokens[0], 'STRING') && !literal) target = 'string';
  if (!retyped && target === 'other') return undefined;
  return { value: c.t.range(c.open + 1, as, true).trim(), tokens: value, duck: duckType(type), target };
}

/** Spark's string-to-integer cast: the digits before the point (a fraction is cut off), undefined when not a number. */
function sparkIntegral(text: string): string | undefined {
  const m = /^\s*([+-]?)([0-9]*)(?:\.[0-9]*)?\s*$/.exec(text);
  if (!m || (m[2] === '' && !text.includes('.'))) return undefined;
  return `${m[1] === '-' ? '-' : ''}${m[2] === '' ? '0' : m[2]}`;
}

function cast(c: Call, keyword: 'CAST' | 'TRY_CAST'): string {
  const plan = castPlan(c);
  if (!plan) throw sparkFunctionError(c.name, 'unexpected form');
  const { value: x, duck } = plan;
  if (plan.target === 'string') {
    return `CASE WHEN typeof(${x}) = 'TIMESTAMP WITH TIME ZONE' THEN CAST(TRY_CAST(${x} AS TIMESTAMP) AS VARCHAR) ELSE ${keyword}(${x} AS VARCHAR) END`;
  }
  if (plan.target === 'integral') {
    const [t] = plan.tokens;
    if (plan.tokens.length === 1 && t.kind === 'number') return `${keyword}(trunc(${x}) AS ${duck})`;
    if (plan.tokens.length === 1 && t.kind === 'string') {
      const digits = sparkIntegral(t.value);
      return digits === undefined ? `CAST(NULL AS ${duck})` : `TRY_CAST(${sqlString(digits)} AS ${duck})`;
    }
    // A double (or a decimal of at most 15 digits, which a double holds exactly) is truncated as a
    // double; a longer decimal and a string by their text (Spark: digits, then an ignored fraction).
    const digits = `regexp_extract(CAST(${x} AS VARCHAR), '^\\s*([+-]?[0-9]+)(?:\\.[0-9]*)?\\s*$', 1)`;
    return (
      `CASE WHEN typeof(${x}) IN ('FLOAT', 'DOUBLE') OR regexp_matches(typeof(${x}), '^DECIMAL\\(([1-9]|1[0-5]),') THEN ${keyword}(trunc(TRY_CAST(${x} AS DOUBLE)) AS ${duck}) ` +
      `WHEN typeof(${x}) LIKE 'DECIMAL%' THEN TRY_CAST(split_part(CAST(${x} AS VARCHAR), '.', 1) AS ${duck}) ` +
      `WHEN typeof(${x}) = 'VARCHAR' THEN TRY_CAST(${digits} AS ${duck}) ELSE ${keyword}(${x} AS ${duck}) END`
    );
  }
  return `${keyword}(${x} AS ${duck})`;
}
