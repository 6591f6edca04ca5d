/**
 * Spark's data source tables: `CREATE TABLE t (...) USING parquet | csv | json`. Such a table is a
 * directory of plain files, no Delta log, as Spark's warehouse keeps it. What the metastore would
 * remember (the format, the columns, the options) lives in `_loch_source.json` beside the files;
 * Spark's readers skip files whose names start with `_`, so the directory stays readable by Spark.
 * Reads cast each file's columns to the table's types; INSERT adds one `part-...` file per
 * statement (INSERT OVERWRITE replaces them all).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { deltaError, type StructField } from '@loch/delta';
import { sqlIdent, sqlString } from '@loch/engine-node';
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { duckType } from '../../scan/duck-types.js';
import { SqlError, unsupported } from '../errors.js';
import type { SourceFormat } from '../parse/statements.js';

export const SOURCE_MARKER = '_loch_source.json';

/** What Spark's metastore knows of a data source table. */
export interface SourceTable {
  readonly format: SourceFormat;
  readonly columns: readonly StructField[];
  /** OPTIONS, keys lower-cased. */
  readonly options: Readonly<Record<string, string>>;
}

const EXTENSION: Record<SourceFormat, string> = { parquet: 'snappy.parquet', csv: 'csv', json: 'json' };

/** The data source table at `location`, or undefined when there is none (a Delta table, nothing). */
export function readSourceTable(location: string): SourceTable | undefined {
  let text: string;
  try {
    text = readFileSync(join(location, SOURCE_MARKER), 'utf8');
  } catch {
    return undefined;
  }
  try {
    return JSON.parse(text) as SourceTable;
  } catch (e) {
    throw new SqlError('LOCH_SQL_ERROR', `${join(location, SOURCE_MARKER)} is not valid JSON (${(e as Error).message})`);
  }
}

export function isSourceTable(location: string): boolean {
  return existsSync(join(location, SOURCE_MARKER));
}

/** Makes the table's directory and its description; fails when a table is there already. */
export async function createSourceTable(location: string, display: string, table: SourceTable): Promise<void> {
  if (isSourceTable(location) || existsSync(join(location, '_delta_log'))) {
    throw deltaError('DELTA_TABLE_ALREADY_EXISTS', `${display} already exists at ${location}`);
  }
  await mkdir(location, { recursive: true });
  await writeFile(join(location, SOURCE_MARKER), `${JSON.stringify(table, null, 2)}\n`);
}

/** The data files of a table, as Spark lists them: hidden (`_`, `.`) names left out. */
function dataFiles(location: string, format: SourceFormat): string[] {
  const ext = format === 'parquet' ? '.parquet' : `.${format}`;
  return readdirSync(location)
    .filter((f) => !f.startsWith('_') && !f.startsWith('.') && f.endsWith(ext))
    .sort()
    .map((f) => join(location, f));
}

/** A DuckDB relation (parenthesized query) reading the table with its declared column types. */
export function sourceRelation(location: string, t: SourceTable): string {
  const files = dataFiles(location, t.format);
  const typed = t.columns.map((f) => `CAST(${sqlIdent(f.name)} AS ${duckType(f.type)}) AS ${sqlIdent(f.name)}`).join(', ');
  if (files.length === 0) {
    return `(SELECT ${t.columns.map((f) => `CAST(NULL AS ${duckType(f.type)}) AS ${sqlIdent(f.name)}`).join(', ')} WHERE false)`;
  }
  const list = `[${files.map(sqlString).join(', ')}]`;
  const columns = `{${t.columns.map((f) => `${sqlString(f.name)}: ${sqlString(duckType(f.type))}`).join(', ')}}`;
  switch (t.format) {
    case 'parquet':
      return `(SELECT ${typed} FROM read_parquet(${list}, union_by_name = true))`;
    case 'csv': {
      const header = /^true$/i.test(t.options.header ?? 'false');
      const sep = t.options.sep ?? t.options.delimiter ?? ',';
      return `(SELECT ${typed} FROM read_csv(${list}, header = ${header}, delim = ${sqlString(sep)}, columns = ${columns}, auto_detect = false))`;
    }
    case 'json':
      return `(SELECT ${typed} FROM read_json(${list}, format = 'newline_delimited', columns = ${columns}))`;
  }
}

/**
 * Writes the rows of `data` (a query whose columns are the table's, in order) as one new file;
 * with `overwrite` the table's other files go once it is written. The number of rows written.
 */
export async function writeSourceFile(c: DuckDBConnection, location: string, t: SourceTable, data: string, overwrite: boolean): Promise<number> {
  if (/^[A-Za-z][A-Za-z0-9+.-]+:/.test(location)) throw unsupported(`writing the data source table at ${location} (Loch writes them on local disk)`);
  const before = dataFiles(location, t.format);
  const file = join(location, `part-00000-${randomUUID()}-c000.${EXTENSION[t.format]}`);
  const options = t.format === 'parquet' ? 'FORMAT parquet' : t.format === 'csv' ? `FORMAT csv, HEADER ${/^true$/i.test(t.options.header ?? 'false')}, DELIMITER ${sqlString(t.options.sep ?? t.options.delimiter ?? ',')}` : 'FORMAT json';
  const r = await c.runAndReadAll(`COPY (${data}) TO ${sqlString(file)} (${options})`);
  if (overwrite) for (const f of before) await rm(f, { force: true });
  return Number(r.getRows()[0]?.[0] ?? 0);
}

/** Deletes the table's data files (CREATE OR REPLACE). */
export async function removeSourceFiles(location: string, t: SourceTable): Promise<void> {
  for (const f of dataFiles(location, t.format)) await rm(f, { force: true });
}
