/**
 * INSERT OVERWRITE DIRECTORY: a query's rows written as files into a directory, as Spark does it
 * (one `part-00000-<uuid>-c000.<format>` file, then `_SUCCESS`). The directory is replaced whole:
 * the files are written into a new directory beside it, which then takes its place, so a failure
 * leaves the old directory as it was.
 */
import { randomUUID } from 'node:crypto';
// The directory is a local one the statement names, not a table: it is written where it is, not
// through the lake's storage.
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ExportFormat } from '../../export/copy.js';
import { sqlError } from '../errors.js';
import type { InsertDirectoryStatement } from '../parse/insert-directory.js';
import type { SessionContext } from './context.js';
import { streamQuery } from './run-query.js';

const FILE_FORMAT: Record<InsertDirectoryStatement['format'], { format: ExportFormat; extension: string }> = {
  parquet: { format: 'parquet', extension: 'snappy.parquet' },
  json: { format: 'jsonl', extension: 'json' },
  csv: { format: 'csv', extension: 'csv' },
};

export async function runInsertDirectory(ctx: SessionContext, st: InsertDirectoryStatement, number: number): Promise<{ summary: string }> {
  const dir = resolve(st.path.startsWith('file:') ? fileURLToPath(st.path) : st.path);
  const existing = await stat(dir).catch(() => undefined);
  if (existing && !existing.isDirectory()) throw sqlError(`INSERT OVERWRITE DIRECTORY ${st.path}: it is a file, not a directory`);
  const q = await ctx.views.prepare(st.query);
  const named = (m: string) => ctx.views.rename(m);
  const stream = await streamQuery(ctx.c, q, named, `the query of statement ${number}`, () => true);
  if (!stream) throw sqlError('INSERT OVERWRITE DIRECTORY writes the rows of a query (SELECT, VALUES, WITH ...)');
  const { format, extension } = FILE_FORMAT[st.format];
  const staging = join(dirname(dir), `.${basename(dir)}.loch-${randomUUID().slice(0, 8)}`);
  await mkdir(staging, { recursive: true });
  try {
    const file = join(staging, `part-00000-${randomUUID()}-c000.${extension}`);
    // Spark's CSV has no header unless asked for.
    const { rows } = await stream.writeTo(file, format, { header: /^true$/i.test(st.options.header ?? 'false') });
    await writeFile(join(staging, '_SUCCESS'), '');
    await replaceDirectory(staging, dir, existing !== undefined);
    return { summary: `INSERT OVERWRITE DIRECTORY ${st.path}: ${rows} row${rows === 1 ? '' : 's'}` };
  } catch (e) {
    await rm(staging, { recursive: true, force: true });
    throw e;
  }
}

/** Moves `staging` to `dir`, the old `dir` out of the way first (and then deleted). */
async function replaceDirectory(staging: string, dir: string, exists: boolean): Promise<void> {
  if (!exists) {
    await rename(staging, dir);
    return;
  }
  const old = `${staging}.old`;
  await rename(dir, old);
  try {
    await rename(staging, dir);
  } catch (e) {
    await rename(old, dir);
    throw e;
  }
  await rm(old, { recursive: true, force: true });
}
