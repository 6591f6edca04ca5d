import type { DuckDBConnection } from '@duckdb/node-api';
import {
  deltaError,
  parseFileStats,
  physicalName,
  scanColumns,
  statsRange,
  type Engine,
  type ScanPlan,
  type Snapshot,
  type StructType,
} from '@loch/delta';
import { connect, sqlIdent, streamSql, withConnection } from '@loch/engine-node';
import type { Table } from 'apache-arrow';
import { fileCounts, selectFiles } from '../planner/files.js';
import { toArrowTable } from './arrow-output.js';
import { duckDbType } from '../values/duck-types.js';
import { toJsonValue } from '../values/json-values.js';
import { readRows, type Row } from './read-rows.js';
import { fileError, scanSql } from './query.js';
import { RowStream, type OutputColumn } from './row-stream.js';

export interface ScanRequest {
  /** Logical column names, in output order; all columns when omitted. */
  readonly columns?: readonly string[];
  /** A SQL predicate over the table's columns (DuckDB syntax), e.g. `id > 10 AND country = 'NL'`. */
  readonly where?: string;
  readonly limit?: number;
  /** Leave out files that `where` rules out by partition values or stats (default true). */
  readonly prune?: boolean;
}

export type { Row };

/** What one scan of a Delta table read (design/CLI.md, "Scan metrics"). */
export interface TableScanMetrics {
  /** The table as it was named: a lake name, or the path. */
  readonly table: string;
  readonly version: number;
  readonly filesTotal: number;
  readonly filesScanned: number;
  /** Files left out because their partition values rule out every row `where` wants. */
  readonly filesPrunedByPartition: number;
  /** Files left out because their stats (min/max/null counts) rule out every such row. */
  readonly filesPrunedByStats: number;
  /** Files left out by a join's build side (Dynamic File Pruning); 0 for a plain scan. */
  readonly filesPrunedByDynamicFilter: number;
  /** Rows in the files read (from their stats when every file has numRecords, else the rows returned). */
  readonly rowsScanned: number;
  readonly bytesScanned: number;
}

export interface ScanMetrics extends TableScanMetrics {
  readonly elapsedMs: number;
}

export interface ScanResult {
  /** The schema of the rows (the projected columns). */
  readonly schema: StructType;
  /** Rows in Loch's JSON encoding (see design/CLI.md): exact decimals and timestamps as strings. */
  readonly rows: Row[];
  readonly metrics: ScanMetrics;
  /** The rows as an Apache Arrow table with the Delta schema's types. */
  toArrow(): Table;
}

/** A scan worked out: the files it reads and the SQL that reads them (undefined: no file to read). */
interface PlannedScan {
  readonly schema: StructType;
  readonly sql: string | undefined;
  readonly read: ScanPlan;
  readonly out: ScanPlan;
}

async function planRequest(c: DuckDBConnection, engine: Engine, snapshot: Snapshot, request: ScanRequest): Promise<PlannedScan> {
  const columns = scanColumns(snapshot, request.columns);
  const schema: StructType = { kind: 'struct', fields: columns.map((col) => col.field) };
  if (request.limit !== undefined && (!Number.isInteger(request.limit) || request.limit < 0)) {
    throw deltaError('DELTA_INVALID_ARGUMENT', `limit must be a non-negative integer, got ${request.limit}`);
  }
  // Every column (the predicate may read columns the output does not), only the files `where` may match.
  const { plan: read } = await selectFiles(c, snapshot, request.where, request.prune !== false);
  const inner = await scanSql(c, engine, read);
  // The output: the requested columns, over the files read.
  const out: ScanPlan = { ...read, columns };
  return { schema, read, out, sql: inner === undefined ? undefined : outerSql(inner, out, request) };
}

/** Reads a snapshot's rows through DuckDB. */
export async function executeScan(engine: Engine, snapshot: Snapshot, request: ScanRequest = {}): Promise<ScanResult> {
  const started = performance.now();
  return withConnection(async (c) => {
    const { schema, read, out, sql } = await planRequest(c, engine, snapshot, request);
    const rows = sql === undefined ? [] : await runRows(c, sql, out, request);
    return {
      schema,
      rows,
      toArrow: () => toArrowTable(schema, rows),
      metrics: { ...scanMetrics(snapshot, read, rows.length), elapsedMs: Math.round(performance.now() - started) },
    };
  });
}

