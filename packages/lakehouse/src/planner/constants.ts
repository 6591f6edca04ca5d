/**
 * Literals from DuckDB parse-tree constants. Plain constants (numbers, strings, booleans, NULL)
 * are read from the tree; constant expressions (`DATE '2024-01-01'`, `TIMESTAMP '...'`,
 * `1.5::DOUBLE`, `DATE '2024-01-01' + INTERVAL 1 DAY`) are evaluated by DuckDB itself, and a
 * string compared with a non-string column is cast to the column's type by DuckDB, as its
 * implicit cast would do in the query. Anything else is not a literal (undefined).
 */
import type { DuckDBConnection, DuckDBType, DuckDBValue } from '@duckdb/node-api';
import { expr, type DataType, type ExactJson, type Literal } from '@loch/delta';
import { sqlString, duckdbApi } from '@loch/engine-node';
import { duckType } from '../values/duck-types.js';
import { decimalString, formatDate } from '../values/json-values.js';
import { deserializeSql, integerValue, isNode, nodes, str, type DuckNode } from './duck-json.js';

const { DuckDBTypeId } = duckdbApi;

/**
 * Functions whose result depends only on their arguments: constant subtrees made of these (with
 * constants and casts) are folded. Volatile ones (now(), random()) are never folded: the query
 * would see another value.
 */
const FOLDABLE = new Set([
  '+', '-', '*', '/', '//', '%', '||', 'concat', 'lower', 'upper', 'trunc', 'round', 'abs',
  'to_years', 'to_months', 'to_weeks', 'to_days', 'to_hours', 'to_minutes', 'to_seconds', 'to_milliseconds', 'to_microseconds',
  'make_date', 'make_time', 'make_timestamp', 'date_trunc', 'last_day', 'to_timestamp', 'epoch_ms',
]);

/** Whether a node is a constant expression DuckDB can fold (no columns, no volatile functions). */
export function isConstantExpression(n: DuckNode): boolean {
  switch (str(n.class)) {
    case 'CONSTANT':
      return true;
    case 'CAST':
      return isNode(n.child) && isConstantExpression(n.child);
    case 'FUNCTION': {
      const name = str(n.function_name)?.toLowerCase();
      if (!name || !FOLDABLE.has(name) || isNode(n.filter) || n.distinct === true) return false;
      const children = Array.isArray(n.children) ? n.children : [];
      return children.every((c) => isNode(c) && isConstantExpression(c));
    }
    default:
      return false;
  }
}

/** A plain CONSTANT node as a literal; undefined for types that need DuckDB to read. */
export function constantLiteral(n: DuckNode): Literal | undefined {
  if (str(n.class) !== 'CONSTANT' || !isNode(n.value)) return undefined;
  const v = n.value;
  if (v.is_null === true) return expr.lit(null);
  const type = isNode(v.type) ? v.type : undefined;
  const id = str(type?.id);
  switch (id) {
    case 'NULL':
      return expr.lit(null);
    case 'BOOLEAN':
      return typeof v.value === 'boolean' ? expr.lit(v.value) : undefined;
    case 'TINYINT':
    case 'SMALLINT':
    case 'INTEGER':
    case 'BIGINT':
    case 'UTINYINT':
    case 'USMALLINT':
    case 'UINTEGER':
    case 'UBIGINT':
    case 'HUGEINT':
    case 'UHUGEINT': {
      const i = integerValue(v.value, id !== 'UHUGEINT');
      return i === undefined ? undefined : expr.lit(i);
    }
    case 'DECIMAL': {
      const info = isNode(type?.type_info) ? type.type_info : undefined;
      const scale = typeof info?.scale === 'number' ? info.scale : undefined;
      const unscaled = integerValue(v.value);
      if (scale === undefined || unscaled === undefined) return undefined;
      return expr.decimalLit(decimalString(unscaled, scale));
    }
    case 'DOUBLE':
    case 'FLOAT':
      return typeof v.value === 'number' ? expr.lit(v.value) : undefined;
    case 'VARCHAR':
      return typeof v.value === 'string' ? expr.lit(v.value) : undefined;
    default:
      return undefined;
  }
}

/**
 * `DATE '2024-01-31'` (a CAST of a string) read without asking DuckDB: date filters are common
 * enough that the round trip showed in every star join. Only the strict ISO form is read here;
 * anything else DuckDB's cast accepts is evaluated by DuckDB.
 */
function dateCastLiteral(n: DuckNode): Literal | undefined {
  if (str(n.class) !== 'CAST' || !isNode(n.cast_type) || str(n.cast_type.id) !== 'DATE' || n.try_cast === true || !isNode(n.child)) return undefined;
  const inner = constantLiteral(n.child);
  return inner?.type === 'string' ? isoDateLiteral(inner.value) : undefined;
}

function isoDateLiteral(text: string): Literal | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = new Date(Date.UTC(2000, mo - 1, d));
  t.setUTCFullYear(y);
  if (y < 1 || t.getUTCFullYear() !== y || t.getUTCMonth() !== mo - 1 || t.getUTCDate() !== d) return undefined;
  return expr.dateLit(text);
}

