import type { DuckDBConnection } from '@duckdb/node-api';
import type { StructField } from '@loch/delta';
import { sqlIdent, sqlString } from '@loch/engine-node';
import { randomUUID } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { structureOf } from '../../query/batch-tables.js';
import type { BatchFile, ReadSpec } from './read-files.js';

/** The column DuckDB's reader names each row's file in (no schema column may be named so). */
export const FILE_COLUMN = '__loch_file';

/** How many times a read that met a file that does not fit is retried without that file. */
const RETRIES = 8;

const ENTRY = 'STRUCT("key" VARCHAR, "value" JSON)';
const NO_ENTRIES = `[]::${ENTRY}[]`;
const isString = (f: StructField) => f.type.kind === 'primitive' && f.type.name === 'string';

/**
 * A query over a batch's JSON files that reads them only if all their records fit the schema, in
 * one pass of DuckDB's JSON reader with no per-record work besides its own parse; it fails,
 * naming the file (`in file "..."`), on the first record that does not fit.
 *
 * A file fits when every line is a JSON object whose keys are all schema columns. DuckDB checks
 * that while it reads: its reader fails on a key outside the columns it detected, but only when
 * it detected them itself, so it detects them from a one-line template file (schema keys; "x"
 * for string columns, which it then reads as text, as the record path's json_transform does;
 * null for the others, which it then reads as JSON text for json_transform below). A value of
 * the wrong type is no reason to fail: it is rescued here as the record path rescues it. A
 * record whose columns are all NULL is: it may be a `null` line, which the record path keeps as
 * a malformed record (a `{}` takes the record path too, which reads it the same).
 *
 * The query's columns are the schema's and the rescue column. Undefined when the schema cannot
 * be read this way; `release` removes the template.
 */
export async function fittingJsonQuery(spec: ReadSpec, files: readonly BatchFile[]): Promise<{ sql: string; release(): Promise<void> } | undefined> {
  const fields = spec.schema.fields;
  if (fields.length === 0 || files.length === 0 || fields.some((f) => f.name === FILE_COLUMN || f.name.startsWith(RAW))) return undefined;
  const template = join(tmpdir(), `loch-json-template-${randomUUID()}.json`);
  await writeFile(template, `${JSON.stringify(Object.fromEntries(fields.map((f) => [f.name, isString(f) ? 'x' : null])))}\n`);
  const scan = `read_json(${sqlList([template, ...files.map((f) => f.local)])}, format = 'newline_delimited', records = 'true', sample_size = 1,
    maximum_sample_files = 1, hive_partitioning = false, union_by_name = false, filename = ${sqlString(FILE_COLUMN)})`;
  const allNull = fields.map((f) => `${sqlIdent(f.name)} IS NULL`).join(' AND ');
  const fail = `error('LOCH_JSON_UNFIT: a record with no value (null or {}) in file "' || ${FILE_COLUMN} || '"')`;
  // CASE, not AND: DuckDB evaluates a CASE branch only for the rows that take it.
  const rows = `${scan} WHERE CASE WHEN ${FILE_COLUMN} = ${sqlString(template)} THEN false WHEN ${allNull} THEN ${fail} ELSE true END`;
  return { sql: projection({ ...spec, files }, rows), release: () => rm(template, { force: true }) };
}

/**
 * Reads into `table` the batch's JSON files whose records all fit the schema (fittingJsonQuery);
 * returns the files it did not read, for the record-by-record path. A read that fails names the
 * file; it is retried without it a few times, then every file not yet read is left. The table
 * is made unless every file was left.
 */
export async function readFittingJson(c: DuckDBConnection, table: string, spec: ReadSpec): Promise<BatchFile[]> {
  const left: BatchFile[] = [];
  let files = [...spec.files];
  for (let attempt = 0; files.length > 0; attempt++) {
    const query = await fittingJsonQuery(spec, files);
    if (!query) return [...left, ...files];
    try {
      await c.run(`CREATE TABLE ${table} AS ${query.sql}`);
      return left;
    } catch (e) {
      const named = /in file "([^"]*)"/.exec((e as Error).message)?.[1];
      const misfit = files.find((f) => f.local === named);
      // A failure that names no file of the batch leaves them all to the record path.
      if (!misfit || attempt === RETRIES) return [...left, ...files];
      left.push(misfit);
      files = files.filter((f) => f !== misfit);
    } finally {
      await query.release();
    }
  }
  return left;
}

/** String columns as read; the others through json_transform, a value that does not convert rescued. */
function projection(spec: ReadSpec, rows: string): string {
  const typed = spec.schema.fields.filter((f) => !isString(f));
  const columns = spec.schema.fields.map((f) => sqlIdent(f.name));
  const converted = spec.schema.fields.map((f) =>
    isString(f) ? sqlIdent(f.name) : `json_transform(${sqlIdent(f.name)}, ${sqlString(JSON.stringify(structureOf(f.type)))}) AS ${sqlIdent(f.name)}, ${sqlIdent(f.name)} AS ${raw(f)}`,
  );
  const convert = `SELECT ${converted.join(', ')}, ${FILE_COLUMN} FROM ${rows}`;
  if (!spec.rescue) return `SELECT ${columns.join(', ')} FROM (${convert})`;
  if (typed.length === 0) return `SELECT ${columns.join(', ')}, NULL::VARCHAR AS ${sqlIdent(spec.rescue)} FROM (${convert})`;
  // As the record path: the values that are there but did not convert, with the file's path.
  const entries = typed.map(
    (f) => `CASE WHEN ${sqlIdent(f.name)} IS NULL AND coalesce(json_type(${raw(f)}), 'NULL') <> 'NULL' THEN [struct_pack("key" := ${sqlString(f.name)}, "value" := ${raw(f)})] ELSE ${NO_ENTRIES} END`,
  );
  const withEntries = `SELECT *, list_concat(${entries.join(', ')}, ${NO_ENTRIES}) AS __entries FROM (${convert})`;
  const rescued = `CASE WHEN len(__entries) > 0 THEN to_json(map_from_entries(list_concat(__entries, [struct_pack("key" := '_file_path', "value" := to_json(${displayOf(spec.files)}))])))::VARCHAR END`;
  return `SELECT ${columns.join(', ')}, ${rescued} AS ${sqlIdent(spec.rescue)} FROM (${withEntries})`;
}

const RAW = '__loch_raw_';
const raw = (f: StructField) => sqlIdent(`${RAW}${f.name}`);
const sqlList = (paths: readonly string[]) => `[${paths.map(sqlString).join(', ')}]`;

function displayOf(files: readonly BatchFile[]): string {
  if (files.every((f) => f.local === f.display)) return FILE_COLUMN;
  return `CASE ${FILE_COLUMN} ${files.map((f) => `WHEN ${sqlString(f.local)} THEN ${sqlString(f.display)}`).join(' ')} END`;
}
