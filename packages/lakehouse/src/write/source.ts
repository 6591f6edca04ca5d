import type { DuckDBConnection, DuckDBType } from '@duckdb/node-api';
import { deltaError, type DataType, type StructType } from '@loch/delta';
import { sqlIdent, sqlString } from '@loch/engine-node';
import type { Table as ArrowTable, Field } from 'apache-arrow';
import { randomUUID } from 'node:crypto';
// Rows to write are staged in a temporary local NDJSON file for DuckDB's reader (not table I/O).
import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { duckType } from '../values/duck-types.js';

/**
 * What can be written to a table: a DuckDB query (its text), row objects, an Apache Arrow table,
 * NDJSON text (one JSON object a line, read as row objects would be), or Parquet/CSV/JSON files.
 */
export type WriteData =
  | string
  | readonly Record<string, unknown>[]
  | ArrowTable
  | { readonly ndjson: string | Uint8Array }
  | { readonly path: string | readonly string[]; readonly format?: 'parquet' | 'csv' | 'json' };

export interface Source {
  /** A relation usable in FROM. */
  readonly relation: string;
  readonly names: string[];
  readonly types: DuckDBType[];
  /** True for JavaScript rows and Arrow tables, whose values may arrive as text. */
  readonly fromRows: boolean;
  cleanup(): Promise<void>;
}

function hasMap(t: DataType): boolean {
  switch (t.kind) {
    case 'map': return true;
    case 'struct': return t.fields.some((f) => hasMap(f.type));
    case 'array': return hasMap(t.elementType);
    default: return false;
  }
}

/**
 * Makes any WriteData a relation DuckDB can read, on connection `c`. `tableSchema` (the schema
 * the rows will be written with, when known) lets JavaScript rows keep map values as maps.
 */
export async function prepareSource(c: DuckDBConnection, data: WriteData, tableSchema?: StructType): Promise<Source> {
  // JSON inference reads an object as a struct whose fields are the keys of every row, which
  // would give each map every key seen anywhere (with nulls). Columns whose table type holds a
  // map travel as JSON text instead and are cast to that type.
  const mapColumns = new Map<string, string>();
  for (const f of tableSchema?.fields ?? []) if (hasMap(f.type)) mapColumns.set(f.name.toLowerCase(), duckType(f.type));
  let relation: string;
  let cleanup = async () => undefined as void;
  if (typeof data === 'string') {
    relation = `(${data})`;
  } else if (isArrowTable(data)) {
    ({ relation, cleanup } = await rowsRelation(c, arrowRows(data), binaryColumnsOfArrow(data), mapColumns));
  } else if (Array.isArray(data)) {
    ({ relation, cleanup } = await rowsRelation(c, data as Record<string, unknown>[], undefined, mapColumns));
  } else if (isNdjson(data)) {
    ({ relation, cleanup } = await ndjsonRelation(c, data.ndjson, mapColumns));
  } else {
    const spec = data as { path: string | readonly string[]; format?: string };
    const paths = (Array.isArray(spec.path) ? spec.path : [spec.path]).map((p) => resolve(p as string));
    const format = spec.format ?? formatOf(paths[0]);
    const list = `[${paths.map(sqlString).join(', ')}]`;
    relation =
      format === 'parquet' ? `read_parquet(${list}, union_by_name = true)`
      : format === 'csv' ? `read_csv(${list}, header = true, union_by_name = true)`
      : `read_json(${list}, union_by_name = true)`;
  }
  try {
    const r = await c.run(`SELECT * FROM ${relation} AS src LIMIT 0`);
    return { relation, names: r.columnNames(), types: r.columnTypes(), fromRows: typeof data !== 'string' && (Array.isArray(data) || isArrowTable(data) || isNdjson(data)), cleanup };
  } catch (e) {
    await cleanup();
    throw deltaError('DELTA_INVALID_ARGUMENT', `cannot read the data to write: ${(e as Error).message.split('\n')[0]}`, e);
  }
}

function formatOf(path: string): 'parquet' | 'csv' | 'json' {
  if (/\.parquet$/i.test(path)) return 'parquet';
  if (/\.(csv|tsv)(\.gz)?$/i.test(path)) return 'csv';
  if (/\.(json|jsonl|ndjson)(\.gz)?$/i.test(path)) return 'json';
  throw deltaError('DELTA_INVALID_ARGUMENT', `cannot tell the format of ${path}; say format: 'parquet' | 'csv' | 'json'`);
}

/** JSON text for a row value; bigints keep every digit, bytes travel as base64. */
function encodeRow(row: Record<string, unknown>, binary: Set<string>, asJsonText: ReadonlyMap<string, string>): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(row)) {
    const value = asJsonText.has(k.toLowerCase()) && v != null ? JSON.stringify(encodeValue(v)) : encodeValue(v, binary.has(k));
    parts.push(`${JSON.stringify(k)}:${value}`);
  }
  return `{${parts.join(',')}}`;
}

