/**
 * Whether a query's result is known to be small from its parse tree alone: a materialized DuckDB
 * result (one call that runs the whole query) costs a short query a few milliseconds less than a
 * streamed one (prepare, then execute, then fetch), but holds the whole result in DuckDB's memory
 * at once, so it is only used where the result cannot be large.
 */
import { integerValue, isNode, nodes, str, type DuckNode } from '../../planner/duck-json.js';

/** A LIMIT at or under this many rows makes a result small. */
const SMALL_LIMIT = 10_000n;

/** DuckDB's aggregate functions as its parser names them (`count(*)` is `count_star`). */
export const AGGREGATES: ReadonlySet<string> = new Set([
  'count_star', 'count', 'count_if', 'countif', 'sum', 'sum_no_overflow', 'fsum', 'sumkahan', 'kahan_sum', 'avg', 'mean', 'favg',
  'min', 'max', 'any_value', 'first', 'last', 'arbitrary', 'arg_min', 'arg_max', 'argmin', 'argmax', 'min_by', 'max_by',
  'bool_and', 'bool_or', 'bit_and', 'bit_or', 'bit_xor', 'product', 'stddev', 'stddev_samp', 'stddev_pop', 'variance',
  'var_samp', 'var_pop', 'median', 'mode', 'quantile', 'quantile_cont', 'quantile_disc', 'approx_count_distinct',
  'approx_quantile', 'string_agg', 'group_concat', 'list', 'array_agg', 'histogram', 'corr', 'covar_pop', 'covar_samp',
  'kurtosis', 'kurtosis_pop', 'skewness', 'entropy',
]);

/**
 * True when the statement returns at most one row (aggregates without GROUP BY) or has a
 * constant LIMIT of at most SMALL_LIMIT rows. Anything not recognized is not small.
 */
export function isSmallResult(tree: DuckNode | undefined): boolean {
  const statements = nodes(tree?.statements);
  if (statements.length !== 1 || !isNode(statements[0].node)) return false;
  const node = statements[0].node;
  if (hasSmallLimit(node)) return true;
  if (str(node.type) !== 'SELECT_NODE') return false;
  // GROUP BY ALL and friends are an aggregate_handling other than the standard one.
  if (nodes(node.group_expressions).length > 0 || (Array.isArray(node.group_sets) && node.group_sets.length > 0) || isNode(node.qualify)) return false;
  if (str(node.aggregate_handling) !== 'STANDARD_HANDLING') return false;
  const items = nodes(node.select_list);
  let aggregates = 0;
  const aggregated = (n: DuckNode): boolean => {
    const cls = str(n.class);
    if (cls === 'CONSTANT') return true;
    if (cls === 'FUNCTION' && AGGREGATES.has(str(n.function_name)?.toLowerCase() ?? '')) {
      aggregates++;
      return true;
    }
    // A scalar over aggregates and constants (`sum(x) + 1`, `CAST(count(*) AS DOUBLE)`).
    if (cls === 'FUNCTION' || cls === 'OPERATOR' || cls === 'CAST' || cls === 'COMPARISON' || cls === 'CONJUNCTION' || cls === 'CASE') {
      return childrenOf(n).every(aggregated);
    }
    return false;
  };
  return items.length > 0 && items.every(aggregated) && aggregates > 0;
}

function hasSmallLimit(node: DuckNode): boolean {
  for (const m of nodes(node.modifiers)) {
    if (str(m.type) !== 'LIMIT_MODIFIER' || !isNode(m.limit) || str(m.limit.class) !== 'CONSTANT') continue;
    const v = isNode(m.limit.value) ? integerValue(m.limit.value.value) : undefined;
    if (v !== undefined && v >= 0n && v <= SMALL_LIMIT) return true;
  }
  return false;
}

/** An expression's operands, wherever the node kind keeps them. */
function childrenOf(n: DuckNode): DuckNode[] {
  const out = [...nodes(n.children)];
  if (isNode(n.child)) out.push(n.child);
  if (isNode(n.left)) out.push(n.left);
  if (isNode(n.right)) out.push(n.right);
  for (const c of nodes(n.case_checks)) {
    if (isNode(c.when_expr)) out.push(c.when_expr);
    if (isNode(c.then_expr)) out.push(c.then_expr);
  }
  if (isNode(n.else_expr)) out.push(n.else_expr);
  // A FILTER (WHERE ...) or ORDER BY inside an aggregate is evaluated per row, never a row of the result.
  return out;
}

/**
 * The Delta references (by index) a top-level GROUP BY's keys come from, when every key is a
 * column qualified by the alias of a Delta reference joined at the top level (`GROUP BY d.month`
 * over `... JOIN <ref> d ...`): then the result has at most as many rows as those references'
 * rows multiplied (see smallGroups). Undefined for anything else. `placeholder`: the prefix of a
 * Delta reference's table name in the analysed text, followed by its index.
 */
export function groupKeyRefs(tree: DuckNode | undefined, placeholder: string): number[] | undefined {
  const statements = nodes(tree?.statements);
  if (statements.length !== 1 || !isNode(statements[0].node)) return undefined;
  const node = statements[0].node;
  if (str(node.type) !== 'SELECT_NODE' || str(node.aggregate_handling) !== 'STANDARD_HANDLING') return undefined;
  if (Array.isArray(node.group_sets) && node.group_sets.length > 1) return undefined;
  const keys = nodes(node.group_expressions);
  if (keys.length === 0) return undefined;
  const byAlias = new Map<string, number>();
  const leaves = (n: DuckNode | undefined): boolean => {
    if (!n) return false;
    const type = str(n.type);
    if (type === 'JOIN') return leaves(isNode(n.left) ? n.left : undefined) && leaves(isNode(n.right) ? n.right : undefined);
    const name = str(n.table_name);
    if (type !== 'BASE_TABLE' || !name?.startsWith(placeholder) || str(n.schema_name) || str(n.catalog_name)) return false;
    const ref = Number(name.slice(placeholder.length));
    const alias = (str(n.alias) || name).toLowerCase();
    if (!Number.isInteger(ref) || byAlias.has(alias)) return false;
    byAlias.set(alias, ref);
    return true;
  };
  // Every top-level relation must be a Delta reference: another (a subquery, a table function) could shadow an alias.
  if (!leaves(isNode(node.from_table) ? node.from_table : undefined)) return undefined;
  const refs: number[] = [];
  for (const k of keys) {
    const names = Array.isArray(k.column_names) ? k.column_names : [];
    if (str(k.class) !== 'COLUMN_REF' || names.length !== 2 || typeof names[0] !== 'string') return undefined;
    const ref = byAlias.get(names[0].toLowerCase());
    if (ref === undefined) return undefined;
    if (!refs.includes(ref)) refs.push(ref);
  }
  return refs;
}

/** At most this many result rows for GROUP BY keys' references to read a result materialized. */
const SMALL_GROUPS = 100_000;

/** Whether the groups of keys from references with these row counts are few enough to be a small result. */
export function smallGroups(rows: readonly number[]): boolean {
  let product = 1;
  for (const n of rows) {
    product *= n;
    if (!(product <= SMALL_GROUPS)) return false;
  }
  return true;
}
