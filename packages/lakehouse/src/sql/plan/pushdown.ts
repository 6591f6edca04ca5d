/**
 * Which parts of a query's predicates can prune the files of each Delta table it reads.
 *
 * The query is parsed by DuckDB (`json_serialize_sql`) with every Delta table reference replaced
 * by a placeholder table `__loch_ref_<n>`. For each SELECT in the tree (subqueries, CTEs and set
 * operations included), the conjuncts of its WHERE and of its joins' ON conditions that name the
 * columns of exactly one Delta reference are pushed to that reference's scan:
 *
 * - WHERE conjuncts, when the reference is not on the null-supplying side of any outer join of
 *   that SELECT's FROM;
 * - ON conjuncts of an INNER (or CROSS) join, for a reference on either side; of a LEFT join (and
 *   SEMI / ANTI), for a reference on its right side; of a RIGHT join, for its left side; in each
 *   case only when no outer join inside that side makes the reference null-supplying.
 *
 * A conjunct is pushed only when every column it names resolves, the way DuckDB binds it, to that
 * one reference: `alias.col`, or a bare `col` that exactly one Delta reference of the FROM has
 * (not when a USING / NATURAL join may merge columns). Conjuncts with subqueries or lambdas are
 * never pushed. Pushed conjuncts only prune files; the full query still filters the rows.
 *
 * Equality joins between two references (and `col IN (SELECT ...)`) are reported too, as
 * candidates for dynamic file pruning.
 */
import type { ExactJson } from '@loch/delta';
import { isNode, nodes, str, type DuckNode } from '../../planner/duck-json.js';

export const PLACEHOLDER = '__loch_ref_';

/** A Delta reference of the query, as the analysis sees it. */
export interface RefInfo {
  /** Whether the table has a top-level column of this name (case-insensitive). */
  has(column: string): boolean;
}

export type DfpBuild =
  | { readonly kind: 'ref'; readonly ref: number; readonly column: string }
  /** `col IN (subquery)`: the subquery's one column. */
  | { readonly kind: 'subquery'; readonly node: DuckNode }
  /** A join with a subquery or CTE (`node`, a query node): its column `column`. */
  | { readonly kind: 'relation'; readonly node: DuckNode; readonly column: string };

/** An equality join the probe reference's scan may be pruned with, once the build side's keys are known. */
export interface DfpCandidate {
  readonly probe: number;
  readonly column: string;
  readonly build: DfpBuild;
}

export interface Pushdown {
  /** Per reference: its pushed conjuncts, columns unqualified. */
  readonly conjuncts: Map<number, DuckNode[]>;
  readonly joins: DfpCandidate[];
  /** Per reference: the aliases the query gives it (lower-cased), for hints that name them. */
  readonly aliases: Map<number, Set<string>>;
}

interface Leaf {
  readonly alias: string;
  readonly ref?: number;
  /** A subquery or CTE that is not a Delta reference: its query node (a build side for DFP). */
  readonly relation?: DuckNode;
  /** For a subquery showing only some of the reference's columns: those (lower-cased). */
  readonly columns?: ReadonlySet<string>;
  /** Outer joins that make this leaf null-supplying. */
  readonly nulledBy: readonly DuckNode[];
}

interface JoinInfo {
  readonly node: DuckNode;
  readonly left: Leaf[];
  readonly right: Leaf[];
  readonly inner: Set<DuckNode>;
  /** `USING (a, b)` columns. */
  readonly using: readonly string[];
}

export function analyzePushdown(tree: DuckNode, refs: ReadonlyMap<number, RefInfo>): Pushdown {
  const out: Pushdown = { conjuncts: new Map(), joins: [], aliases: new Map() };
  // CTE bodies by name in scope (a CTE can be a DFP build side); inner definitions shadow outer
  // ones only within the query that defines them. A CTE with column aliases is left out.
  const visit = (v: ExactJson | undefined, ctes: ReadonlyMap<string, DuckNode | undefined>): void => {
    if (Array.isArray(v)) for (const x of v) visit(x, ctes);
    else if (isNode(v)) {
      let scope = ctes;
      if (isNode(v.cte_map) && nodes(v.cte_map.map).length > 0) {
        const inner = new Map(ctes);
        for (const e of nodes(v.cte_map.map)) {
          const body = isNode(e.value) && isNode(e.value.query) && isNode(e.value.query.node) ? e.value.query.node : undefined;
          const aliased = isNode(e.value) && Array.isArray(e.value.aliases) && e.value.aliases.length > 0;
          if (typeof e.key === 'string') inner.set(e.key.toLowerCase(), body && !aliased ? body : undefined);
        }
        scope = inner;
      }
      if (str(v.type) === 'SELECT_NODE') analyzeSelect(v, refs, out, scope);
      for (const k of Object.keys(v)) visit(v[k], scope);
    }
  };
  visit(tree, new Map());
  return out;
}

