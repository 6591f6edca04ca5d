import { deltaError, type DataType, type PrimitiveTypeName, type StructField } from '@loch/delta';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { repairTable } from '../../ops/maintenance/fsck.js';
import type { JsonValue } from '../../values/json-values.js';
import type { SessionContext } from './context.js';
import { fromDuckDb, isDuckDbError } from '../errors.js';
import { duckDbExpression, longColumns, renamed, type WriteOutcome } from './run-dml.js';
import type { SqlColumn } from './result.js';
import type { AlterTableStatement, OptimizeStatement, RestoreStatement, VacuumStatement } from '../parse/statements-dml.js';
import type { TableName } from '../parse/parse-common.js';
import { parseByteSize } from '../../write/file-size.js';

const p = (name: PrimitiveTypeName): DataType => ({ kind: 'primitive', name });
const field = (name: string, type: DataType): StructField => ({ name, type, nullable: true, metadata: {} });
const struct = (...fields: StructField[]): DataType => ({ kind: 'struct', fields });

/** Session conf that, set to false, lets VACUUM keep less than the table's retention. */
export const RETENTION_CHECK = 'spark.databricks.delta.retentionDurationCheck.enabled';

const FILE_STATS = struct(field('min', p('long')), field('max', p('long')), field('avg', p('double')), field('totalFiles', p('long')), field('totalSize', p('long')));
const NUM_SIZE = struct(field('num', p('long')), field('size', p('long')));
const ZORDER_STATS = struct(
  field('strategyName', p('string')),
  field('inputCubeFiles', NUM_SIZE),
  field('inputOtherFiles', NUM_SIZE),
  field('inputNumCubes', p('long')),
  field('mergedFiles', NUM_SIZE),
  field('numOutputCubes', p('long')),
);
/** OPTIMIZE's `metrics` column: Delta's OptimizeMetrics, the fields Loch computes. */
const OPTIMIZE_METRICS = struct(
  field('numFilesAdded', p('long')),
  field('numFilesRemoved', p('long')),
  field('filesAdded', FILE_STATS),
  field('filesRemoved', FILE_STATS),
  field('partitionsOptimized', p('long')),
  field('zOrderStats', ZORDER_STATS),
  field('numBatches', p('long')),
  field('totalConsideredFiles', p('long')),
  field('totalFilesSkipped', p('long')),
  field('preserveInsertionOrder', p('boolean')),
  field('numDeletionVectorsRemoved', p('long')),
);

const json = (v: unknown): JsonValue => (typeof v === 'string' ? (JSON.parse(v) as JsonValue) : ((v ?? null) as JsonValue));
const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v ?? 0));

/** The directory of a local table, for the absolute paths VACUUM prints. */
function localRoot(url: string): string {
  try {
    return fileURLToPath(url);
  } catch {
    return url;
  }
}

/** OPTIMIZE [WHERE] [ZORDER BY]: one row, `path` and `metrics`, like Databricks. */
export async function runOptimize(ctx: SessionContext, st: OptimizeStatement): Promise<WriteOutcome> {
  const target = await ctx.views.target(st.table);
  const where = st.where !== undefined ? await duckDbExpression(ctx, st.where) : undefined;
  let result;
  try {
    // Databricks' session setting for OPTIMIZE's file size; the table's delta.targetFileSize otherwise.
    const maxFileSize = parseByteSize(ctx.conf.get('spark.databricks.delta.optimize.maxFileSize'));
    result = await target.table.optimize({
      ...(where !== undefined ? { where } : {}),
      ...(maxFileSize !== undefined ? { targetFileSize: maxFileSize } : {}),
      zOrderBy: st.zOrderBy,
      ...(st.purge ? { purge: true } : {}),
      onProgress: () => undefined,
    });
  } catch (e) {
    throw renamed(ctx, e);
  }
  const m = result.metrics;
  const metrics = { ...m } as unknown as { [k: string]: JsonValue };
  const columns: SqlColumn[] = [
    { name: 'path', deltaType: p('string') },
    { name: 'metrics', deltaType: OPTIMIZE_METRICS },
  ];
  const removed = m.numFilesRemoved;
  const added = m.numFilesAdded;
  return {
    columns,
    rows: [{ path: target.location, metrics }],
    summary:
      result.version === undefined
        ? `OPTIMIZE ${target.display}: nothing to do`
        : `OPTIMIZE ${target.display}: ${removed} file${removed === 1 ? '' : 's'} rewritten into ${added} (version ${result.version})`,
    ...(result.version !== undefined ? { version: result.version } : {}),
    scans: [],
  };
}

