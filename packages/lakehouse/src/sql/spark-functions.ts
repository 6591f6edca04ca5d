/**
 * Spark SQL function calls rewritten into DuckDB SQL with Spark's semantics (Spark 3.x defaults:
 * ANSI mode off, so bad input gives NULL rather than an error). Only calls named in RULES change;
 * every other byte of the text is kept, and calls inside the arguments of any call are rewritten
 * too. Functions DuckDB already runs as Spark does are not in the table: ifnull, instr,
 * map_entries, map_keys, map_values, map_from_entries, greatest and least (both skip NULLs),
 * levenshtein, base64, sha1, md5, hex, count_if, bool_and, bool_or, median, round (half away from
 * zero), array_sort (NULLs last); year, month, dayofmonth, hour... of a date or a timestamp (the
 * table only casts a string literal for them).
 *
 * The rewrite sees text, not types. Where Spark's answer depends on an argument's type (array or
 * map, string or timestamp), the SQL asks DuckDB: `typeof(x)` is folded while binding, so the
 * CASE built on it costs nothing at run time, and each branch casts `x` so that it binds for
 * every type.
 */
import type { DataType } from '@loch/delta';
import { duckType } from '../scan/duck-types.js';
import { Cursor } from './cursor.js';
import { sqlError, type SqlError } from './errors.js';
import { isPunct, isWord, tokenize, type Token } from './lexer.js';
import { parseSparkType } from './spark-types.js';

/** Rewrites the Spark SQL function calls in `text` that DuckDB lacks or runs differently. */
export function translateSparkFunctions(text: string): string {
  const t = new Translator(sparkSyntax(text));
  return t.range(0, t.tokens.length, false);
}

/** Spark's typed number literals: `100L`, `1.5D`, `2BD` (no space before the suffix). */
const NUMBER_SUFFIXES: Readonly<Record<string, string>> = { L: 'BIGINT', S: 'SMALLINT', Y: 'TINYINT', D: 'DOUBLE', F: 'FLOAT', BD: 'DECIMAL' };

/** A BD literal's type is as wide as its digits, as in Spark (`1.50BD` is decimal(3,2)). */
function decimalTypeOf(literal: string): string | undefined {
  const m = /^(\d*)(?:\.(\d*))?$/.exec(literal.replaceAll('_', ''));
  if (!m) return undefined;
  const scale = (m[2] ?? '').length;
  const precision = Math.max(1, m[1].replace(/^0+/, '').length + scale, scale);
  return precision > 38 ? undefined : `DECIMAL(${precision}, ${scale})`;
}

/**
 * Spark syntax outside function calls that DuckDB reads another way or not at all:
 * `LEFT SEMI JOIN` / `LEFT ANTI JOIN` (DuckDB's `SEMI JOIN` / `ANTI JOIN`), `SELECT * EXCEPT (a)`
 * (DuckDB's `EXCLUDE`), and typed number literals (`100L`, which DuckDB would read as `100 AS L`).
 */
function sparkSyntax(text: string): string {
  const tokens = tokenize(text);
  let out = '';
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (isWord(t, 'LEFT')) {
      const k = nextSig(tokens, i);
      if (isWord(tokens[k], 'SEMI', 'ANTI') && isWord(tokens[nextSig(tokens, k)], 'JOIN')) {
        // Drop LEFT and the space after it.
        i = k - 1;
        continue;
      }
    }
    // (Only in a SELECT list: MERGE's `UPDATE SET * EXCEPT (...)` is MERGE's own syntax.)
    if (isWord(t, 'EXCEPT') && isPunct(tokens[prevSig(tokens, i)], '*') && !isWord(tokens[prevSig(tokens, prevSig(tokens, i))], 'SET', 'INSERT')) {
      const open = nextSig(tokens, i);
      if (isPunct(tokens[open], '(') && !isWord(tokens[nextSig(tokens, open)], 'SELECT', 'WITH', 'FROM', 'VALUES')) {
        out += 'EXCLUDE';
        continue;
      }
    }
    const next = tokens[i + 1];
    if (t.kind === 'number' && next?.kind === 'word' && next.start === t.end) {
      const suffix = NUMBER_SUFFIXES[next.text.toUpperCase()];
      const type = suffix === 'DECIMAL' ? decimalTypeOf(t.text) : suffix;
      if (type !== undefined) {
        out += `CAST(${t.text} AS ${type})`;
        i++;
        continue;
      }
    }
    out += t.text;
  }
  return out;
}

/** A LOCH_SQL_ERROR naming the Spark function that cannot be translated. */
export function sparkFunctionError(fn: string, message: string): SqlError {
  return sqlError(`${fn}(): ${message}`);
}

// ---------------------------------------------------------------------------------------------
// The table
// ---------------------------------------------------------------------------------------------

interface Rule {
  /** Fewest and most arguments. */
  readonly args: readonly [number, number];
  /** The DuckDB SQL for the call; `end` when the rewrite also consumed tokens after the `)`. */
  readonly to: (c: Call) => string | { sql: string; end: number };
  /** The call is SQL syntax with the same name rather than the function (FILTER (WHERE ...)). */
  readonly notACall?: (c: Call) => boolean;
  /** Spark names a whole SELECT item of this call with its keyword in capitals (`CAST(x AS INT)`). */
  readonly upperName?: boolean;
  /** The name Spark gives a whole SELECT item of this call, when not the call as written. */
  readonly sparkName?: string;
}

const ANY = Number.POSITIVE_INFINITY;

/** Spark's `yyyy-MM-dd HH:mm:ss`, the pattern unix_timestamp and from_unixtime default to. */
const DEFAULT_PATTERN = 'yyyy-MM-dd HH:mm:ss';