const KNOWN_JOINS = new Set(['INNER', 'LEFT', 'RIGHT', 'OUTER', 'SEMI', 'ANTI']);

/** One SELECT's FROM clause: its relations (leaves), its joins, and the column names joins merge. */
interface FromClause {
  readonly leaves: Leaf[];
  readonly joins: JoinInfo[];
  /** Columns a USING join merges (a bare name may then mean either side); NATURAL merges unknown ones. */
  readonly merged: Set<string> | 'all';
}

/** One SELECT: its WHERE conjuncts, then its joins' ON conditions, pushed and turned into DFP candidates. */
function analyzeSelect(sel: DuckNode, refs: ReadonlyMap<number, RefInfo>, out: Pushdown, ctes: ReadonlyMap<string, DuckNode | undefined>): void {
  const from = readFrom(sel.from_table, refs, out, ctes);
  if (from.leaves.length === 0) return;
  const scope = new SelectScope(from, refs, out);
  if (isNode(sel.where_clause)) scope.where(sel.where_clause);
  for (const j of from.joins) scope.on(j);
}

/** The leaves and joins of a FROM clause; each leaf knows the outer joins that make it null-supplying. */
function readFrom(fromTable: ExactJson | undefined, refs: ReadonlyMap<number, RefInfo>, out: Pushdown, ctes: ReadonlyMap<string, DuckNode | undefined>): FromClause {
  const joins: JoinInfo[] = [];
  let merged: Set<string> | 'all' = new Set();
  const collect = (t: ExactJson | undefined, nulledBy: readonly DuckNode[]): { leaves: Leaf[]; joins: Set<DuckNode> } => {
    if (!isNode(t)) return { leaves: [], joins: new Set() };
    if (str(t.type) === 'JOIN') {
      const jt = str(t.join_type) ?? '';
      const rt = str(t.ref_type) ?? '';
      if (rt === 'NATURAL') merged = 'all';
      else if (Array.isArray(t.using_columns) && merged !== 'all') for (const c of t.using_columns) if (typeof c === 'string') merged.add(c.toLowerCase());
      const using = Array.isArray(t.using_columns) ? t.using_columns.filter((c): c is string => typeof c === 'string') : [];
      const regular = (rt === 'REGULAR' || rt === 'CROSS' || rt === 'NATURAL') && KNOWN_JOINS.has(jt);
      const leftNulled = !regular || jt === 'RIGHT' || jt === 'OUTER';
      const rightNulled = !regular || jt === 'LEFT' || jt === 'OUTER' || jt === 'SEMI' || jt === 'ANTI';
      const l = collect(t.left, leftNulled ? [...nulledBy, t] : nulledBy);
      const r = collect(t.right, rightNulled ? [...nulledBy, t] : nulledBy);
      const inner = new Set([...l.joins, ...r.joins]);
      if (regular) joins.push({ node: t, left: l.leaves, right: r.leaves, inner, using });
      return { leaves: [...l.leaves, ...r.leaves], joins: new Set([...inner, t]) };
    }
    return { leaves: [leafOf(t, refs, out, ctes, nulledBy)], joins: new Set() };
  };
  const leaves = collect(fromTable, []).leaves;
  return { leaves, joins, merged };
}

