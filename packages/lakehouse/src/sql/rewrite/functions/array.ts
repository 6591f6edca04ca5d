/** Arrays, maps, structs, their lambda functions (transform, filter, aggregate, ...) and the generators (explode & co.). */
import { isPunct, isWord, type Token } from '../../parse/lexer.js';
import type { Call } from '../call.js';
import { substitute } from '../lambda.js';
import { identName, sqlString } from '../tokens.js';
import { ANY, bind, nullIfAnyNull, nullWhenNull, type Rule, sparkFunctionError } from './rule.js';
import { regexArg } from './string.js';

export const ARRAY_RULES: readonly (readonly [string, Rule])[] = [
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
  // Generators: rows from a SELECT item, a FROM item or LATERAL VIEW (see Translator.generator).
  ['explode', { args: [1, 1], to: (c) => c.t.generator(c, { pos: false, outer: false }) }],
  ['explode_outer', { args: [1, 1], to: (c) => c.t.generator(c, { pos: false, outer: true }) }],
  ['posexplode', { args: [1, 1], to: (c) => c.t.generator(c, { pos: true, outer: false }) }],
  ['posexplode_outer', { args: [1, 1], to: (c) => c.t.generator(c, { pos: true, outer: true }) }],
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
  // Index 0 is an error in Spark (it counts from 1, or from -1 at the end).
  [
    'element_at',
    {
      args: [2, 2],
      to: (c) =>
        c.kindOf(0) === 'map' ? `${c.atom(0)}[${c.sql(1)}]` : `CASE WHEN typeof(${c.sql(0)}) NOT LIKE 'MAP(%' AND TRY_CAST(${c.sql(1)} AS BIGINT) = 0 THEN error('element_at(): the index 0 is invalid (arrays count from 1, or from -1 at the end)') ELSE ${c.atom(0)}[${c.sql(1)}] END`,
    },
  ],
  ['array_size', { args: [1, 1], to: (c) => `CAST(len(${c.sql(0)}) AS INTEGER)` }],
  // get(array, i): counting from 0, NULL outside the array.
  ['get', { args: [2, 2], to: (c) => `${c.atom(0)}[CASE WHEN ${c.atom(1)} >= 0 THEN ${c.atom(1)} + 1 END]` }],
  ['array_compact', { args: [1, 1], to: (c) => { const v = c.fresh('v'); return `list_filter(${c.sql(0)}, lambda ${v}: ${v} IS NOT NULL)`; } }],
  ['array_append', { args: [2, 2], to: (c) => nullIfAnyNull(c, [0], `list_append(${c.sql(0)}, ${c.sql(1)})`) }],
  ['array_prepend', { args: [2, 2], to: (c) => nullIfAnyNull(c, [0], `list_prepend(${c.sql(1)}, ${c.sql(0)})`) }],
  ['array_insert', { args: [3, 3], to: arrayInsert }],
  ['sort_array', { args: [1, 2], to: sortArray }],
  ['array_join', { args: [2, 3], to: arrayJoin }],
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
];

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
 * array_insert(array, pos, value): pos counts from 1, or from -1 after the last element (before
 * it with spark.sql.legacy.negativeIndexInArrayInsert); past either end the array is padded with
 * NULLs; 0 is an error.
 */
function arrayInsert(c: Call): string {
  const legacy = c.t.flag('spark.sql.legacy.negativeIndexInArrayInsert');
  return bind(c, [c.sql(0), `CAST(${c.sql(1)} AS BIGINT)`], ([a, p]) => {
    const v = c.sql(2);
    const n = `len(${a})`;
    // The 1-based position the value takes in the array as it is.
    const at = `CASE WHEN ${p} > 0 THEN ${p} ELSE ${n} + ${p} + ${legacy ? 1 : 2} END`;
    const inside = `list_concat(${a}[1:${at} - 1], [${v}], ${a}[${at}:])`;
    const after = `list_concat(${a}, list_transform(range(${at} - ${n} - 1), lambda ${c.fresh('x')}: NULL), [${v}])`;
    const before = `list_concat([${v}], list_transform(range(1 - ${at}), lambda ${c.fresh('x')}: NULL), ${a})`;
    return (
      `CASE WHEN ${a} IS NULL OR ${p} IS NULL THEN NULL WHEN ${p} = 0 THEN error('array_insert(): the position 0 is invalid (positions count from 1, or from -1 at the end)') ` +
      `WHEN ${at} < 1 THEN ${before} WHEN ${at} > ${n} + 1 THEN ${after} ELSE ${inside} END`
    );
  });
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
  // A NULL argument makes the result NULL (and NULL cannot be indexed).
  if (c.args.some((_, k) => c.sig(k).length === 1 && isWord(c.sig(k)[0], 'NULL'))) return 'CAST(NULL AS STRUCT("0" INTEGER)[])';
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
