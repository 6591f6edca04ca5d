import type { DuckDBConnection } from '@duckdb/node-api';
import type { DataType, StructField, StructType } from '@loch/delta';
import { sqlIdent, sqlString } from '@loch/engine-node';
import { duckType } from '@loch/lakehouse';
import { structureOf } from '../../query/batch-tables.js';
import { readFittingJson } from './json-fitting.js';
import type { FileFormat } from './options.js';

/** A file of the batch: where DuckDB reads it, and how `_rescued_data` names it. */
export interface BatchFile {
  readonly local: string;
  readonly display: string;
}

export interface ReadSpec {
  readonly format: FileFormat;
  readonly files: readonly BatchFile[];
  /** The data columns. */
  readonly schema: StructType;
  /** The column for what did not fit, if any. */
  readonly rescue?: string;
  /** Put fields the schema lacks into the rescue column (schemaEvolutionMode rescue). */
  readonly rescueNewFields: boolean;
  readonly header: boolean;
  readonly delimiter: string;
}

/** The per-row list of field names the schema lacks (dropped before the rows go on). */
export const EXTRAS = '__loch_extras';

const ENTRY = 'STRUCT("key" VARCHAR, "value" JSON)';
const NO_ENTRIES = `[]::${ENTRY}[]`;
const list = (paths: readonly string[]) => `[${paths.map(sqlString).join(', ')}]`;
const isString = (t: DataType) => t.kind === 'primitive' && t.name === 'string';
const jsonPath = (name: string) => sqlString(`$.${JSON.stringify(name)}`);

/**
 * Reads a batch's files into `table` (the schema's columns and the rescue column) and returns the
 * names of fields the schema lacks that its records have, sorted. No record is lost: a value
 * that does not fit its column's type, and (in rescue mode) a field the schema lacks, go into
 * the rescue column as JSON with the file's path (`_file_path`); a malformed record becomes a
 * row whose rescue column holds it whole (`_corrupt_record`).
 *
 * JSON files whose records fit the schema take DuckDB's reader straight to the columns; only
 * the others are read record by record.
 */
export async function readBatchFiles(c: DuckDBConnection, table: string, spec: ReadSpec): Promise<string[]> {
  if (spec.format !== 'json') return readRecordByRecord(c, table, spec);
  const left = await readFittingJson(c, table, spec);
  if (left.length === 0) return [];
  if (left.length === spec.files.length) return readRecordByRecord(c, table, spec);
  const rest = `${table}_rest`;
  try {
    const extras = await readRecordByRecord(c, rest, { ...spec, files: left });
    await c.run(`INSERT INTO ${table} BY NAME SELECT * FROM ${rest}`);
    return extras;
  } finally {
    await c.run(`DROP TABLE IF EXISTS ${rest}`);
  }
}

/** Reads the files record by record, rescuing what does not fit; returns the new fields' names. */
export async function readRecordByRecord(c: DuckDBConnection, table: string, spec: ReadSpec): Promise<string[]> {
  await readByFormat(c, table, spec);
  const r = await c.runAndReadAll(`SELECT DISTINCT unnest(${EXTRAS}) AS k FROM ${table} ORDER BY k`);
  await c.run(`ALTER TABLE ${table} DROP COLUMN ${EXTRAS}`);
  return r.getRows().map((row) => String(row[0]));
}

async function readByFormat(c: DuckDBConnection, table: string, spec: ReadSpec): Promise<void> {
  switch (spec.format) {
    case 'json':
      return readJson(c, table, spec);
    case 'csv':
      return readCsv(c, table, spec);
    case 'parquet':
      return readParquet(c, table, spec);
    case 'text':
      await c.run(
        `CREATE TABLE ${table} AS SELECT rtrim(line, chr(13)) AS "value", []::VARCHAR[] AS ${EXTRAS}
           FROM (SELECT unnest(string_split(regexp_replace(content, '\\r?\\n$', ''), chr(10))) AS line FROM read_text(${list(spec.files.map((f) => f.local))}) WHERE content <> '')`,
      );
  }
}

/** SQL for a file's display path, from DuckDB's `filename` column. */
function displayOf(files: readonly BatchFile[]): string {
  if (files.every((f) => f.local === f.display)) return 'filename';
  return `CASE filename ${files.map((f) => `WHEN ${sqlString(f.local)} THEN ${sqlString(f.display)}`).join(' ')} END`;
}

