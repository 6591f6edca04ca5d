import { ResultReturnType, type DuckDBConnection, type DuckDBResult } from '@duckdb/node-api';
import { fileUrlToPathString, isDeltaError, type ScanPlan } from '@loch/delta';
import { readRows, type Row } from '../../scan/read-rows.js';
import { fileError } from '../../scan/query.js';
import { fromDuckDb, isDuckDbError } from '../errors.js';
import { columnReader } from './result-values.js';
import type { SqlColumn } from './result.js';
import type { PreparedQuery } from '../plan/scan-views.js';

export type QueryOutcome =
  | { readonly kind: 'rows'; readonly columns: SqlColumn[]; readonly rows: Row[] }
  | { readonly kind: 'changed'; readonly count: number }
  | { readonly kind: 'nothing' };

/** Runs a prepared query on the session's connection and reads its rows in Loch's JSON encoding. */
export async function runQuery(c: DuckDBConnection, q: PreparedQuery, rename: (m: string) => string): Promise<QueryOutcome> {
  let result: DuckDBResult;
  try {
    result = await c.run(q.sql);
  } catch (e) {
    throw duckDbFailure(e, q.plans, rename);
  }
  if (result.returnType === ResultReturnType.CHANGED_ROWS) return { kind: 'changed', count: Number(result.rowsChanged) };
  if (result.returnType !== ResultReturnType.QUERY_RESULT) return { kind: 'nothing' };
  const readers = result.columnTypes().map((t) => columnReader(t));
  const names = uniqueNames(result.columnNames());
  let rows: Row[];
  try {
    rows = await readRows(result, names, readers.map((r) => (v) => r.convert(v)));
  } catch (e) {
    throw duckDbFailure(e, q.plans, rename);
  }
  return { kind: 'rows', columns: names.map((name, i) => ({ name, deltaType: readers[i].deltaType })), rows };
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
