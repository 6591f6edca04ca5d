/**
 * DROP TABLE and TRUNCATE TABLE. A lake's own tables are managed tables: DROP TABLE deletes the
 * directory, log and data, as Databricks does for a managed table. A name registered with
 * LOCATION is an external table: DROP TABLE forgets the name and leaves the files.
 */
import { deltaError } from '@loch/delta';
import { rm } from 'node:fs/promises';
import { truncateTable } from '../ops/dml/delete-update.js';
import type { SessionContext } from './context.js';
import { unsupported } from './errors.js';
import type { TableName } from './statements.js';

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
