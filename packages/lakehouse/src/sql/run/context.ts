import type { DuckDBConnection } from '@duckdb/node-api';
import { fromDuckDb, isDuckDbError } from '../errors.js';
import type { SessionNamespace } from './namespace.js';
import type { ScanViews } from '../plan/scan-views.js';
import type { Lakehouse } from '../../lakehouse.js';

/** What a statement runs with: the session's connection, its views and conf, and its names (the lake, the current schema). */
export interface SessionContext {
  readonly c: DuckDBConnection;
  readonly views: ScanViews;
  readonly names: SessionNamespace;
  readonly conf: Map<string, string>;
  /** The Lakehouse the session was opened from (statements of extensions run over it). */
  readonly lake?: Lakehouse;
}

/** The output columns of a query (also checks that DuckDB can bind it, failing as LOCH_SQL_ERROR). */
export async function describeQuery(ctx: SessionContext, sql: string): Promise<{ names: string[]; types: string[] }> {
  try {
    const r = await ctx.c.run(`SELECT * FROM (${sql}) AS __loch_src LIMIT 0`);
    return { names: r.columnNames(), types: r.columnTypes().map(String) };
  } catch (e) {
    if (isDuckDbError(e)) throw fromDuckDb(e, (m) => ctx.views.rename(m));
    throw e;
  }
}

/** Whether DuckDB itself has a table or view by this name (a session's TEMP table, say). */
export async function duckDbHasTable(ctx: SessionContext, name: string): Promise<boolean> {
  const r = await ctx.c.runAndReadAll(
    'SELECT 1 FROM duckdb_tables() WHERE lower(table_name) = lower($1) UNION ALL SELECT 1 FROM duckdb_views() WHERE lower(view_name) = lower($1) AND NOT internal',
    [name],
  );
  return r.currentRowCount > 0;
}

/** Whether DuckDB's catalog has a schema called `name` (its own, not the lake's). */
export async function duckDbHasSchema(ctx: SessionContext, name: string): Promise<boolean> {
  const r = await ctx.c.runAndReadAll('SELECT 1 FROM duckdb_schemas() WHERE lower(schema_name) = lower($1)', [name]);
  return r.currentRowCount > 0;
}
