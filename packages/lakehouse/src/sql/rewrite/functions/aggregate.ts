/** Aggregates: collect_list/collect_set, percentiles, first/last with IGNORE NULLS, every/some/any, count(*). */
import { isPunct, isWord } from '../../parse/lexer.js';
import type { Call } from '../call.js';
import { groupingColumns, hasGroupingSets } from '../grouping.js';
import { ANY, refused, type Rule, sparkFunctionError } from './rule.js';

export const AGGREGATE_RULES: readonly (readonly [string, Rule])[] = [
  // Spark's lists skip NULLs and are empty, not NULL, for a group without values.
  ['collect_list', { args: [1, 1], to: (c) => collect(c, (agg) => withoutNulls(c, agg)) }],
  ['collect_set', { args: [1, 1], to: (c) => collect(c, (agg) => `coalesce(list_distinct(${agg}), [])`) }],
  // The same count; only its column name differs (DuckDB's is count_star()).
  ['count', { args: [1, ANY], to: count, sparkName: 'count(1)', notACall: (c) => !isStarCount(c) && c.args.length === 1 }],
  // `f(...) IGNORE NULLS OVER (...)` as Spark writes it is `f(... IGNORE NULLS) OVER (...)` in DuckDB.
  ...['lead', 'lag', 'nth_value'].map((name): [string, Rule] => [name, { args: [1, 3], to: (c) => nullsInside(ordered(c, name !== 'nth_value'), name) }]),
  // Ranking functions need an ordered window in Spark (DuckDB numbers rows in any order).
  ...['row_number', 'rank', 'dense_rank', 'percent_rank', 'cume_dist', 'ntile'].map((name): [string, Rule] => [name, { args: [0, 1], to: (c) => `${ordered(c, true).name}(${c.sqls().join(', ')})` }]),
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
  // Spark's any_value is first(): NULLs count unless ignored.
  ['any_value', { args: [1, 2], to: (c) => firstLast(c, 'first') }],
  ['every', { args: [1, 1], to: (c) => `bool_and(${c.sql(0)})` }],
  // `x = ANY (SELECT ...)` and `x > SOME (...)` are SQL's comparisons with a subquery.
  ['some', { args: [1, 1], to: (c) => `bool_or(${c.sql(0)})`, notACall: isSubqueryComparison }],
  ['any', { args: [1, 1], to: (c) => `bool_or(${c.sql(0)})`, notACall: isSubqueryComparison }],
  // grouping_id() without arguments: the bits of all the query's grouping columns, as Spark computes it.
  ['grouping_id', { args: [0, ANY], to: groupingId }],
  ['histogram_numeric', { args: [2, 2], to: histogramNumeric }],
  ['skewness', { args: [1, 1], to: (c) => moments(c, 'skewness') }],
  ['kurtosis', { args: [1, 1], to: (c) => moments(c, 'kurtosis') }],
  ['corr', { args: [2, 2], to: correlation }],
  // (`VALUES (1) AS grouping(a)` names a relation.)
  ['grouping', { args: [1, 1], to: (c) => `grouping(${needsGroupingSets(c).sql(0)})`, notACall: (c) => isWord(c.t.tokens[c.t.prev(c.start)], 'AS') || isPunct(c.t.tokens[c.t.prev(c.start)], ')') }],
];

const isStarCount = (c: Call) => c.args.length === 1 && c.sig(0).length === 1 && isPunct(c.sig(0)[0], '*');

/**
 * count(*), and Spark's count of several expressions: the rows (or, with DISTINCT, the distinct
 * tuples) where none of them is NULL.
 */
function count(c: Call): string {
  if (isStarCount(c)) return 'count(*)';
  const distinct = isWord(c.first(0), 'DISTINCT');
  const values = c.args.map((_, i) => (i === 0 && distinct ? c.from(0, 1) : c.sql(i)));
  if (values.some((v) => v === '*' || v.endsWith('.*'))) throw sparkFunctionError(c.name, 'a * among several arguments cannot be translated');
  const present = values.map((v) => `(${v}) IS NOT NULL`).join(' AND ');
  return distinct ? `count(DISTINCT CASE WHEN ${present} THEN row(${values.join(', ')}) END)` : `count(CASE WHEN ${present} THEN 1 END)`;
}

/** The call, when its OVER (...) written in place has an ORDER BY (a named window is not checked). */
function ordered(c: Call, required: boolean): Call {
  let k = c.t.next(c.close);
  if (isWord(c.t.tokens[k], 'IGNORE', 'RESPECT')) k = c.t.next(c.t.next(k));
  const open = c.t.next(k);
  if (!required || !isWord(c.t.tokens[k], 'OVER') || !isPunct(c.t.tokens[open], '(')) return c;
  const close = c.t.closing(open) ?? open;
  let depth = 0;
  for (let j = open + 1; j < close; j++) {
    const t = c.t.tokens[j];
    if (isPunct(t, '(')) depth++;
    else if (isPunct(t, ')')) depth--;
    else if (depth === 0 && isWord(t, 'ORDER')) return c;
  }
  throw sparkFunctionError(c.name, 'needs a window with ORDER BY, as in Spark');
}

