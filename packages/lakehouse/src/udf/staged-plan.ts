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

type IsCall = (n: DuckNode) => boolean;

/** The plan for `tree`, or why the query keeps the DuckDB scalar function path. */
export function planStages(tree: DuckNode, udfs: ReadonlySet<string>, volatile: ReadonlySet<string>, templates: Templates, id: number): StagePlan | string {
  const isCall: IsCall = (n) => str(n.class) === 'FUNCTION' && udfs.has(str(n.function_name)?.toLowerCase() ?? '') && !str(n.schema) && !str(n.catalog);
  const statements = nodes(tree.statements);
  if (statements.length !== 1) return 'not one statement';
  const node = stagedNode(tree, isCall);
  if (typeof node === 'string') return node;
  // Stage 1 runs the whole FROM: with a LIMIT over the calls, DuckDB calling them chunk by chunk stops sooner.
  let limited = false;
  visit(tree, (n) => void (str(n.type) === 'LIMIT_MODIFIER' || str(n.type) === 'LIMIT_PERCENT_MODIFIER' ? (limited = true) : undefined), (n) => n === node.from_table);
  if (limited) return 'a LIMIT';
  const from = node.from_table;
  if (!isNode(from) || !['BASE_TABLE', 'SUBQUERY', 'TABLE_FUNCTION'].includes(str(from.type) ?? '')) return 'a FROM that is not one table, subquery or table function';
  const starNode = nodes(templates.star.statements)[0]?.node;
  if (!isNode(starNode) || !isNode(starNode.from_table)) return 'no template';

  const { pushed, kept } = splitWhere(node.where_clause, isCall);
  const calls = new Calls(isCall, volatile);
  const rest: Record<string, ExactJson> = {};
  for (const k of ownKeys(node)) rest[k] = calls.replace(k === 'where_clause' ? conjunction(node.where_clause, kept) : node[k]);
  if (calls.refused) return calls.refused;
  const names = keepNames(rest, nodes(node.select_list));
  const reads = excludeResults(rest, calls.list.map((_, i) => `__loch_r${i}`));
  if (reads === 'qualified') return 'a column named with its schema';
  const placeholder = `__loch_staged_${id}`;
  rest.from_table = { ...starNode.from_table, table_name: placeholder, alias: aliasOf(from) };
  rest.cte_map = node.cte_map ?? null;

  const probeNode = {
    ...node,
    select_list: [...nodes(starNode.select_list), ...calls.args.map((a, i) => ({ ...a, alias: `__loch_a${i}` }))],
    where_clause: conjunction(node.where_clause, pushed),
    modifiers: [],
    group_expressions: [],
    group_sets: [],
    aggregate_handling: 'STANDARD_HANDLING',
    having: null,
    qualify: null,
    sample: null,
  };
  const probe = { ...tree, statements: [{ ...statements[0], node: probeNode }] };
  return { probe, args: calls.args.length, calls: calls.list, rest: substitute(tree, node, { ...node, ...rest }) as DuckNode, placeholder, reads, names };
}

/**
 * The one SELECT node whose own expressions hold every UDF call of the statement, or why there
 * is none (no call; calls in several SELECTs, in a FROM or in a subquery).
 */
function stagedNode(tree: DuckNode, isCall: IsCall): DuckNode | string {
  let total = 0;
  visit(tree, (n) => void (isCall(n) && total++));
  if (total === 0) return 'no vectorized UDF call';
  const owning: DuckNode[] = [];
  visit(tree, (n) => {
    if (str(n.type) !== 'SELECT_NODE') return;
    let own = 0;
    for (const k of ownKeys(n)) visit(n[k], (m) => void (isCall(m) && own++), isSubquery);
    if (own > 0) owning.push(n);
  });
  if (owning.length !== 1) return 'UDF calls in more than one SELECT, in a FROM or in a subquery';
  let own = 0;
  for (const k of ownKeys(owning[0])) visit(owning[0][k], (m) => void (isCall(m) && own++), isSubquery);
  return own === total ? owning[0] : 'UDF calls in a FROM or in a subquery';
}

/** The distinct calls of the staged node and their distinct arguments; `replace` puts a result column for each call. */
class Calls {
  readonly args: DuckNode[] = [];
  readonly list: StagedCall[] = [];
  refused: string | undefined;
  private readonly argIndex = new Map<string, number>();
  private readonly callIndex = new Map<string, number>();

  constructor(
    private readonly isCall: IsCall,
    /** Functions whose calls are not deterministic: each call written is a call made. */
    private readonly volatile: ReadonlySet<string>,
  ) {}