/** The rescue column: malformed records whole, else the fields that did not fit, with the file. */
function rescued(spec: ReadSpec, corrupt: string, entries: string): string {
  const path = displayOf(spec.files);
  return `CASE WHEN ${corrupt} IS NOT NULL THEN json_object('_corrupt_record', ${corrupt}, '_file_path', ${path})::VARCHAR
    WHEN len(${entries}) > 0 THEN to_json(map_from_entries(list_concat(${entries}, [struct_pack("key" := '_file_path', "value" := to_json(${path}))])))::VARCHAR END`;
}

// ---- JSON ----

/**
 * JSON lines, record by record: each object is transformed to the schema (yyjson), its keys
 * compared with the schema's; a line that is not a JSON object sends its whole file to a slower,
 * line-by-line read that keeps the line's text.
 */
async function readJson(c: DuckDBConnection, table: string, spec: ReadSpec): Promise<void> {
  const fast = `SELECT json, NULL::VARCHAR AS corrupt, filename FROM read_ndjson_objects(${list(spec.files.map((f) => f.local))}, filename = true, ignore_errors = true)`;
  await c.run(`CREATE TABLE ${table} AS ${jsonProjection(spec, fast)}`);
  const bad = (await c.runAndReadAll(`SELECT DISTINCT __loch_file FROM ${table} WHERE __malformed`)).getRows().map((r) => String(r[0]));
  if (bad.length > 0) {
    const lines = `SELECT CASE WHEN ok THEN line::JSON END AS json, CASE WHEN NOT ok THEN line END AS corrupt, filename FROM (
        SELECT line, filename, coalesce(CASE WHEN json_valid(line) THEN json_type(line) = 'OBJECT' END, false) AS ok FROM (
          SELECT filename, rtrim(unnest(string_split(content, chr(10))), chr(13)) AS line FROM read_text(${list(bad)})) WHERE trim(line) <> '')`;
    await c.run(`DELETE FROM ${table} WHERE __loch_file IN (SELECT unnest(${list(bad)}))`);
    await c.run(`INSERT INTO ${table} ${jsonProjection(spec, lines)}`);
  }
  await c.run(`ALTER TABLE ${table} DROP COLUMN __malformed; ALTER TABLE ${table} DROP COLUMN __loch_file`);
}

function jsonProjection(spec: ReadSpec, raw: string): string {
  const fields = spec.schema.fields;
  const names = `[${fields.map((f) => sqlString(f.name)).join(', ')}]::VARCHAR[]`;
  const structure = sqlString(JSON.stringify(structureOf(spec.schema)));
  const value = (f: StructField) => `json_extract(json, ${jsonPath(f.name)})`;
  // A field whose value is there but did not convert to its (non-string) type.
  const misfits = fields.filter((f) => !isString(f.type)).map((f) => ({ f, test: `__r.${sqlIdent(f.name)} IS NULL AND coalesce(json_type(${value(f)}), 'NULL') <> 'NULL'` }));
  const entries = [
    ...misfits.map(({ f, test }) => `CASE WHEN ${test} THEN [struct_pack("key" := ${sqlString(f.name)}, "value" := ${value(f)})] ELSE ${NO_ENTRIES} END`),
    ...(spec.rescueNewFields ? [`list_transform(${EXTRAS}, k -> struct_pack("key" := k, "value" := json_extract(json, '$."' || replace(k, '"', '\\"') || '"')))`] : []),
  ];
  const entryList = entries.length > 0 ? `list_concat(${entries.join(', ')}, ${NO_ENTRIES})` : NO_ENTRIES;
  const columns = fields.map((f) => `__r.${sqlIdent(f.name)} AS ${sqlIdent(f.name)}`);
  if (spec.rescue) columns.push(`${rescued(spec, 'corrupt', entryList)} AS ${sqlIdent(spec.rescue)}`);
  return `SELECT ${[...columns, EXTRAS, '__malformed', 'filename AS __loch_file'].join(', ')} FROM (
    SELECT CASE WHEN is_object THEN json_transform(json, ${structure}) END AS __r, json, corrupt, filename,
           CASE WHEN is_object THEN list_filter(json_keys(json), k -> NOT list_contains(${names}, k)) ELSE []::VARCHAR[] END AS ${EXTRAS},
           corrupt IS NULL AND NOT is_object AS __malformed
      FROM (SELECT *, coalesce(json_type(json) = 'OBJECT', false) AS is_object FROM (${raw})))`;
}

// ---- CSV ----

/**
 * CSV: read as text, then cast per column; a value that does not cast is rescued. Files are read
 * in groups that share a header, each with DuckDB's rejects tables, so that malformed lines are
 * kept (rescued whole) rather than skipped.
 */