/** A relation of the FROM clause: a Delta reference (seen through transparent subqueries), a subquery or CTE, or another table. */
function leafOf(t: DuckNode, refs: ReadonlyMap<number, RefInfo>, out: Pushdown, ctes: ReadonlyMap<string, DuckNode | undefined>, nulledBy: readonly DuckNode[]): Leaf {
  const alias = (str(t.alias) || (str(t.type) === 'BASE_TABLE' ? str(t.table_name) : '') || '').toLowerCase();
  const placeholder = placeholderRef(t);
  const seen = placeholder !== undefined ? { ref: placeholder } : alias ? transparentRef(t) : undefined;
  const ref = seen?.ref;
  const relation = ref === undefined && alias ? relationOf(t, ctes) : undefined;
  const leaf: Leaf = {
    alias,
    nulledBy,
    ...(ref !== undefined && refs.has(ref) ? { ref, ...(seen?.columns ? { columns: seen.columns } : {}) } : {}),
    ...(relation ? { relation } : {}),
  };
  if (leaf.ref !== undefined && alias) out.aliases.set(leaf.ref, new Set([...(out.aliases.get(leaf.ref) ?? []), alias]));
  return leaf;
}

/** Column binding within one SELECT, and what its conjuncts push or offer for DFP. */
class SelectScope {
  constructor(
    private readonly from: FromClause,
    private readonly refs: ReadonlyMap<number, RefInfo>,
    private readonly out: Pushdown,
  ) {}

  /** WHERE conjuncts: pushed to a reference no outer join makes null-supplying; equality joins, EXISTS and IN (SELECT ...) as DFP candidates. */
  where(clause: DuckNode): void {
    const eligible = (l: Leaf) => l.ref !== undefined && l.nulledBy.length === 0;
    for (const c of conjuncts(clause)) {
      const leaf = this.soleLeaf(c);
      if (leaf && eligible(leaf)) this.push(leaf, c);
      this.equiJoin(c, eligible);
      if (str(c.class) === 'SUBQUERY' && str(c.subquery_type) === 'EXISTS') this.existsJoin(c, eligible);
      if (str(c.class) === 'SUBQUERY' && str(c.subquery_type) === 'ANY' && str(c.comparison_type) === 'COMPARE_EQUAL' && isNode(c.child) && isNode(c.subquery)) {
        const col = columnOf(c.child, this.bind);
        if (col && eligible(col.leaf) && deterministic(c.subquery)) this.out.joins.push({ probe: col.leaf.ref!, column: col.column, build: { kind: 'subquery', node: c.subquery } });
      }
    }
  }

  /** A join's ON conjuncts: pushed to the side(s) the join type allows; equality and semi joins as DFP candidates. */
  on(j: JoinInfo): void {
    const jt = str(j.node.join_type);
    if ((jt === 'INNER' || jt === 'SEMI') && j.using.length > 0) usingJoins(j, this.refs, this.out, jt === 'SEMI');
    if (!isNode(j.node.condition)) return;
    const sides = jt === 'INNER' ? [...j.left, ...j.right] : jt === 'LEFT' || jt === 'SEMI' || jt === 'ANTI' ? j.right : jt === 'RIGHT' ? j.left : [];
    const eligible = (l: Leaf) => l.ref !== undefined && sides.includes(l) && !l.nulledBy.some((o) => j.inner.has(o));
    for (const c of conjuncts(j.node.condition)) {
      const leaf = this.soleLeaf(c);
      if (leaf && eligible(leaf)) this.push(leaf, c);
      if (jt === 'INNER') this.equiJoin(c, eligible);
      if (jt === 'SEMI') this.semiJoin(c, j);
    }
  }

  private hasColumn(l: Leaf, name: string): boolean {
    return l.columns ? l.columns.has(name.toLowerCase()) : this.refs.get(l.ref!)!.has(name);
  }

  /** The leaf a column reference binds to; undefined when it cannot be told. */
  private readonly bind = (names: readonly string[]): { leaf: Leaf; column: string } | undefined => {
    const { leaves, merged } = this.from;
    if (names.length === 2) {
      const matches = leaves.filter((l) => l.alias === names[0].toLowerCase());
      if (matches.length !== 1) return undefined;
      const leaf = matches[0];
      // A subquery's or CTE's columns are not known here; `alias.col` names one of them.
      if (leaf.ref === undefined) return leaf.relation ? { leaf, column: names[1] } : undefined;
      if (!this.hasColumn(leaf, names[1])) return undefined;
      return { leaf, column: names[1] };
    }
    if (names.length !== 1 || merged === 'all' || merged.has(names[0].toLowerCase())) return undefined;
    const matches = leaves.filter((l) => l.ref !== undefined && this.hasColumn(l, names[0]));
    return matches.length === 1 ? { leaf: matches[0], column: names[0] } : undefined;
  };