const RULES = new Map<string, Rule>([
  // Spark's constructors take the elements; DuckDB's map() takes a key list and a value list.
  ['array', { args: [0, ANY], to: (c) => `[${c.sqls().join(', ')}]`, notACall: (c) => isWord(c.first(0), 'SELECT') }],
  // `map([k...], [v...])` is DuckDB's own form, left alone; so is the type `MAP(VARCHAR, INT)`.
  ['map', { args: [0, ANY], to: mapOf, notACall: (c) => (c.args.length === 2 && isPunct(c.first(0), '[')) || c.isType() || (c.args.length === 2 && c.args.every((_, i) => isTypeName(c.sig(i)))) }],
  ['map_from_arrays', { args: [2, 2], to: (c) => `map(${c.sql(0)}, ${c.sql(1)})` }],
  // DuckDB skips a NULL map and lets the last duplicate key win; Spark's answer is NULL for a NULL
  // map (duplicates: Spark's LAST_WIN policy rather than its default error).
  ['map_concat', { args: [0, ANY], to: mapConcat }],

  // Spark's two-parameter map lambdas become one-parameter lambdas over map_entries' structs.
  ['transform_keys', { args: [2, 2], to: (c) => mapLambda(c, (e, body) => `{'key': ${body}, 'value': ${e}.value}`, 'list_transform') }],
  ['transform_values', { args: [2, 2], to: (c) => mapLambda(c, (e, body) => `{'key': ${e}.key, 'value': ${body}}`, 'list_transform') }],
  ['map_filter', { args: [2, 2], to: (c) => mapLambda(c, (_e, body) => body, 'list_filter') }],
  ['map_zip_with', { args: [3, 3], to: mapZipWith }],

  // Spark's array lambdas may take the element's 0-based index; DuckDB's index is 1-based.
  ['transform', { args: [2, 2], to: (c) => arrayLambda(c, 'list_transform') }],
  ['filter', { args: [2, 2], to: (c) => arrayLambda(c, 'list_filter'), notACall: (c) => isWord(c.first(0), 'WHERE') }],

  // Spark's lists skip NULLs and are empty, not NULL, for a group without values.
  ['collect_list', { args: [1, 1], to: (c) => collect(c, (agg) => withoutNulls(c, agg)) }],
  ['collect_set', { args: [1, 1], to: (c) => collect(c, (agg) => `coalesce(list_distinct(${agg}), [])`) }],

  // Generators: rows from a SELECT item, a FROM item or LATERAL VIEW (see Translator.generator).
  ['explode', { args: [1, 1], to: (c) => c.t.generator(c, { pos: false, outer: false }) }],
  ['explode_outer', { args: [1, 1], to: (c) => c.t.generator(c, { pos: false, outer: true }) }],
  ['posexplode', { args: [1, 1], to: (c) => c.t.generator(c, { pos: true, outer: false }) }],
  ['posexplode_outer', { args: [1, 1], to: (c) => c.t.generator(c, { pos: true, outer: true }) }],

  // Spark accepts the call form; DuckDB only the keyword.
  ['current_timestamp', { args: [0, 0], to: () => 'current_timestamp' }],
  // The same count; only its column name differs (DuckDB's is count_star()).
  ['count', { args: [1, 1], to: () => 'count(*)', sparkName: 'count(1)', notACall: (c) => !(c.args.length === 1 && c.sig(0).length === 1 && isPunct(c.sig(0)[0], '*')) }],

  ['nvl', { args: [2, 2], to: (c) => `coalesce(${c.sql(0)}, ${c.sql(1)})` }],
  ['nvl2', { args: [3, 3], to: (c) => `CASE WHEN ${c.atom(0)} IS NOT NULL THEN ${c.sql(1)} ELSE ${c.sql(2)} END` }],
  // spark.sql.legacy.sizeOfNull defaults to true: size(NULL) is -1 (not NULL) with ANSI mode off.
  ['size', { args: [1, 1], to: (c) => `CAST(coalesce(${sizeOf(c, 0)}, -1) AS INTEGER)` }],
  ['cardinality', { args: [1, 1], to: (c) => `CAST(coalesce(${sizeOf(c, 0)}, -1) AS INTEGER)` }],
  // Spark: NULL when the value is absent but the array holds a NULL (DuckDB says false).
  [
    'array_contains',
    {
      args: [2, 2],
      to: (c) =>
        `CASE WHEN list_contains(${c.sql(0)}, ${c.sql(1)}) THEN true ` +
        `WHEN ${c.atom(1)} IS NOT NULL AND list_count(${c.sql(0)}) = len(${c.sql(0)}) THEN false END`,
    },
  ],
  // DuckDB's subscript reads both: 1-based (negative from the end) for lists, the key for maps.
  // Index 0 gives NULL where Spark raises an error: the text cannot tell an array from a map.
  ['element_at', { args: [2, 2], to: (c) => `${c.atom(0)}[${c.sql(1)}]` }],
  ['sort_array', { args: [1, 2], to: sortArray }],
  ['array_join', { args: [2, 3], to: arrayJoin }],
  ['concat_ws', { args: [1, ANY], to: concatWs }],

  // DuckDB's own forms are left alone: datediff(part, start, end), date_sub(part, start, end),
  // date_add(date, INTERVAL ...). Spark writes the unit of its three-argument forms as a keyword
  // (`datediff(MONTH, a, b)`; a quoted unit is a Spark syntax error), so a quoted one is DuckDB's:
  // DuckDB counts the unit boundaries crossed, Spark the whole units elapsed.
  ['datediff', { args: [2, 3], to: (c) => (c.args.length === 3 ? timestampDiff(c) : daysBetween(c)), notACall: (c) => c.args.length === 3 && unitWord(c) === undefined }],
  ['date_diff', { args: [2, 3], to: (c) => (c.args.length === 3 ? timestampDiff(c) : daysBetween(c)), notACall: (c) => c.args.length === 3 && unitWord(c) === undefined }],
  ['timestampdiff', { args: [3, 3], to: timestampDiff }],
  ['date_add', { args: [2, 3], to: (c) => (c.args.length === 3 ? timestampAdd(c) : addDays(c)), notACall: (c) => c.args.length === 2 && isWord(c.first(1), 'INTERVAL') }],
  // Databricks' dateadd(date, days) is date_add's synonym.
  ['dateadd', { args: [2, 3], to: (c) => (c.args.length === 3 ? timestampAdd(c) : addDays(c)) }],
  ['timestampadd', { args: [3, 3], to: timestampAdd }],
  ['date_sub', { args: [2, 2], to: (c) => `(${toDate(c.sql(0))} - CAST(${c.sql(1)} AS INTEGER))`, notACall: (c) => c.args.length === 3 }],
  // Both clamp to the month's last day (2016-08-31 + 1 month = 2016-09-30), as Spark 3 does.
  ['add_months', { args: [2, 2], to: (c) => `CAST(${toDate(c.sql(0))} + to_months(CAST(${c.sql(1)} AS INTEGER)) AS DATE)` }],
  ['to_date', { args: [1, 2], to: (c) => (c.args.length === 1 ? toDate(c.sql(0)) : `CAST(${parseTimestamp(c, 0, c.pattern(1))} AS DATE)`) }],
  // Numbers are seconds since the epoch in both (DuckDB's to_timestamp(n) is left alone).
  ['to_timestamp', { args: [1, 2], to: (c) => (c.args.length === 1 ? toTimestamp(c.sql(0)) : parseTimestamp(c, 0, c.pattern(1))), notACall: (c) => c.args.length === 1 && c.sig(0).length === 1 && c.first(0)?.kind === 'number' }],
  ['unix_timestamp', { args: [0, 2], to: unixTimestamp }],
  ['from_unixtime', { args: [1, 2], to: (c) => formatTimestamp(`to_timestamp(CAST(${c.sql(0)} AS BIGINT))`, c.args.length === 2 ? c.pattern(1) : DEFAULT_PATTERN, c.name) }],
  ['date_format', { args: [2, 2], to: (c) => formatTimestamp(`TRY_CAST(${c.sql(0)} AS TIMESTAMPTZ)`, c.pattern(1), c.name) }],

  // --- Strings and regular expressions -------------------------------------------------------
  // Spark replaces every match (DuckDB only the first unless told 'g') and writes groups `$1`.
  ['regexp_replace', { args: [3, 4], to: regexpReplace }],
  // Spark's group defaults to 1, DuckDB's to 0 (the whole match).
  ['regexp_extract', { args: [2, 3], to: (c) => `regexp_extract(${c.sql(0)}, ${regexArg(c, 1)}, ${c.args.length === 3 ? c.sql(2) : '1'})` }],
  ['regexp_extract_all', { args: [2, 3], to: (c) => `regexp_extract_all(${c.sql(0)}, ${regexArg(c, 1)}, ${c.args.length === 3 ? c.sql(2) : '1'})` }],
  ['rlike', { args: [2, 2], to: (c) => `regexp_matches(${c.sql(0)}, ${regexArg(c, 1)})` }],
  ['regexp_like', { args: [2, 2], to: (c) => `regexp_matches(${c.sql(0)}, ${regexArg(c, 1)})` }],
  ['regexp', { args: [2, 2], to: (c) => `regexp_matches(${c.sql(0)}, ${regexArg(c, 1)})` }],
  // Spark splits on a regular expression; DuckDB's split() on the literal text.
  ['split', { args: [2, 3], to: split }],
  // Spark's concat is NULL when any argument is; DuckDB's skips NULLs.
  ['concat', { args: [0, ANY], to: (c) => (c.args.length === 0 ? "''" : nullIfAnyNull(c, c.args.map((_, i) => i), `concat(${c.sqls().join(', ')})`)) }],
  ['initcap', { args: [1, 1], to: initcap }],
  ['locate', { args: [2, 3], to: locate }],
  // `position(substr IN str)` is DuckDB's too; the comma form is locate's.
  ['position', { args: [2, 3], to: locate, notACall: (c) => c.args.length === 1 }],
  ['substring_index', { args: [3, 3], to: substringIndex }],
  ['format_number', { args: [2, 2], to: formatNumber }],
  ['format_string', { args: [1, ANY], to: formatString }],
  ['printf', { args: [1, ANY], to: formatString }],
  ['unbase64', { args: [1, 1], to: (c) => `from_base64(${c.sql(0)})` }],
  ['sha', { args: [1, 1], to: (c) => `sha1(${c.sql(0)})` }],
  ['sha2', { args: [2, 2], to: sha2 }],
  // A length below 0 counts from the end in DuckDB; Spark's answer is ''.
  ['left', { args: [2, 2], to: (c) => `left(${c.sql(0)}, ${clampedLength(c, 1)})`, notACall: (c) => isNonNegativeInteger(c, 1) }],
  ['right', { args: [2, 2], to: (c) => `right(${c.sql(0)}, ${clampedLength(c, 1)})`, notACall: (c) => isNonNegativeInteger(c, 1) }],
  // Spark pads with spaces by default and gives back the string cut to length for an empty pad
  // (DuckDB raises an error).
  ['lpad', { args: [2, 3], to: (c) => pad(c, 'lpad'), notACall: (c) => c.args.length === 3 && (c.literal(2) ?? '') !== '' }],
  ['rpad', { args: [2, 3], to: (c) => pad(c, 'rpad'), notACall: (c) => c.args.length === 3 && (c.literal(2) ?? '') !== '' }],
  // Position 0 is position 1 in Spark and a length below 0 gives ''; DuckDB counts the length back
  // from the position (see substring). A positive position and length read the same in both.
  ['substring', { args: [1, 3], to: substring, notACall: (c) => c.args.length === 2 || (c.args.length === 3 && isPositiveInteger(c, 1) && isNonNegativeInteger(c, 2)) }],
  ['substr', { args: [1, 3], to: substring, notACall: (c) => c.args.length === 2 || (c.args.length === 3 && isPositiveInteger(c, 1) && isNonNegativeInteger(c, 2)) }],
  // `SELECT * REPLACE (expr AS col)` is DuckDB's clause.
  ['replace', { args: [2, 3], to: (c) => `replace(${c.sql(0)}, ${c.sql(1)}, '')`, notACall: (c) => c.args.length !== 2 || isPunct(c.t.tokens[c.t.prev(c.start)], '*') }],

  // --- Dates and timestamps -------------------------------------------------------------------
  // Spark: 1 = Sunday ... 7 = Saturday; DuckDB's dayofweek is 0 = Sunday.
  ['dayofweek', { args: [1, 1], to: (c) => `(dayofweek(${toDate(c.sql(0))}) + 1)` }],
  // Spark: 0 = Monday ... 6 = Sunday; DuckDB's weekday is its dayofweek (0 = Sunday).
  ['weekday', { args: [1, 1], to: (c) => `(isodow(${toDate(c.sql(0))}) - 1)` }],
  // DuckDB cannot tell which type a string literal stands for; Spark casts it.
  ...(['year', 'quarter', 'month', 'day', 'dayofmonth', 'dayofyear', 'weekofyear'] as const).map((fn): [string, Rule] => [fn, { args: [1, 1], to: (c) => `${fn}(${toDate(c.sql(0))})`, notACall: (c) => !c.isString(0) }]),
  ...(['hour', 'minute', 'second'] as const).map((fn): [string, Rule] => [fn, { args: [1, 1], to: (c) => `${fn}(${localTimestamp(c.sql(0))})`, notACall: (c) => !c.isString(0) }]),
  ['last_day', { args: [1, 1], to: (c) => `last_day(${toDate(c.sql(0))})` }],
  ['extract', { args: [1, 1], to: extract, notACall: (c) => extractParts(c) === undefined }],
  ['date_part', { args: [2, 2], to: datePart, notACall: (c) => datePartField(c) === undefined }],
  ['date_trunc', { args: [2, 2], to: dateTrunc, notACall: (c) => !c.isString(1) && DUCKDB_TRUNC_UNITS.has((c.literal(0) ?? '').toLowerCase()) }],
  // trunc(number[, digits]) is DuckDB's; Spark's trunc(date, fmt) takes a unit string.
  ['trunc', { args: [2, 2], to: truncDate, notACall: (c) => !c.isString(1) }],
  ['months_between', { args: [2, 3], to: monthsBetween }],
  ['next_day', { args: [2, 2], to: nextDay }],
  // make_timestamp's seventh argument is a time zone, which DuckDB's make_timestamp lacks.
  ['make_timestamp', { args: [6, 7], to: (c) => `make_timestamptz(${c.sqls().join(', ')})`, notACall: (c) => c.args.length !== 7 }],
  ['timestamp_seconds', { args: [1, 1], to: (c) => `to_timestamp(${c.sql(0)})` }],
  ['timestamp_millis', { args: [1, 1], to: (c) => `(to_timestamp(0) + to_milliseconds(CAST(${c.sql(0)} AS BIGINT)))` }],
  ['timestamp_micros', { args: [1, 1], to: (c) => `(to_timestamp(0) + to_microseconds(CAST(${c.sql(0)} AS BIGINT)))` }],
  // Spark floors to the unit (before 1970 too).
  ['unix_seconds', { args: [1, 1], to: (c) => `CAST(floor(epoch(${instant(c.sql(0))})) AS BIGINT)` }],
  ['unix_millis', { args: [1, 1], to: (c) => `CAST(floor(epoch_us(${instant(c.sql(0))}) / 1000) AS BIGINT)` }],
  ['unix_micros', { args: [1, 1], to: (c) => `epoch_us(${instant(c.sql(0))})` }],
  ['unix_date', { args: [1, 1], to: (c) => `CAST(date_diff('day', DATE '1970-01-01', ${toDate(c.sql(0))}) AS INTEGER)` }],
  ['date_from_unix_date', { args: [1, 1], to: (c) => `(DATE '1970-01-01' + CAST(${c.sql(0)} AS INTEGER))` }],
  // The wall clock of the instant in one zone read as a wall clock in the other.
  ['from_utc_timestamp', { args: [2, 2], to: (c) => `timezone('UTC', timezone(${c.sql(1)}, ${instant(c.sql(0))}))` }],
  ['to_utc_timestamp', { args: [2, 2], to: (c) => `timezone(${c.sql(1)}, timezone('UTC', ${instant(c.sql(0))}))` }],

  // --- Arrays, maps and structs ---------------------------------------------------------------
  // Spark: 0 when absent (DuckDB: NULL), NULL for a NULL element to look for (DuckDB finds NULLs).
  ['array_position', { args: [2, 2], to: (c) => nullIfAnyNull(c, [0, 1], `CAST(coalesce(list_position(${c.sql(0)}, ${c.sql(1)}), 0) AS BIGINT)`) }],
  ['array_remove', { args: [2, 2], to: arrayRemove }],
  // Spark keeps the first occurrence of each element in order, NULL included; DuckDB's
  // array_distinct drops NULLs and the order, its array_intersect both too.
  ['array_distinct', { args: [1, 1], to: (c) => distinct(c, c.sql(0)) }],
  ['array_union', { args: [2, 2], to: (c) => nullIfAnyNull(c, [0, 1], distinct(c, `list_concat(${c.sql(0)}, ${c.sql(1)})`)) }],
  ['array_intersect', { args: [2, 2], to: (c) => nullIfAnyNull(c, [0, 1], distinct(c, c.sql(0), (e) => `list_position(${c.sql(1)}, ${e}) IS NOT NULL`)) }],
  ['array_except', { args: [2, 2], to: (c) => nullIfAnyNull(c, [0, 1], distinct(c, c.sql(0), (e) => `list_position(${c.sql(1)}, ${e}) IS NULL`)) }],
  ['arrays_overlap', { args: [2, 2], to: arraysOverlap }],
  ['arrays_zip', { args: [1, ANY], to: arraysZip }],
  ['array_max', { args: [1, 1], to: (c) => `list_max(${c.sql(0)})` }],
  ['array_min', { args: [1, 1], to: (c) => `list_min(${c.sql(0)})` }],
  ['array_repeat', { args: [2, 2], to: (c) => `repeat([${c.sql(0)}], CAST(${c.sql(1)} AS BIGINT))` }],
  ['sequence', { args: [2, 3], to: sequence }],
  ['slice', { args: [3, 3], to: slice }],
  // Spark: NULL when an inner array is NULL; DuckDB skips it.
  ['flatten', { args: [1, 1], to: (c) => `CASE WHEN list_count(${c.sql(0)}) < len(${c.sql(0)}) THEN NULL ELSE flatten(${c.sql(0)}) END` }],
  // EXISTS (SELECT ...) is SQL's, not a call.
  ['exists', { args: [2, 2], to: (c) => quantified(c, 'exists'), notACall: (c) => !c.isLambda(1) }],
  ['forall', { args: [2, 2], to: (c) => quantified(c, 'forall') }],
  ['aggregate', { args: [3, 4], to: aggregate }],
  // reduce(list, lambda[, initial]) is DuckDB's; Spark's second argument is the initial value.
  ['reduce', { args: [3, 4], to: aggregate, notACall: (c) => c.isLambda(1) || isWord(c.first(1), 'LAMBDA') }],
  ['zip_with', { args: [3, 3], to: zipWith }],
  ['named_struct', { args: [0, ANY], to: namedStruct }],
  // The type STRUCT(a INT) and the CAST target are DuckDB's.
  ['struct', { args: [0, ANY], to: struct, notACall: (c) => c.isType() || c.args.some((_, i) => isFieldDefinition(c.sig(i))) }],
  ['map_contains_key', { args: [2, 2], to: (c) => `map_contains(${c.sql(0)}, ${c.sql(1)})` }],
  ['str_to_map', { args: [1, 3], to: strToMap }],

  // --- JSON -----------------------------------------------------------------------------------
  ['get_json_object', { args: [2, 2], to: getJsonObject }],
  // A generator of one row: a whole SELECT item, a FROM item or in LATERAL VIEW, as explode.
  ['json_tuple', { args: [2, ANY], to: (c) => c.t.generator(c, { pos: false, outer: false, tuple: true }) }],
  ['to_json', { args: [1, 2], to: toJson }],
  ['from_json', { args: [2, 3], to: refused("cannot be translated (Spark's schema and parse modes): read the JSON with DuckDB's json_transform(json, structure) or ->>") }],

  // --- Aggregates -----------------------------------------------------------------------------
  // An exact answer lies within any accuracy Spark is asked for; Spark's approximate percentile is
  // a value of the data (the rank ceil(p * n)), as quantile_disc's is.
  ['percentile_approx', { args: [2, 3], to: (c) => `quantile_disc(${c.sql(0)}, ${c.sql(1)})` }],
  ['approx_percentile', { args: [2, 3], to: (c) => `quantile_disc(${c.sql(0)}, ${c.sql(1)})` }],
  // Spark's exact percentile interpolates between values, as quantile_cont does.
  ['percentile', { args: [2, 3], to: (c) => (c.args.length === 3 ? refused('the frequency argument cannot be translated')(c) : `quantile_cont(${c.sql(0)}, ${c.sql(1)})`) }],
  ['first', { args: [1, 2], to: (c) => firstLast(c, 'first') }],
  ['first_value', { args: [1, 2], to: (c) => firstLast(c, 'first') }],
  ['last', { args: [1, 2], to: (c) => firstLast(c, 'last') }],
  ['last_value', { args: [1, 2], to: (c) => firstLast(c, 'last') }],
  ['every', { args: [1, 1], to: (c) => `bool_and(${c.sql(0)})` }],
  // `x = ANY (SELECT ...)` and `x > SOME (...)` are SQL's comparisons with a subquery.
  ['some', { args: [1, 1], to: (c) => `bool_or(${c.sql(0)})`, notACall: isSubqueryComparison }],
  ['any', { args: [1, 1], to: (c) => `bool_or(${c.sql(0)})`, notACall: isSubqueryComparison }],

  // --- Numbers and other functions ------------------------------------------------------------
  // Spark's one-argument log is the natural logarithm (DuckDB's is base 10); Spark's logarithms
  // are NULL where undefined (DuckDB raises an error), and base 1 divides by ln(1) = 0 as Spark does.
  ['log', { args: [1, 2], to: (c) => (c.args.length === 1 ? `CASE WHEN ${c.atom(0)} > 0 THEN ln(${c.sql(0)}) END` : `CASE WHEN ${c.atom(0)} > 0 AND ${c.atom(1)} > 0 THEN ln(${c.sql(1)}) / ln(${c.sql(0)}) END`) }],
  ['ln', { args: [1, 1], to: (c) => `CASE WHEN ${c.atom(0)} > 0 THEN ln(${c.sql(0)}) END` }],
  ['log10', { args: [1, 1], to: (c) => `CASE WHEN ${c.atom(0)} > 0 THEN log10(${c.sql(0)}) END` }],
  ['log2', { args: [1, 1], to: (c) => `CASE WHEN ${c.atom(0)} > 0 THEN log2(${c.sql(0)}) END` }],
  ['pmod', { args: [2, 2], to: (c) => `CASE WHEN ${c.atom(0)} % ${c.atom(1)} < 0 THEN (${c.atom(0)} % ${c.atom(1)} + ${c.atom(1)}) % ${c.atom(1)} ELSE ${c.atom(0)} % ${c.atom(1)} END` }],
  ['bround', { args: [1, 2], to: (c) => `round_even(${c.sql(0)}, ${c.args.length === 2 ? c.sql(1) : '0'})` }],
  ['nanvl', { args: [2, 2], to: (c) => `CASE WHEN isnan(CAST(${c.sql(0)} AS DOUBLE)) THEN ${c.sql(1)} ELSE ${c.sql(0)} END` }],
  ['isnull', { args: [1, 1], to: (c) => `(${c.atom(0)} IS NULL)` }],
  ['isnotnull', { args: [1, 1], to: (c) => `(${c.atom(0)} IS NOT NULL)` }],
  ['zeroifnull', { args: [1, 1], to: (c) => `coalesce(${c.sql(0)}, 0)` }],
  ['nullifzero', { args: [1, 1], to: (c) => `nullif(${c.sql(0)}, 0)` }],
  // A seed makes Spark's sequence repeatable; DuckDB's random() takes none.
  ['rand', { args: [0, 1], to: (c) => randomValue(c, 'random()') }],
  ['random', { args: [1, 1], to: (c) => randomValue(c, 'random()'), notACall: (c) => c.args.length === 0 }],
  ['randn', { args: [0, 1], to: (c) => randomValue(c, '(sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()))') }],
  // One partition: ids 0, 1, 2, ... are unique and increasing, as Spark's are.
  ['monotonically_increasing_id', { args: [0, 0], to: () => '(row_number() OVER () - 1)' }],
  ['spark_partition_id', { args: [0, 0], to: () => '0' }],

  // --- CAST -----------------------------------------------------------------------------------
  ['cast', { args: [1, ANY], to: (c) => cast(c, 'CAST'), notACall: (c) => castPlan(c) === undefined, upperName: true }],
  ['try_cast', { args: [1, ANY], to: (c) => cast(c, 'TRY_CAST'), notACall: (c) => castPlan(c) === undefined, upperName: true }],
]);

