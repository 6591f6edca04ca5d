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
import { isNode, nodes, str, type DuckNode } from '../planner/duck-json.js';

export const PLACEHOLDER = '__loch_ref_';

/** A Delta reference of the query, as the analysis sees it. */
export interface RefInfo {
  /** Whether the table has a top-level column of this name (case-insensitive). */
  has(column: string): boolean;
}

export type DfpBuild = { readonly kind: 'ref'; readonly ref: number; readonly column: string } | { readonly kind: 'subquery'; readonly node: DuckNode };

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
  const visit = (v: ExactJson | undefined): void => {
    if (Array.isArray(v)) for (const x of v) visit(x);
    else if (isNode(v)) {
      if (str(v.type) === 'SELECT_NODE') analyzeSelect(v, refs, out);
      for (const k of Object.keys(v)) visit(v[k]);
    }
  };
  visit(tree);
  return out;
}

const KNOWN_JOINS = new Set(['INNER', 'LEFT', 'RIGHT', 'OUTER', 'SEMI', 'ANTI']);

function analyzeSelect(sel: DuckNode, refs: ReadonlyMap<number, RefInfo>, out: Pushdown): void {
  const joins: JoinInfo[] = [];
  let merging = false;
  const collect = (t: ExactJson | undefined, nulledBy: readonly DuckNode[]): { leaves: Leaf[]; joins: Set<DuckNode> } => {
    if (!isNode(t)) return { leaves: [], joins: new Set() };
    if (str(t.type) === 'JOIN') {
      const jt = str(t.join_type) ?? '';
      const rt = str(t.ref_type) ?? '';
      if (rt === 'NATURAL' || (Array.isArray(t.using_columns) && t.using_columns.length > 0)) merging = true;
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
    const alias = (str(t.alias) || (str(t.type) === 'BASE_TABLE' ? str(t.table_name) : '') || '').toLowerCase();
    const ref = placeholderRef(t) ?? (alias ? transparentRef(t) : undefined);
    const leaf: Leaf = { alias, nulledBy, ...(ref !== undefined && refs.has(ref) ? { ref } : {}) };
    if (leaf.ref !== undefined && alias) out.aliases.set(leaf.ref, new Set([...(out.aliases.get(leaf.ref) ?? []), alias]));
    return { leaves: [leaf], joins: new Set() };
  };
  const all = collect(sel.from_table, []).leaves;
  if (all.length === 0) return;

  /** The leaf a column reference binds to; undefined when it cannot be told. */
  const bind = (names: readonly string[]): { leaf: Leaf; column: string } | undefined => {
    if (names.length === 2) {
      const matches = all.filter((l) => l.alias === names[0].toLowerCase());
      if (matches.length !== 1) return undefined;
      const leaf = matches[0];
      if (leaf.ref === undefined || !refs.get(leaf.ref)!.has(names[1])) return undefined;
      return { leaf, column: names[1] };
    }
    if (names.length !== 1 || merging) return undefined;
    const matches = all.filter((l) => l.ref !== undefined && refs.get(l.ref)!.has(names[0]));
    return matches.length === 1 ? { leaf: matches[0], column: names[0] } : undefined;
  };

  /** The single leaf all columns of a conjunct bind to; undefined when not exactly one, or when it holds what is never pushed. */
  const soleLeaf = (n: DuckNode): Leaf | undefined => {
    let leaf: Leaf | undefined;
    let ok = true;
    let columns = 0;
    const walk = (v: ExactJson | undefined): void => {
      if (!ok) return;
      if (Array.isArray(v)) for (const x of v) walk(x);
      else if (isNode(v)) {
        const cls = str(v.class);
        if (cls === 'SUBQUERY' || cls === 'LAMBDA' || cls === 'LAMBDA_REF' || cls === 'PARAMETER' || cls === 'STAR' || cls === 'WINDOW' || cls === 'COLUMNS') {
          ok = false;
          return;
        }
        if (cls === 'COLUMN_REF') {
          const names = Array.isArray(v.column_names) ? v.column_names.filter((x): x is string => typeof x === 'string') : [];
          const b = bind(names);
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
  };

  const push = (leaf: Leaf, n: DuckNode) => {
    const list = out.conjuncts.get(leaf.ref!) ?? [];
    list.push(unqualify(n));
    out.conjuncts.set(leaf.ref!, list);
  };

  const equiJoin = (n: DuckNode, eligible: (l: Leaf) => boolean) => {
    if (str(n.class) !== 'COMPARISON' || str(n.type) !== 'COMPARE_EQUAL' || !isNode(n.left) || !isNode(n.right)) return;
    const a = columnOf(n.left, bind);
    const b = columnOf(n.right, bind);
    if (!a || !b || a.leaf === b.leaf || a.leaf.ref === undefined || b.leaf.ref === undefined || !eligible(a.leaf) || !eligible(b.leaf)) return;
    out.joins.push({ probe: a.leaf.ref, column: a.column, build: { kind: 'ref', ref: b.leaf.ref, column: b.column } });
    out.joins.push({ probe: b.leaf.ref, column: b.column, build: { kind: 'ref', ref: a.leaf.ref, column: a.column } });
  };

  // WHERE
  if (isNode(sel.where_clause)) {
    const eligible = (l: Leaf) => l.ref !== undefined && l.nulledBy.length === 0;
    for (const c of conjuncts(sel.where_clause)) {
      const leaf = soleLeaf(c);
      if (leaf && eligible(leaf)) push(leaf, c);
      equiJoin(c, eligible);
      if (str(c.class) === 'SUBQUERY' && str(c.subquery_type) === 'ANY' && str(c.comparison_type) === 'COMPARE_EQUAL' && isNode(c.child) && isNode(c.subquery)) {
        const col = columnOf(c.child, bind);
        if (col && eligible(col.leaf)) out.joins.push({ probe: col.leaf.ref!, column: col.column, build: { kind: 'subquery', node: c.subquery } });
      }
    }
  }
  // ON
  for (const j of joins) {
    const jt = str(j.node.join_type);
    if (jt === 'INNER' && j.using.length > 0) usingJoins(j, refs, out);
    if (!isNode(j.node.condition)) continue;
    const sides = jt === 'INNER' ? [...j.left, ...j.right] : jt === 'LEFT' || jt === 'SEMI' || jt === 'ANTI' ? j.right : jt === 'RIGHT' ? j.left : [];
    const eligible = (l: Leaf) => l.ref !== undefined && sides.includes(l) && !l.nulledBy.some((o) => j.inner.has(o));
    for (const c of conjuncts(j.node.condition)) {
      const leaf = soleLeaf(c);
      if (leaf && eligible(leaf)) push(leaf, c);
      if (jt === 'INNER') equiJoin(c, eligible);
    }
  }
}

/**
 * `a JOIN b USING (k)` equates `k` of the one relation on each side that has it; when a side holds
 * a relation whose columns are unknown (not a Delta reference), which one that is cannot be told.
 */
function usingJoins(j: JoinInfo, refs: ReadonlyMap<number, RefInfo>, out: Pushdown): void {
  const eligible = (l: Leaf) => !l.nulledBy.some((o) => j.inner.has(o));
  const sideWith = (side: readonly Leaf[], column: string): Leaf | undefined => {
    if (side.some((l) => l.ref === undefined)) return undefined;
    const having = side.filter((l) => refs.get(l.ref!)!.has(column));
    return having.length === 1 && eligible(having[0]) ? having[0] : undefined;
  };
  for (const column of j.using) {
    const a = sideWith(j.left, column);
    const b = sideWith(j.right, column);
    if (!a || !b) continue;
    out.joins.push({ probe: a.ref!, column, build: { kind: 'ref', ref: b.ref!, column } });
    out.joins.push({ probe: b.ref!, column, build: { kind: 'ref', ref: a.ref!, column } });
  }
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
 * reference with every column, so a predicate over the subquery prunes the reference's files as
 * it would the reference's own. Anything that changes rows or columns (projection, aggregation,
 * DISTINCT, LIMIT, a sample, column aliases) makes it opaque.
 */
function transparentRef(t: DuckNode): number | undefined {
  if (str(t.type) !== 'SUBQUERY' || isNode(t.sample) || (Array.isArray(t.column_name_alias) && t.column_name_alias.length > 0)) return undefined;
  const sub = isNode(t.subquery) && isNode(t.subquery.node) ? t.subquery.node : undefined;
  if (!sub || str(sub.type) !== 'SELECT_NODE') return undefined;
  const modifiers = nodes(sub.modifiers);
  if (modifiers.some((m) => str(m.type) !== 'ORDER_MODIFIER')) return undefined;
  if (isNode(sub.cte_map) && Array.isArray(sub.cte_map.map) && sub.cte_map.map.length > 0) return undefined;
  if (nodes(sub.group_expressions).length > 0 || isNode(sub.having) || isNode(sub.qualify) || isNode(sub.sample)) return undefined;
  if (str(sub.aggregate_handling) !== 'STANDARD_HANDLING') return undefined;
  const list = nodes(sub.select_list);
  const star = list.length === 1 ? list[0] : undefined;
  const empty = (v: ExactJson | undefined) => v === undefined || v === null || (Array.isArray(v) && v.length === 0);
  if (
    !star || str(star.class) !== 'STAR' || str(star.relation_name) || star.columns === true || isNode(star.expr) ||
    !empty(star.exclude_list) || !empty(star.replace_list) || !empty(star.rename_list) || !empty(star.qualified_exclude_list)
  ) {
    return undefined;
  }
  const from = isNode(sub.from_table) ? sub.from_table : undefined;
  if (!from) return undefined;
  return placeholderRef(from) ?? transparentRef(from);
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