function scanMetrics(snapshot: Snapshot, read: ScanPlan, rowsReturned: number): TableScanMetrics {
  const counts = fileCounts(read);
  return {
    table: snapshot.table,
    version: snapshot.version,
    filesTotal: counts.filesTotal,
    filesScanned: counts.filesScanned,
    filesPrunedByPartition: counts.filesPrunedByPartition,
    filesPrunedByStats: counts.filesPrunedByStats,
    filesPrunedByDynamicFilter: counts.filesPrunedByDynamicFilter,
    rowsScanned: counts.rowsFromStats ?? rowsReturned,
    bytesScanned: counts.bytesScanned,
  };
}

/**
 * A scan's rows as a stream (see RowStream): planned now, read when asked, each read on a
 * connection of its own.
 */
export async function streamScan(engine: Engine, snapshot: Snapshot, request: ScanRequest = {}): Promise<RowStream> {
  const { schema, read, out, sql } = await withConnection((c) => planRequest(c, engine, snapshot, request));
  const safe = safeLongColumns(out);
  const columns: OutputColumn[] = schema.fields.map((f) => ({
    name: f.name,
    deltaType: f.type,
    duckType: duckDbType(f.type),
    convert: (v) => toJsonValue(v, f.type),
    safeLong: safe.has(f.name),
  }));
  return new RowStream({
    sql: sql ?? emptySql(schema),
    columns,
    what: `${snapshot.table} version ${snapshot.version}`,
    repeatable: true,
    ...(fileCounts(read).rowsFromStats !== undefined ? { rowsScanned: fileCounts(read).rowsFromStats } : {}),
    acquire: async () => {
      const c = await connect();
      return { c, release: () => c.closeSync() };
    },
    fail: (e) => whereError(e, out, request),
  });
}

/** The long columns whose values the files' stats (or partition values) keep within ±2^53. */
function safeLongColumns(plan: ScanPlan): Set<string> {
  const longs = plan.columns.filter((c) => c.field.type.kind === 'primitive' && c.field.type.name === 'long');
  const safe = new Set(longs.map((c) => c.field.name));
  const within = (v: unknown) => {
    const dec = v as { u?: bigint; s?: number };
    const n = typeof v === 'object' && v !== null && dec.u !== undefined ? Number(dec.u) / 10 ** (dec.s ?? 0) : Number(v);
    return Math.abs(n) < Number.MAX_SAFE_INTEGER;
  };
  const mode = plan.snapshot.columnMapping;
  for (const f of plan.files) {
    if (safe.size === 0) break;
    const stats = parseFileStats(f.add.stats);
    for (const c of longs) {
      if (!safe.has(c.field.name)) continue;
      if (c.isPartition) {
        const v = f.partitionValues[c.field.name];
        if (v !== null && v !== undefined && !within(v)) safe.delete(c.field.name);
        continue;
      }
      const r = statsRange(stats, [physicalName(c.field, mode)], c.field.type);
      if (!r || (r.hasValue && (r.min === undefined || r.max === undefined || !within(r.min) || !within(r.max)))) safe.delete(c.field.name);
    }
  }
  return safe;
}

function emptySql(schema: StructType): string {
  return `SELECT ${schema.fields.map((f) => `NULL AS ${sqlIdent(f.name)}`).join(', ') || '1 AS __loch_none'} WHERE false`;
}

function outerSql(inner: string, plan: ScanPlan, request: ScanRequest): string {
  const cols = plan.columns.map((c) => sqlIdent(c.field.name)).join(', ');
  const where = request.where ? `\nWHERE ${request.where}` : '';
  const limit = request.limit !== undefined ? `\nLIMIT ${request.limit}` : '';
  return `SELECT ${cols || '*'} FROM (\n${inner}\n) AS t${where}${limit}`;
}

/** DuckDB's failures of a scan: a bad --where names the table and the predicate; I/O names the file. */
function whereError(e: unknown, plan: ScanPlan, request: ScanRequest): unknown {
  const msg = (e as Error).message ?? '';
  if (request.where && /Binder Error|Parser Error|Conversion Error/.test(msg)) {
    return deltaError('DELTA_INVALID_ARGUMENT', `${plan.snapshot.table}: cannot apply --where "${request.where}": ${msg.split('\n')[0]}`, e);
  }
  if (!(e instanceof Error) || 'code' in e) return e;
  return fileError(e, plan);
}

async function runRows(c: DuckDBConnection, sql: string, plan: ScanPlan, request: ScanRequest): Promise<Row[]> {
  const fields = plan.columns.map((col) => col.field);
  try {
    return await readRows(await streamSql(c, sql), fields.map((f) => f.name), fields.map((f) => (v) => toJsonValue(v, f.type)), `${plan.snapshot.table} version ${plan.snapshot.version}`);
  } catch (e) {
    throw whereError(e, plan, request);
  }
}