/** A DuckDB result value as a literal; undefined for types the kernel does not model. */
export function valueLiteral(type: DuckDBType, v: DuckDBValue): Literal | undefined {
  if (v === null || v === undefined) return expr.lit(null);
  switch (type.typeId) {
    case DuckDBTypeId.BOOLEAN:
      return typeof v === 'boolean' ? expr.lit(v) : undefined;
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UTINYINT:
    case DuckDBTypeId.USMALLINT:
    case DuckDBTypeId.UINTEGER:
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT:
      return typeof v === 'bigint' ? expr.lit(v) : typeof v === 'number' && Number.isSafeInteger(v) ? expr.lit(BigInt(v)) : undefined;
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
      return typeof v === 'number' ? expr.lit(v) : undefined;
    case DuckDBTypeId.DECIMAL: {
      const d = v as { value?: unknown; scale?: unknown };
      return typeof d.value === 'bigint' && typeof d.scale === 'number' ? expr.decimalLit(decimalString(d.value, d.scale)) : undefined;
    }
    case DuckDBTypeId.VARCHAR:
      return typeof v === 'string' ? expr.lit(v) : undefined;
    case DuckDBTypeId.DATE: {
      const days = (v as { days?: unknown }).days;
      // ±infinity and dates beyond year 9999 are left alone.
      return typeof days === 'number' && Math.abs(days) < 2_932_897 ? expr.dateLit(formatDate(days)) : undefined;
    }
    case DuckDBTypeId.TIMESTAMP: {
      const micros = (v as { micros?: unknown }).micros;
      return typeof micros === 'bigint' ? expr.timestampNtzLit(micros) : undefined;
    }
    case DuckDBTypeId.TIMESTAMP_TZ: {
      const micros = (v as { micros?: unknown }).micros;
      return typeof micros === 'bigint' ? expr.timestampLit(micros) : undefined;
    }
    default:
      return undefined;
  }
}

/**
 * Literals for operand nodes, as the query will see them next to a column of type `columnType`:
 * plain constants directly, constant expressions evaluated by DuckDB (one query for all), and
 * strings compared with a non-string column cast to its type (one more query). Undefined where a
 * node is not a constant DuckDB can evaluate.
 */
export async function literalsFor(
  c: DuckDBConnection,
  statement: DuckNode,
  operands: readonly DuckNode[],
  columnType: DataType | undefined,
): Promise<(Literal | undefined)[]> {
  const out: (Literal | undefined)[] = operands.map((n) => constantLiteral(n) ?? dateCastLiteral(n));
  const folds = operands.map((n, i) => (out[i] === undefined && isConstantExpression(n) ? i : -1)).filter((i) => i >= 0);
  if (folds.length > 0) {
    const values = await evaluateNodes(c, statement, folds.map((i) => operands[i]));
    folds.forEach((i, k) => (out[i] = values[k]));
  }
  const isString = columnType?.kind === 'primitive' && columnType.name === 'string';
  if (columnType && !isString) {
    if (columnType.kind === 'primitive' && columnType.name === 'date') {
      out.forEach((l, i) => {
        if (l?.type === 'string') out[i] = isoDateLiteral(l.value) ?? l;
      });
    }
    const casts = out.map((l, i) => (l?.type === 'string' ? i : -1)).filter((i) => i >= 0);
    if (casts.length > 0) {
      const values = await castStrings(c, casts.map((i) => (out[i] as { value: string }).value), columnType);
      // A string that does not cast makes the query fail; there is nothing to prune on.
      casts.forEach((i, k) => (out[i] = values[k]?.type === 'null' ? undefined : values[k]));
    }
  }
  return out;
}

/** Evaluates constant expression nodes with DuckDB: `SELECT e1, e2, ...` rebuilt from the tree. */
async function evaluateNodes(c: DuckDBConnection, statement: DuckNode, exprs: readonly DuckNode[]): Promise<(Literal | undefined)[]> {
  try {
    const statements = nodes(statement.statements);
    const first = statements[0];
    if (!first || !isNode(first.node)) return exprs.map(() => undefined);
    const node = { ...first.node, select_list: [...exprs], where_clause: null, from_table: { type: 'EMPTY', sample: null } };
    const sql = await deserializeSql(c, { ...statement, statements: [{ ...first, node }] } as ExactJson);
    if (!sql) return exprs.map(() => undefined);
    const r = await c.runAndReadAll(sql);
    const row = r.getRows()[0] ?? [];
    return exprs.map((_, i) => valueLiteral(r.columnType(i), row[i] ?? null));
  } catch {
    return exprs.map(() => undefined);
  }
}

async function castStrings(c: DuckDBConnection, values: readonly string[], t: DataType): Promise<(Literal | undefined)[]> {
  try {
    const type = duckType(t);
    const r = await c.runAndReadAll(`SELECT ${values.map((v) => `TRY_CAST(${sqlString(v)} AS ${type})`).join(', ')}`);
    const row = r.getRows()[0] ?? [];
    return values.map((_, i) => valueLiteral(r.columnType(i), row[i] ?? null));
  } catch {
    return values.map(() => undefined);
  }
}