/** A rule for a form that cannot be translated faithfully: a LOCH_SQL_ERROR naming the function. */
function refused(message: string): (c: Call) => never {
  return (c) => {
    throw sparkFunctionError(c.name, message);
  };
}

/** Calls whose value is a map whatever their arguments (a map column cannot be told from text). */
const MAP_FUNCTIONS = new Set(['map', 'map_from_arrays', 'map_from_entries', 'map_concat', 'map_filter', 'transform_keys', 'transform_values', 'map_zip_with', 'str_to_map']);
/** Calls whose value is an array whatever their arguments. */
const ARRAY_FUNCTIONS = new Set([
  'array', 'collect_list', 'collect_set', 'array_agg', 'split', 'sequence', 'sort_array', 'array_sort', 'map_keys', 'map_values',
  'array_distinct', 'array_union', 'array_intersect', 'array_except', 'array_remove', 'array_repeat', 'slice', 'flatten',
  'transform', 'filter', 'arrays_zip', 'map_entries',
]);

/** Words that end a SELECT item (so the word after a generator call is not its alias). */
const ITEM_END = new Set([
  'FROM', 'WHERE', 'GROUP', 'HAVING', 'ORDER', 'LIMIT', 'OFFSET', 'UNION', 'EXCEPT', 'INTERSECT', 'MINUS', 'WINDOW',
  'QUALIFY', 'CLUSTER', 'DISTRIBUTE', 'SORT', 'LATERAL', 'INTO', 'FETCH', 'JOIN', 'INNER', 'LEFT', 'RIGHT', 'FULL',
  'CROSS', 'NATURAL', 'ON', 'USING',
]);

// ---------------------------------------------------------------------------------------------
// Rules with more than one line
// ---------------------------------------------------------------------------------------------

function mapOf(c: Call): string {
  if (c.args.length % 2 !== 0) throw sparkFunctionError(c.name, `expects key, value pairs, got ${c.args.length} arguments`);
  const keys: string[] = [];
  const values: string[] = [];
  c.args.forEach((_, i) => (i % 2 === 0 ? keys : values).push(c.sql(i)));
  return c.args.length === 0 ? 'map()' : `map([${keys.join(', ')}], [${values.join(', ')}])`;
}

function mapConcat(c: Call): string {
  if (c.args.length === 0) return 'map()';
  if (c.args.length === 1) return c.sql(0);
  const anyNull = c.args.map((_, i) => `${c.atom(i)} IS NULL`).join(' OR ');
  return `CASE WHEN ${anyNull} THEN NULL ELSE map_concat(${c.sqls().join(', ')}) END`;
}

/** transform_keys, transform_values, map_filter: `(k, v) -> body` over the entries of a map. */
function mapLambda(c: Call, entry: (e: string, body: string) => string, listFunction: string): string {
  const f = c.lambda(1, [2]);
  const e = c.fresh('e');
  const body = substitute(f.body, new Map([[f.params[0], `${e}.key`], [f.params[1], `${e}.value`]]));
  return `map_from_entries(${listFunction}(map_entries(${c.sql(0)}), lambda ${e}: ${entry(e, body)}))`;
}

/** Keys of both maps, the first map's in its order, then the second's new ones; a NULL map gives NULL. */
function mapZipWith(c: Call): string {
  const f = c.lambda(2, [3]);
  const [m1, m2] = [c.atom(0), c.atom(1)];
  const k = c.fresh('k');
  const seen = c.fresh('k');
  const body = substitute(f.body, new Map([[f.params[0], k], [f.params[1], `${m1}[${k}]`], [f.params[2], `${m2}[${k}]`]]));
  const keys = `list_concat(map_keys(${m1}), list_filter(map_keys(${m2}), lambda ${seen}: NOT list_contains(map_keys(${m1}), ${seen})))`;
  return `CASE WHEN ${m1} IS NULL OR ${m2} IS NULL THEN NULL ELSE map_from_entries(list_transform(${keys}, lambda ${k}: {'key': ${k}, 'value': ${body}})) END`;
}

/** transform / filter: `x -> body` or `(x, i) -> body` with `i` counted from 0. */
function arrayLambda(c: Call, listFunction: string): string {
  const f = c.lambda(1, [1, 2]);
  if (f.params.length === 1) return `${listFunction}(${c.sql(0)}, lambda ${f.params[0]}: ${f.body})`;
  const i = c.fresh('i');
  const body = substitute(f.body, new Map([[f.params[1], `(${i} - 1)`]]));
  return `${listFunction}(${c.sql(0)}, lambda ${f.params[0]}, ${i}: ${body})`;
}

/**
 * collect_list / collect_set: DuckDB's list() with Spark's NULL handling wrapped around the whole
 * aggregate, so a FILTER (WHERE ...) or OVER (...) after the call moves inside the wrapper.
 */
function collect(c: Call, wrap: (aggregate: string) => string): { sql: string; end: number } {
  let end = c.close + 1;
  let tail = '';
  let k = c.t.next(c.close);
  for (const clause of ['FILTER', 'OVER']) {
    if (!isWord(c.t.tokens[k], clause)) continue;
    const after = c.t.next(k);
    const last = isPunct(c.t.tokens[after], '(') ? c.t.closing(after) : clause === 'OVER' ? after : undefined;
    if (last === undefined || last >= c.limit) break;
    tail += ` ${c.t.range(k, last + 1, true)}`;
    end = last + 1;
    k = c.t.next(last);
  }
  return { sql: wrap(`list(${c.sql(0)})${tail}`), end };
}

function withoutNulls(c: Call, list: string): string {
  const x = c.fresh('x');
  return `coalesce(list_filter(${list}, lambda ${x}: ${x} IS NOT NULL), [])`;
}

/** size / cardinality without the NULL default. */
function sizeOf(c: Call, i: number): string {
  const kind = c.kindOf(i);
  if (kind === 'map') return `cardinality(${c.sql(i)})`;
  if (kind === 'array') return `len(${c.sql(i)})`;
  const x = c.sql(i);
  return `CASE WHEN typeof(${x}) LIKE 'MAP(%' THEN cardinality(TRY_CAST(${x} AS MAP("NULL", "NULL"))) ELSE len(TRY_CAST(${x} AS "NULL"[])) END`;
}

function sortArray(c: Call): string {
  let ascending = true;
  if (c.args.length === 2) {
    const s = c.sig(1);
    if (s.length !== 1 || !isWord(s[0], 'TRUE', 'FALSE')) throw sparkFunctionError(c.name, 'the sort order must be the literal true or false');
    ascending = isWord(s[0], 'TRUE');
  }
  // Spark puts NULLs first in ascending order and last in descending order.
  return ascending ? `list_sort(${c.sql(0)}, 'ASC', 'NULLS FIRST')` : `list_sort(${c.sql(0)}, 'DESC', 'NULLS LAST')`;
}

function arrayJoin(c: Call): string {
  let list = c.sql(0);
  if (c.args.length === 3) {
    const x = c.fresh('x');
    list = `list_transform(${list}, lambda ${x}: coalesce(${x}, ${c.sql(2)}))`;
  }
  return nullWhenNull(c, 1, `array_to_string(${list}, ${c.sql(1)})`);
}

/** Spark's concat_ws also takes arrays of strings, their elements joined like the other arguments. */
function concatWs(c: Call): string {
  const parts = c.args.slice(1).map((_, j) => {
    const i = j + 1;
    if (c.isString(i)) return `[${c.sql(i)}]`;
    if (c.kindOf(i) === 'array') return c.sql(i);
    const x = c.sql(i);
    return `CASE WHEN typeof(${x}) LIKE '%]' THEN TRY_CAST(${x} AS VARCHAR[]) ELSE [CAST(${x} AS VARCHAR)] END`;
  });
  const list = parts.length === 0 ? '[]::VARCHAR[]' : parts.length === 1 ? parts[0] : `list_concat(${parts.join(', ')})`;
  return nullWhenNull(c, 0, `array_to_string(${list}, ${c.sql(0)})`);
}

/** DuckDB ignores a NULL separator; Spark's result is NULL. */
function nullWhenNull(c: Call, i: number, sql: string): string {
  return c.isString(i) ? sql : `CASE WHEN ${c.atom(i)} IS NULL THEN NULL ELSE ${sql} END`;
}

function toTimestamp(x: string): string {
  const numeric = `typeof(${x}) IN ('TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'HUGEINT', 'UTINYINT', 'USMALLINT', 'UINTEGER', 'UBIGINT', 'FLOAT', 'DOUBLE') OR typeof(${x}) LIKE 'DECIMAL%'`;
  return `CASE WHEN ${numeric} THEN to_timestamp(TRY_CAST(${x} AS DOUBLE)) ELSE TRY_CAST(${x} AS TIMESTAMPTZ) END`;
}

function toDate(sql: string): string {
  return `TRY_CAST(${sql} AS DATE)`;
}

function unixTimestamp(c: Call): string {
  const ts = c.args.length === 0 ? 'current_timestamp' : parseTimestamp(c, 0, c.args.length === 2 ? c.pattern(1) : DEFAULT_PATTERN);
  return `CAST(floor(epoch(${ts})) AS BIGINT)`;
}

/**
 * Argument `i` as a TIMESTAMPTZ: a string is parsed with the pattern; a date or timestamp is taken
 * as it is (Spark ignores the pattern for them).
 */
function parseTimestamp(c: Call, i: number, pattern: string): string {
  const { format, zulu } = parsePattern(pattern, c.name);
  const x = c.sql(i);
  const text = zulu ? `regexp_replace(CAST(${x} AS VARCHAR), 'Z$', '+00:00')` : `CAST(${x} AS VARCHAR)`;
  const parsed = `CAST(try_strptime(${text}, ${sqlString(format)}) AS TIMESTAMPTZ)`;
  return c.isString(i) ? parsed : `CASE WHEN typeof(${x}) LIKE 'VARCHAR%' THEN ${parsed} ELSE TRY_CAST(${x} AS TIMESTAMPTZ) END`;
}

// ---------------------------------------------------------------------------------------------
// Strings and regular expressions
// ---------------------------------------------------------------------------------------------

/** Spark's one-letter string escapes; any other escaped character stands for itself. */
const ESCAPES = new Map([['0', '\u0000'], ['b', '\b'], ['n', '\n'], ['r', '\r'], ['t', '\t'], ['Z', '\u001a'], ['%', '\\%'], ['_', '\\_']]);

/**
 * The value of the text between a Spark string literal's quotes. Spark reads backslash escapes
 * (its docs write the regex `\d` as '\\d'); DuckDB reads none, so a literal whose value matters to
 * the rewrite (a regular expression, a replacement) is written out again as DuckDB reads it.
 */
function sparkUnescape(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (ch === "'" && s[i + 1] === "'") {
      out += "'";
      i++;
      continue;
    }
    if (ch !== '\\' || i + 1 === s.length) {
      out += ch;
      continue;
    }
    const rest = s.slice(i + 1);
    const unicode = /^u([0-9a-fA-F]{4})/.exec(rest);
    const octal = /^[0-3][0-7][0-7]/.exec(rest);
    if (unicode) {
      out += String.fromCharCode(parseInt(unicode[1], 16));
      i += 5;
    } else if (octal) {
      out += String.fromCharCode(parseInt(octal[0], 8));
      i += 3;
    } else {
      out += ESCAPES.get(rest[0]) ?? rest[0];
      i++;
    }
  }
  return out;
}

/** The value of a string literal made of these significant tokens: '...' or Spark's raw r'...'. */
function stringLiteral(s: readonly Token[]): string | undefined {
  if (s.length === 1 && s[0].kind === 'string') {
    const t = s[0];
    return t.text.startsWith("'") && t.text.endsWith("'") && t.text.length > 1 ? sparkUnescape(t.text.slice(1, -1)) : t.value;
  }
  if (s.length === 2 && isWord(s[0], 'R') && s[1].kind === 'string' && s[0].end === s[1].start) return s[1].value;
  return undefined;
}

/** Argument `i`, a regular expression: a literal is written out with Spark's escapes read. */
function regexArg(c: Call, i: number): string {
  const v = c.literal(i);
  return v === undefined ? c.sql(i) : sqlString(v);
}

function regexpReplace(c: Call): string {
  const regex = c.literal(1);
  const literal = c.literal(2);
  const rep = literal === undefined ? javaReplacementAtRunTime(c, c.sql(2)) : sqlString(re2Replacement(literal, c.name, regex === undefined ? undefined : groupCount(regex)));
  const replaceAll = (s: string) => `regexp_replace(${s}, ${regexArg(c, 1)}, ${rep}, 'g')`;
  if (c.args.length === 3) return replaceAll(c.sql(0));
  const p = c.sig(3);
  if (p.length !== 1 || p[0].kind !== 'number' || !/^[0-9]+$/.test(p[0].text) || Number(p[0].text) < 1) {
    throw sparkFunctionError(c.name, 'the position must be a positive integer literal');
  }
  const pos = Number(p[0].text);
  if (pos === 1) return replaceAll(c.sql(0));
  // Matching starts at the position (`^` matches there); a position past the end gives the string back.
  const s = c.atom(0);
  return `CASE WHEN length(${s}) >= ${pos} THEN left(${s}, ${pos - 1}) || ${replaceAll(`substr(${s}, ${pos})`)} ELSE ${s} END`;
}

/** A Java replacement (`$1` a group, `\$` a dollar sign) in RE2's syntax (`\1` a group, `\\` a backslash). */
function re2Replacement(rep: string, fn: string, groups: number | undefined): string {
  let out = '';
  for (let i = 0; i < rep.length; i++) {
    const ch = rep[i];
    if (ch === '\\') {
      if (++i === rep.length) throw sparkFunctionError(fn, 'the replacement ends in a lone backslash');
      out += rep[i] === '\\' ? '\\\\' : rep[i];
    } else if (ch === '$') {
      const digits = /^[0-9]+/.exec(rep.slice(i + 1))?.[0];
      if (digits === undefined) {
        throw sparkFunctionError(fn, "a '$' in the replacement must be followed by a group number (named groups cannot be translated; write \\$ for a dollar sign)");
      }
      // Java takes in as many digits as still name an existing group; RE2 names groups 0 to 9.
      if (digits.length > 1 && (groups === undefined || Number(digits.slice(0, 2)) <= groups)) {
        throw sparkFunctionError(fn, `the group reference $${digits} cannot be translated (DuckDB's replacements name groups 0 to 9 only)`);
      }
      out += `\\${digits[0]}`;
      i++;
    } else out += ch;
  }
  return out;
}