async function readCsv(c: DuckDBConnection, table: string, spec: ReadSpec): Promise<void> {
  const groups = await csvGroups(c, spec, table);
  const selects: string[] = [];
  const rejects: string[] = [];
  for (const [i, g] of groups.entries()) {
    const rt = `${table.replace('.', '_')}_rt${i}`;
    const rs = `${table.replace('.', '_')}_rs${i}`;
    const read = `read_csv(${list(g.files.map((f) => f.local))}, header = ${spec.header}, delim = ${sqlString(spec.delimiter)}, all_varchar = true, filename = true, store_rejects = true, rejects_table = ${sqlString(rt)}, rejects_scan = ${sqlString(rs)})`;
    selects.push(csvProjection(spec, g.columns, read, g.files));
    rejects.push(`SELECT DISTINCT ON (e.scan_id, e.file_id, e.line) e.csv_line, s.file_path FROM ${rt} e JOIN ${rs} s USING (scan_id, file_id)`);
  }
  await c.run(`CREATE TABLE ${table} AS ${selects.join(' UNION ALL BY NAME ')}`);
  // Malformed lines become rows: rescued whole, or (without a rescue column) all NULL, as Spark's PERMISSIVE mode reads them.
  const path = displayOf(spec.files).replaceAll('filename', 'file_path');
  const rescue = spec.rescue ? `json_object('_corrupt_record', csv_line, '_file_path', ${path})::VARCHAR AS ${sqlIdent(spec.rescue)}, ` : '';
  await c.run(`INSERT INTO ${table} BY NAME SELECT ${rescue}[]::VARCHAR[] AS ${EXTRAS} FROM (${rejects.join(' UNION ALL ')})`);
}

/** Files grouped by their columns (DuckDB's rejects tables do not combine with union_by_name). */
async function csvGroups(c: DuckDBConnection, spec: ReadSpec, table: string): Promise<{ columns: string[]; files: BatchFile[] }[]> {
  const groups = new Map<string, { columns: string[]; files: BatchFile[] }>();
  // Read as the batch reads them: with rejects, DuckDB's sniffer does not take a malformed line for the header.
  const rejects = `rejects_table = ${sqlString(`${table.replace('.', '_')}_sniff`)}, rejects_scan = ${sqlString(`${table.replace('.', '_')}_sniff_scan`)}`;
  for (const f of spec.files) {
    const r = await c.run(`SELECT * FROM read_csv(${sqlString(f.local)}, header = ${spec.header}, delim = ${sqlString(spec.delimiter)}, all_varchar = true, store_rejects = true, ${rejects}) LIMIT 0`);
    const columns = r.columnNames();
    const key = JSON.stringify(columns);
    if (!groups.has(key)) groups.set(key, { columns, files: [] });
    groups.get(key)!.files.push(f);
  }
  return [...groups.values()];
}

function csvProjection(spec: ReadSpec, columns: readonly string[], read: string, files: readonly BatchFile[]): string {
  // Without a header, DuckDB's column0, column1 are Spark's _c0, _c1.
  const named = columns.map((col) => ({ col, name: spec.header ? col : col.replace(/^column(\d+)$/, '_c$1') }));
  const byName = new Map(named.map((n) => [n.name.toLowerCase(), n.col]));
  const items: string[] = [];
  const entries: string[] = [];
  for (const f of spec.schema.fields) {
    const col = byName.get(f.name.toLowerCase());
    if (col === undefined) {
      items.push(`NULL::${duckType(f.type)} AS ${sqlIdent(f.name)}`);
      continue;
    }
    if (isString(f.type)) {
      items.push(`${sqlIdent(col)} AS ${sqlIdent(f.name)}`);
      continue;
    }
    items.push(`TRY_CAST(${sqlIdent(col)} AS ${duckType(f.type)}) AS ${sqlIdent(f.name)}`);
    entries.push(`CASE WHEN ${sqlIdent(col)} IS NOT NULL AND TRY_CAST(${sqlIdent(col)} AS ${duckType(f.type)}) IS NULL THEN [struct_pack("key" := ${sqlString(f.name)}, "value" := to_json(${sqlIdent(col)}))] ELSE ${NO_ENTRIES} END`);
  }
  const extras = named.filter((n) => !spec.schema.fields.some((f) => f.name.toLowerCase() === n.name.toLowerCase()));
  if (spec.rescueNewFields) {
    for (const e of extras) entries.push(`CASE WHEN ${sqlIdent(e.col)} IS NOT NULL THEN [struct_pack("key" := ${sqlString(e.name)}, "value" := to_json(${sqlIdent(e.col)}))] ELSE ${NO_ENTRIES} END`);
  }
  if (spec.rescue) items.push(`${rescued({ ...spec, files }, 'NULL::VARCHAR', entries.length > 0 ? `list_concat(${entries.join(', ')}, ${NO_ENTRIES})` : NO_ENTRIES)} AS ${sqlIdent(spec.rescue)}`);
  items.push(`[${extras.map((e) => sqlString(e.name)).join(', ')}]::VARCHAR[] AS ${EXTRAS}`);
  return `SELECT ${items.join(', ')} FROM ${read}`;
}