function encodeValue(v: unknown, asBase64 = false): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : JSON.stringify(String(v));
  if (v instanceof Date) return JSON.stringify(v.toISOString());
  if (v instanceof Uint8Array) return JSON.stringify(Buffer.from(v).toString(asBase64 ? 'base64' : 'base64'));
  if (Array.isArray(v)) return `[${v.map((x) => encodeValue(x)).join(',')}]`;
  if (v instanceof Map) return `{${[...v].map(([k, x]) => `${JSON.stringify(String(k))}:${encodeValue(x)}`).join(',')}}`;
  if (typeof v === 'object') return `{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}:${encodeValue(x)}`).join(',')}}`;
  return JSON.stringify(v);
}

async function rowsRelation(c: DuckDBConnection, rows: readonly Record<string, unknown>[], binaryHint: Set<string> | undefined, mapColumns: ReadonlyMap<string, string>) {
  if (rows.length === 0) throw deltaError('DELTA_INVALID_ARGUMENT', 'no rows to write (give at least one row, or a query)');
  const names: string[] = [];
  const seen = new Set<string>();
  const binary = binaryHint ?? new Set<string>();
  for (const r of rows) {
    for (const [k, v] of Object.entries(r)) {
      if (!seen.has(k)) {
        seen.add(k);
        names.push(k);
      }
      if (v instanceof Uint8Array) binary.add(k);
    }
  }
  const cols = names.map((n) => {
    const mapType = mapColumns.get(n.toLowerCase());
    if (mapType) return `CAST(CAST(${sqlIdent(n)} AS JSON) AS ${mapType}) AS ${sqlIdent(n)}`;
    return binary.has(n) ? `from_base64(${sqlIdent(n)}) AS ${sqlIdent(n)}` : sqlIdent(n);
  });
  return jsonLinesRelation(c, rows.map((r) => encodeRow(r, binary, mapColumns)).join('\n'), cols.join(', '), '');
}

/**
 * NDJSON text as a relation, read by DuckDB as it came (no parse and re-encode in JavaScript):
 * the same reader, inference and timestamp rule as row objects. A table with map columns wants
 * those values as JSON text (see prepareSource), so there the lines are parsed as rows.
 */
async function ndjsonRelation(c: DuckDBConnection, text: string | Uint8Array, mapColumns: ReadonlyMap<string, string>) {
  if (mapColumns.size > 0) {
    const rows = String(typeof text === 'string' ? text : Buffer.from(text)).split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
    return rowsRelation(c, rows, undefined, mapColumns);
  }
  if (!/\S/.test(typeof text === 'string' ? text : Buffer.from(text).toString('latin1'))) throw deltaError('DELTA_INVALID_ARGUMENT', 'no rows to write (the NDJSON text is empty)');
  // records = true: a line that is not an object fails rather than becoming a 'json' column.
  return jsonLinesRelation(c, text, '*', ', records = true');
}

/**
 * JSON lines through a temporary file into a TEMP table DuckDB infers from every line; `select`
 * picks and converts its columns. JSON has no zone-less timestamps: text like
 * 2024-01-01T10:00:00Z (or a Date) is an instant, so such columns become TIMESTAMPTZ (Delta
 * 'timestamp'), not 'timestamp_ntz'.
 */
async function jsonLinesRelation(c: DuckDBConnection, text: string | Uint8Array, select: string, options: string) {
  const file = join(tmpdir(), `loch-rows-${randomUUID()}.ndjson`);
  await writeFile(file, text);
  const view = `loch_rows_${randomUUID().replaceAll('-', '')}`;
  try {
    await c.run(`CREATE TEMP TABLE ${view} AS SELECT ${select} FROM read_json(${sqlString(file)}, format = 'newline_delimited', sample_size = -1${options})`);
  } catch (e) {
    throw deltaError('DELTA_SCHEMA_MISMATCH', `cannot read the rows to write: ${(e as Error).message.split('\n')[0]}`, e);
  } finally {
    await rm(file, { force: true });
  }
  const described = await c.runAndReadAll(`DESCRIBE ${view}`);
  for (const row of described.getRowObjectsJson()) {
    if (String(row.column_type) === 'TIMESTAMP') {
      await c.run(`ALTER TABLE ${view} ALTER COLUMN ${sqlIdent(String(row.column_name))} SET DATA TYPE TIMESTAMPTZ`);
    }
  }
  return {
    relation: view,
    cleanup: async () => {
      await c.run(`DROP TABLE IF EXISTS ${view}`);
    },
  };
}

const isNdjson = (data: unknown): data is { ndjson: string | Uint8Array } => typeof data === 'object' && data !== null && 'ndjson' in data;

function binaryColumnsOfArrow(t: ArrowTable): Set<string> {
  return new Set(t.schema.fields.filter((f: Field) => String(f.type) === 'Binary').map((f: Field) => f.name));
}

/** Arrow rows as plain objects: timestamps as ISO strings, dates as YYYY-MM-DD. */
function arrowRows(t: ArrowTable): Record<string, unknown>[] {
  const fields = t.schema.fields;
  const out: Record<string, unknown>[] = [];
  for (const row of t) {
    if (row === null) continue;
    const o: Record<string, unknown> = {};
    const json = (row as unknown as { toJSON(): Record<string, unknown> }).toJSON();
    for (const f of fields) {
      const v = json[f.name];
      const type = String(f.type);
      if (v === null || v === undefined) o[f.name] = null;
      else if (type.startsWith('Timestamp')) {
        const micros = BigInt(Math.round(Number(v) * 1000));
        const iso = new Date(Number(micros / 1000n)).toISOString().replace('Z', '');
        o[f.name] = `${iso}${String(micros % 1000n).padStart(3, '0')}${type.includes('UTC') || /,\s*\w/.test(type) ? 'Z' : ''}`;
      } else if (type.startsWith('Date')) o[f.name] = new Date(Number(v)).toISOString().slice(0, 10);
      else o[f.name] = v;
    }
    out.push(o);
  }
  return out;
}

/**
 * Whether `data` is an Apache Arrow table. By its shape rather than instanceof: the library is
 * not loaded unless the caller loaded it, and a table from another copy of it works the same.
 */
function isArrowTable(data: unknown): data is ArrowTable {
  const t = data as { schema?: { fields?: unknown }; getChild?: unknown; numRows?: unknown; batches?: unknown } | null;
  return typeof t === 'object' && t !== null && Array.isArray(t.schema?.fields) && typeof t.getChild === 'function' && typeof t.numRows === 'number' && Array.isArray(t.batches);
}
