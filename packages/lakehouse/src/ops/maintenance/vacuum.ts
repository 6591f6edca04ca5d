import { deltaError, dvFileUrl, ensureWriteSupported, keyInTable, loadSnapshot, parseInterval, type AddFile, type Engine, type RemoveFile } from '@loch/delta';
import { mapLimited } from '../../util/map-limited.js';
import { openTransaction, operationSnapshot, txnAlreadyCommitted, type OperationOptions } from '../commit-options.js';

const DEFAULT_RETENTION_MS = 7 * 24 * 3600 * 1000;

/**
 * Names VACUUM never looks inside: the log, and hidden entries (`.`, or `_` without `=`, which
 * partition directories may have), as Delta skips them.
 */
const hidden = (name: string) => name.startsWith('.') || (name.startsWith('_') && !name.includes('='));

export interface VacuumOptions extends OperationOptions {
  /** Keep files removed less than this many hours ago (default: delta.deletedFileRetentionDuration, 7 days). */
  readonly retentionHours?: number;
  readonly dryRun?: boolean;
  /** spark.databricks.delta.retentionDurationCheck.enabled (default true): refuse retention below the table's. */
  readonly retentionDurationCheck?: boolean;
}

export interface VacuumResult {
  /** Paths (relative to the table) deleted, or that would be with dryRun. */
  readonly files: string[];
  readonly bytes: number;
  readonly dryRun: boolean;
}

/**
 * VACUUM: deletes files in the table directory that no version within the retention period needs:
 * not live now, not removed more recently than the retention, and not written more recently
 * either (a file younger than the retention may belong to a commit still in flight).
 */
export async function vacuumTable(engine: Engine, url: string, options: VacuumOptions = {}): Promise<VacuumResult> {
  const snapshot = await operationSnapshot(engine, url, options);
  ensureWriteSupported(snapshot.protocol, snapshot.table, snapshot.metadata);
  if (txnAlreadyCommitted(snapshot, options)) return { files: [], bytes: 0, dryRun: options.dryRun === true };
  const tableRetention = parseInterval(snapshot.metadata.configuration['delta.deletedFileRetentionDuration'], DEFAULT_RETENTION_MS);
  const retention = options.retentionHours !== undefined ? options.retentionHours * 3600 * 1000 : tableRetention;
  if (!Number.isFinite(retention) || retention < 0) throw deltaError('DELTA_INVALID_ARGUMENT', 'VACUUM retention must be a non-negative number of hours');
  if (retention < tableRetention && options.retentionDurationCheck !== false) {
    throw deltaError(
      'DELTA_VACUUM_RETENTION_TOO_SHORT',
      `${snapshot.table}: VACUUM RETAIN ${retention / 3600000} HOURS is shorter than the table's retention (${tableRetention / 3600000} hours); ` +
        'files still needed by readers or time travel could be deleted. Set spark.databricks.delta.retentionDurationCheck.enabled = false to do it anyway',
    );
  }
  const now = Date.now();
  const cutoff = now - retention;
  const keep = new Set<string>();
  const keepFile = (f: AddFile | RemoveFile) => {
    const key = keyInTable(snapshot.tableRoot, f.path);
    if (key !== undefined) keep.add(key);
    const dv = f.deletionVector ? dvFileUrl(f.deletionVector, snapshot.tableRoot) : undefined;
    const dvKey = dv && keyInTable(snapshot.tableRoot, dv);
    if (dvKey) keep.add(dvKey);
  };
  for (const f of snapshot.files) keepFile(f);
  for (const r of snapshot.tombstones) if ((r.deletionTimestamp ?? 0) >= cutoff) keepFile(r);

  const candidates: { rel: string; url: string; size: number }[] = [];
  for (const f of await engine.storage.listRecursive(snapshot.tableRoot)) {
    const rel = keyInTable(snapshot.tableRoot, f.path);
    if (rel === undefined || rel.split('/').some(hidden) || keep.has(rel) || f.modificationTime >= cutoff) continue;
    candidates.push({ rel, url: f.path, size: f.size });
  }
  const bytes = candidates.reduce((n, c) => n + c.size, 0);
  if (options.dryRun) return { files: candidates.map((c) => c.rel), bytes, dryRun: true };

  const parameters = {
    retentionCheckEnabled: options.retentionDurationCheck !== false,
    specifiedRetentionMillis: retention,
    defaultRetentionMillis: tableRetention,
  };
  // The application version (txn) goes with VACUUM END: a VACUUM cut short is run again.
  const { txn: _, ...startOptions } = options;
  await openTransaction(engine, url, snapshot, startOptions).commit({
    name: 'VACUUM START',
    parameters,
    metrics: { numFilesToDelete: candidates.length, sizeOfDataToDelete: bytes },
  });
  await mapLimited(candidates, 16, (c) => engine.storage.delete(c.url));
  const removedDirs = await engine.storage.removeEmptyDirectories(snapshot.tableRoot, (dir) => hidden(dir.slice(dir.lastIndexOf('/') + 1)));
  // VACUUM END records that the deletes are done; it reads nothing, so it commits on the latest version.
  const after = await loadSnapshot(engine, url);
  await openTransaction(engine, url, after, options).commit({
    name: 'VACUUM END',
    parameters: { status: 'COMPLETED' },
    metrics: { numDeletedFiles: candidates.length, numVacuumedDirectories: removedDirs },
  });
  return { files: candidates.map((c) => c.rel), bytes, dryRun: false };
}
