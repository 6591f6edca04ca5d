import { tokenize, type Token } from '@loch/lakehouse';
import { streamingError } from '../errors.js';

/**
 * A streaming aggregation keeps, per group, partial values it can merge with the next batch's:
 * `avg(x)` is kept as sum(x) and count(x). Each aggregate call of an expression becomes one or
 * more partial columns; the expression's value is then computed from the merged partials.
 */
export interface PartialColumn {
  /** Column name in the state (`__p0`, ...: plain words, never quoted). */
  readonly name: string;
  /** Spark SQL computing it from a batch's rows, per group. */
  readonly expr: string;
  /**
   * DuckDB SQL merging it over rows of state and batch partials, per group.
   * Rows are ordered by `__src` (0: state, 1: batch) where order matters (first, last).
   */
  readonly merge: string;
}

export interface AggregateOutput {
  readonly name: string;
  /** Spark SQL computing the output from a group's merged partial columns. */
  readonly final: string;
}

export interface DecomposedAggregates {
  readonly partials: readonly PartialColumn[];
  readonly outputs: readonly AggregateOutput[];
}

type Part = { readonly expr: string; readonly merge: string };
type Fn = (args: readonly string[]) => { parts: Part[]; final: (p: readonly string[]) => string };

const one = (expr: string, merge: string) => ({ parts: [{ expr, merge }], final: (p: readonly string[]) => p[0] });
const count = (args: readonly string[]) => one(`count(${args[0] ?? '*'})`, 'sum($)::BIGINT');
const stddev = (finalOf: (n: string, s: string, ss: string) => string): Fn => (args) => ({
  parts: [
    { expr: `count(${args[0]})`, merge: 'sum($)::BIGINT' },
    { expr: `sum(CAST(${args[0]} AS DOUBLE))`, merge: 'sum($)' },
    { expr: `sum(CAST(${args[0]} AS DOUBLE) * CAST(${args[0]} AS DOUBLE))`, merge: 'sum($)' },
  ],
  final: ([n, s, ss]) => finalOf(n, s, ss),
});
const variance = (n: string, s: string, ss: string, minus: number) =>
  `CASE WHEN ${n} - ${minus} <= 0 THEN NULL ELSE greatest((${ss} - ${s} * ${s} / ${n}) / (${n} - ${minus}), 0) END`;
const extreme = (by: 'max' | 'min'): Fn => (args) => ({
  parts: [
    { expr: `${by}_by(${args[0]}, ${args[1]})`, merge: `${by}_by($, $1)` },
    { expr: `${by}(${args[1]})`, merge: `${by}($)` },
  ],
  final: (p) => p[0],
});

/** Aggregates a stream can keep as partials, by name (Spark's and DuckDB's spellings). */
const MERGEABLE: Readonly<Record<string, Fn>> = {
  count,
  sum: (a) => one(`sum(${a[0]})`, 'sum($)'),
  min: (a) => one(`min(${a[0]})`, 'min($)'),
  max: (a) => one(`max(${a[0]})`, 'max($)'),
  count_if: (a) => one(`count_if(${a[0]})`, 'sum($)::BIGINT'),
  bool_and: (a) => one(`bool_and(${a[0]})`, 'bool_and($)'),
  every: (a) => one(`bool_and(${a[0]})`, 'bool_and($)'),
  bool_or: (a) => one(`bool_or(${a[0]})`, 'bool_or($)'),
  some: (a) => one(`bool_or(${a[0]})`, 'bool_or($)'),
  any: (a) => one(`bool_or(${a[0]})`, 'bool_or($)'),
  first: (a) => one(`first(${a.join(', ')})`, 'first($ ORDER BY __src)'),
  first_value: (a) => one(`first(${a.join(', ')})`, 'first($ ORDER BY __src)'),
  any_value: (a) => one(`any_value(${a[0]})`, 'first($ ORDER BY __src)'),
  last: (a) => one(`last(${a.join(', ')})`, 'last($ ORDER BY __src)'),
  last_value: (a) => one(`last(${a.join(', ')})`, 'last($ ORDER BY __src)'),
  collect_list: (a) => one(`collect_list(${a[0]})`, 'flatten(list($ ORDER BY __src))'),
  collect_set: (a) => one(`collect_set(${a[0]})`, 'list_distinct(flatten(list($ ORDER BY __src)))'),
  max_by: extreme('max'),
  min_by: extreme('min'),
  avg: (a) => ({
    parts: [
      { expr: `sum(${a[0]})`, merge: 'sum($)' },
      { expr: `count(${a[0]})`, merge: 'sum($)::BIGINT' },
    ],
    final: ([s, n]) => `CASE WHEN ${n} = 0 THEN NULL ELSE CAST(${s} AS DOUBLE) / ${n} END`,
  }),
  stddev: stddev((n, s, ss) => `sqrt(${variance(n, s, ss, 1)})`),
  stddev_samp: stddev((n, s, ss) => `sqrt(${variance(n, s, ss, 1)})`),
  stddev_pop: stddev((n, s, ss) => `sqrt(${variance(n, s, ss, 0)})`),
  variance: stddev((n, s, ss) => variance(n, s, ss, 1)),
  var_samp: stddev((n, s, ss) => variance(n, s, ss, 1)),
  var_pop: stddev((n, s, ss) => variance(n, s, ss, 0)),
};
const ALIASES: Readonly<Record<string, string>> = { mean: 'avg', std: 'stddev' };

