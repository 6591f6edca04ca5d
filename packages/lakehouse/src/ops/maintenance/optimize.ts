import type { DuckDBConnection } from '@duckdb/node-api';
import { deltaError, findField, statsNumRecords, planScan, type AddFile, type Engine, type ScanFile, type ScanPlan, type Snapshot } from '@loch/delta';
import { sqlIdent, withConnection } from '@loch/engine-node';
import { scanSql } from '../../scan/query.js';
import { partitionLiteral } from '../../scan/partition-literal.js';
import { rowChecks } from '../../write/checks.js';
import { writeDataFiles } from '../../write/write-files.js';
import { afterCommit } from '../after-commit.js';
import { openTransaction, operationSnapshot, txnAlreadyCommitted, type OperationOptions } from '../commit-options.js';
import { removeOf } from '../remove-of.js';
import { zOrderExpression } from './zorder.js';
import { targetFileSizeOf } from '../../write/file-size.js';

/** Delta's default target size for OPTIMIZE (spark.databricks.delta.optimize.maxFileSize). */
export const DEFAULT_OPTIMIZE_FILE_SIZE = 1024 * 1024 * 1024;

export interface OptimizeOptions extends OperationOptions {
  /** A SQL predicate over partition columns: only those partitions are optimized. */
  readonly where?: string;
  /** Cluster rows by these columns (Z-order) within each partition. */
  readonly zOrderBy?: readonly string[];
  /** Target file size in bytes (default: delta.targetFileSize, else 1 GiB). */
  readonly targetFileSize?: number;
  /** Progress lines (default: stderr when it is a terminal). */
  readonly onProgress?: (message: string) => void;
  /**
   * REORG TABLE ... APPLY (PURGE): rewrite only the files with deletion vectors, each on its
   * own, so the rows they delete are gone from storage too (committed as Delta's REORG).
   */
  readonly purge?: boolean;
}

/** Sizes of the files OPTIMIZE added or removed, in bytes. */
export interface FileSizeStats {
  readonly min: number | null;
  readonly max: number | null;
  readonly avg: number;
  readonly totalFiles: number;
  readonly totalSize: number;
}

/** What Z-ordering did, as Delta reports it. */
export interface ZOrderStats {
  readonly strategyName: string;
  readonly inputCubeFiles: { readonly num: number; readonly size: number };
  readonly inputOtherFiles: { readonly num: number; readonly size: number };
  readonly inputNumCubes: number;
  readonly mergedFiles: { readonly num: number; readonly size: number };
  readonly numOutputCubes: number;
}

/** OPTIMIZE's metrics: the same shape here and in the SQL result (`metrics` column). */
export interface OptimizeMetrics {
  readonly numFilesAdded: number;
  readonly numFilesRemoved: number;
  readonly filesAdded: FileSizeStats;
  readonly filesRemoved: FileSizeStats;
  readonly partitionsOptimized: number;
  readonly zOrderStats: ZOrderStats | null;
  readonly numBatches: number;
  readonly totalConsideredFiles: number;
  readonly totalFilesSkipped: number;
  readonly preserveInsertionOrder: boolean;
  readonly numDeletionVectorsRemoved: number;
}

export interface OptimizeResult {
  readonly version: number | undefined;
  readonly metrics: OptimizeMetrics;
}

const fileStats = (files: readonly { size: number }[]): FileSizeStats => {
  const sizes = files.map((f) => f.size);
  const total = sizes.reduce((a, b) => a + b, 0);
  return {
    min: sizes.length ? Math.min(...sizes) : null,
    max: sizes.length ? Math.max(...sizes) : null,
    avg: sizes.length ? total / sizes.length : 0,
    totalFiles: sizes.length,
    totalSize: total,
  };
};