  /** The single leaf all columns of a conjunct bind to; undefined when not exactly one, or when it holds what is never pushed. */
  private soleLeaf(n: DuckNode): Leaf | undefined {
    let leaf: Leaf | undefined;
    let ok = true;
    let columns = 0;
    const walk = (v: ExactJson | undefined): void => {
      if (!ok) return;
      if (Array.isArray(v)) for (const x of v) walk(x);
      else if (isNode(v)) {
        const cls = str(v.class);
        if (
          cls === 'SUBQUERY' || cls === 'LAMBDA' || cls === 'LAMBDA_REF' || cls === 'PARAMETER' || cls === 'STAR' || cls === 'WINDOW' || cls === 'COLUMNS' ||
          (cls === 'FUNCTION' && VOLATILE.has((str(v.function_name) ?? '').toLowerCase()))
        ) {
          ok = false;
          return;
        }
        if (cls === 'COLUMN_REF') {
          const names = Array.isArray(v.column_names) ? v.column_names.filter((x): x is string => typeof x === 'string') : [];
          const b = this.bind(names);
          if (!b || (leaf && leaf !== b.leaf)) ok = false;
          else leaf = b.leaf;
          columns++;
          return;
        }
        for (const k of Object.keys(v)) walk(v[k]);
      }
    };
    walk(n);
    return ok && columns > 0 ? leaf : undefined;
  }

  private push(leaf: Leaf, n: DuckNode): void {
    const list = this.out.conjuncts.get(leaf.ref!) ?? [];
    list.push(unqualify(n));
    this.out.conjuncts.set(leaf.ref!, list);
  }

  private equiJoin(n: DuckNode, eligible: (l: Leaf) => boolean): void {
    if (str(n.class) !== 'COMPARISON' || str(n.type) !== 'COMPARE_EQUAL' || !isNode(n.left) || !isNode(n.right)) return;
    const a = columnOf(n.left, this.bind);
    const b = columnOf(n.right, this.bind);
    if (!a || !b || a.leaf === b.leaf) return;
    const [ba, bb] = [buildOf(a.leaf, a.column), buildOf(b.leaf, b.column)];
    if (!ba || !bb) return;
    if (a.leaf.ref !== undefined && eligible(a.leaf) && (b.leaf.ref === undefined || eligible(b.leaf))) this.out.joins.push({ probe: a.leaf.ref, column: a.column, build: bb });
    if (b.leaf.ref !== undefined && eligible(b.leaf) && (a.leaf.ref === undefined || eligible(a.leaf))) this.out.joins.push({ probe: b.leaf.ref, column: b.column, build: ba });
  }

  /** `l SEMI JOIN r ON l.k = r.k`: r's keys prune l (never the other way: r's rows are not in the result). */
  private semiJoin(n: DuckNode, j: JoinInfo): void {
    if (str(n.class) !== 'COMPARISON' || str(n.type) !== 'COMPARE_EQUAL' || !isNode(n.left) || !isNode(n.right)) return;
    const a = columnOf(n.left, this.bind);
    const b = columnOf(n.right, this.bind);
    if (!a || !b) return;
    const [probe, build] = j.left.includes(a.leaf) && j.right.includes(b.leaf) ? [a, b] : j.left.includes(b.leaf) && j.right.includes(a.leaf) ? [b, a] : [undefined, undefined];
    if (!probe || !build || probe.leaf.ref === undefined || probe.leaf.nulledBy.length > 0) return;
    const from = buildOf(build.leaf, build.column);
    if (from) this.out.joins.push({ probe: probe.leaf.ref, column: probe.column, build: from });
  }

