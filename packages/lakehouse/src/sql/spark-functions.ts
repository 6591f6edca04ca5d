/**
 * Spark SQL function calls rewritten into DuckDB SQL with Spark's semantics (Spark 3.x defaults:
 * ANSI mode off, so bad input gives NULL rather than an error). Only calls named in RULES change;
 * every other byte of the text is kept, and calls inside the arguments of any call are rewritten
 * too. Functions DuckDB already runs as Spark does (ifnull, instr, map_entries, map_keys,
 * map_values, map_from_entries) are not in the table.
 *
 * The rewrite sees text, not types. Where Spark's answer depends on an argument's type (array or
 * map, string or timestamp), the SQL asks DuckDB: `typeof(x)` is folded while binding, so the
 * CASE built on it costs nothing at run time, and each branch casts `x` so that it binds for
 * every type.
 */
import { sqlError, type SqlError } from './errors.js';
import { isPunct, isWord, tokenize, type Token } from './lexer.js';

/** Rewrites the Spark SQL function calls in `text` that DuckDB lacks or runs differently. */
export function translateSparkFunctions(text: string): string {
  const t = new Translator(sparkJoinSyntax(text));
  return t.range(0, t.tokens.length, false);
}

/** Spark's `LEFT SEMI JOIN` / `LEFT ANTI JOIN` are DuckDB's `SEMI JOIN` / `ANTI JOIN`. */
function sparkJoinSyntax(text: string): string {
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
}

const ANY = Number.POSITIVE_INFINITY;

/** Spark's `yyyy-MM-dd HH:mm:ss`, the pattern unix_timestamp and from_unixtime default to. */
const DEFAULT_PATTERN = 'yyyy-MM-dd HH:mm:ss';

const RULES = new Map<string, Rule>([
  // Spark's constructors take the elements; DuckDB's map() takes a key list and a value list.
  ['array', { args: [0, ANY], to: (c) => `[${c.sqls().join(', ')}]`, notACall: (c) => isWord(c.first(0), 'SELECT') }],
  // `map([k...], [v...])` is DuckDB's own form, left alone.
  ['map', { args: [0, ANY], to: mapOf, notACall: (c) => c.args.length === 2 && isPunct(c.first(0), '[') }],
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
  // date_add(date, INTERVAL ...).
  ['datediff', { args: [2, 2], to: (c) => `date_diff('day', ${toDate(c.sql(1))}, ${toDate(c.sql(0))})`, notACall: (c) => c.args.length === 3 }],
  ['date_add', { args: [2, 2], to: (c) => `(${toDate(c.sql(0))} + CAST(${c.sql(1)} AS INTEGER))`, notACall: (c) => c.args.length === 2 && isWord(c.first(1), 'INTERVAL') }],
  ['date_sub', { args: [2, 2], to: (c) => `(${toDate(c.sql(0))} - CAST(${c.sql(1)} AS INTEGER))`, notACall: (c) => c.args.length === 3 }],
  // Both clamp to the month's last day (2016-08-31 + 1 month = 2016-09-30), as Spark 3 does.
  ['add_months', { args: [2, 2], to: (c) => `CAST(${toDate(c.sql(0))} + to_months(CAST(${c.sql(1)} AS INTEGER)) AS DATE)` }],
  ['to_date', { args: [1, 2], to: (c) => (c.args.length === 1 ? toDate(c.sql(0)) : `CAST(${parseTimestamp(c, 0, c.pattern(1))} AS DATE)`) }],
  // Numbers are seconds since the epoch in both (DuckDB's to_timestamp(n) is left alone).
  ['to_timestamp', { args: [1, 2], to: (c) => (c.args.length === 1 ? toTimestamp(c.sql(0)) : parseTimestamp(c, 0, c.pattern(1))), notACall: (c) => c.args.length === 1 && c.sig(0).length === 1 && c.first(0)?.kind === 'number' }],
  ['unix_timestamp', { args: [0, 2], to: unixTimestamp }],
  ['from_unixtime', { args: [1, 2], to: (c) => formatTimestamp(`to_timestamp(CAST(${c.sql(0)} AS BIGINT))`, c.args.length === 2 ? c.pattern(1) : DEFAULT_PATTERN, c.name) }],
  ['date_format', { args: [2, 2], to: (c) => formatTimestamp(`TRY_CAST(${c.sql(0)} AS TIMESTAMPTZ)`, c.pattern(1), c.name) }],
]);

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
    const name = t.text.toLowerCase();
    const rule = RULES.get(name);
    if (!rule || isPunct(this.tokens[this.prev(i)], '.')) return undefined;
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
    if (!name.includes('explode') && this.unnamedSelectItem(i, out.end)) {
      const written = name + this.text.slice(t.end, this.tokens[out.end - 1].end).replace(/\s+/g, ' ');
      return { sql: `${out.sql} AS "${written.replaceAll('"', '""')}"`, end: out.end };
    }
    return out;
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
    };
    const kind = kinds[name];
    // inline, stack, json_tuple...: DuckDB has no generator to map them onto.
    if (!Object.hasOwn(kinds, name)) throw sparkFunctionError(`LATERAL VIEW ${word?.text ?? ''}`, 'only explode, explode_outer, posexplode and posexplode_outer can be translated');
    const call = this.callAt(k, name, to);
    if (!call || call.close >= to) throw sparkFunctionError(`LATERAL VIEW ${name}`, 'expected a call');
    if (call.args.length !== 1) throw sparkFunctionError(name, `takes 1 argument, got ${call.args.length}`);
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
    const items = this.generatorItems(call, { pos: kind.pos, outer: kind.outer || outer }, names.length > 0 ? names : undefined);
    const select = `(SELECT ${items.map(([sql, col]) => `${sql} AS ${col}`).join(', ')})`;
    return { sql: `CROSS JOIN LATERAL ${select}${table ? ` AS ${table.text}` : ''}`, end };
  }
}
