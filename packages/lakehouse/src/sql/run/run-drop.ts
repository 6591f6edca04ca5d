/**
 * DROP TABLE, TRUNCATE TABLE, ALTER TABLE ... RENAME TO and CONVERT TO DELTA: statements about
 * a table as a whole. A lake's own tables are managed tables: DROP TABLE deletes the
 * directory, log and data, as Databricks does for a managed table. A name registered with
 * LOCATION is an external table: DROP TABLE forgets the name and leaves the files.
 */
import { deltaError, isDeltaError, logDirUrl, type StructField } from '@loch/delta';
import { convertToDelta } from '../../ops/convert.js';
import { truncateTable } from '../../ops/dml/delete-update.js';
import type { SessionContext } from './context.js';
import { unsupported } from '../errors.js';
import { tableText, type TableName } from '../parse/statements.js';
import type { LakeCatalog, LakeName } from './lake-catalog.js';
import { tableUrl } from '../../table.js';

export async function runDropTable(ctx: SessionContext, table: TableName, ifExists: boolean): Promise<string> {
  if (table.kind === 'path') throw unsupported('DROP TABLE of a table addressed by path (delete the directory itself)');
  const shown = tableText(table);
  if (!(await ctx.names.has(table))) {
    if (ifExists) return `DROP TABLE ${shown}: no such table`;
    throw deltaError('DELTA_TABLE_NOT_FOUND', `${shown} is not a table of the lake at ${ctx.names.lake.dir}`);
  }
  return `DROP TABLE ${shown}: ${await dropLakeTable(ctx, ctx.names.resolve(table))}`;
}

/** Drops a table of the lake: a managed one's files are deleted, an external one's name forgotten. What it did, in words. */
export async function dropLakeTable(ctx: SessionContext, t: LakeName): Promise<string> {
  const lake: LakeCatalog = ctx.names.lake;
  const location = await lake.locate(t);
  await lake.setStatistics(t, undefined);
  if (await lake.isExternal(t)) {
    await lake.unregister(t);
    return `forgot the external table (its files at ${location} are kept)`;
  }
  // Through the table's storage. The log goes first: from then on no reader takes the
  // directory for a table.
  const { table, url } = await ctx.views.target({ kind: 'name', schema: t.schema, name: t.name });
  await table.engine.storage.deletePrefix(logDirUrl(url));
  await table.engine.storage.deletePrefix(url);
  return `deleted ${location}`;
}

export async function runTruncate(ctx: SessionContext, table: TableName): Promise<{ summary: string; version?: number }> {
  const target = await ctx.views.target(table);
  const r = await truncateTable(target.table.engine, target.url);
  const removed = r.metrics.numRemovedFiles ?? 0;
  return {
    summary: `TRUNCATE TABLE ${target.display}: ${removed} file${removed === 1 ? '' : 's'} removed${r.version !== undefined ? ` (version ${r.version})` : ''}`,
    ...(r.version !== undefined ? { version: r.version } : {}),
  };
}

/**
 * ALTER TABLE a RENAME TO b: a managed table's directory is renamed (one atomic rename, so no
 * reader sees half a table); an external table's name is registered anew, its files untouched.
 */
export async function runRenameTable(ctx: SessionContext, table: TableName, to: TableName): Promise<string> {
  if (table.kind === 'path' || to.kind === 'path') throw unsupported('ALTER TABLE ... RENAME TO of a table addressed by path');
  const label = `ALTER TABLE ${tableText(table)} RENAME TO ${tableText(to)}`;
  if (!(await ctx.names.has(table))) throw deltaError('DELTA_TABLE_NOT_FOUND', `${tableText(table)} is not a table of the lake at ${ctx.names.lake.dir}`);
  const lake = ctx.names.lake;
  const source = ctx.names.resolve(table);
  // An unqualified new name stays in the table's schema, as in Spark.
  const dest = to.schema === undefined ? { schema: source.schema, name: to.name } : ctx.names.resolve(to);
  if ((await lake.has(dest)) || (await lake.isExternal(dest))) throw deltaError('DELTA_TABLE_ALREADY_EXISTS', `${label}: ${tableText(to)} already exists`);
  const from = await lake.locate(source);
  const { table: sourceTable } = await ctx.views.target(table);
  // Catalog statistics follow the table (they are keyed by its id, which does not change).
  const stats = await lake.statistics(source, (await sourceTable.snapshot()).metadata.id);
  await lake.setStatistics(source, undefined);
  if (stats) await lake.setStatistics(dest, stats);
  if (await lake.isExternal(source)) {
    await lake.register(dest, from);
    await lake.unregister(source);
    return label;
  }
  const target = await lake.locate(dest);
  const { engine } = sourceTable;
  try {
    // One step where storage can (a local directory is renamed), so no reader sees half a table.
    await engine.storage.renamePrefix(tableUrl(from), tableUrl(target));
  } catch (e) {
    if (isDeltaError(e, 'DELTA_FILE_ALREADY_EXISTS')) throw deltaError('DELTA_TABLE_ALREADY_EXISTS', `${label}: ${target} already exists`, e);
    throw e;
  }
  return label;
}

/** CONVERT TO DELTA: the Parquet directory becomes a Delta table in place (see ops/convert.ts). */
export async function runConvert(ctx: SessionContext, table: TableName, partitionBy: readonly StructField[], noStatistics: boolean): Promise<{ summary: string; version: number }> {
  const target = await ctx.views.target(table);
  const r = await convertToDelta(target.table.engine, target.url, target.display, { partitionBy, noStatistics });
  if (!r.converted) return { summary: `CONVERT TO DELTA ${target.display}: already a Delta table (version ${r.version})`, version: r.version };
  return { summary: `CONVERT TO DELTA ${target.display}: ${r.numFiles} file${r.numFiles === 1 ? '' : 's'} (version ${r.version})`, version: r.version };
}