  replace(v: ExactJson): ExactJson {
    if (Array.isArray(v)) return v.map((x) => this.replace(x));
    if (!isNode(v) || str(v.class) === 'SUBQUERY') return v;
    if (!this.isCall(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, this.replace(x)]));
    const ref: Record<string, ExactJson> = { class: 'COLUMN_REF', type: 'COLUMN_REF', alias: v.alias ?? '', column_names: [`__loch_r${this.indexOf(v)}`] };
    if (v.query_location !== undefined) ref.query_location = v.query_location;
    return ref;
  }

  private indexOf(call: DuckNode): number {
    const name = str(call.function_name)!.toLowerCase();
    const key = this.volatile.has(name) ? `${this.list.length}` : keyOf(call);
    const known = this.callIndex.get(key);
    if (known !== undefined) return known;
    if (call.distinct === true || isNode(call.filter) || nodes(isNode(call.order_bys) ? call.order_bys.orders : undefined).length > 0) this.refused ??= 'a UDF call with DISTINCT, FILTER or ORDER BY';
    const args = nodes(call.children).map((a) => this.argument(a));
    this.callIndex.set(key, this.list.length);
    this.list.push({ name, args });
    return this.list.length - 1;
  }

  /** An argument's index; stage 1 computes it per row of the FROM, so it may hold no aggregate, window, subquery or UDF. */
  private argument(a: DuckNode): number {
    visit(a, (m) => {
      const cls = str(m.class);
      const aggregate = cls === 'FUNCTION' && AGGREGATES.has(str(m.function_name)?.toLowerCase() ?? '');
      if (cls === 'WINDOW' || cls === 'SUBQUERY' || aggregate || this.isCall(m)) this.refused ??= 'a UDF argument with an aggregate, a window, a subquery or another UDF call';
    });
    const key = keyOf(a);
    if (!this.argIndex.has(key)) {
      this.argIndex.set(key, this.args.length);
      this.args.push(a);
    }
    return this.argIndex.get(key)!;
  }
}

/** WHERE's conjuncts: those without calls or subqueries run in stage 1, before the functions see the rows; the others in stage 2. */
function splitWhere(where: ExactJson | undefined, isCall: IsCall): { pushed: DuckNode[]; kept: DuckNode[] } {
  const pushed: DuckNode[] = [];
  const kept: DuckNode[] = [];
  const split = (w: DuckNode) => {
    if (str(w.type) === 'CONJUNCTION_AND') return nodes(w.children).forEach(split);
    let stays = false;
    visit(w, (m) => void ((isCall(m) || str(m.class) === 'SUBQUERY') && (stays = true)));
    (stays ? kept : pushed).push(w);
  };
  if (isNode(where)) split(where);
  return { pushed, kept };
}

/** `conjuncts` joined by AND (in the shape of `where`, an AND of them), or null for none. */
function conjunction(where: ExactJson | undefined, conjuncts: DuckNode[]): ExactJson {
  if (conjuncts.length === 0) return null;
  return conjuncts.length === 1 ? conjuncts[0] : { ...(where as DuckNode), children: conjuncts };
}

/**
 * Gives each select item that held a call and had no alias a placeholder alias, so that the
 * runner names it as DuckDB named it before (`plus_one(x)`, not `__loch_r0`).
 */
function keepNames(rest: Record<string, ExactJson>, items: readonly DuckNode[]): { item: DuckNode; original: DuckNode }[] {
  const names: { item: DuckNode; original: DuckNode }[] = [];
  rest.select_list = nodes(rest.select_list).map((item, i) => {
    if (str(item.alias) || keyOf(item) === keyOf(items[i])) return item;
    const named = { ...item, alias: `__loch_name${names.length}` };
    names.push({ item: named, original: items[i] });
    return named;
  });
  return names;
}

/**
 * The FROM's columns stage 2 reads (by lower-case name; 'all' for a `*`), each `*` of the staged
 * node made to leave the results out (`COLUMNS(...)` is a filtered `*`); 'qualified' for a column
 * named with its schema, which stage 2's FROM cannot answer to.
 */
function excludeResults(rest: Record<string, ExactJson>, results: readonly string[]): Set<string> | 'all' | 'qualified' {
  let all = false;
  const unstar = (v: ExactJson): ExactJson => {
    if (Array.isArray(v)) return v.map(unstar);
    if (!isNode(v) || str(v.class) === 'SUBQUERY') return v;
    const out = Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unstar(x)]));
    if (str(v.class) !== 'STAR') return out;
    all = true;
    return Array.isArray(v.exclude_list) ? { ...out, exclude_list: [...v.exclude_list, ...results] } : out;
  };
  for (const k of ownKeys(rest)) rest[k] = unstar(rest[k]);
  const reads = new Set<string>();
  let qualified = false;
  // Subqueries too: a correlated one reads the FROM's columns.
  for (const k of ownKeys(rest)) {
    visit(rest[k], (m) => {
      if (str(m.class) !== 'COLUMN_REF') return;
      const parts = (Array.isArray(m.column_names) ? m.column_names : []).map((p) => String(p).toLowerCase());
      if (parts.length > 2) qualified = true;
      for (const p of parts) reads.add(p);
    });
  }
  return qualified ? 'qualified' : all ? 'all' : reads;
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
