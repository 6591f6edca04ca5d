/**
 * Spark's data source tables: `CREATE TABLE t (...) USING parquet | csv | json`. Such a table is a
 * directory of plain files, no Delta log, as Spark's warehouse keeps it. What the metastore would
 * remember (the format, the columns, the options) lives in `_loch_source.json` beside the files;
 * Spark's readers skip files whose names start with `_`, so the directory stays readable by Spark.
 * All I/O goes through the engine's storage; DuckDB writes each new file into a stage first.
 * Reads cast each file's columns to the table's types; INSERT adds one `part-...` file per
 * statement (INSERT OVERWRITE replaces them all).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { deltaError, type StorageHandler, type StructField } from '@loch/delta';
import { sqlIdent, sqlString } from '@loch/engine-node';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { duckType } from '../../values/duck-types.js';
import { stageDataFiles } from '../../write/staging.js';
import { SqlError } from '../errors.js';
import type { SourceFormat } from '../parse/statements.js';

export const SOURCE_MARKER = '_loch_source.json';

/** What Spark's metastore knows of a data source table. */
export interface SourceTable {
  readonly format: SourceFormat;
  readonly columns: readonly StructField[];
  /** OPTIONS, keys lower-cased. */
  readonly options: Readonly<Record<string, string>>;
}

/** Where a data source table lives: its storage and its root URL (ending in `/`). */
export interface SourceLocation {
  readonly storage: StorageHandler;
  readonly url: string;
}

const EXTENSION: Record<SourceFormat, string> = { parquet: 'snappy.parquet', csv: 'csv', json: 'json' };

/** The data source table at `at`, or undefined when there is none (a Delta table, nothing). */
export async function readSourceTable(at: SourceLocation): Promise<SourceTable | undefined> {
  const marker = at.url + SOURCE_MARKER;
  if (!(await at.storage.exists(marker))) return undefined;
  const text = new TextDecoder().decode(await at.storage.read(marker));
  try {
    return JSON.parse(text) as SourceTable;
  } catch (e) {
    throw new SqlError('LOCH_SQL_ERROR', `${marker} is not valid JSON (${(e as Error).message})`);
  }
}

/** Writes the table's description; fails when a table is there already. */
export async function createSourceTable(at: SourceLocation, display: string, table: SourceTable): Promise<void> {
  const taken = (await at.storage.exists(at.url + SOURCE_MARKER)) || (await at.storage.list(`${at.url}_delta_log/`).catch(() => [])).length > 0;
  if (taken) throw deltaError('DELTA_TABLE_ALREADY_EXISTS', `${display} already exists at ${at.url}`);
  await at.storage.put(at.url + SOURCE_MARKER, new TextEncoder().encode(`${JSON.stringify(table, null, 2)}\n`));
}

/** Forgets the table's description (its files stay). */
export async function removeSourceMarker(at: SourceLocation): Promise<void> {
  await at.storage.delete(at.url + SOURCE_MARKER);
}

/** The data files of a table (URLs), as Spark lists them: hidden (`_`, `.`) names left out. */
async function dataFiles(at: SourceLocation, format: SourceFormat): Promise<string[]> {
  const ext = format === 'parquet' ? '.parquet' : `.${format}`;
  const all = await at.storage.list(at.url).catch(() => []);
  return all
    .map((f) => f.path)
    .filter((p) => {
      const name = decodeURIComponent(p.slice(p.lastIndexOf('/') + 1));
      return !name.startsWith('_') && !name.startsWith('.') && name.endsWith(ext);
    })
    .sort();
}

/** A DuckDB relation (parenthesized query) reading the table with its declared column types. */
export async function sourceRelation(at: SourceLocation, t: SourceTable): Promise<string> {
  const files = (await dataFiles(at, t.format)).map((u) => at.storage.localPath?.(u) ?? u);
  const typed = t.columns.map((f) => `CAST(${sqlIdent(f.name)} AS ${duckType(f.type)}) AS ${sqlIdent(f.name)}`).join(', ');
  if (files.length === 0) {
    return `(SELECT ${t.columns.map((f) => `CAST(NULL AS ${duckType(f.type)}) AS ${sqlIdent(f.name)}`).join(', ')} WHERE false)`;
  }
  const list = `[${files.map(sqlString).join(', ')}]`;
  const columns = `{${t.columns.map((f) => `${sqlString(f.name)}: ${sqlString(duckType(f.type))}`).join(', ')}}`;
  switch (t.format) {
    case 'parquet':
      return `(SELECT ${typed} FROM read_parquet(${list}, union_by_name = true))`;
    case 'csv':
      return `(SELECT ${typed} FROM read_csv(${list}, header = ${csvHeader(t)}, delim = ${sqlString(csvSep(t))}, columns = ${columns}, auto_detect = false))`;
    case 'json':
      return `(SELECT ${typed} FROM read_json(${list}, format = 'newline_delimited', columns = ${columns}))`;
  }
}

const csvHeader = (t: SourceTable) => /^true$/i.test(t.options.header ?? 'false');
const csvSep = (t: SourceTable) => t.options.sep ?? t.options.delimiter ?? ',';

/**
 * Writes the rows of `data` (a query whose columns are the table's, in order) as one new file;
 * with `overwrite` the table's other files go once it is written. The number of rows written.
 */
export async function writeSourceFile(c: DuckDBConnection, at: SourceLocation, t: SourceTable, data: string, overwrite: boolean): Promise<number> {
  const before = await dataFiles(at, t.format);
  const stage = await stageDataFiles(at.storage, at.url);
  try {
    const file = join(stage.root, `part-00000-${randomUUID()}-c000.${EXTENSION[t.format]}`);
    await stage.prepare(file);
    const options = t.format === 'parquet' ? 'FORMAT parquet' : t.format === 'csv' ? `FORMAT csv, HEADER ${csvHeader(t)}, DELIMITER ${sqlString(csvSep(t))}` : 'FORMAT json';
    const r = await c.runAndReadAll(`COPY (${data}) TO ${sqlString(file)} (${options})`);
    await stage.publish([file]);
    if (overwrite) for (const f of before) await at.storage.delete(f);
    return Number(r.getRows()[0]?.[0] ?? 0);
  } finally {
    await stage.close();
  }
}

/** Deletes the table's data files (CREATE OR REPLACE). */
export async function removeSourceFiles(at: SourceLocation, t: SourceTable): Promise<void> {
  for (const f of await dataFiles(at, t.format)) await at.storage.delete(f);
}