  /**
   * `EXISTS (SELECT ... FROM inner WHERE inner.k = outer.k AND <inner filters>)`: a semi join. The
   * keys of `SELECT inner.k FROM inner WHERE <inner filters>` (the correlated conjuncts left out)
   * include every key that matches, so they prune the outer reference.
   */
  private existsJoin(c: DuckNode, eligible: (l: Leaf) => boolean): void {
    const inner = isNode(c.subquery) && isNode(c.subquery.node) && str(c.subquery.node.type) === 'SELECT_NODE' ? c.subquery.node : undefined;
    if (!inner || !isNode(inner.where_clause) || nodes(inner.group_expressions).length > 0 || isNode(inner.having) || isNode(inner.qualify) || isNode(inner.sample)) return;
    // Only a plain row test: an aggregate (`SELECT count(*)`) makes EXISTS true whatever matches.
    if (str(inner.aggregate_handling) !== 'STANDARD_HANDLING') return;
    if (!nodes(inner.select_list).every((n) => ['CONSTANT', 'COLUMN_REF', 'STAR'].includes(str(n.class) ?? ''))) return;
    if (!deterministic(inner)) return;
    const innerAliases = fromAliases(inner.from_table);
    const qualifier = (n: ExactJson | undefined) => {
      if (!isNode(n) || str(n.class) !== 'COLUMN_REF' || !Array.isArray(n.column_names) || n.column_names.length !== 2) return undefined;
      return typeof n.column_names[0] === 'string' ? n.column_names[0].toLowerCase() : undefined;
    };
    const pairs: { outer: { leaf: Leaf; column: string }; inner: DuckNode }[] = [];
    const rest: DuckNode[] = [];
    for (const k of conjuncts(inner.where_clause)) {
      if (str(k.class) === 'COMPARISON' && str(k.type) === 'COMPARE_EQUAL') {
        const [l, r] = [qualifier(k.left), qualifier(k.right)];
        const outerSide = l !== undefined && !innerAliases.has(l) && r !== undefined && innerAliases.has(r) ? k.left : r !== undefined && !innerAliases.has(r) && l !== undefined && innerAliases.has(l) ? k.right : undefined;
        if (outerSide !== undefined) {
          const o = columnOf(outerSide as DuckNode, this.bind);
          if (!o) return;
          pairs.push({ outer: o, inner: (outerSide === k.left ? k.right : k.left) as DuckNode });
          continue;
        }
      }
      // Any other reference outside the subquery's own relations: too correlated to read alone.
      if (mentionsOuter(k, innerAliases)) return;
      rest.push(k);
    }
    for (const { outer, inner: col } of pairs) {
      if (outer.leaf.ref === undefined || !eligible(outer.leaf)) continue;
      const where = rest.length === 0 ? null : rest.length === 1 ? rest[0] : { class: 'CONJUNCTION', type: 'CONJUNCTION_AND', alias: '', query_location: 0, children: rest };
      const node: DuckNode = { ...inner, select_list: [col], where_clause: where, modifiers: [] };
      const names = col.column_names as string[];
      this.out.joins.push({ probe: outer.leaf.ref, column: outer.column, build: { kind: 'relation', node, column: names[names.length - 1] } });
    }
  }
}

/**
 * `a JOIN b USING (k)` equates `k` of the one relation on each side that has it; when a side holds
 * a relation whose columns are unknown (not a Delta reference), which one that is cannot be told.
 */
function usingJoins(j: JoinInfo, refs: ReadonlyMap<number, RefInfo>, out: Pushdown, semi: boolean): void {
  const eligible = (l: Leaf) => !l.nulledBy.some((o) => j.inner.has(o));
  const sideWith = (side: readonly Leaf[], column: string): Leaf | undefined => {
    // One subquery or CTE alone on its side has the column, or the join would not bind.
    if (side.length === 1 && side[0].relation) return side[0];
    if (side.some((l) => l.ref === undefined)) return undefined;
    const having = side.filter((l) => (l.columns ? l.columns.has(column.toLowerCase()) : refs.get(l.ref!)!.has(column)));
    return having.length === 1 && eligible(having[0]) ? having[0] : undefined;
  };
  for (const column of j.using) {
    const a = sideWith(j.left, column);
    const b = sideWith(j.right, column);
    if (!a || !b) continue;
    const [fromB, fromA] = [buildOf(b, column), buildOf(a, column)];
    if (a.ref !== undefined && fromB) out.joins.push({ probe: a.ref, column, build: fromB });
    // A SEMI join's right side is never probed: its rows are not in the result.
    if (b.ref !== undefined && !semi && fromA) out.joins.push({ probe: b.ref, column, build: fromA });
  }
}

/** Functions whose value changes from one evaluation to the next. */
const VOLATILE = new Set(['random', 'rand', 'randn', 'gen_random_uuid', 'uuid', 'uuidv4', 'uuidv7', 'setseed', 'nextval', 'currval']);

