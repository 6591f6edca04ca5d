/**
 * How a query that calls vectorized scalar UDFs is split into two stages (see staged-run.ts),
 * worked out on DuckDB's parse tree (`json_serialize_sql`). The SELECT whose own expressions
 * (select list, WHERE, GROUP BY, HAVING, QUALIFY, ORDER BY) call the UDFs is the staged node:
 *
 * - stage 1 is its FROM, filtered by the WHERE conjuncts that call no UDF, selecting every
 *   column (`*`) and then each distinct UDF argument (`__loch_a<i>`);
 * - stage 2 is the whole statement with each distinct call replaced by a column
 *   (`__loch_r<i>`) and the staged node's FROM replaced by a placeholder table, which the runner
 *   replaces by the stage's rows (the FROM's columns the rest reads, and the results).
 *
 * Anything else is left to the DuckDB scalar function path (planStages returns a reason):
 * calls in more than one SELECT (a UDF over another UDF's result in a subquery), in a FROM (a
 * join condition, a table function's argument) or in a subquery; a FROM that is a join; a call
 * with DISTINCT, FILTER or ORDER BY; an argument holding an aggregate, a window, a subquery or
 * another UDF call; a column named with its schema (`s.t.x`).
 */
import type { ExactJson } from '@loch/delta';
import { isNode, nodes, str, type DuckNode } from '../planner/duck-json.js';
import { AGGREGATES } from '../sql/plan/result-size.js';

/** One distinct call: the function, and its arguments as indexes into the plan's arguments. */
export interface StagedCall {
  readonly name: string;
  readonly args: readonly number[];
}

export interface StagePlan {
  /** Stage 1 as a statement tree: `SELECT *, <arguments> FROM <from> WHERE <pushed conjuncts>`. */
  readonly probe: DuckNode;
  /** How many argument columns stage 1 has after the FROM's columns. */
  readonly args: number;
  readonly calls: readonly StagedCall[];
  /** Stage 2 as a statement tree, reading the placeholder table. */
  readonly rest: DuckNode;
  /** The placeholder's name in stage 2's text (replaced there by the stage's rows). */
  readonly placeholder: string;
  /** The FROM's columns stage 2 reads, by lower-case name; 'all' when it reads `*`. */
  readonly reads: ReadonlySet<string> | 'all';
  /** Select items that held a call and had no alias, with their original expression, to be named as before. */
  readonly names: readonly { readonly item: DuckNode; readonly original: DuckNode }[];
}

/** Parse trees of `SELECT * FROM __loch_t` and `SELECT 1`, for the nodes a plan builds (a `*`, a table, an empty FROM). */
export interface Templates {
  readonly star: DuckNode;
  readonly select: DuckNode;
}

const withoutLocation = (v: ExactJson): ExactJson => {
  if (Array.isArray(v)) return v.map(withoutLocation);
  if (!isNode(v)) return v;
  return Object.fromEntries(Object.entries(v).filter(([k]) => k !== 'query_location' && k !== 'alias').map(([k, x]) => [k, withoutLocation(x)]));
};
const keyOf = (v: ExactJson) => JSON.stringify(withoutLocation(v));

/** Every node under `v`, `skip` deciding which not to descend into (the node itself is still visited). */
function visit(v: ExactJson | undefined, f: (n: DuckNode) => void, skip: (n: DuckNode) => boolean = () => false): void {
  if (Array.isArray(v)) {
    for (const x of v) visit(x, f, skip);
    return;
  }
  if (!isNode(v)) return;
  f(v);
  if (skip(v)) return;
  for (const x of Object.values(v)) visit(x, f, skip);
}

/** A node's own expressions: everything but its FROM and its CTEs (which are queries of their own). */
const ownKeys = (node: DuckNode) => Object.keys(node).filter((k) => k !== 'from_table' && k !== 'cte_map');
const isSubquery = (n: DuckNode) => str(n.class) === 'SUBQUERY' || str(n.type) === 'SELECT_NODE' || str(n.type) === 'SET_OPERATION_NODE';

