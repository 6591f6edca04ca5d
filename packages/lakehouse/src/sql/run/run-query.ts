import type { DuckDBConnection, DuckDBResult } from '@duckdb/node-api';
import { duckdbApi, runSql, streamSql } from '@loch/engine-node';
import { fileUrlToPathString, isDeltaError, type ScanPlan } from '@loch/delta';
import { readRows, type Row } from '../../scan/read-rows.js';
import { RowStream } from '../../scan/row-stream.js';
import { fileError } from '../../scan/query.js';
import { fromDuckDb, isDuckDbError } from '../errors.js';
import { columnReader } from './result-values.js';
import type { SqlColumn } from './result.js';
import type { PreparedQuery } from '../plan/scan-views.js';

const { ResultReturnType, StatementType } = duckdbApi;

export type QueryOutcome =
  | { readonly kind: 'rows'; readonly columns: SqlColumn[]; readonly rows: Row[] }
  | { readonly kind: 'changed'; readonly count: number }
  | { readonly kind: 'nothing' };

/**
 * Runs a prepared query on the session's connection and reads its rows in Loch's JSON encoding
 * (LOCH_RESULT_TOO_LARGE when they do not fit in memory). DuckDB streams them: it never holds the
 * whole result either; a result known to be small (`q.small`) comes materialized, in one call.
 */
export async function runQuery(c: DuckDBConnection, q: PreparedQuery, rename: (m: string) => string, what = 'the result'): Promise<QueryOutcome> {
  let result: DuckDBResult;
  try {
    result = q.small ? await runSql(c, q.sql) : await streamSql(c, q.sql);
  } catch (e) {
    throw duckDbFailure(e, q.plans, rename);
  }
  if (result.returnType === ResultReturnType.CHANGED_ROWS) return { kind: 'changed', count: Number(result.rowsChanged) };
  if (result.returnType !== ResultReturnType.QUERY_RESULT) return { kind: 'nothing' };
  const readers = result.columnTypes().map((t) => columnReader(t));
  const names = uniqueNames(result.columnNames());
  let rows: Row[];
  try {
    rows = await readRows(result, names, readers.map((r) => (v) => r.convert(v)), what);
  } catch (e) {
    throw duckDbFailure(e, q.plans, rename);
  }
  return { kind: 'rows', columns: names.map((name, i) => ({ name, deltaType: readers[i].deltaType })), rows };
}

/**
 * A SELECT's rows unread, as a stream over the session's connection (bound now, so its columns
 * are known and a bad query fails here); undefined for any other statement, which runQuery runs.
 * `current` says whether the session is still at this statement: a stream read after the
 * session ran the next one fails (LOCH_RESULT_CLOSED) instead of ending early.
 */
export async function streamQuery(
  c: DuckDBConnection,
  q: PreparedQuery,
  rename: (m: string) => string,
  what: string,
  current: () => boolean,
): Promise<RowStream | undefined> {
  let columns;
  try {
    const p = await c.prepare(q.sql);
    try {
      if (p.statementType !== StatementType.SELECT) return undefined;
      const names = uniqueNames(Array.from({ length: p.columnCount }, (_, i) => p.columnName(i)));
      columns = names.map((name, i) => {
        const duckType = p.columnType(i);
        const reader = columnReader(duckType);
        return { name, deltaType: reader.deltaType, duckType, convert: reader.convert };
      });
    } finally {
      p.destroySync();
    }
  } catch (e) {
    throw duckDbFailure(e, q.plans, rename);
  }
  const rowsScanned = q.scans.length > 0 ? q.scans.reduce((n, s) => n + s.rowsScanned, 0) : undefined;
  return new RowStream({
    sql: q.sql,
    columns,
    what,
    repeatable: false,
    current,
    ...(rowsScanned !== undefined ? { rowsScanned } : {}),
    acquire: async () => ({ c, release: () => undefined }),
    fail: (e) => duckDbFailure(e, q.plans, rename),
  });
}

/**
 * Rows are objects keyed by column name, so a repeated name (`SELECT a.id, b.id`) gets a suffix
 * rather than overwrite the first.
 */
function uniqueNames(names: readonly string[]): string[] {
  const seen = new Set<string>();
  return names.map((n) => {
    let name = n;
    for (let i = 1; seen.has(name); i++) name = `${n}_${i}`;
    seen.add(name);
    return name;
  });
}

/** A data file gone missing is the table's problem (DELTA_FILE_NOT_FOUND); anything else DuckDB says is the SQL's. */
export function duckDbFailure(e: unknown, plans: readonly ScanPlan[], rename: (m: string) => string): unknown {
  if (!isDuckDbError(e)) return e;
  for (const plan of plans) {
    if (plan.files.some((f) => e.message.includes(fileUrlToPathString(f.url)))) {
      const coded = fileError(e, plan);
      if (isDeltaError(coded)) return coded;
    }
  }
  return fromDuckDb(e, rename);
}
