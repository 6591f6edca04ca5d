/**
 * Whether a DFP build side's keys depend only on the files it reads, so that the keys read once
 * hold for every later run over the same snapshots (scan-views.ts keeps them). A build side
 * qualifies when its parse tree reads only tables the caller vouches for (a Delta table's scan at
 * a snapshot) and computes only with deterministic built-ins: no now() or random(), no user
 * function, no table function, no sample, no LIMIT (which rows it keeps can differ from run to
 * run), no parameter. Anything the walk does not know makes it not fixed.
 */
import type { ExactJson } from '@loch/delta';
import { isNode, str, type DuckNode } from '../../planner/duck-json.js';

/** Expression classes whose value depends only on their children. */
const PURE_CLASSES = new Set(['COLUMN_REF', 'CONSTANT', 'COMPARISON', 'CONJUNCTION', 'OPERATOR', 'BETWEEN', 'CAST', 'CASE', 'SUBQUERY', 'STAR', 'COLLATE']);

/** Built-in functions (and aggregates) whose result depends only on their arguments. */
const PURE_FUNCTIONS = new Set([
  '+', '-', '*', '/', '//', '%', '||', '~~', '!~~', '~~*', '!~~*', 'concat', 'lower', 'upper', 'trim', 'ltrim', 'rtrim', 'substring', 'substr', 'length',
  'starts_with', 'prefix', 'suffix', 'ends_with', 'contains', 'like_escape', 'regexp_matches', 'coalesce', 'ifnull', 'nullif', 'abs', 'round', 'trunc', 'floor', 'ceil',
  'year', 'month', 'day', 'quarter', 'week', 'dayofweek', 'date_trunc', 'date_part', 'datepart', 'last_day', 'make_date', 'to_days', 'to_months', 'to_years',
  'min', 'max', 'count',
]);

/** Table reference types that read nothing but their children. */
const PURE_TABLE_REFS = new Set(['JOIN', 'SUBQUERY', 'EMPTY']);

/** Query modifiers that keep every row a query finds (a LIMIT keeps some, chosen by the run). */
const PURE_MODIFIERS = new Set(['ORDER_MODIFIER', 'DISTINCT_MODIFIER']);

/**
 * Whether the parse tree `v` (a query node or an expression) gives the same rows on every run
 * over the same data, reading only base tables that `fixedTable` accepts.
 */
export function isFixedQuery(v: ExactJson | undefined, fixedTable: (table: DuckNode) => boolean): boolean {
  if (v === undefined) return true;
  if (Array.isArray(v)) return v.every((x) => isFixedQuery(x, fixedTable));
  if (!isNode(v)) return true;
  if (v.sample !== undefined && v.sample !== null) return false;
  const cls = str(v.class);
  const type = str(v.type);
  if (cls !== undefined) {
    if (cls === 'FUNCTION') {
      const name = str(v.function_name)?.toLowerCase();
      const builtIn = (str(v.schema) ?? '') === '' && (str(v.catalog) ?? '') === '';
      if (!builtIn || name === undefined || (v.is_operator !== true && !PURE_FUNCTIONS.has(name))) return false;
    } else if (!PURE_CLASSES.has(cls)) {
      return false;
    }
  } else if (type === 'BASE_TABLE') {
    return fixedTable(v);
  } else if (type !== undefined && type.endsWith('_MODIFIER')) {
    if (!PURE_MODIFIERS.has(type)) return false;
  } else if (type !== undefined && isTableRef(v) && !PURE_TABLE_REFS.has(type)) {
    // A table function, VALUES, PIVOT, ...
    return false;
  }
  return Object.keys(v).every((k) => isFixedQuery(v[k], fixedTable));
}

/** Table references carry `alias` and `sample` beside their `type`; query nodes and expressions do not both. */
function isTableRef(v: DuckNode): boolean {
  return 'alias' in v && 'sample' in v && !('class' in v);
}