function optimizeMetrics(
  added: readonly AddFile[],
  removed: readonly AddFile[],
  partitionsOptimized: number,
  considered: number,
  skipped: number,
  zOrdered: boolean,
): OptimizeMetrics {
  const removedSize = removed.reduce((n, f) => n + f.size, 0);
  return {
    numFilesAdded: added.length,
    numFilesRemoved: removed.length,
    filesAdded: fileStats(added),
    filesRemoved: fileStats(removed),
    partitionsOptimized,
    zOrderStats: zOrdered
      ? { strategyName: 'all', inputCubeFiles: { num: 0, size: 0 }, inputOtherFiles: { num: removed.length, size: removedSize }, inputNumCubes: 0, mergedFiles: { num: removed.length, size: removedSize }, numOutputCubes: partitionsOptimized }
      : null,
    numBatches: partitionsOptimized > 0 ? 1 : 0,
    totalConsideredFiles: considered,
    totalFilesSkipped: skipped,
    preserveInsertionOrder: false,
    numDeletionVectorsRemoved: removed.filter((a) => a.deletionVector).length,
  };
}

/** The metrics as commitInfo records them: nested values as JSON text, as Delta writes them. */
const commitMetrics = (m: OptimizeMetrics): Record<string, number | string> =>
  Object.fromEntries(Object.entries(m).filter(([, v]) => v !== null).map(([k, v]) => [k, typeof v === 'number' ? v : typeof v === 'boolean' ? String(v) : JSON.stringify(v)]));


/**
 * OPTIMIZE [WHERE partition predicate] [ZORDER BY (cols)]: compacts small files into files of
 * the target size, per partition; with ZORDER, rewrites each partition sorted by the columns'
 * interleaved ranks. Partitions already compacted (or Z-ordered by the same columns) are left
 * alone, so running it twice changes nothing the second time.
 */
export async function optimizeTable(engine: Engine, url: string, options: OptimizeOptions = {}): Promise<OptimizeResult> {
  const snapshot = await operationSnapshot(engine, url, options);
  if (txnAlreadyCommitted(snapshot, options)) return { version: undefined, metrics: optimizeMetrics([], [], 0, 0, 0, false) };
  const zOrderBy = options.zOrderBy ?? [];
  checkZOrderColumns(snapshot, zOrderBy);
  const run: OptimizeRun = {
    engine,
    snapshot,
    options,
    zOrderBy,
    zTag: JSON.stringify(zOrderBy),
    target: options.targetFileSize ?? targetFileSizeOf(snapshot.metadata.configuration, snapshot.table) ?? DEFAULT_OPTIMIZE_FILE_SIZE,
    progress: options.onProgress ?? (process.stderr.isTTY ? (m: string) => process.stderr.write(`${m}\n`) : () => undefined),
  };
  const started = performance.now();

  return withConnection(async (c) => {
    const plan = planScan(snapshot);
    const selected = options.where ? await filterPartitions(c, snapshot, plan.files, options.where) : plan.files;
    const groups = byPartition(selected);
    const removed: AddFile[] = [];
    const added: AddFile[] = [];
    let partitionsOptimized = 0;
    let considered = 0;
    let skipped = 0;
    let i = 0;
    for (const files of groups) {
      i++;
      considered += files.length;
      const candidates = candidatesOf(run, files);
      if (!candidates) {
        skipped += files.length;
        continue;
      }
      skipped += files.length - candidates.length;
      run.progress(`OPTIMIZE ${snapshot.table}: partition ${i}/${groups.length}, ${candidates.length} files${zOrderBy.length ? ` (ZORDER BY ${zOrderBy.join(', ')})` : ''}`);
      const written = await rewriteGroup(c, run, { ...plan, files: candidates });
      removed.push(...candidates.map((f) => f.add));
      if (written === undefined) continue;
      added.push(...written);
      partitionsOptimized++;
    }
    const metrics = optimizeMetrics(added, removed, partitionsOptimized, considered, skipped, zOrderBy.length > 0);
    if (removed.length === 0) return { version: undefined, metrics };
    return commitOptimize(run, url, removed, added, metrics, started);
  });
}

/** What one OPTIMIZE works with, for its steps. */
interface OptimizeRun {
  readonly engine: Engine;
  readonly snapshot: Snapshot;
  readonly options: OptimizeOptions;
  readonly zOrderBy: readonly string[];
  /** The ZORDER BY columns as tagged on the files written (ZCUBE_ZORDER_BY). */
  readonly zTag: string;
  /** Target file size in bytes. */
  readonly target: number;
  readonly progress: (message: string) => void;
}

