import type { DuckDBConnection } from '@duckdb/node-api';
import { deltaError, scanColumns, type Engine, type ScanPlan, type Snapshot, type StructType } from '@loch/delta';
import { sqlIdent, withConnection } from '@loch/engine-node';
import type { Table } from 'apache-arrow';
import { fileCounts, selectFiles } from '../planner/files.js';
import { toArrowTable } from './arrow-output.js';
import { toJsonValue } from './json-values.js';
import { readRows, type Row } from './read-rows.js';
import { fileError, scanSql } from './query.js';

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

/** Reads a snapshot's rows through DuckDB. */
export async function executeScan(engine: Engine, snapshot: Snapshot, request: ScanRequest = {}): Promise<ScanResult> {
  const started = performance.now();
  const columns = scanColumns(snapshot, request.columns);
  const schema: StructType = { kind: 'struct', fields: columns.map((c) => c.field) };
  if (request.limit !== undefined && (!Number.isInteger(request.limit) || request.limit < 0)) {
    throw deltaError('DELTA_INVALID_ARGUMENT', `limit must be a non-negative integer, got ${request.limit}`);
  }
  return withConnection(async (c) => {
    // Every column (the predicate may read columns the output does not), only the files `where` may match.
    const { plan: read } = await selectFiles(c, snapshot, request.where, request.prune !== false);
    const inner = await scanSql(c, engine, read);
    // The output: the requested columns, over the files read.
    const out: ScanPlan = { ...read, columns };
    const rows = inner === undefined ? [] : await runRows(c, outerSql(inner, out, request), out, request);
    const counts = fileCounts(read);
    return {
      schema,
      rows,
      toArrow: () => toArrowTable(schema, rows),
      metrics: {
        table: snapshot.table,
        version: snapshot.version,
        filesTotal: counts.filesTotal,
        filesScanned: counts.filesScanned,
        filesPrunedByPartition: counts.filesPrunedByPartition,
        filesPrunedByStats: counts.filesPrunedByStats,
        filesPrunedByDynamicFilter: counts.filesPrunedByDynamicFilter,
        rowsScanned: counts.rowsFromStats ?? rows.length,
        bytesScanned: counts.bytesScanned,
        elapsedMs: Math.round(performance.now() - started),
      },
    };
  });
}

function outerSql(inner: string, plan: ScanPlan, request: ScanRequest): string {
  const cols = plan.columns.map((c) => sqlIdent(c.field.name)).join(', ');
  const where = request.where ? `\nWHERE ${request.where}` : '';
  const limit = request.limit !== undefined ? `\nLIMIT ${request.limit}` : '';
  return `SELECT ${cols || '*'} FROM (\n${inner}\n) AS t${where}${limit}`;
}

async function runRows(c: DuckDBConnection, sql: string, plan: ScanPlan, request: ScanRequest): Promise<Row[]> {
  let result;
  try {
    result = await c.run(sql);
  } catch (e) {
    const msg = (e as Error).message;
    if (request.where && /Binder Error|Parser Error|Conversion Error/.test(msg)) {
      throw deltaError('DELTA_INVALID_ARGUMENT', `${plan.snapshot.table}: cannot apply --where "${request.where}": ${msg.split('\n')[0]}`, e);
    }
    throw fileError(e, plan);
  }
  const fields = plan.columns.map((col) => col.field);
  try {
    return await readRows(result, fields.map((f) => f.name), fields.map((f) => (v) => toJsonValue(v, f.type)));
  } catch (e) {
    throw fileError(e, plan);
  }
}
