/**
 * CREATE TABLE ... USING parquet | csv | json: a Spark data source table (plan/source-tables.ts),
 * with columns or AS SELECT, in the lake or at a LOCATION of its own.
 */
import { deltaError, type StructField } from '@loch/delta';
import { resolve } from 'node:path';
import { deltaTypeOf } from '../../write/duck-schema.js';
import { fromDuckDb, isDuckDbError, sqlError, unsupported } from '../errors.js';
import type { CreateStatement } from '../parse/statements.js';
import { createSourceTable, readSourceTable, removeSourceFiles, removeSourceMarker, writeSourceFile } from '../plan/source-tables.js';
import type { SessionContext } from './context.js';

export async function runCreateSource(ctx: SessionContext, st: CreateStatement): Promise<{ summary: string }> {
  const source = st.source!;
  const named = await ctx.views.target(st.table);
  const label = `CREATE TABLE ${named.display} USING ${source.format}`;
  if (st.clone || st.like) throw unsupported(`${label} ... ${st.clone ? 'CLONE' : 'LIKE'}`);
  if (st.partitionBy.length > 0) throw unsupported(`${label} PARTITIONED BY (partitioned data source tables)`);
  const target = st.location !== undefined ? await ctx.views.target({ kind: 'path', path: st.location }) : named;
  const at = { storage: target.table.engine.storage, url: target.url };
  const existing = await readSourceTable(at);
  const exists = existing !== undefined || (st.table.kind === 'name' && (await ctx.names.has(st.table)));
  if (exists && st.ifNotExists) return { summary: `${label}: exists` };
  if (exists && st.replace) {
    if (!existing) throw unsupported(`${label}: replacing the Delta table ${named.display} by a data source table`);
    await removeSourceFiles(at, existing);
    await removeSourceMarker(at);
  } else if (st.replace === 'only') {
    throw deltaError('DELTA_TABLE_NOT_FOUND', `${label}: there is no table to replace`);
  }
  const query = st.query !== undefined ? await ctx.views.prepare(st.query) : undefined;
  const columns = st.columns ?? (query ? await queryColumns(ctx, query.sql) : undefined);
  if (!columns) throw sqlError(`${label} needs columns or AS SELECT`);
  const table = { format: source.format, columns, options: source.options };
  await createSourceTable(at, named.display, table);
  if (st.location !== undefined && st.table.kind === 'name' && resolve(named.location) !== resolve(target.location)) {
    await ctx.names.lake.register(ctx.names.resolve(st.table), target.location);
  }
  if (!query) return { summary: label };
  const rows = await writeSourceFile(ctx.c, at, table, query.sql, true);
  return { summary: `${label}: ${rows} row${rows === 1 ? '' : 's'}` };
}

/** A query's columns as the table's: DuckDB's types in Spark's terms. */
async function queryColumns(ctx: SessionContext, sql: string): Promise<StructField[]> {
  try {
    const r = await ctx.c.run(`SELECT * FROM (${sql}) AS __loch_src LIMIT 0`);
    const types = r.columnTypes();
    return r.columnNames().map((name, i) => ({ name, type: deltaTypeOf(types[i], name), nullable: true, metadata: {} }));
  } catch (e) {
    if (isDuckDbError(e)) throw fromDuckDb(e, (m) => ctx.views.rename(m));
    throw e;
  }
}