/** ZORDER BY names at most 4 data columns of the table. */
function checkZOrderColumns(snapshot: Snapshot, zOrderBy: readonly string[]): void {
  const table = snapshot.table;
  for (const c of zOrderBy) {
    const f = findField(snapshot.schema, c);
    if (!f) throw deltaError('DELTA_COLUMN_NOT_FOUND', `${table} has no column '${c}' to ZORDER BY`);
    if (snapshot.partitionColumns.some((p) => p.toLowerCase() === c.toLowerCase())) {
      throw deltaError('DELTA_INVALID_ARGUMENT', `${table}: '${c}' is a partition column; ZORDER BY works on data columns`);
    }
  }
  if (zOrderBy.length > 4) throw deltaError('DELTA_INVALID_ARGUMENT', `${table}: ZORDER BY takes at most 4 columns`);
}

/** Files grouped by their partition values, in the order the groups are first met. */
function byPartition(files: readonly ScanFile[]): ScanFile[][] {
  const groups = new Map<string, ScanFile[]>();
  for (const f of files) {
    const k = JSON.stringify(f.add.partitionValues ?? {});
    groups.set(k, [...(groups.get(k) ?? []), f]);
  }
  return [...groups.values()];
}

/**
 * The files of one partition to rewrite, or undefined when it is done already: compacted (at
 * most one small file, no deletion vectors), Z-ordered by the same columns into about as many
 * files as its size calls for, or (REORG PURGE) without deletion vectors.
 */
function candidatesOf(run: OptimizeRun, files: readonly ScanFile[]): ScanFile[] | undefined {
  const { options, zOrderBy, zTag, target } = run;
  const candidates = options.purge
    ? files.filter((f) => f.deletionVector !== undefined)
    : zOrderBy.length
      ? [...files]
      : files.filter((f) => f.add.size < target || f.deletionVector !== undefined);
  const alreadyDone = options.purge
    ? candidates.length === 0
    : zOrderBy.length
      ? files.every((f) => f.add.tags?.ZCUBE_ZORDER_BY === zTag && !f.deletionVector) && files.length <= Math.max(1, Math.ceil(files.reduce((n, f) => n + f.add.size, 0) / target)) * 2
      : candidates.length < 2 && !candidates.some((f) => f.deletionVector);
  return alreadyDone || candidates.length === 0 ? undefined : candidates;
}

/**
 * Writes one partition's candidate files again as target-sized files (Z-ordered when asked) and
 * returns their add actions; undefined when they hold no rows (they are only removed).
 */
async function rewriteGroup(c: DuckDBConnection, run: OptimizeRun, sub: ScanPlan): Promise<AddFile[] | undefined> {
  const { engine, snapshot, zOrderBy, zTag, target } = run;
  const candidates = sub.files;
  const inner = (await scanSql(c, engine, sub))!;
  const bytes = candidates.reduce((n, f) => n + f.add.size, 0);
  let rows = candidates.reduce((n, f) => n + (statsNumRecords(f.add.stats) ?? NaN) - (f.deletionVector?.cardinality ?? 0), 0);
  if (!Number.isFinite(rows)) rows = Number((await c.runAndReadAll(`SELECT count(*)::BIGINT FROM (${inner})`)).getRows()[0][0]);
  if (rows === 0) return undefined;
  const rowsPerFile = Math.max(1, Math.floor(target / Math.max(1, bytes / rows)));
  const z = zOrderBy.length ? zOrderedRelation(snapshot, inner, zOrderBy, bytes, target) : undefined;
  const written = await writeDataFiles(c, engine.storage, {
    tableRoot: snapshot.tableRoot,
    table: snapshot.table,
    relation: z?.relation ?? `(${inner})`,
    data: snapshot.schema,
    schema: snapshot.schema,
    partitionColumns: snapshot.partitionColumns,
    configuration: snapshot.metadata.configuration,
    checks: rowChecks(snapshot.schema, snapshot.metadata.configuration, snapshot.table),
    dataChange: false,
    layout: {
      partitionValues: candidates[0].add.partitionValues ?? {},
      rowsPerFile,
      ...(z ? { orderBy: '__loch_zvalue', fileGroup: '__loch_cell', tags: { ZCUBE_ZORDER_BY: zTag, ZCUBE_ZORDER_CURVE: 'zorder' } } : {}),
    },
  });
  return written.adds;
}