/** VACUUM [RETAIN n HOURS] [DRY RUN]: one row per file deleted (or that would be), its absolute `path`. */
export async function runVacuum(ctx: SessionContext, st: VacuumStatement): Promise<WriteOutcome> {
  const target = await ctx.views.target(st.table);
  const check = ctx.conf.get(RETENTION_CHECK)?.trim().toLowerCase() !== 'false';
  let result;
  try {
    result = await target.table.vacuum({ ...(st.retainHours !== undefined ? { retentionHours: st.retainHours } : {}), dryRun: st.dryRun, retentionDurationCheck: check });
  } catch (e) {
    throw renamed(ctx, e);
  }
  const root = localRoot(target.url);
  const n = result.files.length;
  const files = `${n} file${n === 1 ? '' : 's'} (${result.bytes} bytes)`;
  return {
    columns: [{ name: 'path', deltaType: p('string') }],
    rows: result.files.map((f) => ({ path: join(root, f) })),
    summary: st.dryRun ? `VACUUM ${target.display} DRY RUN: ${files} would be deleted` : `VACUUM ${target.display}: deleted ${files}`,
    scans: [],
  };
}

/** RESTORE [TABLE] t [TO] VERSION|TIMESTAMP AS OF ...: one row of Delta's restore metrics. */
export async function runRestore(ctx: SessionContext, st: RestoreStatement): Promise<WriteOutcome> {
  const target = await ctx.views.target(st.table);
  let to: { version?: number; timestamp?: string | number };
  if (st.version !== undefined) to = { version: st.version };
  else if (st.timestamp !== undefined) to = { timestamp: st.timestamp };
  else to = { timestamp: await timestampOf(ctx, st.timestampExpression!) };
  let result;
  try {
    result = await target.table.restore(to);
  } catch (e) {
    throw renamed(ctx, e);
  }
  const m = result.metrics;
  return {
    columns: longColumns('table_size_after_restore', 'num_of_files_after_restore', 'num_removed_files', 'num_restored_files', 'removed_files_size', 'restored_files_size'),
    rows: [
      {
        table_size_after_restore: m.tableSizeAfterRestore,
        num_of_files_after_restore: m.numOfFilesAfterRestore,
        num_removed_files: m.numRemovedFiles,
        num_restored_files: m.numRestoredFiles,
        removed_files_size: m.removedFilesSize,
        restored_files_size: m.restoredFilesSize,
      },
    ],
    summary: `RESTORE ${target.display}: version ${result.restoredFrom} restored as version ${result.version}`,
    version: result.version,
    scans: [],
  };
}

/** Milliseconds since the epoch of a timestamp expression (`current_timestamp() - INTERVAL 1 DAY`), evaluated by DuckDB. */
async function timestampOf(ctx: SessionContext, expression: string): Promise<number> {
  const sql = await duckDbExpression(ctx, expression);
  let rows;
  try {
    rows = (await ctx.c.runAndReadAll(`SELECT epoch_ms(CAST((${sql}) AS TIMESTAMPTZ))::BIGINT`)).getRows();
  } catch (e) {
    if (isDuckDbError(e)) throw fromDuckDb(e, (m) => ctx.views.rename(m));
    throw e;
  }
  const v = rows[0]?.[0];
  if (v === null || v === undefined) throw deltaError('DELTA_INVALID_ARGUMENT', `TIMESTAMP AS OF ${expression} is null`);
  return Number(v);
}

/** ALTER TABLE: a metadata-only commit; no rows, a summary. */
export async function runAlter(ctx: SessionContext, st: AlterTableStatement): Promise<{ summary: string; version: number }> {
  const target = await ctx.views.target(st.table);
  let result;
  try {
    result = await target.table.alter(st.change);
  } catch (e) {
    throw renamed(ctx, e);
  }
  return { summary: `ALTER TABLE ${target.display} ${result.operation}: version ${result.version}`, version: result.version };
}

/** FSCK REPAIR TABLE [DRY RUN]: Databricks' rows (dataFilePath, dataFileMissing), one per file it removes. */
export async function runFsck(ctx: SessionContext, table: TableName, dryRun: boolean): Promise<WriteOutcome> {
  const target = await ctx.views.target(table);
  const r = await repairTable(target.table.engine, target.url, { dryRun });
  const n = r.missing.length;
  return {
    columns: [
      { name: 'dataFilePath', deltaType: { kind: 'primitive', name: 'string' } },
      { name: 'dataFileMissing', deltaType: { kind: 'primitive', name: 'boolean' } },
    ],
    rows: r.missing.map((m) => ({ dataFilePath: m.path, dataFileMissing: !m.deletionVectorMissing })),
    summary: `FSCK REPAIR TABLE ${target.display}: ${n} missing file${n === 1 ? '' : 's'}${dryRun ? ' (dry run)' : r.version !== undefined ? ` removed (version ${r.version})` : ''}`,
    scans: [],
    ...(r.version !== undefined ? { version: r.version } : {}),
  };
}
