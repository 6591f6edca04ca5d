import type { DuckDBConnection, DuckDBType } from '@duckdb/node-api';
import type { DataType, StructField, StructType } from '@loch/delta';
import { duckdbApi, sqlString } from '@loch/engine-node';
import { deltaSchemaOf } from '@loch/lakehouse';
import { streamingError } from '../../errors.js';
import type { FileFormat } from './options.js';

const STRING: DataType = { kind: 'primitive', name: 'string' };
const field = (name: string, type: DataType): StructField => ({ name, type, nullable: true, metadata: {} });
const list = (paths: readonly string[]) => `[${paths.map(sqlString).join(', ')}]`;

export interface InferOptions {
  readonly format: FileFormat;
  readonly inferColumnTypes: boolean;
  readonly header: boolean;
  readonly delimiter: string;
}

/**
 * The schema of the first files, as Auto Loader infers it: JSON keys (sorted by name, as Spark's
 * JSON inference sorts them) and CSV columns as strings unless inferColumnTypes, Parquet's own
 * types, text as one `value` column. Timestamps read from text are instants (`timestamp`).
 */
export async function inferSchema(c: DuckDBConnection, paths: readonly string[], o: InferOptions, where: string): Promise<StructType> {
  if (o.format === 'text') return { kind: 'struct', fields: [field('value', STRING)] };
  if (paths.length === 0) throw streamingError('CF_EMPTY_DIR_FOR_SCHEMA_INFERENCE', `${where}: there are no files to infer a schema from`);
  let schema: StructType;
  if (o.format === 'json' && !o.inferColumnTypes) {
    const r = await c.runAndReadAll(
      `SELECT DISTINCT unnest(json_keys(json)) AS k FROM read_ndjson_objects(${list(paths)}, ignore_errors = true) WHERE json_type(json) = 'OBJECT' ORDER BY k`,
    );
    schema = { kind: 'struct', fields: r.getRows().map((row) => field(String(row[0]), STRING)) };
  } else {
    const relation =
      o.format === 'json' ? `read_json(${list(paths)}, format = 'newline_delimited', union_by_name = true, ignore_errors = true)`
      : o.format === 'csv' ? `read_csv(${list(paths)}, header = ${o.header}, delim = ${sqlString(o.delimiter)}, union_by_name = true, all_varchar = ${!o.inferColumnTypes}, ignore_errors = true)`
      : `read_parquet(${list(paths)}, union_by_name = true)`;
    const r = await c.run(`SELECT * FROM ${relation} LIMIT 0`);
    const names = r.columnNames().map((n) => (o.format === 'csv' && !o.header ? n.replace(/^column(\d+)$/, '_c$1') : n));
    schema = deltaSchemaOf(names, r.columnTypes().map(clockTimeAsText));
    if (o.format === 'json') schema = { kind: 'struct', fields: [...schema.fields].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map((f) => ({ ...f, type: integersAsLong(f.type) })) };
  }
  if (o.format !== 'parquet') schema = { kind: 'struct', fields: schema.fields.map((f) => ({ ...f, type: asInstant(f.type) })) };
  if (schema.fields.length === 0) throw streamingError('CF_EMPTY_DIR_FOR_SCHEMA_INFERENCE', `${where}: the first files have no columns to infer a schema from`);
  return schema;
}

/**
 * DuckDB infers a time of day (`12:34:56`, as in CloudFront's `time` field) as TIME, which Delta
 * has no type for; Spark's inference leaves such values strings, and so does Auto Loader here.
 */
function clockTimeAsText(t: DuckDBType): DuckDBType {
  const { DuckDBTypeId, VARCHAR } = duckdbApi;
  return t.typeId === DuckDBTypeId.TIME || t.typeId === DuckDBTypeId.TIME_TZ ? VARCHAR : t;
}

/**
 * DuckDB reads JSON integers as HUGEINT (decimal(38,0) in Delta); Spark's JSON inference makes
 * them long, which is what users and downstream sums expect (a value past a long is rescued).
 */
function integersAsLong(t: DataType): DataType {
  if (t.kind === 'decimal' && t.precision === 38 && t.scale === 0) return { kind: 'primitive', name: 'long' };
  if (t.kind === 'struct') return { kind: 'struct', fields: t.fields.map((f) => ({ ...f, type: integersAsLong(f.type) })) };
  if (t.kind === 'array') return { ...t, elementType: integersAsLong(t.elementType) };
  return t;
}

function asInstant(t: DataType): DataType {
  if (t.kind === 'primitive' && t.name === 'timestamp_ntz') return { kind: 'primitive', name: 'timestamp' };
  if (t.kind === 'struct') return { kind: 'struct', fields: t.fields.map((f) => ({ ...f, type: asInstant(f.type) })) };
  if (t.kind === 'array') return { ...t, elementType: asInstant(t.elementType) };
  return t;
}

/** `schema` with the hints' types (and their columns added when new), as cloudFiles.schemaHints does. */
export function withHints(schema: StructType, hints: StructType | undefined): StructType {
  if (!hints) return schema;
  const fields = schema.fields.map((f) => {
    const h = hints.fields.find((x) => x.name.toLowerCase() === f.name.toLowerCase());
    return h ? { ...f, type: h.type } : f;
  });
  for (const h of hints.fields) if (!fields.some((f) => f.name.toLowerCase() === h.name.toLowerCase())) fields.push(h);
  return { kind: 'struct', fields };
}

/** Columns for new names found in the data: strings, or the hinted type. */
export function newColumns(names: readonly string[], hints: StructType | undefined): StructField[] {
  return names.map((n) => hints?.fields.find((h) => h.name.toLowerCase() === n.toLowerCase()) ?? field(n, STRING));
}