/** Aggregates whose partial values cannot be merged batch by batch. */
const NOT_MERGEABLE = new Set([
  'approx_count_distinct', 'percentile', 'percentile_approx', 'approx_percentile', 'median', 'mode', 'quantile',
  'quantile_cont', 'quantile_disc', 'string_agg', 'listagg', 'array_agg', 'list', 'histogram', 'corr', 'covar_pop',
  'covar_samp', 'regr_slope', 'kurtosis', 'skewness', 'entropy', 'product', 'arbitrary',
]);

const isSpace = (t: Token) => t.kind === 'space' || t.kind === 'comment';

/** The index of the next token after `i` that is not space or a comment. */
function next(tokens: readonly Token[], i: number): number {
  let j = i + 1;
  while (j < tokens.length && isSpace(tokens[j])) j++;
  return j;
}

interface Call {
  readonly name: string;
  readonly start: number;
  readonly end: number;
  readonly args: string[];
}

/** Splits `(a, f(b, c))` (the tokens between the parentheses) into top-level arguments. */
function callAt(text: string, tokens: readonly Token[], nameAt: number, open: number, what: string): { call: Call; after: number } {
  let depth = 0;
  const args: string[] = [];
  let argStart = tokens[open].end;
  for (let j = open; j < tokens.length; j++) {
    const t = tokens[j];
    if (t.kind !== 'punct') continue;
    if (t.text === '(') depth++;
    else if (t.text === ')' && --depth === 0) {
      args.push(text.slice(argStart, t.start).trim());
      const name = tokens[nameAt].text.toLowerCase();
      return { call: { name, start: tokens[nameAt].start, end: t.end, args: args.filter((a) => a !== '') }, after: j };
    } else if (t.text === ',' && depth === 1) {
      args.push(text.slice(argStart, t.start).trim());
      argStart = t.end;
    }
  }
  throw streamingError('STREAM_UNSUPPORTED_OPERATION', `aggregate ${what}: unbalanced parentheses in '${text}'`);
}

/** Rewrites the aggregate expressions of `agg({...})` into partial columns and final expressions. */
export function decomposeAggregates(aggregates: Readonly<Record<string, string>>): DecomposedAggregates {
  const partials: PartialColumn[] = [];
  const outputs: AggregateOutput[] = [];
  for (const [name, text] of Object.entries(aggregates)) {
    const unsupported = (why: string) => streamingError('STREAM_UNSUPPORTED_OPERATION', `aggregate '${name}' (${text}): ${why} in a streaming aggregation`);
    const tokens = tokenize(text, 'spark');
    let final = '';
    let copied = 0;
    let found = 0;
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i];
      const open = next(tokens, i);
      if (t.kind !== 'word' || tokens[open]?.text !== '(') continue;
      const fname = ALIASES[t.text.toLowerCase()] ?? t.text.toLowerCase();
      if (NOT_MERGEABLE.has(fname)) throw unsupported(`${t.text}() cannot be merged across batches`);
      const fn = MERGEABLE[fname];
      if (!fn) continue;
      const { call, after } = callAt(text, tokens, i, open, name);
      const following = tokens[next(tokens, after)];
      if (following && following.kind === 'word' && /^(over|filter|within)$/i.test(following.text)) throw unsupported(`${t.text}(...) ${following.text.toUpperCase()} is not supported`);
      if (call.args.length > 0 && /^distinct\b/i.test(call.args[0])) throw unsupported(`distinct aggregates (${t.text}(DISTINCT ...)) are not supported`);
      for (const a of call.args) if (containsAggregate(a)) throw unsupported('an aggregate inside an aggregate is not supported');
      const { parts, final: finalOf } = fn(call.args);
      const names = parts.map((p) => {
        const column = `__p${partials.length}`;
        partials.push({ name: column, expr: p.expr, merge: p.merge });
        return column;
      });
      // `$1` in a merge is the call's next partial column (max_by's ordering value).
      for (const [k, column] of names.entries()) {
        const p = partials[partials.length - names.length + k];
        partials[partials.length - names.length + k] = { ...p, merge: p.merge.replaceAll('$1', names[k + 1] ?? column).replaceAll('$', column) };
      }
      final += `${text.slice(copied, call.start)}(${finalOf(names)})`;
      copied = call.end;
      found++;
      i = after;
    }
    if (found === 0) throw unsupported('no aggregate function (count, sum, min, max, avg, ...) is');
    outputs.push({ name, final: final + text.slice(copied) });
  }
  return { partials, outputs };
}

function containsAggregate(text: string): boolean {
  const tokens = tokenize(text, 'spark');
  return tokens.some((t, i) => {
    if (t.kind !== 'word' || tokens[next(tokens, i)]?.text !== '(') return false;
    const n = ALIASES[t.text.toLowerCase()] ?? t.text.toLowerCase();
    return n in MERGEABLE || NOT_MERGEABLE.has(n);
  });
}