// ---- Parquet ----

/** Parquet: cast per column (misfits rescued); a file DuckDB cannot read is rescued as a row naming it. */
async function readParquet(c: DuckDBConnection, table: string, spec: ReadSpec): Promise<void> {
  try {
    await c.run(`CREATE TABLE ${table} AS ${await parquetProjection(c, spec, spec.files)}`);
    return;
  } catch {
    // One file or more cannot be read: read them one by one below.
  }
  await c.run(`DROP TABLE IF EXISTS ${table}`);
  let made = false;
  for (const f of spec.files) {
    let select: string;
    try {
      select = await parquetProjection(c, spec, [f]);
      await c.run(made ? `INSERT INTO ${table} BY NAME ${select}` : `CREATE TABLE ${table} AS ${select}`);
      made = true;
    } catch (e) {
      if (!made) {
        await c.run(`CREATE TABLE ${table} AS SELECT ${spec.schema.fields.map((x) => `NULL::${duckType(x.type)} AS ${sqlIdent(x.name)}`).join(', ')}${spec.rescue ? `, NULL::VARCHAR AS ${sqlIdent(spec.rescue)}` : ''}, []::VARCHAR[] AS ${EXTRAS} WHERE false`);
        made = true;
      }
      if (spec.rescue) {
        const message = (e as Error).message.split('\n')[0];
        await c.run(`INSERT INTO ${table} BY NAME SELECT json_object('_corrupt_file', ${sqlString(message)}, '_file_path', ${sqlString(f.display)})::VARCHAR AS ${sqlIdent(spec.rescue)}, []::VARCHAR[] AS ${EXTRAS}`);
      }
    }
  }
}

async function parquetProjection(c: DuckDBConnection, spec: ReadSpec, files: readonly BatchFile[]): Promise<string> {
  const read = `read_parquet(${list(files.map((f) => f.local))}, union_by_name = true, filename = true)`;
  const r = await c.run(`SELECT * FROM ${read} LIMIT 0`);
  const present = new Map(r.columnNames().filter((n) => n !== 'filename').map((n) => [n.toLowerCase(), n]));
  const items: string[] = [];
  const entries: string[] = [];
  for (const f of spec.schema.fields) {
    const col = present.get(f.name.toLowerCase());
    if (col === undefined) {
      items.push(`NULL::${duckType(f.type)} AS ${sqlIdent(f.name)}`);
      continue;
    }
    items.push(`TRY_CAST(${sqlIdent(col)} AS ${duckType(f.type)}) AS ${sqlIdent(f.name)}`);
    entries.push(`CASE WHEN ${sqlIdent(col)} IS NOT NULL AND TRY_CAST(${sqlIdent(col)} AS ${duckType(f.type)}) IS NULL THEN [struct_pack("key" := ${sqlString(f.name)}, "value" := to_json(${sqlIdent(col)}))] ELSE ${NO_ENTRIES} END`);
  }
  const extras = [...present.entries()].filter(([lower]) => !spec.schema.fields.some((f) => f.name.toLowerCase() === lower)).map(([, col]) => col);
  if (spec.rescueNewFields) {
    for (const e of extras) entries.push(`CASE WHEN ${sqlIdent(e)} IS NOT NULL THEN [struct_pack("key" := ${sqlString(e)}, "value" := to_json(${sqlIdent(e)}))] ELSE ${NO_ENTRIES} END`);
  }
  if (spec.rescue) items.push(`${rescued({ ...spec, files }, 'NULL::VARCHAR', entries.length > 0 ? `list_concat(${entries.join(', ')}, ${NO_ENTRIES})` : NO_ENTRIES)} AS ${sqlIdent(spec.rescue)}`);
  items.push(`[${extras.map(sqlString).join(', ')}]::VARCHAR[] AS ${EXTRAS}`);
  return `SELECT ${items.join(', ')} FROM ${read}`;
}