/**
 * Whether a query gives the same rows each time it runs. A DFP build side runs once more on its
 * own to read its keys: one with LIMIT (ties), a sample or a volatile function could pick other
 * rows than the query does, and its keys would prune files the query needs.
 */
function deterministic(n: ExactJson | undefined): boolean {
  if (Array.isArray(n)) return n.every(deterministic);
  if (!isNode(n)) return true;
  const type = str(n.type);
  if (type === 'LIMIT_MODIFIER' || type === 'LIMIT_PERCENT_MODIFIER') return false;
  if (isNode(n.sample)) return false;
  if (str(n.class) === 'FUNCTION' && VOLATILE.has((str(n.function_name) ?? '').toLowerCase())) return false;
  return Object.keys(n).every((k) => deterministic(n[k]));
}

/** Aliases (lower-cased) of the relations a FROM clause names, joins included. */
function fromAliases(t: ExactJson | undefined): Set<string> {
  const out = new Set<string>();
  const walk = (n: ExactJson | undefined) => {
    if (!isNode(n)) return;
    if (str(n.type) === 'JOIN') {
      walk(n.left);
      walk(n.right);
      return;
    }
    const alias = str(n.alias) || (str(n.type) === 'BASE_TABLE' ? str(n.table_name) : '');
    if (alias) out.add(alias.toLowerCase());
  };
  walk(t);
  return out;
}

/** Whether an expression names a column outside `aliases` (qualified by another alias, or bare). */
function mentionsOuter(n: ExactJson | undefined, aliases: ReadonlySet<string>): boolean {
  if (Array.isArray(n)) return n.some((x) => mentionsOuter(x, aliases));
  if (!isNode(n)) return false;
  if (str(n.class) === 'SUBQUERY') return true;
  if (str(n.class) === 'COLUMN_REF') {
    const names = Array.isArray(n.column_names) ? n.column_names : [];
    // A bare name may be the subquery's own column or the outer query's: assume the worst.
    return names.length < 2 || typeof names[0] !== 'string' || !aliases.has(names[0].toLowerCase());
  }
  return Object.keys(n).some((k) => mentionsOuter(n[k], aliases));
}

/** A leaf as a DFP build side: a Delta reference, or a subquery / CTE that reads the same rows each time. */
function buildOf(l: Leaf, column: string): DfpBuild | undefined {
  if (l.ref !== undefined) return { kind: 'ref', ref: l.ref, column };
  return l.relation && deterministic(l.relation) ? { kind: 'relation', node: l.relation, column } : undefined;
}

/** The query node a subquery leaf, or a CTE named by a base-table leaf, stands for. */
function relationOf(t: DuckNode, ctes: ReadonlyMap<string, DuckNode | undefined>): DuckNode | undefined {
  if (str(t.type) === 'SUBQUERY') {
    if (isNode(t.sample) || (Array.isArray(t.column_name_alias) && t.column_name_alias.length > 0)) return undefined;
    return isNode(t.subquery) && isNode(t.subquery.node) ? t.subquery.node : undefined;
  }
  if (str(t.type) === 'BASE_TABLE' && !str(t.schema_name) && !str(t.catalog_name) && !isNode(t.at_clause)) return ctes.get((str(t.table_name) ?? '').toLowerCase());
  return undefined;
}

/** The reference a placeholder table stands for (`__loch_ref_<n>`, unqualified, no time travel or sample). */
function placeholderRef(t: DuckNode): number | undefined {
  const name = str(t.table_name) ?? '';
  if (str(t.type) !== 'BASE_TABLE' || str(t.schema_name) || str(t.catalog_name) || !name.startsWith(PLACEHOLDER) || isNode(t.at_clause) || isNode(t.sample)) return undefined;
  return Number(name.slice(PLACEHOLDER.length));
}

/**
 * The reference a subquery reads when it is only a filtered view of it: `(SELECT * FROM ref
 * [WHERE ...])`, nested any depth (what DataFrame operations compile to). Its rows are rows of the
 * reference (all columns, or some under their own names), so a predicate over the subquery prunes
 * the reference's files as it would the reference's own. Anything that changes rows or renames or
 * computes columns (aggregation, DISTINCT, LIMIT, a sample, column aliases) makes it opaque.
 */