function nullsInside(c: Call, name: string): string | { sql: string; end: number } {
  const k = c.t.next(c.close);
  const nulls = c.t.next(k);
  const args = c.sqls().join(', ');
  if (isWord(c.t.tokens[k], 'IGNORE', 'RESPECT') && isWord(c.t.tokens[nulls], 'NULLS') && nulls < c.limit) {
    return { sql: `${name}(${args} ${c.t.tokens[k].text.toUpperCase()} NULLS)`, end: nulls + 1 };
  }
  return `${name}(${args})`;
}

/** grouping() and grouping_id() mean something only with ROLLUP, CUBE or GROUPING SETS; Spark refuses them otherwise. */
function needsGroupingSets(c: Call): Call {
  if (!hasGroupingSets(c.t.tokens, c.start)) throw sparkFunctionError(c.name, 'needs GROUP BY with ROLLUP, CUBE or GROUPING SETS, as in Spark');
  return c;
}

function groupingId(c: Call): string {
  if (c.args.length > 0) return `grouping_id(${needsGroupingSets(c).sqls().join(', ')})`;
  const columns = groupingColumns(c.t.tokens, c.start);
  if (!columns || columns.length === 0) throw sparkFunctionError(c.name, 'grouping_id() needs a GROUP BY (with ROLLUP, CUBE or GROUPING SETS) in its query');
  needsGroupingSets(c);
  return `grouping_id(${columns.map((r) => c.t.range(r.from, r.to, true).trim()).join(', ')})`;
}

/**
 * collect_list / collect_set: DuckDB's list() with Spark's NULL handling wrapped around the whole
 * aggregate, so a FILTER (WHERE ...) or OVER (...) after the call moves inside the wrapper.
 */
function collect(c: Call, wrap: (aggregate: string) => string): { sql: string; end: number } {
  return aggregates(c, (agg) => wrap(agg(`list(${c.sql(0)})`)));
}

/**
 * An expression over aggregates of the call's rows: `agg(call)` gives each aggregate the call's
 * FILTER (WHERE ...) and OVER (...), which the rewrite consumes.
 */
function aggregates(c: Call, build: (agg: (call: string) => string) => string): { sql: string; end: number } {
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
  return { sql: build((call) => `${call}${tail}`), end };
}

/**
 * Spark's skewness and kurtosis are the population moments (DuckDB's are sample-adjusted), and,
 * as every statistical aggregate in Spark 3 (spark.sql.legacy.statisticalAggregate off), NULL
 * where a division by zero would give NaN.
 */
function moments(c: Call, which: 'skewness' | 'kurtosis'): { sql: string; end: number } {
  const x = `CAST(${c.sql(0)} AS DOUBLE)`;
  return aggregates(c, (agg) => {
    const mean = agg(`avg(${x})`);
    const m2 = `NULLIF(${agg(`var_pop(${x})`)}, 0)`;
    const e2 = agg(`avg(${x} * ${x})`);
    const e3 = agg(`avg(${x} * ${x} * ${x})`);
    if (which === 'skewness') return `((${e3} - 3 * ${mean} * ${e2} + 2 * power(${mean}, 3)) / power(${m2}, 1.5))`;
    const e4 = agg(`avg(${x} * ${x} * ${x} * ${x})`);
    return `((${e4} - 4 * ${mean} * ${e3} + 6 * power(${mean}, 2) * ${e2} - 3 * power(${mean}, 4)) / power(${m2}, 2) - 3)`;
  });
}

/** corr: NULL rather than NaN where a standard deviation is zero (see moments). */
function correlation(c: Call): { sql: string; end: number } {
  return aggregates(c, (agg) => {
    const r = agg(`corr(${c.sql(0)}, ${c.sql(1)})`);
    return `CASE WHEN isnan(${r}) THEN NULL ELSE ${r} END`;
  });
}

function withoutNulls(c: Call, list: string): string {
  const x = c.fresh('x');
  return `coalesce(list_filter(${list}, lambda ${x}: ${x} IS NOT NULL), [])`;
}

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

/**
 * histogram_numeric(x, nb): with at most nb distinct values Spark's bins are exact, one per value
 * ({x, y: its count}), in order. With more, Spark merges bins in the order rows arrive, which a
 * set-based engine cannot reproduce: the query fails, naming the function.
 */
function histogramNumeric(c: Call): string {
  const x = c.sql(0);
  const entry = c.fresh('e');
  const bins = `list_sort(list_transform(map_entries(histogram(${x})), lambda ${entry}: {'x': ${entry}.key, 'y': CAST(${entry}.value AS DOUBLE)}))`;
  return `CASE WHEN count(${x}) = 0 THEN NULL WHEN count(DISTINCT ${x}) > (${c.sql(1)}) THEN error('histogram_numeric(): more distinct values than bins (Spark merges bins in the order rows arrive) cannot be translated') ELSE ${bins} END`;
}