/** A replacement computed at run time, turned from Java's syntax into RE2's token by token. */
function javaReplacementAtRunTime(c: Call, rep: string): string {
  const t = c.fresh('t');
  const tokens = `regexp_extract_all(${rep}, '${String.raw`\\[\s\S]|\$[0-9]|[^\\$]+|[\s\S]`}')`;
  const token = `CASE WHEN ${t}[1] = '\\' THEN (CASE WHEN ${t}[2] = '\\' THEN '\\\\' ELSE ${t}[2] END) WHEN ${t}[1] = '$' AND length(${t}) = 2 THEN '\\' || ${t}[2] ELSE ${t} END`;
  return `array_to_string(list_transform(${tokens}, lambda ${t}: ${token}), '')`;
}

/** The capturing groups of a regular expression. */
function groupCount(regex: string): number {
  let n = 0;
  let inClass = false;
  for (let i = 0; i < regex.length; i++) {
    const ch = regex[i];
    if (ch === '\\') i++;
    else if (inClass) inClass = ch !== ']';
    else if (ch === '[') inClass = true;
    else if (ch === '(' && (regex[i + 1] !== '?' || /^\?P?<[A-Za-z]/.test(regex.slice(i + 1)))) n++;
  }
  return n;
}

/**
 * Spark's split: pieces between matches of a regular expression; with a limit above 0, at most
 * that many, the last one the rest of the string after the first limit - 1 matches.
 */
function split(c: Call): string {
  const s = c.sql(0);
  const regex = c.literal(1);
  // A delimiter without a special character matches itself: the faster literal split.
  const plain = regex !== undefined && regex !== '' && !/[\\^$.|?*+()[\]{}]/.test(regex);
  const parts = `${plain ? 'string_split' : 'regexp_split_to_array'}(${s}, ${regexArg(c, 1)})`;
  if (c.args.length === 2) return parts;
  const limit = c.sig(2);
  const literal = limit.length === 1 && limit[0].kind === 'number' && /^[0-9]+$/.test(limit[0].text) ? Number(limit[0].text) : undefined;
  if (literal === 0 || (limit.length === 2 && isPunct(limit[0], '-') && limit[1].kind === 'number')) return parts;
  const n = c.atom(2);
  // The first limit - 1 matches, each after the shortest run of text, then the rest.
  const rest =
    regex !== undefined && literal !== undefined
      ? sqlString(`^(?:(?s:.*?)(?:${regex})){${literal - 1}}((?s:.*))$`)
      : `'^(?:(?s:.*?)(?:' || ${regexArg(c, 1)} || ')){' || (${n} - 1) || '}((?s:.*))$'`;
  return `CASE WHEN ${n} > 0 AND len(${parts}) > ${n} THEN list_concat(${parts}[1:${n} - 1], [regexp_extract(${s}, ${rest}, 1)]) ELSE ${parts} END`;
}

/** `sql`, or NULL when one of the arguments `indexes` is NULL (literals are never NULL). */
function nullIfAnyNull(c: Call, indexes: readonly number[], sql: string): string {
  const literal = (i: number) => c.sig(i).length === 1 && (c.isString(i) || c.first(i)?.kind === 'number');
  const tests = indexes.filter((i) => !literal(i)).map((i) => `${c.atom(i)} IS NULL`);
  return tests.length === 0 ? sql : `CASE WHEN ${tests.join(' OR ')} THEN NULL ELSE ${sql} END`;
}

/** Spark: each word (split at spaces) capitalized, the rest of it in lower case. */
function initcap(c: Call): string {
  const w = c.fresh('w');
  return `array_to_string(list_transform(string_split(lower(${c.sql(0)}), ' '), lambda ${w}: upper(left(${w}, 1)) || substr(${w}, 2)), ' ')`;
}

/**
 * locate / position: 1-based, 0 when absent. From a position (Hive's rules, kept by Spark): 0 for
 * a position below 1 or NULL, and an empty substring is found at 1.
 */
function locate(c: Call): string {
  const [sub, str] = [c.sql(0), c.sql(1)];
  if (c.args.length === 2) return `instr(${str}, ${sub})`;
  const pos = c.atom(2);
  const found = `instr(substr(${str}, ${pos}), ${sub})`;
  return (
    `CASE WHEN ${pos} IS NULL THEN 0 WHEN ${c.atom(0)} IS NULL OR ${c.atom(1)} IS NULL THEN NULL WHEN ${pos} < 1 THEN 0 ` +
    `WHEN ${c.atom(0)} = '' THEN 1 WHEN ${found} = 0 THEN 0 ELSE ${found} + ${pos} - 1 END`
  );
}

/** The text before the count-th delimiter (after the count-th from the end when negative). */
function substringIndex(c: Call): string {
  const [str, delim, count] = [c.sql(0), c.atom(1), c.atom(2)];
  const parts = `string_split(${str}, ${delim})`;
  return nullIfAnyNull(
    c,
    [0, 1, 2],
    `CASE WHEN ${count} = 0 OR ${delim} = '' THEN '' WHEN ${count} > 0 THEN array_to_string(${parts}[1:${count}], ${delim}) ELSE array_to_string(${parts}[${count}:], ${delim}) END`,
  );
}

/** `#,###,###.##` with d decimals, rounded half to even (Java's DecimalFormat) on the exact value. */
function formatNumber(c: Call): string {
  if (c.isString(1)) throw sparkFunctionError(c.name, 'a format pattern cannot be translated; give the number of decimal places');
  const s = c.sig(1);
  if (s.length === 2 && isPunct(s[0], '-') && s[1].kind === 'number') return 'CAST(NULL AS VARCHAR)';
  if (s.length !== 1 || s[0].kind !== 'number' || !/^[0-9]+$/.test(s[0].text)) throw sparkFunctionError(c.name, 'the number of decimal places must be an integer literal');
  const d = Number(s[0].text);
  return `format('{:,.${d}f}', round_even(${c.sql(0)}, ${d}))`;
}