function transparentRef(t: DuckNode): { ref: number; columns?: ReadonlySet<string> } | undefined {
  if (str(t.type) !== 'SUBQUERY' || isNode(t.sample) || (Array.isArray(t.column_name_alias) && t.column_name_alias.length > 0)) return undefined;
  const sub = isNode(t.subquery) && isNode(t.subquery.node) ? t.subquery.node : undefined;
  if (!sub || str(sub.type) !== 'SELECT_NODE') return undefined;
  const modifiers = nodes(sub.modifiers);
  if (modifiers.some((m) => str(m.type) !== 'ORDER_MODIFIER')) return undefined;
  if (isNode(sub.cte_map) && Array.isArray(sub.cte_map.map) && sub.cte_map.map.length > 0) return undefined;
  if (nodes(sub.group_expressions).length > 0 || isNode(sub.having) || isNode(sub.qualify) || isNode(sub.sample)) return undefined;
  if (str(sub.aggregate_handling) !== 'STANDARD_HANDLING') return undefined;
  const list = nodes(sub.select_list);
  const star = list.length === 1 && str(list[0].class) === 'STAR' ? list[0] : undefined;
  const empty = (v: ExactJson | undefined) => v === undefined || v === null || (Array.isArray(v) && v.length === 0);
  // The columns the subquery shows, when it shows only some: a bare name outside it binds to it
  // only when it is one of them (otherwise it is another relation's, or a SELECT alias).
  let columns: Set<string> | undefined;
  if (star) {
    if (str(star.relation_name) || star.columns === true || isNode(star.expr) || !empty(star.exclude_list) || !empty(star.replace_list) || !empty(star.rename_list) || !empty(star.qualified_exclude_list)) {
      return undefined;
    }
  } else {
    // Plain unqualified columns, each under its own name: `(SELECT item_id, amount FROM sales) f`.
    // (A qualified one may name an outer relation, laterally.)
    const plain = (n: DuckNode) => {
      const names = Array.isArray(n.column_names) ? n.column_names : [];
      return str(n.class) === 'COLUMN_REF' && names.length === 1 && typeof names[0] === 'string' && (!str(n.alias) || str(n.alias)!.toLowerCase() === names[0].toLowerCase());
    };
    if (list.length === 0 || !list.every(plain)) return undefined;
    columns = new Set(list.map((n) => String((n.column_names as string[])[0]).toLowerCase()));
  }
  const from = isNode(sub.from_table) ? sub.from_table : undefined;
  if (!from) return undefined;
  const placeholder = placeholderRef(from);
  const below = placeholder !== undefined ? { ref: placeholder } : transparentRef(from);
  if (!below) return undefined;
  const shown = columns && below.columns ? new Set([...columns].filter((c) => below.columns!.has(c))) : (columns ?? below.columns);
  return { ref: below.ref, ...(shown ? { columns: shown } : {}) };
}

function columnOf(n: DuckNode, bind: (names: readonly string[]) => { leaf: Leaf; column: string } | undefined): { leaf: Leaf; column: string } | undefined {
  if (str(n.class) !== 'COLUMN_REF' || !Array.isArray(n.column_names)) return undefined;
  const names = n.column_names.filter((x): x is string => typeof x === 'string');
  if (names.length !== n.column_names.length) return undefined;
  return bind(names);
}

function conjuncts(n: DuckNode): DuckNode[] {
  if (str(n.class) === 'CONJUNCTION' && str(n.type) === 'CONJUNCTION_AND') return nodes(n.children).flatMap(conjuncts);
  return [n];
}

/** A copy with every column reference reduced to its column name (`e.id` → `id`). */
function unqualify(n: ExactJson): ExactJson & DuckNode {
  const copy = (v: ExactJson): ExactJson => {
    if (Array.isArray(v)) return v.map(copy);
    if (!isNode(v)) return v;
    const o: Record<string, ExactJson> = {};
    for (const k of Object.keys(v)) o[k] = copy(v[k]);
    if (str(v.class) === 'COLUMN_REF' && Array.isArray(v.column_names) && v.column_names.length === 2) o.column_names = [v.column_names[1]];
    return o;
  };
  return copy(n) as DuckNode;
}