/** The plan for `tree`, or why the query keeps the DuckDB scalar function path. */
export function planStages(tree: DuckNode, udfs: ReadonlySet<string>, templates: Templates, id: number): StagePlan | string {
  const isCall = (n: DuckNode) => str(n.class) === 'FUNCTION' && udfs.has(str(n.function_name)?.toLowerCase() ?? '') && !str(n.schema) && !str(n.catalog);
  const statements = nodes(tree.statements);
  if (statements.length !== 1) return 'not one statement';
  let total = 0;
  visit(tree, (n) => void (isCall(n) && total++));
  if (total === 0) return 'no vectorized UDF call';
  // The SELECT nodes whose own expressions call a UDF.
  const staged: DuckNode[] = [];
  visit(tree, (n) => {
    if (str(n.type) !== 'SELECT_NODE') return;
    let own = 0;
    for (const k of ownKeys(n)) visit(n[k], (m) => void (isCall(m) && own++), isSubquery);
    if (own > 0) staged.push(n);
    if (own > 0 && own !== total) total = -1;
  });
  if (staged.length !== 1 || total < 0) return 'UDF calls in more than one SELECT, in a FROM or in a subquery';
  const node = staged[0];
  let own = 0;
  for (const k of ownKeys(node)) visit(node[k], (m) => void (isCall(m) && own++), (m) => str(m.class) === 'SUBQUERY');
  if (own !== total) return 'UDF calls in a subquery';
  const from = node.from_table;
  if (!isNode(from) || !['BASE_TABLE', 'SUBQUERY', 'TABLE_FUNCTION'].includes(str(from.type) ?? '')) return 'a FROM that is not one table, subquery or table function';

  const args: DuckNode[] = [];
  const argIndex = new Map<string, number>();
  const calls: StagedCall[] = [];
  const callIndex = new Map<string, number>();
  let refused: string | undefined;
  /** A call's index, its arguments taken as stage 1 columns. */
  const callOf = (n: DuckNode): number => {
    const key = keyOf(n);
    const known = callIndex.get(key);
    if (known !== undefined) return known;
    if (n.distinct === true || isNode(n.filter) || nodes(isNode(n.order_bys) ? n.order_bys.orders : undefined).length > 0) refused ??= 'a UDF call with DISTINCT, FILTER or ORDER BY';
    const indexes = nodes(n.children).map((a) => {
      visit(a, (m) => {
        const cls = str(m.class);
        if (cls === 'WINDOW' || cls === 'SUBQUERY' || isCall(m) || (cls === 'FUNCTION' && AGGREGATES.has(str(m.function_name)?.toLowerCase() ?? ''))) refused ??= 'a UDF argument with an aggregate, a window, a subquery or another UDF call';
      });
      const k = keyOf(a);
      if (!argIndex.has(k)) {
        argIndex.set(k, args.length);
        args.push(a);
      }
      return argIndex.get(k)!;
    });
    callIndex.set(key, calls.length);
    calls.push({ name: str(n.function_name)!.toLowerCase(), args: indexes });
    return calls.length - 1;
  };
  const replace = (v: ExactJson): ExactJson => {
    if (Array.isArray(v)) return v.map(replace);
    if (!isNode(v) || str(v.class) === 'SUBQUERY') return v;
    if (isCall(v)) {
      const i = callOf(v);
      return { class: 'COLUMN_REF', type: 'COLUMN_REF', alias: v.alias ?? '', ...(v.query_location !== undefined ? { query_location: v.query_location } : {}), column_names: [`__loch_r${i}`] };
    }
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, replace(x)]));
  };

  // WHERE conjuncts without calls or subqueries run in stage 1, before the function sees the rows.
  const pushed: DuckNode[] = [];
  const kept: DuckNode[] = [];
  const split = (w: DuckNode) => {
    if (str(w.type) === 'CONJUNCTION_AND') return nodes(w.children).forEach(split);
    let calls = false;
    visit(w, (m) => void ((isCall(m) || str(m.class) === 'SUBQUERY') && (calls = true)));
    (calls ? kept : pushed).push(w);
  };
  if (isNode(node.where_clause)) split(node.where_clause);
  const where = kept.length === 0 ? null : kept.length === 1 ? kept[0] : { ...(node.where_clause as DuckNode), children: kept };

  const rest: Record<string, ExactJson> = {};
  for (const k of ownKeys(node)) rest[k] = k === 'where_clause' ? replace(where) : replace(node[k]);
  if (refused) return refused;
  const names: { item: DuckNode; original: DuckNode }[] = [];
  const items = nodes(node.select_list);
  rest.select_list = nodes(rest.select_list).map((item, i) => {
    if (str(item.alias) || keyOf(item) === keyOf(items[i])) return item;
    const named = { ...item, alias: `__loch_name${names.length}` };
    names.push({ item: named, original: items[i] });
    return named;
  });

  const placeholder = `__loch_staged_${id}`;
  const table = nodes(templates.star.statements)[0];
  const starNode = isNode(table?.node) ? table.node : undefined;
  if (!starNode || !isNode(starNode.from_table)) return 'no template';
  rest.from_table = { ...starNode.from_table, table_name: placeholder, alias: aliasOf(from) };
  rest.cte_map = node.cte_map ?? null;

  let reads: Set<string> | 'all' = new Set<string>();
  // A `*` (or COLUMNS(...), a `*` filtered) reads every column of the FROM, and not the results.
  const results = calls.map((_, i) => `__loch_r${i}`);
  const unstar = (v: ExactJson): ExactJson => {
    if (Array.isArray(v)) return v.map(unstar);
    if (!isNode(v) || str(v.class) === 'SUBQUERY') return v;
    const out = Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unstar(x)]));
    if (str(v.class) !== 'STAR') return out;
    reads = 'all';
    return Array.isArray(v.exclude_list) ? { ...out, exclude_list: [...v.exclude_list, ...results] } : out;
  };
  for (const k of ownKeys(rest)) rest[k] = unstar(rest[k]);
  let qualified = false;
  visit(
    Object.fromEntries(ownKeys(rest).map((k) => [k, rest[k]])),
    (m) => {
      if (str(m.class) !== 'COLUMN_REF') return;
      const parts = (Array.isArray(m.column_names) ? m.column_names : []).map((p) => String(p).toLowerCase());
      if (parts.length > 2 && !isNode(m.subquery)) qualified = true;
      if (reads !== 'all') for (const p of parts) reads.add(p);
    },
  );
  if (qualified) return 'a column named with its schema';

  const probeNode = {
    ...node,
    select_list: [...nodes(starNode.select_list), ...args.map((a, i) => ({ ...a, alias: `__loch_a${i}` }))],
    where_clause: pushed.length === 0 ? null : pushed.length === 1 ? pushed[0] : { ...(node.where_clause as DuckNode), children: pushed },
    modifiers: [],
    group_expressions: [],
    group_sets: [],
    aggregate_handling: 'STANDARD_HANDLING',
    having: null,
    qualify: null,
    sample: null,
  };
  const probe = { ...tree, statements: [{ ...statements[0], node: probeNode }] };
  const restTree = substitute(tree, node, { ...node, ...rest });
  return { probe, args: args.length, calls, rest: restTree as DuckNode, placeholder, reads, names };
}

/** The name the FROM's columns are qualified by (`t` in `t.x`): its alias, else its table's or function's name. */
function aliasOf(from: DuckNode): string {
  const alias = str(from.alias);
  if (alias) return alias;
  if (str(from.type) === 'BASE_TABLE') return str(from.table_name) ?? '';
  if (str(from.type) === 'TABLE_FUNCTION' && isNode(from.function)) return str(from.function.function_name) ?? '';
  return '';
}

/** `tree` with the node `target` (by identity) replaced. */
function substitute(tree: ExactJson, target: DuckNode, by: ExactJson): ExactJson {
  if (tree === target) return by;
  if (Array.isArray(tree)) return tree.map((x) => substitute(x, target, by));
  if (!isNode(tree)) return tree;
  return Object.fromEntries(Object.entries(tree).map(([k, x]) => [k, substitute(x, target, by)]));
}

/** A `SELECT <expression>` tree (no FROM), to turn one expression back into text. */
export function selectOf(templates: Templates, expression: DuckNode): DuckNode {
  const statement = nodes(templates.select.statements)[0];
  const node = statement.node as DuckNode;
  return { ...templates.select, statements: [{ ...statement, node: { ...node, select_list: [{ ...expression, alias: '' }] } }] };
}