/** Java's format specifiers: %[index$][flags][width][.precision]conversion. */
const FORMAT_SPEC = /%(\d+\$|<)?([-#+ 0,(]*)(\d+)?(\.\d+)?([a-zA-Z%])/g;

/**
 * format_string / printf: Java's Formatter, each specifier formatted by DuckDB's printf. Java
 * writes a NULL argument as `null` (DuckDB's printf gives NULL for the whole string) and %b as
 * true / false.
 */
function formatString(c: Call): string {
  const format = c.literal(0);
  if (format === undefined) throw sparkFunctionError(c.name, 'the format must be a string literal');
  const pieces: string[] = [];
  const text = (s: string) => {
    if (s.includes('%')) throw sparkFunctionError(c.name, `the format '${format}' has a '%' that starts no known specifier`);
    if (s) pieces.push(sqlString(s));
  };
  let last = 0;
  let ordinary = 0;
  let previous: number | undefined;
  for (const m of format.matchAll(FORMAT_SPEC)) {
    text(format.slice(last, m.index));
    last = m.index + m[0].length;
    const [spec, index, flags, width = '', precision = '', conversion] = m;
    if (conversion === '%') {
      pieces.push("'%'");
      continue;
    }
    if (conversion === 'n') {
      pieces.push('chr(10)');
      continue;
    }
    let arg: number;
    if (index === '<') {
      if (previous === undefined) throw sparkFunctionError(c.name, `'${spec}' refers to the argument before it, and there is none`);
      arg = previous;
    } else arg = index ? Number(index.slice(0, -1)) : ++ordinary;
    if (arg < 1 || arg >= c.args.length) throw sparkFunctionError(c.name, `the format '${format}' needs argument ${arg + 1}, which was not given`);
    previous = arg;
    pieces.push(formatSpec(c, spec, flags, width, precision, conversion, c.sql(arg)));
  }
  text(format.slice(last));
  return pieces.length === 0 ? "''" : pieces.length === 1 ? pieces[0] : `(${pieces.join(' || ')})`;
}

/** One specifier of format_string, its argument `x`; the index (`2$`) is gone, printf gets one argument. */
function formatSpec(c: Call, spec: string, flags: string, width: string, precision: string, conversion: string, x: string): string {
  const refuse = () => sparkFunctionError(c.name, `the specifier '${spec}' cannot be translated`);
  const left = flags.includes('-') ? '-' : '';
  // Java writes null for a NULL argument, padded to the width like a string.
  const nullText = width ? `printf('%${left}${width}s', 'null')` : "'null'";
  const asString = (value: string) => {
    if (flags.replace('-', '')) throw refuse();
    const padded = width || precision ? `printf('%${left}${width}${precision}s', ${value})` : value;
    return conversion === conversion.toUpperCase() ? `upper(${padded})` : padded;
  };
  switch (conversion) {
    case 's':
    case 'S':
      return asString(`coalesce(CAST(${x} AS VARCHAR), 'null')`);
    case 'b':
    case 'B':
      // Java: false for null, the value of a boolean, true for anything else.
      return asString(`CASE WHEN ${x} IS NULL THEN 'false' WHEN typeof(${x}) = 'BOOLEAN' THEN CAST(${x} AS VARCHAR) ELSE 'true' END`);
    case 'd':
    case 'x':
    case 'X':
    case 'o':
    case 'c':
      if (precision || /[#(]/.test(flags) || (conversion !== 'd' && /[+ ,]/.test(flags))) throw refuse();
      return `coalesce(printf('%${flags}${width}${conversion}', ${x}), ${nullText})`;
    case 'e':
    case 'E':
    case 'f':
      if (/[#(]/.test(flags)) throw refuse();
      return `coalesce(printf('%${flags}${width}${precision}${conversion}', ${x}), ${nullText})`;
    default:
      throw refuse();
  }
}

function sha2(c: Call): string {
  const s = c.sig(1);
  if (s.length !== 1 || s[0].kind !== 'number') throw sparkFunctionError(c.name, 'the bit length must be an integer literal');
  const bits = Number(s[0].text);
  if (bits === 0 || bits === 256) return `sha256(${c.sql(0)})`;
  if (bits === 224 || bits === 384 || bits === 512) throw sparkFunctionError(c.name, `SHA-${bits} cannot be translated (DuckDB has SHA-256 only)`);
  // Spark's answer for a bit length it does not know.
  return 'CAST(NULL AS VARCHAR)';
}

/** Argument `i`, a length, with Spark's reading of a negative one as 0. */
function clampedLength(c: Call, i: number): string {
  return `CASE WHEN ${c.atom(i)} < 0 THEN 0 ELSE ${c.sql(i)} END`;
}

function isNonNegativeInteger(c: Call, i: number): boolean {
  const s = c.sig(i);
  return s.length === 1 && s[0].kind === 'number' && /^[0-9]+$/.test(s[0].text);
}

function isPositiveInteger(c: Call, i: number): boolean {
  return isNonNegativeInteger(c, i) && Number(c.sig(i)[0].text) > 0;
}

function pad(c: Call, fn: 'lpad' | 'rpad'): string {
  const [s, n] = [c.sql(0), c.sql(1)];
  if (c.args.length === 2) return `${fn}(${s}, ${n}, ' ')`;
  return `CASE WHEN ${c.atom(2)} = '' THEN left(${s}, ${clampedLength(c, 1)}) ELSE ${fn}(${s}, ${n}, ${c.sql(2)}) END`;
}

/**
 * substring(s, pos, len) or substring(s FROM pos [FOR len]) (DuckDB's substr has no FROM form).
 * Spark counts the characters from a 0-based start: pos - 1, 0 for pos 0, and length + pos for a
 * negative pos, where a start before the string shortens the length; DuckDB moves such a start to
 * the first character instead.
 */
function substring(c: Call): string {
  const [s, pos, len] = c.args.length === 1 ? (c.pieces(0, ['FROM', 'FOR']) ?? []) : c.sqls();
  if (s === undefined || pos === undefined) throw sparkFunctionError(c.name, 'expects (str, pos[, len]) or (str FROM pos [FOR len])');
  const p = isTerm(pos) ? pos : `(${pos})`;
  const start = `(CASE WHEN ${p} < 0 THEN length(${s}) + ${p} WHEN ${p} = 0 THEN 0 ELSE ${p} - 1 END)`;
  const from = `CASE WHEN ${start} < 0 THEN 1 ELSE ${start} + 1 END`;
  if (len === undefined) return `substring(${s}, ${from})`;
  const n = isTerm(len) ? len : `(${len})`;
  const count = `CASE WHEN ${start} < 0 THEN ${start} + ${n} ELSE ${n} END`;
  return `substring(${s}, ${from}, CASE WHEN ${count} < 0 THEN 0 ELSE ${count} END)`;
}

// ---------------------------------------------------------------------------------------------
// Dates and timestamps
// ---------------------------------------------------------------------------------------------

/** A Spark TIMESTAMP (an instant): strings parsed in the session time zone, offsets honoured. */
function instant(sql: string): string {
  return `TRY_CAST(${sql} AS TIMESTAMPTZ)`;
}

/** The wall clock of a Spark TIMESTAMP in the session time zone, whose fields Spark reads. */
function localTimestamp(sql: string): string {
  return `CAST(${instant(sql)} AS TIMESTAMP)`;
}

/**
 * `body` over `values`, each computed once: DuckDB has no LET, so a lambda over a one-element list
 * binds them (the rewrite would otherwise repeat an argument many times over).
 */
function bind(c: Call, values: readonly string[], body: (refs: string[]) => string): string {
  const p = c.fresh('p');
  const fields = values.map((v, i) => `'v${i}': ${v}`).join(', ');
  return `list_transform([{${fields}}], lambda ${p}: ${body(values.map((_, i) => `${p}.v${i}`))})[1]`;
}

/** Spark's datetime fields (date_part, EXTRACT) by DuckDB's name for them. */
const SPARK_FIELDS = new Map<string, string>([
  ...['year', 'y', 'years', 'yr', 'yrs'].map((f): [string, string] => [f, 'year']),
  ['yearofweek', 'isoyear'],
  ...['quarter', 'qtr'].map((f): [string, string] => [f, 'quarter']),
  ...['month', 'mon', 'mons', 'months'].map((f): [string, string] => [f, 'month']),
  ...['week', 'w', 'weeks'].map((f): [string, string] => [f, 'week']),
  ...['day', 'd', 'days'].map((f): [string, string] => [f, 'day']),
  ...['dayofweek', 'dow'].map((f): [string, string] => [f, 'dow']),
  ...['dayofweek_iso', 'dow_iso'].map((f): [string, string] => [f, 'isodow']),
  ['doy', 'doy'],
  ...['hour', 'h', 'hours', 'hr', 'hrs'].map((f): [string, string] => [f, 'hour']),
  ...['minute', 'm', 'min', 'mins', 'minutes'].map((f): [string, string] => [f, 'minute']),
  ...['second', 's', 'sec', 'seconds', 'secs'].map((f): [string, string] => [f, 'second']),
]);

/**
 * A datetime field of `source` as Spark reads it: the day of the week counts from 1 (Sunday) and
 * the seconds keep their fraction; undefined when DuckDB reads the field the same way already.
 */
function fieldSql(field: string, source: string, sourceIsString: boolean): string | undefined {
  const part = SPARK_FIELDS.get(field.toLowerCase());
  if (part === undefined || (part === field.toLowerCase() && part !== 'dow' && part !== 'second' && !sourceIsString)) return undefined;
  const x = sourceIsString ? localTimestamp(source) : source;
  if (part === 'dow') return `(date_part('dow', ${x}) + 1)`;
  if (part === 'second') return `CAST(date_part('microseconds', ${x}) / 1000000 AS DECIMAL(8, 6))`;
  return `date_part('${part}', ${x})`;
}

/** `EXTRACT(field FROM source)` as Spark reads the field, or undefined when DuckDB's answer is Spark's. */
function extractParts(c: Call): string | undefined {
  const s = c.sig(0);
  const field = identName(s[0]) ?? (s[0]?.kind === 'string' ? s[0].value : undefined);
  if (field === undefined || !isWord(s[1], 'FROM') || s.length < 3) return undefined;
  return fieldSql(field, c.from(0, 2), s.length === 3 && s[2].kind === 'string');
}

function extract(c: Call): string {
  return extractParts(c) ?? '';
}

function datePartField(c: Call): string | undefined {
  const field = c.literal(0);
  return field === undefined ? undefined : fieldSql(field, c.sql(1), c.isString(1));
}

function datePart(c: Call): string {
  return datePartField(c) ?? '';
}

/** Spark's date_trunc units by DuckDB's. */
const TRUNC_UNITS = new Map([
  ['year', 'year'], ['yyyy', 'year'], ['yy', 'year'], ['quarter', 'quarter'], ['month', 'month'], ['mm', 'month'], ['mon', 'month'],
  ['week', 'week'], ['day', 'day'], ['dd', 'day'], ['hour', 'hour'], ['minute', 'minute'], ['second', 'second'],
  ['millisecond', 'millisecond'], ['microsecond', 'microsecond'],
]);
/** Units date_trunc reads as Spark does in both (a date_trunc with one of these is DuckDB's own too). */
const DUCKDB_TRUNC_UNITS = new Set(['year', 'quarter', 'month', 'week', 'day', 'hour', 'minute', 'second', 'millisecond', 'microsecond']);

/** date_trunc(unit, ts): a timestamp; a unit Spark does not know gives NULL. */
function dateTrunc(c: Call): string {
  const ts = instant(c.sql(1));
  const unit = c.literal(0);
  if (unit !== undefined) {
    const u = TRUNC_UNITS.get(unit.toLowerCase());
    return u === undefined ? 'CAST(NULL AS TIMESTAMPTZ)' : `date_trunc('${u}', ${ts})`;
  }
  const byUnit = new Map<string, string[]>();
  for (const [spark, duck] of TRUNC_UNITS) byUnit.set(duck, [...(byUnit.get(duck) ?? []), spark.toUpperCase()]);
  const f = `upper(${c.sql(0)})`;
  return `CASE ${[...byUnit].map(([duck, names]) => `WHEN ${f} IN (${names.map(sqlString).join(', ')}) THEN date_trunc('${duck}', ${ts})`).join(' ')} END`;
}

/** Spark's trunc(date, unit) units: a date, truncated to a year, quarter, month or week. */
const DATE_TRUNC_UNITS = new Map([['year', 'year'], ['yyyy', 'year'], ['yy', 'year'], ['quarter', 'quarter'], ['month', 'month'], ['mm', 'month'], ['mon', 'month'], ['week', 'week']]);

function truncDate(c: Call): string {
  const unit = DATE_TRUNC_UNITS.get((c.literal(1) ?? '').toLowerCase());
  return unit === undefined ? 'CAST(NULL AS DATE)' : `CAST(date_trunc('${unit}', ${toDate(c.sql(0))}) AS DATE)`;
}

/**
 * Spark: whole months when both are the same day of the month or both a month's last day;
 * otherwise the days and seconds between count 31 days a month, rounded to 8 digits by default.
 */
function monthsBetween(c: Call): string {
  let round: boolean | undefined = true;
  if (c.args.length === 3) {
    const s = c.sig(2);
    round = s.length === 1 && isWord(s[0], 'TRUE', 'FALSE') ? isWord(s[0], 'TRUE') : undefined;
  }
  return bind(c, [localTimestamp(c.sql(0)), localTimestamp(c.sql(1))], ([a, b]) => {
    const months = (x: string) => `(year(${x}) * 12 + month(${x}))`;
    const lastDay = (x: string) => `day(${x}) = day(last_day(${x}))`;
    const seconds = (x: string) => `(hour(${x}) * 3600 + minute(${x}) * 60 + second(${x}))`;
    const diff = `CAST(${months(a)} - ${months(b)} AS DOUBLE)`;
    const raw = `CASE WHEN day(${a}) = day(${b}) OR (${lastDay(a)} AND ${lastDay(b)}) THEN ${diff} ELSE ${diff} + ((day(${a}) - day(${b})) * 86400 + ${seconds(a)} - ${seconds(b)}) / 2678400 END`;
    // Java's Math.round: half up.
    const rounded = `floor((${raw}) * 1e8 + 0.5) / 1e8`;
    return round === true ? rounded : round === false ? raw : `CASE WHEN ${c.sql(2)} THEN ${rounded} ELSE ${raw} END`;
  });
}

/** Spark's day names (two letters, three letters, the whole name) by DuckDB's dayofweek. */
const DAYS_OF_WEEK: readonly (readonly [number, readonly string[]])[] = [
  [0, ['SU', 'SUN', 'SUNDAY']], [1, ['MO', 'MON', 'MONDAY']], [2, ['TU', 'TUE', 'TUESDAY']], [3, ['WE', 'WED', 'WEDNESDAY']],
  [4, ['TH', 'THU', 'THURSDAY']], [5, ['FR', 'FRI', 'FRIDAY']], [6, ['SA', 'SAT', 'SATURDAY']],
];

/** The first date after the date that is the given day of the week (NULL for a name Spark does not know). */
function nextDay(c: Call): string {
  const literal = c.literal(1);
  let target: string;
  if (literal !== undefined) {
    const day = DAYS_OF_WEEK.find(([, names]) => names.includes(literal.toUpperCase()));
    if (!day) return 'CAST(NULL AS DATE)';
    target = String(day[0]);
  } else {
    const name = `upper(${c.sql(1)})`;
    target = `CASE ${DAYS_OF_WEEK.map(([n, names]) => `WHEN ${name} IN (${names.map(sqlString).join(', ')}) THEN ${n}`).join(' ')} END`;
  }
  return bind(c, [toDate(c.sql(0))], ([d]) => `${d} + CAST((${target} - dayofweek(${d}) + 6) % 7 + 1 AS INTEGER)`);
}

/** Spark's datetime unit keywords (timestampadd, timestampdiff and their synonyms). */
const UNITS = new Set(['YEAR', 'QUARTER', 'MONTH', 'WEEK', 'DAY', 'DAYOFYEAR', 'HOUR', 'MINUTE', 'SECOND', 'MILLISECOND', 'MICROSECOND']);

/** The unit keyword of a three-argument datetime call, upper case; undefined when the unit is not one. */
function unitWord(c: Call): string | undefined {
  const s = c.sig(0);
  return s.length === 1 && s[0].kind === 'word' && UNITS.has(s[0].text.toUpperCase()) ? s[0].text.toUpperCase() : undefined;
}

/** The unit of timestampadd / timestampdiff: a keyword, or (DuckDB lacks these names) a quoted one. */
function unitOf(c: Call): string {
  const unit = unitWord(c) ?? c.literal(0)?.toUpperCase();
  if (unit === undefined || !UNITS.has(unit)) throw sparkFunctionError(c.name, `the unit must be one of ${[...UNITS].join(', ')}`);
  return unit;
}

/** DuckDB's interval for a Spark unit, n of them. */
const INTERVALS = new Map<string, (n: string) => string>([
  ['YEAR', (n) => `to_years(CAST(${n} AS INTEGER))`],
  ['QUARTER', (n) => `to_months(CAST(${n} AS INTEGER) * 3)`],
  ['MONTH', (n) => `to_months(CAST(${n} AS INTEGER))`],
  ['WEEK', (n) => `to_weeks(CAST(${n} AS INTEGER))`],
  ['DAY', (n) => `to_days(CAST(${n} AS INTEGER))`],
  ['DAYOFYEAR', (n) => `to_days(CAST(${n} AS INTEGER))`],
  ['HOUR', (n) => `to_hours(CAST(${n} AS BIGINT))`],
  ['MINUTE', (n) => `to_minutes(CAST(${n} AS BIGINT))`],
  ['SECOND', (n) => `to_seconds(CAST(${n} AS BIGINT))`],
  ['MILLISECOND', (n) => `to_milliseconds(CAST(${n} AS BIGINT))`],
  ['MICROSECOND', (n) => `to_microseconds(CAST(${n} AS BIGINT))`],
]);

/** timestampadd(unit, n, ts): months clamp to the month's last day, days follow the calendar. */
function timestampAdd(c: Call): string {
  const interval = INTERVALS.get(unitOf(c));
  if (!interval) throw sparkFunctionError(c.name, 'unknown unit');
  return `(${instant(c.sql(2))} + ${interval(c.sql(1))})`;
}

/** Microseconds in each unit timestampdiff counts exactly (a day is 86400 seconds). */
const UNIT_MICROS = new Map([['MICROSECOND', 1], ['MILLISECOND', 1000], ['SECOND', 1e6], ['MINUTE', 6e7], ['HOUR', 3.6e9], ['DAY', 8.64e10], ['WEEK', 6.048e11]]);

/** timestampdiff(unit, start, end): whole units elapsed, toward zero (DuckDB's date_diff counts boundaries). */
function timestampDiff(c: Call): string {
  const unit = unitOf(c);
  const micros = UNIT_MICROS.get(unit);
  if (micros !== undefined) return `((epoch_us(${instant(c.sql(2))}) - epoch_us(${instant(c.sql(1))})) // ${micros})`;
  if (unit === 'DAYOFYEAR') throw sparkFunctionError(c.name, 'DAYOFYEAR is not a unit to count');
  const months = monthsElapsed(c, localTimestamp(c.sql(1)), localTimestamp(c.sql(2)));
  return unit === 'MONTH' ? months : `(${months} // ${unit === 'QUARTER' ? 3 : 12})`;
}

/**
 * Whole months from `a` to `b` as Java's LocalDateTime.until counts them (so Spark): a month has
 * passed when the day of the month and the time of day have come round again; the end date first
 * moves a day toward the start when its time of day has not reached the start's.
 */
function monthsElapsed(c: Call, a: string, b: string): string {
  return bind(c, [a, b], ([x, y]) => {
    const [dx, dy, tx, ty] = [`CAST(${x} AS DATE)`, `CAST(${y} AS DATE)`, `CAST(${x} AS TIME)`, `CAST(${y} AS TIME)`];
    const end = `CASE WHEN ${dy} > ${dx} AND ${ty} < ${tx} THEN ${dy} - 1 WHEN ${dy} < ${dx} AND ${ty} > ${tx} THEN ${dy} + 1 ELSE ${dy} END`;
    const packed = (d: string) => `((year(${d}) * 12 + month(${d})) * 32 + day(${d}))`;
    return `(${bind(c, [end], ([e]) => packed(e))} - ${packed(dx)}) // 32`;
  });
}

/** Spark's two-argument date_add(date, days): a date. */
function addDays(c: Call): string {
  return `(${toDate(c.sql(0))} + CAST(${c.sql(1)} AS INTEGER))`;
}

/** Spark's two-argument datediff(end, start): days. */
function daysBetween(c: Call): string {
  return `date_diff('day', ${toDate(c.sql(1))}, ${toDate(c.sql(0))})`;
}

// ---------------------------------------------------------------------------------------------
// Arrays, maps, structs
// ---------------------------------------------------------------------------------------------

/** Every element equal to the value removed (NULL elements stay); NULL for a NULL value. */
function arrayRemove(c: Call): string {
  const e = c.fresh('e');
  return nullIfAnyNull(c, [1], `list_filter(${c.sql(0)}, lambda ${e}: ${e} IS NULL OR ${e} <> ${c.atom(1)})`);
}

/** The first occurrence of each element in order (NULL as one element), those `keep` accepts. */
function distinct(c: Call, list: string, keep?: (e: string) => string): string {
  const [e, i] = [c.fresh('e'), c.fresh('i')];
  return bind(c, [list], ([l]) => {
    const first = `list_position(${l}, ${e}) = ${i}`;
    return `list_filter(${l}, lambda ${e}, ${i}: ${keep ? `${first} AND ${keep(e)}` : first})`;
  });
}

/** Spark: true with a common element; NULL without one when both are non-empty and a NULL is in either. */
function arraysOverlap(c: Call): string {
  const [a, b] = [c.atom(0), c.atom(1)];
  const hasNull = (x: string) => `list_count(${x}) < len(${x})`;
  return (
    `CASE WHEN ${a} IS NULL OR ${b} IS NULL THEN NULL WHEN list_has_any(${a}, ${b}) THEN true ` +
    `WHEN len(${a}) > 0 AND len(${b}) > 0 AND (${hasNull(a)} OR ${hasNull(b)}) THEN NULL ELSE false END`
  );
}

/** The name Spark gives a column argument: its (last) name, or undefined for an expression. */
function columnName(c: Call, i: number): string | undefined {
  const s = c.sig(i);
  if (s.length === 0 || s.length % 2 === 0) return undefined;
  if (!s.every((t, k) => (k % 2 === 0 ? identName(t) !== undefined : isPunct(t, '.')))) return undefined;
  const last = s[s.length - 1];
  return last.kind === 'quoted' ? last.value : last.text;
}

/** Structs of the n-th elements, as long as the longest array; fields named after the columns or 0, 1, ... */
function arraysZip(c: Call): string {
  const i = c.fresh('i');
  const longest = c.args.length === 1 ? `len(${c.sql(0)})` : `greatest(${c.args.map((_, k) => `len(${c.sql(k)})`).join(', ')})`;
  const fields = c.args.map((_, k) => `${sqlString(columnName(c, k) ?? String(k))}: ${c.atom(k)}[${i}]`).join(', ');
  return nullIfAnyNull(c, c.args.map((_, k) => k), `list_transform(range(1, ${longest} + 1), lambda ${i}: {${fields}})`);
}

/**
 * sequence(start, stop[, step]): integers or dates (a step of 1 or -1 by default), or dates and
 * timestamps by an INTERVAL step. Each element is start + i * step, as Spark computes it (a month
 * from Jan 31 is Feb 28, two are Mar 31).
 */
function sequence(c: Call): string {
  const [start, stop] = [c.atom(0), c.atom(1)];
  const i = c.fresh('i');
  if (c.args.length === 3 && isWord(c.first(2), 'INTERVAL')) {
    const step = c.atom(2);
    const x = c.fresh('x');
    // As many elements as steps of the shortest length the step can take (a month of 28 days).
    const bound = `CAST(floor(abs(epoch(${stop}) - epoch(${start})) / (abs(epoch(${step})) * 28 / 30)) AS BIGINT) + 2`;
    const elements = `list_transform(range(${bound}), lambda ${i}: cast_to_type(${start} + ${i} * ${step}, ${start}))`;
    return `list_filter(${elements}, lambda ${x}: CASE WHEN epoch(${step}) > 0 THEN ${x} <= ${stop} ELSE ${x} >= ${stop} END)`;
  }
  const step = c.args.length === 3 ? c.atom(2) : `(CASE WHEN ${start} <= ${stop} THEN 1 ELSE -1 END)`;
  // A date plus an INTEGER is a date (plus a BIGINT has no function).
  return `list_transform(range(greatest((${stop} - ${start}) // ${step} + 1, 0)), lambda ${i}: ${start} + CAST(${i} * ${step} AS INTEGER))`;
}

/** slice(array, start, length): start counts from 1, or back from the end when negative. */
function slice(c: Call): string {
  const [arr, start, n] = [c.atom(0), c.atom(1), c.atom(2)];
  const from = `CASE WHEN ${start} > 0 THEN ${start} ELSE len(${arr}) + ${start} + 1 END`;
  return (
    `CASE WHEN ${start} IS NULL OR ${n} IS NULL THEN NULL WHEN ${start} < 0 AND len(${arr}) + ${start} < 0 THEN list_slice(${arr}, 1, 0) ` +
    `ELSE list_slice(${arr}, ${from}, ${from} + ${n} - 1) END`
  );
}

/**
 * exists / forall with three-valued logic: true / NULL / false scored 2 / 1 / 0, exists takes the
 * highest score (false for an empty array), forall the lowest (true for an empty array).
 */
function quantified(c: Call, kind: 'exists' | 'forall'): string {
  const f = c.lambda(1, [1]);
  const scores = `list_transform(${c.sql(0)}, lambda ${f.params[0]}: CASE (${f.body}) WHEN true THEN 2 WHEN false THEN 0 ELSE 1 END)`;
  const score = kind === 'exists' ? `coalesce(list_max(${scores}), 0)` : `coalesce(list_min(${scores}), 2)`;
  return nullIfAnyNull(c, [0], `CASE ${score} WHEN 2 THEN true WHEN 0 THEN false END`);
}

/** aggregate(array, zero, (acc, x) -> merge[, acc -> finish]). */
function aggregate(c: Call): string {
  const merge = c.lambda(2, [2]);
  const reduced = `list_reduce(${c.sql(0)}, lambda ${merge.params.join(', ')}: ${merge.body}, ${c.sql(1)})`;
  if (c.args.length === 3) return reduced;
  const finish = c.lambda(3, [1]);
  return nullIfAnyNull(c, [0], `list_transform([${reduced}], lambda ${finish.params[0]}: ${finish.body})[1]`);
}

/** zip_with(a, b, (x, y) -> ...): as long as the longer array, the shorter one read as NULLs. */
function zipWith(c: Call): string {
  const f = c.lambda(2, [2]);
  const [a, b] = [c.atom(0), c.atom(1)];
  const i = c.fresh('i');
  const body = substitute(f.body, new Map([[f.params[0], `${a}[${i}]`], [f.params[1], `${b}[${i}]`]]));
  return nullIfAnyNull(c, [0, 1], `list_transform(range(1, greatest(len(${a}), len(${b})) + 1), lambda ${i}: ${body})`);
}

function namedStruct(c: Call): string {
  if (c.args.length === 0 || c.args.length % 2 !== 0) throw sparkFunctionError(c.name, `expects name, value pairs, got ${c.args.length} arguments`);
  const fields: string[] = [];
  for (let i = 0; i < c.args.length; i += 2) {
    const name = c.literal(i);
    if (name === undefined) throw sparkFunctionError(c.name, 'field names must be string literals');
    fields.push(`${sqlString(name)}: ${c.sql(i + 1)}`);
  }
  return `{${fields.join(', ')}}`;
}

/** struct(a, b AS x, 1 + 2): fields named after the column, the alias, or col1, col2, ... */
function struct(c: Call): string {
  if (c.args.length === 0) throw sparkFunctionError(c.name, 'DuckDB has no struct without fields');
  const fields = c.args.map((_, i) => {
    const a = c.aliased(i);
    return a ? `${sqlString(a.name)}: ${a.sql}` : `${sqlString(columnName(c, i) ?? `col${i + 1}`)}: ${c.sql(i)}`;
  });
  return `{${fields.join(', ')}}`;
}

/** DuckDB type names, which follow a field name in the type STRUCT(a INT, ...). */
const DUCKDB_TYPE_WORDS = new Set([
  'BOOLEAN', 'BOOL', 'TINYINT', 'SMALLINT', 'INT', 'INTEGER', 'BIGINT', 'HUGEINT', 'UTINYINT', 'USMALLINT', 'UINTEGER', 'UBIGINT', 'UHUGEINT',
  'FLOAT', 'REAL', 'DOUBLE', 'DECIMAL', 'NUMERIC', 'VARCHAR', 'TEXT', 'STRING', 'BLOB', 'DATE', 'TIME', 'TIMESTAMP', 'TIMESTAMPTZ',
  'INTERVAL', 'UUID', 'JSON', 'STRUCT', 'MAP', 'UNION', 'LIST', 'BIT', 'VARINT',
]);

/** A DuckDB type as written: `INTEGER`, `DECIMAL(10, 2)`, `VARCHAR[]`. */
function isTypeName(s: readonly Token[]): boolean {
  return s.length > 0 && s[0].kind === 'word' && DUCKDB_TYPE_WORDS.has(s[0].text.toUpperCase()) && (s.length === 1 || isPunct(s[1], '(') || isPunct(s[1], '['));
}

function isFieldDefinition(s: readonly Token[]): boolean {
  return s.length >= 2 && identName(s[0]) !== undefined && s[1].kind === 'word' && DUCKDB_TYPE_WORDS.has(s[1].text.toUpperCase());
}

/**
 * str_to_map(text[, pairDelim[, keyValueDelim]]): both delimiters regular expressions (',' and ':'
 * by default); a pair splits at its first key/value delimiter, a pair without one has a NULL value.
 */
function strToMap(c: Call): string {
  const pairs = c.args.length > 1 ? regexArg(c, 1) : "','";
  const kvLiteral = c.args.length > 2 ? c.literal(2) : ':';
  const kv = kvLiteral === undefined ? c.sql(2) : sqlString(kvLiteral);
  const halves = kvLiteral === undefined ? `'^((?s:.*?))(?:' || ${kv} || ')((?s:.*))$'` : sqlString(`^((?s:.*?))(?:${kvLiteral})((?s:.*))$`);
  const p = c.fresh('p');
  const has = `regexp_matches(${p}, ${kv})`;
  const entry = `{'key': CASE WHEN ${has} THEN regexp_extract(${p}, ${halves}, 1) ELSE ${p} END, 'value': CASE WHEN ${has} THEN regexp_extract(${p}, ${halves}, 2) END}`;
  return `map_from_entries(list_transform(regexp_split_to_array(${c.sql(0)}, ${pairs}), lambda ${p}: ${entry}))`;
}

// ---------------------------------------------------------------------------------------------
// JSON
// ---------------------------------------------------------------------------------------------

/** Spark: NULL for text that is not JSON (DuckDB raises an error), strings without their quotes. */
function getJsonObject(c: Call): string {
  const json = `TRY_CAST(${c.sql(0)} AS JSON)`;
  const path = c.literal(1);
  if (path === undefined) return `json_extract_string(${json}, ${c.sql(1)})`;
  const duck = jsonPath(path, c.name);
  return duck === undefined ? 'CAST(NULL AS VARCHAR)' : `json_extract_string(${json}, ${sqlString(duck)})`;
}

/** A Spark JSON path ($.a.b[0], $['a b']) in DuckDB's syntax; undefined for one Spark finds nothing with. */
function jsonPath(path: string, fn: string): string | undefined {
  if (!path.startsWith('$')) return undefined;
  let out = '$';
  for (let i = 1; i < path.length; ) {
    const rest = path.slice(i);
    if (/^(\[\*\]|\.\*)/.test(rest)) throw sparkFunctionError(fn, 'a wildcard in the JSON path cannot be translated');
    const index = /^\[([0-9]+)\]/.exec(rest);
    const name = /^\['([^']*)'\]/.exec(rest) ?? /^\.([^.[]+)/.exec(rest);
    if (index) out += `[${index[1]}]`;
    else if (name && !name[1].includes('"')) out += `."${name[1]}"`;
    else return undefined;
    i += (index ?? name)![0].length;
  }
  return out;
}

/** A JSON string token, for the regular expressions that edit JSON text outside strings. */
const JSON_STRING = String.raw`"(?:[^"\\]|\\.)*"`;

/**
 * Spark leaves out struct fields that are NULL (map values stay): `"name":null` members go, then
 * the commas they leave. Timestamps would come out in another format than Spark's, so they are
 * refused when the query runs.
 */
function toJson(c: Call): string {
  if (c.args.length === 2) throw sparkFunctionError(c.name, 'options cannot be translated');
  const x = c.sql(0);
  const json = `to_json(${x})`;
  const members = `regexp_replace(${json}, '${JSON_STRING}:null|(${JSON_STRING})', '\\1', 'g')`;
  const commas = `regexp_replace(${members}, '(${JSON_STRING})|(\\{),+|,+(\\})|,(,)+', '\\1\\2\\3\\4', 'g')`;
  const refused = "error('to_json(): timestamps cannot be translated (Spark writes them in its own format); format them with date_format first')";
  return `CASE WHEN typeof(${x}) LIKE '%TIMESTAMP%' THEN ${refused} WHEN typeof(${x}) LIKE '%MAP(%' THEN ${json} ELSE ${commas} END`;
}

// ---------------------------------------------------------------------------------------------
// Aggregates and others
// ---------------------------------------------------------------------------------------------

/**
 * first / last / first_value / last_value with Spark's ignoreNulls argument or IGNORE NULLS after
 * the call: window functions take IGNORE NULLS inside the call in DuckDB, aggregates not at all.
 */
function firstLast(c: Call, which: 'first' | 'last'): { sql: string; end: number } {
  let ignoreNulls = false;
  if (c.args.length === 2) {
    const s = c.sig(1);
    if (s.length !== 1 || !isWord(s[0], 'TRUE', 'FALSE')) throw sparkFunctionError(c.name, 'ignoreNulls must be the literal true or false');
    ignoreNulls = isWord(s[0], 'TRUE');
  }
  let end = c.close + 1;
  let k = c.t.next(c.close);
  const nulls = c.t.next(k);
  if (isWord(c.t.tokens[k], 'IGNORE', 'RESPECT') && isWord(c.t.tokens[nulls], 'NULLS') && nulls < c.limit) {
    ignoreNulls = isWord(c.t.tokens[k], 'IGNORE');
    end = nulls + 1;
    k = c.t.next(nulls);
  }
  const x = c.sql(0);
  if (isWord(c.t.tokens[k], 'OVER')) return { sql: `${which}_value(${x}${ignoreNulls ? ' IGNORE NULLS' : ''})`, end };
  if (!ignoreNulls) return { sql: `${which}(${x})`, end };
  // any_value is the first value that is not NULL.
  if (which === 'first') return { sql: `any_value(${x})`, end };
  if (isWord(c.t.tokens[k], 'FILTER')) throw sparkFunctionError(c.name, 'ignoring NULLs together with FILTER (WHERE ...) cannot be translated');
  return { sql: `last(${x}) FILTER (WHERE ${c.atom(0)} IS NOT NULL)`, end };
}

/** `x = ANY (SELECT ...)`, `x > SOME (...)`: a comparison with a subquery, not the aggregate. */
function isSubqueryComparison(c: Call): boolean {
  const before = c.t.tokens[c.t.prev(c.start)];
  return isWord(c.first(0), 'SELECT', 'WITH', 'VALUES', 'FROM') || (before?.kind === 'punct' && '=<>!'.includes(before.text));
}

function randomValue(c: Call, sql: string): string {
  if (c.args.length > 0) throw sparkFunctionError(c.name, "a seed cannot be translated (DuckDB's random() takes none); call it without one");
  return sql;
}

// ---------------------------------------------------------------------------------------------
// CAST
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// Datetime patterns
// ---------------------------------------------------------------------------------------------

/**
 * DuckDB's strftime/strptime code for a run of `count` Spark pattern letters. Spark counts letters
 * for width: one letter is unpadded (`%-d`), two zero-padded (`%d`); DuckDB's strptime accepts
 * both forms for one or two digits.
 */
const LETTERS: Readonly<Record<string, Readonly<Record<number, string>>>> = {
  y: { 1: '%Y', 2: '%y', 3: '%Y', 4: '%Y' },
  M: { 1: '%-m', 2: '%m', 3: '%b', 4: '%B' },
  L: { 1: '%-m', 2: '%m', 3: '%b', 4: '%B' },
  d: { 1: '%-d', 2: '%d' },
  D: { 1: '%-j', 3: '%j' },
  H: { 1: '%-H', 2: '%H' },
  h: { 1: '%-I', 2: '%I' },
  m: { 1: '%-M', 2: '%M' },
  s: { 1: '%-S', 2: '%S' },
  // Fractions: only the widths DuckDB has (milli, micro, nanoseconds).
  S: { 3: '%g', 6: '%f', 9: '%n' },
  a: { 1: '%p' },
  E: { 1: '%a', 2: '%a', 3: '%a', 4: '%A' },
  V: { 2: '%Z' },
};

/** Offsets DuckDB cannot print as Spark does (its %z prints +00 or +05:30); see offsetSql. */
const OFFSETS: Readonly<Record<string, Readonly<Record<number, Offset>>>> = {
  Z: { 1: 'Z', 2: 'Z', 3: 'Z' },
  x: { 1: 'x', 2: 'xx', 3: 'xxx' },
  X: { 1: 'X', 2: 'XX', 3: 'XXX' },
};

type Offset = 'Z' | 'x' | 'xx' | 'xxx' | 'X' | 'XX' | 'XXX';
type Piece = { readonly format: string } | { readonly offset: Offset };

/** Splits a Spark datetime pattern into DuckDB format runs and zone offsets. */
function sparkPattern(pattern: string, fn = 'date_format'): Piece[] {
  const pieces: Piece[] = [];
  const append = (format: string) => {
    const last = pieces[pieces.length - 1];
    if (last && 'format' in last) pieces[pieces.length - 1] = { format: last.format + format };
    else pieces.push({ format });
  };
  const literal = (s: string) => append(s.replaceAll('%', '%%'));
  const bad = (what: string) => sparkFunctionError(fn, `the datetime pattern '${pattern}' uses ${what}, which DuckDB has no equivalent for`);
  for (let i = 0; i < pattern.length; ) {
    const ch = pattern[i];
    if (ch === "'") {
      if (pattern[i + 1] === "'") {
        literal("'");
        i += 2;
        continue;
      }
      let text = '';
      let j = i + 1;
      for (;;) {
        if (j >= pattern.length) throw sparkFunctionError(fn, `the datetime pattern '${pattern}' has an unclosed quote`);
        if (pattern[j] === "'" && pattern[j + 1] === "'") {
          text += "'";
          j += 2;
        } else if (pattern[j] === "'") break;
        else text += pattern[j++];
      }
      literal(text);
      i = j + 1;
    } else if (/[A-Za-z]/.test(ch)) {
      let n = 1;
      while (pattern[i + n] === ch) n++;
      const code = LETTERS[ch]?.[n];
      const offset = OFFSETS[ch]?.[n];
      if (code !== undefined) append(code);
      else if (offset !== undefined) pieces.push({ offset });
      else throw bad(`'${ch.repeat(n)}'`);
      i += n;
    } else if ('[]{}#'.includes(ch)) {
      throw bad(`'${ch}' (an optional section or a reserved character)`);
    } else {
      literal(ch);
      i++;
    }
  }
  return pieces;
}

/** A pattern for strptime; `zulu` when its offset (X) may be written `Z`, which %z does not read. */
function parsePattern(pattern: string, fn: string): { format: string; zulu: boolean } {
  const pieces = sparkPattern(pattern, fn);
  let zulu = false;
  const format = pieces
    .map((p, i) => {
      if ('format' in p) return p.format;
      if (p.offset.startsWith('X')) {
        if (i !== pieces.length - 1) throw sparkFunctionError(fn, `the offset '${p.offset}' must end the datetime pattern '${pattern}' to be parsed`);
        zulu = true;
      }
      return '%z';
    })
    .join('');
  return { format, zulu };
}

/** A TIMESTAMPTZ formatted with a Spark pattern, in the session time zone as Spark does. */
function formatTimestamp(ts: string, pattern: string, fn: string): string {
  const parts = sparkPattern(pattern, fn).map((p) => ('format' in p ? `strftime(${ts}, ${sqlString(p.format)})` : offsetSql(ts, p.offset)));
  if (parts.length === 0) return `CASE WHEN ${ts} IS NULL THEN NULL ELSE '' END`;
  return parts.length === 1 ? parts[0] : `(${parts.join(' || ')})`;
}

/** Spark's zone offsets: Z +HHMM; xx +HHMM; xxx +HH:MM; x +HH or +HHMM; X, XX, XXX: `Z` for zero. */
function offsetSql(ts: string, style: Offset): string {
  const seconds = `date_part('timezone', ${ts})`;
  const hhmm = (f: string) => `strftime(TIMESTAMP '2000-01-01' + to_seconds(abs(${seconds})), '${f}')`;
  const sign = `CASE WHEN ${seconds} < 0 THEN '-' ELSE '+' END`;
  const lower = style === 'Z' ? 'xx' : style.toLowerCase();
  const digits =
    lower === 'xxx' ? hhmm('%H:%M') : lower === 'xx' ? hhmm('%H%M') : `CASE WHEN ${seconds} % 3600 = 0 THEN ${hhmm('%H')} ELSE ${hhmm('%H%M')} END`;
  const signed = `${sign} || ${digits}`;
  return style.startsWith('X') ? `CASE WHEN ${seconds} = 0 THEN 'Z' ELSE ${signed} END` : `(${signed})`;
}

function sqlString(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}

// ---------------------------------------------------------------------------------------------
// Lambdas
// ---------------------------------------------------------------------------------------------

interface Lambda {
  /** Parameter names, lower case. */
  readonly params: string[];
  /** The body, translated. */
  readonly body: string;
}

/**
 * `sql` with each bare identifier named in `names` (case-insensitive, not after a `.`) replaced;
 * a nested lambda that rebinds a name keeps its own meaning of it.
 */
function substitute(sql: string, names: ReadonlyMap<string, string>): string {
  const tokens = tokenize(sql);
  return substituteRange(tokens, 0, tokens.length, names);
}

function substituteRange(tokens: Token[], from: number, to: number, names: ReadonlyMap<string, string>): string {
  let out = '';
  for (let i = from; i < to; i++) {
    const header = lambdaHeader(tokens, i, to);
    if (header) {
      const inner = new Map(names);
      for (const p of header.params) inner.delete(p);
      const end = scopeEnd(tokens, header.body, to);
      out += tokens.slice(i, header.body).map((t) => t.text).join('') + substituteRange(tokens, header.body, end, inner);
      i = end - 1;
      continue;
    }
    const t = tokens[i];
    const name = identName(t);
    const replacement = name === undefined ? undefined : names.get(name);
    out += replacement !== undefined && !isPunct(tokens[prevSig(tokens, i)], '.') ? replacement : t.text;
  }
  return out;
}

/** A word or backquoted identifier, lower case. */
function identName(t: Token | undefined): string | undefined {
  if (t?.kind === 'word') return t.text.toLowerCase();
  if (t?.kind === 'quoted' && t.quote === '`') return t.value.toLowerCase();
  return undefined;
}

/** The lambda starting at `i`: DuckDB's `lambda a, b:` or Spark's `a ->` / `(a, b) ->`. */
function lambdaHeader(tokens: Token[], i: number, to: number): { params: string[]; body: number } | undefined {
  if (isWord(tokens[i], 'lambda')) {
    const list = paramList(tokens, nextSig(tokens, i), to, ':');
    return list && { params: list.params, body: list.end + 1 };
  }
  let params: string[];
  let k: number;
  if (isPunct(tokens[i], '(')) {
    const list = paramList(tokens, nextSig(tokens, i), to, ')');
    if (!list) return undefined;
    ({ params, end: k } = list);
  } else {
    const name = identName(tokens[i]);
    if (name === undefined || isPunct(tokens[prevSig(tokens, i)], '.')) return undefined;
    params = [name];
    k = i;
  }
  const arrow = nextSig(tokens, k);
  if (arrow + 1 >= to || !isArrow(tokens, arrow)) return undefined;
  return { params, body: arrow + 2 };
}

/** `a, b` from `k` up to the `close` punctuation: the names and where `close` is. */
function paramList(tokens: Token[], k: number, to: number, close: string): { params: string[]; end: number } | undefined {
  const params: string[] = [];
  for (;;) {
    const name = identName(tokens[k]);
    if (name === undefined || k >= to) return undefined;
    params.push(name);
    k = nextSig(tokens, k);
    if (isPunct(tokens[k], close)) return { params, end: k };
    if (!isPunct(tokens[k], ',')) return undefined;
    k = nextSig(tokens, k);
  }
}

function isArrow(tokens: Token[], i: number): boolean {
  return isPunct(tokens[i], '-') && isPunct(tokens[i + 1], '>');
}

/** Where the expression starting at `from` ends: a `,` or a closing bracket at its own depth. */
function scopeEnd(tokens: Token[], from: number, to: number): number {
  let depth = 0;
  for (let j = from; j < to; j++) {
    const t = tokens[j];
    if (t.kind !== 'punct') continue;
    if ('([{'.includes(t.text)) depth++;
    else if (')]}'.includes(t.text)) {
      if (depth === 0) return j;
      depth--;
    } else if (t.text === ',' && depth === 0) return j;
  }
  return to;
}

const isSig = (t: Token) => t.kind !== 'space' && t.kind !== 'comment';

function nextSig(tokens: readonly Token[], i: number): number {
  let j = i + 1;
  while (j < tokens.length && !isSig(tokens[j])) j++;
  return j;
}

function prevSig(tokens: readonly Token[], i: number): number {
  let j = i - 1;
  while (j >= 0 && !isSig(tokens[j])) j--;
  return j;
}

// ---------------------------------------------------------------------------------------------
// The translator
// ---------------------------------------------------------------------------------------------

interface Range {
  readonly from: number;
  readonly to: number;
}

/** One call of a function in RULES, its arguments translated on demand. */
class Call {
  private readonly cache = new Map<number, string>();

  constructor(
    readonly t: Translator,
    /** The name as the table spells it (lower case). */
    readonly name: string,
    readonly start: number,
    readonly open: number,
    readonly close: number,
    readonly args: readonly Range[],
    /** The end of the text the call is in: a rewrite consumes no token from here on. */
    readonly limit: number,
  ) {}

  /** Argument `i` translated, without surrounding whitespace. */
  sql(i: number): string {
    let s = this.cache.get(i);
    if (s === undefined) {
      s = this.t.range(this.args[i].from, this.args[i].to, true).trim();
      this.cache.set(i, s);
    }
    return s;
  }

  sqls(): string[] {
    return this.args.map((_, i) => this.sql(i));
  }

  /** Argument `i` safe next to an operator: parenthesized unless it is one term. */
  atom(i: number): string {
    return isTerm(this.sql(i)) ? this.sql(i) : `(${this.sql(i)})`;
  }

  /** The significant tokens of argument `i` as written. */
  sig(i: number): Token[] {
    return this.sigAt(i).map((j) => this.t.tokens[j]);
  }

  private sigAt(i: number): number[] {
    const out: number[] = [];
    if (i >= this.args.length) return out;
    for (let j = this.args[i].from; j < this.args[i].to; j++) if (isSig(this.t.tokens[j])) out.push(j);
    return out;
  }

  first(i: number): Token | undefined {
    return this.args.length > i ? this.sig(i)[0] : undefined;
  }

  isString(i: number): boolean {
    const s = this.sig(i);
    return s.length === 1 && s[0].kind === 'string';
  }

  /** Argument `i` when it is a string literal: its value as Spark reads it (escapes, r'raw'). */
  literal(i: number): string | undefined {
    return stringLiteral(this.sig(i));
  }

  /**
   * Argument `i` cut at its top-level keywords `words`, in that order (`s FROM p FOR n`): the pieces
   * translated, one more than the keywords found; undefined when the first keyword is missing.
   */
  pieces(i: number, words: readonly string[]): string[] | undefined {
    const { from, to } = this.args[i] ?? { from: 0, to: 0 };
    const cuts: number[] = [];
    let depth = 0;
    for (let j = from; j < to; j++) {
      const t = this.t.tokens[j];
      if (t.kind === 'punct' && '([{'.includes(t.text)) depth++;
      else if (t.kind === 'punct' && ')]}'.includes(t.text)) depth--;
      else if (depth === 0 && cuts.length < words.length && isWord(t, words[cuts.length])) cuts.push(j);
    }
    if (cuts.length === 0) return undefined;
    const bounds = [from - 1, ...cuts, to];
    return bounds.slice(1).map((end, k) => this.t.range(bounds[k] + 1, end, true).trim());
  }

  /** Argument `i` translated from its `k`-th significant token on. */
  from(i: number, k: number): string {
    const at = this.sigAt(i);
    return k < at.length ? this.t.range(at[k], this.args[i].to, true).trim() : '';
  }

  /** Argument `i` as `expression AS name`: the expression translated and the name as written. */
  aliased(i: number): { sql: string; name: string } | undefined {
    const at = this.sigAt(i);
    const n = at.length;
    if (n < 3 || !isWord(this.t.tokens[at[n - 2]], 'AS')) return undefined;
    const name = this.t.tokens[at[n - 1]];
    if (identName(name) === undefined) return undefined;
    return { sql: this.t.range(this.args[i].from, at[n - 2], true).trim(), name: name.kind === 'quoted' ? name.value : name.text };
  }

  /** Argument `i` is a lambda, Spark's `x -> ...` or DuckDB's `lambda x: ...`. */
  isLambda(i: number): boolean {
    const at = this.sigAt(i);
    return at.length > 0 && lambdaHeader(this.t.tokens, at[0], this.args[i].to) !== undefined;
  }

  /** The call's name is a type here (`x AS MAP(...)`, `x::STRUCT(...)`), not a function. */
  isType(): boolean {
    const p = this.t.prev(this.start);
    const before = this.t.tokens[p];
    return isWord(before, 'AS') || (isPunct(before, ':') && isPunct(this.t.tokens[p - 1], ':'));
  }

  /** Argument `i` is visibly a map or an array (a call that makes one, a list literal). */
  kindOf(i: number): 'map' | 'array' | undefined {
    const at = this.sigAt(i);
    const s = at.map((j) => this.t.tokens[j]);
    if (s.length === 0) return undefined;
    if (isPunct(s[0], '[') && this.t.closing(at[0]) === at[at.length - 1]) return 'array';
    if (s[0].kind !== 'word' || !isPunct(s[1], '(') || this.t.closing(at[1]) !== at[at.length - 1]) return undefined;
    const name = s[0].text.toLowerCase();
    if (MAP_FUNCTIONS.has(name)) return 'map';
    if (ARRAY_FUNCTIONS.has(name)) return 'array';
    if (name === 'cast' || name === 'try_cast') {
      const as = s.findIndex((t) => isWord(t, 'AS'));
      if (as > 0 && isWord(s[as + 1], 'MAP')) return 'map';
      if (as > 0 && isWord(s[as + 1], 'ARRAY')) return 'array';
    }
    return undefined;
  }

  /** The string literal argument `i`: a datetime pattern is translated now, so it cannot be computed. */
  pattern(i: number): string {
    const s = this.sig(i);
    if (s.length !== 1 || s[0].kind !== 'string') {
      throw sparkFunctionError(this.name, 'the datetime pattern must be a string literal (a pattern computed at run time cannot be translated)');
    }
    return s[0].value;
  }

  /** A lambda parameter name no other lambda of this rewrite uses. */
  fresh(prefix: string): string {
    return `__${prefix}${++this.t.lambdas}`;
  }

  /** Argument `i` as a Spark lambda with one of `counts` parameters, its body translated. */
  lambda(i: number, counts: number[]): Lambda {
    const tokens = this.t.tokens;
    const { from, to } = this.args[i];
    const start = nextSig(tokens, from - 1);
    const header = start < to ? lambdaHeader(tokens, start, to) : undefined;
    const shape = counts.map((n) => (n === 1 ? 'x -> ...' : `(${['a', 'b', 'c'].slice(0, n).join(', ')}) -> ...`)).join(' or ');
    if (!header) throw sparkFunctionError(this.name, `argument ${i + 1} must be a lambda ${shape}`);
    if (!counts.includes(header.params.length)) {
      throw sparkFunctionError(this.name, `the lambda takes ${counts.join(' or ')} parameters, got ${header.params.length}`);
    }
    return { params: header.params, body: this.t.range(header.body, to, true).trim() };
  }
}

/** One term: a literal, a (qualified) name, a call, or a bracketed expression. */
function isTerm(sql: string): boolean {
  const s = tokenize(sql).filter(isSig);
  if (s.length === 1) return true;
  if (s.every((t, i) => (i % 2 === 0 ? t.kind === 'word' || t.kind === 'quoted' : isPunct(t, '.')))) return true;
  const last = s.length - 1;
  const opener = isPunct(s[0], '(') || isPunct(s[0], '[') ? 0 : s[0].kind === 'word' && isPunct(s[1], '(') ? 1 : -1;
  if (opener < 0) return false;
  let depth = 0;
  for (let j = opener; j <= last; j++) {
    if (s[j].kind !== 'punct') continue;
    if ('([{'.includes(s[j].text)) depth++;
    else if (')]}'.includes(s[j].text) && --depth === 0) return j === last;
  }
  return false;
}

interface GeneratorKind {
  readonly pos: boolean;
  readonly outer: boolean;
  /** json_tuple: one row of the JSON fields named by the other arguments. */
  readonly tuple?: boolean;
}

class Translator {
  readonly tokens: Token[];
  lambdas = 0;

  constructor(readonly text: string) {
    this.tokens = tokenize(text);
  }

  next(i: number): number {
    return nextSig(this.tokens, i);
  }

  prev(i: number): number {
    return prevSig(this.tokens, i);
  }

  /** The index of the bracket closing the one at `open`, or undefined when it is never closed. */
  closing(open: number): number | undefined {
    let depth = 0;
    for (let j = open; j < this.tokens.length; j++) {
      const t = this.tokens[j];
      if (t.kind !== 'punct') continue;
      if ('([{'.includes(t.text)) depth++;
      else if (')]}'.includes(t.text) && --depth === 0) return j;
    }
    return undefined;
  }

  /**
   * Tokens [from, to) translated. Inside a rewritten call a `--` comment becomes a block comment:
   * the rewrite puts text after it on the same line.
   */
  range(from: number, to: number, inCall: boolean): string {
    let out = '';
    for (let i = from; i < to; ) {
      const hit = this.rewriteAt(i, to);
      if (hit) {
        out += hit.sql;
        i = hit.end;
        continue;
      }
      const t = this.tokens[i++];
      out += inCall && t.kind === 'comment' && t.text.startsWith('--') ? `/*${t.text.slice(2).replaceAll('*/', '* /')} */` : t.text;
    }
    return out;
  }

  private rewriteAt(i: number, to: number): { sql: string; end: number } | undefined {
    const t = this.tokens[i];
    if (t.kind !== 'word') return undefined;
    if (isWord(t, 'LATERAL') && isWord(this.tokens[this.next(i)], 'VIEW')) return this.lateralView(i, to);
    if (isWord(t, 'RLIKE', 'REGEXP') && !isPunct(this.tokens[this.next(i)], '(')) return this.rlike(i, to);
    const name = t.text.toLowerCase();
    const rule = RULES.get(name);
    const before = this.tokens[this.prev(i)];
    // A table named like a function: `INSERT INTO first (a)`, `CREATE TABLE split (...)`.
    if (!rule || isPunct(before, '.') || isWord(before, 'INTO', 'TABLE', 'VIEW', 'REFERENCES')) return undefined;
    const call = this.callAt(i, name, to);
    if (!call || call.close >= to || rule.notACall?.(call)) return undefined;
    const [min, max] = rule.args;
    if (call.args.length < min || call.args.length > max) {
      const want = min === max ? `${min}` : max === ANY ? `at least ${min}` : `${min} to ${max}`;
      throw sparkFunctionError(name, `takes ${want} argument${want === '1' ? '' : 's'}, got ${call.args.length}`);
    }
    const r = rule.to(call);
    const out = typeof r === 'string' ? { sql: r, end: call.close + 1 } : r;
    // A whole SELECT item keeps the name Spark gives it (the call as written), not the rewrite's.
    if (!name.includes('explode') && name !== 'json_tuple' && this.unnamedSelectItem(i, out.end)) {
      const written = rule.sparkName ?? (rule.upperName ? name.toUpperCase() : name) + this.text.slice(t.end, this.tokens[out.end - 1].end).replace(/\s+/g, ' ');
      return { sql: `${out.sql} AS "${written.replaceAll('"', '""')}"`, end: out.end };
    }
    return out;
  }

  /**
   * `str RLIKE 'regex'` (or REGEXP): DuckDB's operator for a regular expression (SIMILAR TO) must
   * match the whole string, Spark's anywhere in it.
   */
  private rlike(i: number, to: number): { sql: string; end: number } | undefined {
    const k = this.next(i);
    const raw = isWord(this.tokens[k], 'R') && this.tokens[k + 1]?.kind === 'string';
    const end = (raw ? k + 1 : k) + 1;
    const regex = end <= to ? stringLiteral(this.tokens.slice(k, end)) : undefined;
    if (regex === undefined) {
      // A column may be called regexp; RLIKE is only the operator.
      if (isWord(this.tokens[i], 'REGEXP')) return undefined;
      throw sparkFunctionError('RLIKE', 'the regular expression must be a string literal (regexp_like(str, regex) takes a computed one)');
    }
    return { sql: `SIMILAR TO ${sqlString(`(?s:.*)(?:${regex})(?s:.*)`)}`, end };
  }

  /** Whether tokens [start, end) are a whole item of a SELECT list with no alias after them. */
  private unnamedSelectItem(start: number, end: number): boolean {
    const p = this.prev(start);
    const before = this.tokens[p];
    const opens =
      isWord(before, 'SELECT') ||
      (isWord(before, 'DISTINCT', 'ALL') && isWord(this.tokens[this.prev(p)], 'SELECT')) ||
      (isPunct(before, ',') && this.clauseOf(p) === 'select');
    if (!opens) return false;
    const after = this.tokens[this.next(end - 1)];
    return after === undefined || isPunct(after, ',') || isPunct(after, ')') || isPunct(after, ';') || (after.kind === 'word' && ITEM_END.has(after.text.toUpperCase()) && !isWord(after, 'AS'));
  }

  /** The call whose name is the word at `i`, its arguments split on top-level commas. */
  private callAt(i: number, name: string, limit: number): Call | undefined {
    const open = this.next(i);
    if (!isPunct(this.tokens[open], '(')) return undefined;
    const close = this.closing(open);
    if (close === undefined) return undefined;
    const args: Range[] = [];
    let from = open + 1;
    let depth = 0;
    for (let j = open + 1; j < close; j++) {
      const t = this.tokens[j];
      if (t.kind !== 'punct') continue;
      if ('([{'.includes(t.text)) depth++;
      else if (')]}'.includes(t.text)) depth--;
      else if (t.text === ',' && depth === 0) {
        args.push({ from, to: j });
        from = j + 1;
      }
    }
    if (args.length > 0 || this.tokens.slice(from, close).some(isSig)) args.push({ from, to: close });
    return new Call(this, name, i, open, close, args, limit);
  }

  /**
   * explode & co. Spark runs a generator only as a whole SELECT item, a FROM item or in LATERAL
   * VIEW; DuckDB's unnest() in a SELECT list does the same, several unnests side by side zipped
   * into one row each (so a map gives its keys and values, posexplode the positions and values).
   */
  generator(c: Call, kind: GeneratorKind): { sql: string; end: number } {
    const p = this.prev(c.start);
    const before = this.tokens[p];
    if (isWord(before, 'FROM') || isWord(before, 'JOIN') || (isPunct(before, ',') && this.clauseOf(p) === 'from')) {
      // A table of the generator's rows; after a comma or JOIN it may read the tables before it.
      const items = this.generatorItems(c, kind).map(([sql, name]) => `${sql} AS ${name}`);
      return { sql: `${isWord(before, 'FROM') ? '' : 'LATERAL '}(SELECT ${items.join(', ')})`, end: c.close + 1 };
    }
    const inSelect =
      isWord(before, 'SELECT') ||
      (isWord(before, 'DISTINCT', 'ALL') && isWord(this.tokens[this.prev(p)], 'SELECT')) ||
      (isPunct(before, ',') && this.clauseOf(p) === 'select');
    if (!inSelect) throw sparkFunctionError(c.name, 'must be a whole SELECT item, a FROM item or in LATERAL VIEW');
    // The alias: AS name, AS (a, b) or a bare name.
    let k = this.next(c.close);
    let names: Token[] | undefined;
    let end = c.close + 1;
    if (isWord(this.tokens[k], 'AS')) {
      const a = this.next(k);
      if (isPunct(this.tokens[a], '(')) {
        const close = this.closing(a) ?? this.tokens.length;
        names = this.tokens.slice(a + 1, close).filter((t) => isSig(t) && !isPunct(t, ','));
        end = close + 1;
      } else {
        names = [this.tokens[a]];
        end = a + 1;
      }
      k = this.next(end - 1);
    } else if (identName(this.tokens[k]) !== undefined && !ITEM_END.has(this.tokens[k].text.toUpperCase())) {
      names = [this.tokens[k]];
      end = k + 1;
      k = this.next(k);
    }
    const after = this.tokens[k];
    const ends = after === undefined || isPunct(after, ',') || isPunct(after, ')') || isPunct(after, ';') || (after.kind === 'word' && ITEM_END.has(after.text.toUpperCase()));
    if (!ends) throw sparkFunctionError(c.name, 'must be a whole SELECT item, a FROM item or in LATERAL VIEW');
    const items = this.generatorItems(c, kind, names);
    return { sql: items.map(([sql, name]) => `${sql} AS ${name}`).join(', '), end };
  }

  /** `(sql, column name)` of each column a generator makes; `names` are the aliases given, if any. */
  private generatorItems(c: Call, kind: GeneratorKind, names?: Token[]): [string, string][] {
    if (names?.some((t) => identName(t) === undefined)) throw sparkFunctionError(c.name, 'column aliases must be names');
    const x = c.sql(0);
    if (kind.tuple) return this.jsonTupleItems(c, names);
    const orNull = (list: string) => (kind.outer ? `coalesce(nullif(${list}, []), [NULL])` : list);
    // A MAP column cannot be told from an array without types: only a visible map explodes as one.
    const isMap = c.kindOf(0) === 'map';
    const columns: [string, string][] = isMap ? [[`map_keys(${x})`, 'key'], [`map_values(${x})`, 'value']] : [[x, 'col']];
    if (kind.pos) columns.unshift([`range(len(${isMap ? `map_keys(${x})` : x}))`, 'pos']);
    if (names && names.length !== columns.length) {
      throw sparkFunctionError(c.name, `makes ${columns.length} column${columns.length > 1 ? 's' : ''} (${columns.map((col) => col[1]).join(', ')}) but ${names.length} alias${names.length > 1 ? 'es were' : ' was'} given`);
    }
    return columns.map(([list, name], i) => [`unnest(${orNull(list)})`, names ? names[i].text : name]);
  }

  /** json_tuple(json, 'a', 'b'): columns c0, c1, ... read as get_json_object reads '$.a' (NULL for text that is not JSON). */
  private jsonTupleItems(c: Call, names?: Token[]): [string, string][] {
    if (c.args.length < 2) throw sparkFunctionError(c.name, 'takes a JSON string and at least one field name');
    const fields = c.args.slice(1).map((_, k) => c.literal(k + 1));
    if (fields.some((f) => f === undefined || f.includes('"'))) throw sparkFunctionError(c.name, 'field names must be string literals (without double quotes)');
    if (names && names.length !== fields.length) {
      throw sparkFunctionError(c.name, `makes ${fields.length} column${fields.length > 1 ? 's' : ''} but ${names.length} alias${names.length > 1 ? 'es were' : ' was'} given`);
    }
    const json = `TRY_CAST(${c.sql(0)} AS JSON)`;
    return fields.map((f, k) => [`json_extract_string(${json}, ${sqlString(`$."${f}"`)})`, names ? names[k].text : `c${k}`]);
  }

  /** The clause a top-level `,` at `i` is in: scans back over brackets to SELECT or FROM. */
  private clauseOf(i: number): 'select' | 'from' | undefined {
    let depth = 0;
    for (let j = i - 1; j >= 0; j--) {
      const t = this.tokens[j];
      if (t.kind === 'punct') {
        if (')]}'.includes(t.text)) depth++;
        else if ('([{'.includes(t.text) && depth-- === 0) return undefined;
      } else if (t.kind === 'word' && depth === 0) {
        const w = t.text.toUpperCase();
        if (w === 'SELECT') return 'select';
        if (w === 'FROM' || w === 'JOIN') return 'from';
        if (ITEM_END.has(w) || w === 'BY' || w === 'SET' || w === 'VALUES') return undefined;
      }
    }
    return undefined;
  }

  /**
   * `LATERAL VIEW [OUTER] generator(x) [table] [AS] [col, ...]` as a lateral join of the
   * generator's rows; OUTER keeps a row of NULLs for an empty or NULL input, as explode_outer does.
   */
  private lateralView(i: number, to: number): { sql: string; end: number } {
    let k = this.next(this.next(i));
    const outer = isWord(this.tokens[k], 'OUTER');
    if (outer) k = this.next(k);
    const word = this.tokens[k];
    const name = word?.kind === 'word' ? word.text.toLowerCase() : '';
    const kinds: Record<string, GeneratorKind> = {
      explode: { pos: false, outer: false },
      explode_outer: { pos: false, outer: true },
      posexplode: { pos: true, outer: false },
      posexplode_outer: { pos: true, outer: true },
      json_tuple: { pos: false, outer: false, tuple: true },
    };
    const kind = kinds[name];
    // inline, stack...: DuckDB has no generator to map them onto.
    if (!Object.hasOwn(kinds, name)) throw sparkFunctionError(`LATERAL VIEW ${word?.text ?? ''}`, 'only explode, explode_outer, posexplode, posexplode_outer and json_tuple can be translated');
    const call = this.callAt(k, name, to);
    if (!call || call.close >= to) throw sparkFunctionError(`LATERAL VIEW ${name}`, 'expected a call');
    if (call.args.length !== 1 && !kind.tuple) throw sparkFunctionError(name, `takes 1 argument, got ${call.args.length}`);
    let end = call.close + 1;
    let n = this.next(call.close);
    const isName = (t: Token | undefined) => identName(t) !== undefined && !(t?.kind === 'word' && (ITEM_END.has(t.text.toUpperCase()) || isWord(t, 'AS')));
    let table: Token | undefined;
    if (isName(this.tokens[n])) {
      table = this.tokens[n];
      end = n + 1;
      n = this.next(n);
    }
    const names: Token[] = [];
    const as = isWord(this.tokens[n], 'AS');
    if (as) n = this.next(n);
    if (as || isName(this.tokens[n])) {
      for (;;) {
        if (!isName(this.tokens[n])) throw sparkFunctionError(`LATERAL VIEW ${name}`, 'expected a column alias');
        names.push(this.tokens[n]);
        end = n + 1;
        const comma = this.next(n);
        if (!isPunct(this.tokens[comma], ',') || !isName(this.tokens[this.next(comma)])) break;
        n = this.next(comma);
      }
    }
    const items = this.generatorItems(call, { ...kind, outer: kind.outer || outer }, names.length > 0 ? names : undefined);
    const select = `(SELECT ${items.map(([sql, col]) => `${sql} AS ${col}`).join(', ')})`;
    return { sql: `CROSS JOIN LATERAL ${select}${table ? ` AS ${table.text}` : ''}`, end };
  }
}
