import type { DuckDBConnection } from '@duckdb/node-api';
import { deltaError, fileUrlToPathString, loadDeletionVector, type Engine, type ScanColumn, type ScanFile, type ScanPlan } from '@loch/delta';
import { sqlIdent, sqlString } from '@loch/engine-node';
import { toLogical } from './convert.js';
import { duckType } from '../values/duck-types.js';
import { partitionLiteral } from './partition-literal.js';

/** A file group: files read by one `read_parquet` call because they share partition values. */
interface Group {
  readonly files: ScanFile[];
  readonly deleted?: Float64Array;
}

/**
 * Builds the SQL that reads a scan plan: one SELECT per group of files that share partition values
 * (partition columns become typed constants), a SELECT of its own for each file with a deletion
 * vector (its deleted row positions filtered out by file_row_number), all joined by UNION ALL.
 */
export interface ScanSqlOptions {
  /** Add a `__loch_file` column: the local path of the file each row came from. */
  readonly withFile?: boolean;
  /** Add a `__loch_row` column: the row's position in its file (what deletion vectors index). */
  readonly withRowNumber?: boolean;
  /** Columns of the files outside the table's schema to read as they are (null where a file lacks one), e.g. `_change_type`. */
  readonly extraColumns?: readonly string[];
}

export async function scanSql(c: DuckDBConnection, engine: Engine, plan: ScanPlan, options: ScanSqlOptions = {}): Promise<string | undefined> {
  const groups = new Map<string, Group>();
  const dvGroups: Group[] = [];
  const shapes = await fileShapes(c, plan.files, plan);
  for (const f of plan.files) {
    if (f.deletionVector) {
      const rows = await loadDeletionVector(engine.storage, plan.snapshot.tableRoot, f.deletionVector);
      dvGroups.push({ files: [f], deleted: rows.rows });
      continue;
    }
    // Files of one group share partition values and their Parquet schema, so DuckDB reads them
    // without union_by_name (which opens every file's footer to bind the view).
    const key = `${JSON.stringify(f.add.partitionValues ?? {})}\u0000${shapes.get(f)!.signature}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { files: [] }));
    g.files.push(f);
  }
  const selects: string[] = [];
  for (const g of [...groups.values(), ...dvGroups]) {
    selects.push(await groupSelect(c, plan, g, options));
  }
  if (selects.length === 0) return undefined;
  return selects.join('\nUNION ALL\n');
}

async function groupSelect(c: DuckDBConnection, plan: ScanPlan, g: Group, options: ScanSqlOptions): Promise<string> {
  const paths = g.files.map((f) => sqlString(fileUrlToPathString(f.url)));
  const rowNumbers = g.deleted !== undefined || options.withRowNumber === true;
  const extra = `${rowNumbers ? ', file_row_number = true' : ''}${options.withFile ? ", filename = '__loch_file'" : ''}`;
  const src = `read_parquet([${paths.join(', ')}]${extra})`;
  const shape = (await fileShapes(c, g.files.slice(0, 1), plan)).get(g.files[0])!;
  const present = new Map(shape.columns.map((name) => [name.toLowerCase(), name]));
  const mode = plan.snapshot.columnMapping;
  const values = g.files[0].partitionValues;
  const exprs = plan.columns.map((col: ScanColumn) => {
    const name = sqlIdent(col.field.name);
    if (col.isPartition) return `${partitionLiteral(values[col.field.name] ?? null, col.field.type)} AS ${name}`;
    const stored = present.get(col.physicalName.toLowerCase());
    // A column added after these files were written reads as null.
    if (stored === undefined) return `CAST(NULL AS ${duckType(col.field.type)}) AS ${name}`;
    // A column DuckDB reads as the very type wanted is left uncast: a cast, even to the same
    // type, keeps DuckDB from pushing a join's filter into the Parquet scan (a star join's probe
    // side read several times slower).
    if (col.field.type.kind === 'primitive' && shape.types[shape.columns.indexOf(stored)] === duckType(col.field.type)) return `${sqlIdent(stored)} AS ${name}`;
    return `${toLogical(sqlIdent(stored), col.field.type, mode)} AS ${name}`;
  });
  for (const extra of options.extraColumns ?? []) {
    const stored = present.get(extra.toLowerCase());
    exprs.push(stored === undefined ? `CAST(NULL AS VARCHAR) AS ${sqlIdent(extra)}` : `${sqlIdent(stored)} AS ${sqlIdent(extra)}`);
  }
  const where = g.deleted && g.deleted.length > 0 ? ` WHERE file_row_number NOT IN (SELECT unnest([${Array.from(g.deleted).join(',')}]::BIGINT[]))` : '';
  if (options.withFile) exprs.push('__loch_file');
  if (options.withRowNumber) exprs.push('file_row_number AS __loch_row');
  return `SELECT ${exprs.length > 0 ? exprs.join(', ') : '1 AS __loch_row'} FROM ${src}${where}`;
}

/** A data file's Parquet schema: its top-level column names, and a signature of the whole tree. */
interface FileShape {
  readonly columns: readonly string[];
  /** Per top-level column, the DuckDB type DuckDB reads it as, when it is a plain one (parquetType). */
  readonly types: readonly (string | undefined)[];
  readonly signature: string;
}

/**
 * The DuckDB type DuckDB gives a top-level Parquet leaf, for the plain types whose reading is
 * certain (integers, floating point, booleans, UTF-8 strings, dates, with no logical type
 * annotation that could change it); undefined for anything else.
 */
function parquetType(type: unknown, converted: unknown, logical: unknown, repetition: unknown): string | undefined {
  if (logical !== null && logical !== undefined && logical !== '') return undefined;
  if (repetition === 'REPEATED') return undefined;
  const c = converted === null || converted === undefined ? '' : String(converted);
  switch (String(type)) {
    case 'INT64':
      return c === '' || c === 'INT_64' ? 'BIGINT' : undefined;
    case 'INT32':
      return c === '' || c === 'INT_32' ? 'INTEGER' : c === 'INT_16' ? 'SMALLINT' : c === 'INT_8' ? 'TINYINT' : c === 'DATE' ? 'DATE' : undefined;
    case 'DOUBLE':
      return c === '' ? 'DOUBLE' : undefined;
    case 'FLOAT':
      return c === '' ? 'FLOAT' : undefined;
    case 'BOOLEAN':
      return c === '' ? 'BOOLEAN' : undefined;
    case 'BYTE_ARRAY':
      return c === 'UTF8' ? 'VARCHAR' : undefined;
    default:
      return undefined;
  }
}

/**
 * Data files' schemas, by path and size. Delta never changes a data file once written, so a
 * file's schema is read once per process (scans used to pay for reading every footer on every
 * query).
 */
const shapeCache = new Map<string, FileShape>();
const SHAPE_CACHE_LIMIT = 200_000;

async function fileShapes(c: DuckDBConnection, files: readonly ScanFile[], plan: ScanPlan): Promise<Map<ScanFile, FileShape>> {
  const key = (f: ScanFile) => `${f.add.size}\u0000${fileUrlToPathString(f.url)}`;
  const out = new Map<ScanFile, FileShape>();
  const missing: ScanFile[] = [];
  for (const f of files) {
    const known = shapeCache.get(key(f));
    if (known) out.set(f, known);
    else missing.push(f);
  }
  if (missing.length > 0) {
    let rows;
    try {
      rows = (await c.runAndReadAll(
        `SELECT file_name, name, num_children, type, type_length, repetition_type, converted_type, scale, precision, field_id, logical_type
           FROM parquet_schema([${missing.map((f) => sqlString(fileUrlToPathString(f.url))).join(', ')}])`,
      )).getRows();
    } catch (e) {
      throw fileError(e, plan);
    }
    // Rows come per file in schema order: the root, then the tree depth first. A column is
    // top-level when it is a direct child of the root.
    const byFile = new Map<string, { columns: string[]; types: (string | undefined)[]; parts: string[] }>();
    let file = '';
    let pending: number[] = [];
    for (const row of rows) {
      const [fileName, name, children, type, , repetition, converted, , , , logical] = row;
      if (String(fileName) !== file) {
        file = String(fileName);
        byFile.set(file, { columns: [], types: [], parts: [] });
        pending = [Number(children ?? 0)];
        continue;
      }
      const shape = byFile.get(file)!;
      shape.parts.push(row.slice(1).map((v) => String(v ?? '')).join('\u0002'));
      while (pending.length > 0 && pending[pending.length - 1] === 0) pending.pop();
      if (pending.length === 1) {
        shape.columns.push(String(name));
        shape.types.push(Number(children ?? 0) > 0 ? undefined : parquetType(type, converted, logical, repetition));
      }
      if (pending.length > 0) pending[pending.length - 1]--;
      const n = Number(children ?? 0);
      if (n > 0) pending.push(n);
    }
    if (shapeCache.size + missing.length > SHAPE_CACHE_LIMIT) shapeCache.clear();
    for (const f of missing) {
      const shape = byFile.get(fileUrlToPathString(f.url));
      const read = { columns: shape?.columns ?? [], types: shape?.types ?? [], signature: shape?.parts.join('\u0001') ?? '' };
      shapeCache.set(key(f), read);
      out.set(f, read);
    }
  }
  return out;
}

/** DuckDB's I/O errors, turned into coded errors that name the table and file. */
export function fileError(e: unknown, plan: ScanPlan): Error {
  const msg = (e as Error).message ?? String(e);
  const missing = /No files found that match the pattern "([^"]+)"|Cannot open file "([^"]+)"|No such file or directory/.exec(msg);
  if (missing) {
    const file = missing[1] ?? missing[2] ?? '(unknown)';
    return deltaError('DELTA_FILE_NOT_FOUND', `${plan.snapshot.table} version ${plan.snapshot.version}: data file ${file} does not exist (was it vacuumed or moved?)`, e);
  }
  if (/parquet|Parquet|magic bytes/.test(msg)) {
    return deltaError('DELTA_IO_ERROR', `${plan.snapshot.table} version ${plan.snapshot.version}: could not read a data file: ${msg}`, e);
  }
  return e instanceof Error ? e : new Error(msg);
}