/** The rows of `inner` with their Z-order value and cell: enough cells for about one target-sized file each (2^bits per column). */
function zOrderedRelation(snapshot: Snapshot, inner: string, zOrderBy: readonly string[], bytes: number, target: number): { relation: string } {
  const files = Math.max(1, Math.round(bytes / target));
  const bits = Math.min(8, Math.max(0, Math.round(Math.log2(files) / zOrderBy.length)));
  const z = zOrderExpression(zOrderBy.map((x) => findField(snapshot.schema, x)!.name), bits);
  return {
    relation: `(SELECT * EXCLUDE (${zOrderBy.map((_, j) => `__loch_z${j}`).join(', ')}), ${z.value} AS __loch_zvalue, ${z.cell} AS __loch_cell FROM (SELECT *, ${z.rankColumns} FROM (${inner})))`,
  };
}

/** Commits the files removed and added as OPTIMIZE (or REORG), conflict-checked against what was read. */
async function commitOptimize(run: OptimizeRun, url: string, removed: readonly AddFile[], added: readonly AddFile[], metrics: OptimizeMetrics, started: number): Promise<OptimizeResult> {
  const { engine, snapshot, options, zTag } = run;
  const now = Date.now();
  const tx = openTransaction(engine, url, snapshot, options);
  tx.readFiles(removed);
  tx.removeFiles(removed.map((a) => removeOf(a, now, false)));
  tx.addFiles(added);
  const predicate = JSON.stringify(options.where ? [options.where] : []);
  const result = await tx.commit({
    name: options.purge ? 'REORG' : 'OPTIMIZE',
    parameters: options.purge ? { predicate, applyPurge: true } : { predicate, zOrderBy: zTag, auto: false },
    metrics: { ...commitMetrics(metrics), executionTimeMs: Math.round(performance.now() - started) },
    isBlindAppend: false,
  });
  if (result.kind !== 'committed') return { version: undefined, metrics };
  run.progress(`OPTIMIZE ${snapshot.table}: ${removed.length} files rewritten into ${added.length} (version ${result.version})`);
  await afterCommit(engine, url, result.version, snapshot.metadata.configuration);
  return { version: result.version, metrics };
}

/** The files whose partition values satisfy `where` (which may only name partition columns). */
async function filterPartitions(c: DuckDBConnection, snapshot: Snapshot, files: readonly ScanFile[], where: string): Promise<ScanFile[]> {
  if (snapshot.partitionColumns.length === 0) {
    throw deltaError('DELTA_INVALID_ARGUMENT', `${snapshot.table} is not partitioned; OPTIMIZE WHERE can only name partition columns`);
  }
  const fields = snapshot.partitionColumns.map((p) => findField(snapshot.schema, p)!);
  const values = files.map((f, i) => `(${i}, ${fields.map((x) => partitionLiteral(f.partitionValues[x.name] ?? null, x.type)).join(', ')})`);
  if (values.length === 0) return [];
  const cols = ['__i', ...fields.map((f) => sqlIdent(f.name))].join(', ');
  try {
    const r = await c.runAndReadAll(`SELECT __i FROM (VALUES ${values.join(', ')}) AS p(${cols}) WHERE ${where}`);
    const keep = new Set(r.getRows().map(([i]) => Number(i)));
    return files.filter((_, i) => keep.has(i));
  } catch (e) {
    throw deltaError(
      'DELTA_INVALID_ARGUMENT',
      `${snapshot.table}: OPTIMIZE WHERE "${where}" must use only partition columns (${snapshot.partitionColumns.join(', ')}): ${(e as Error).message.split('\n')[0]}`,
      e,
    );
  }
}

