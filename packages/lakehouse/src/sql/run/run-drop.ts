/**
 * DROP TABLE, TRUNCATE TABLE, ALTER TABLE ... RENAME TO and CONVERT TO DELTA: statements about
 * a table as a whole. A lake's own tables are managed tables: DROP TABLE deletes the
 * directory, log and data, as Databricks does for a managed table. A name registered with
 * LOCATION is an external table: DROP TABLE forgets the name and leaves the files.
 */
import { deltaError, type StructField } from '@loch/delta';
import { rename, rm, stat } from 'node:fs/promises';
import { convertToDelta } from '../../ops/convert.js';
import { truncateTable } from '../../ops/dml/delete-update.js';
import type { SessionContext } from './context.js';
import { unsupported } from '../errors.js';
import type { TableName } from '../parse/statements.js';

export async function runDropTable(ctx: SessionContext, table: TableName, ifExists: boolean): Promise<string> {
  if (table.kind === 'path') throw unsupported('DROP TABLE of a table addressed by path (delete the directory itself)');
  if (!ctx.lake.has(table.name)) {
    if (ifExists) return `DROP TABLE ${table.name}: no such table`;
    throw deltaError('DELTA_TABLE_NOT_FOUND', `${table.name} is not a table of the lake at ${ctx.lake.dir}`);
  }
  const location = ctx.lake.locate(table.name);
  if (ctx.lake.isExternal(table.name)) {
    await ctx.lake.unregister(table.name);
    return `DROP TABLE ${table.name}: forgot the external table (its files at ${location} are kept)`;
  }
  // The log goes first: from then on no reader takes the directory for a table.
  await rm(`${location}/_delta_log`, { recursive: true, force: true });
  await rm(location, { recursive: true, force: true });
  return `DROP TABLE ${table.name}: deleted ${location}`;
}

export async function runTruncate(ctx: SessionContext, table: TableName): Promise<{ summary: string; version?: number }> {
  const target = ctx.views.target(table);
  const r = await truncateTable(target.table.engine, target.table.url);
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
  if (!ctx.lake.has(table.name)) throw deltaError('DELTA_TABLE_NOT_FOUND', `${table.name} is not a table of the lake at ${ctx.lake.dir}`);
  if (ctx.lake.has(to.name) || ctx.lake.isExternal(to.name)) throw deltaError('DELTA_TABLE_ALREADY_EXISTS', `ALTER TABLE ${table.name} RENAME TO ${to.name}: ${to.name} already exists`);
  const from = ctx.lake.locate(table.name);
  if (ctx.lake.isExternal(table.name)) {
    await ctx.lake.register(to.name, from);
    await ctx.lake.unregister(table.name);
    return `ALTER TABLE ${table.name} RENAME TO ${to.name}`;
  }
  const target = ctx.lake.locate(to.name);
  if (await exists(target)) throw deltaError('DELTA_TABLE_ALREADY_EXISTS', `ALTER TABLE ${table.name} RENAME TO ${to.name}: ${target} already exists`);
  await rename(from, target);
  return `ALTER TABLE ${table.name} RENAME TO ${to.name}`;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

/** CONVERT TO DELTA: the Parquet directory becomes a Delta table in place (see ops/convert.ts). */
export async function runConvert(ctx: SessionContext, table: TableName, partitionBy: readonly StructField[], noStatistics: boolean): Promise<{ summary: string; version: number }> {
  const target = ctx.views.target(table);
  const r = await convertToDelta(target.table.engine, target.table.url, target.display, { partitionBy, noStatistics });
  if (!r.converted) return { summary: `CONVERT TO DELTA ${target.display}: already a Delta table (version ${r.version})`, version: r.version };
  return { summary: `CONVERT TO DELTA ${target.display}: ${r.numFiles} file${r.numFiles === 1 ? '' : 's'} (version ${r.version})`, version: r.version };
}
