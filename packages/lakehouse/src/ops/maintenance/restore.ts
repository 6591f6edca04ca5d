import { deltaError, fileKey, loadSnapshot, resolvePath, type AddFile, type Engine } from '@loch/delta';
import { openTransaction, operationSnapshot, txnAlreadyCommitted, type OperationOptions } from '../commit-options.js';
import { afterCommit } from '../after-commit.js';
import { removeOf } from '../remove-of.js';

export interface RestoreResult {
  /** The new commit; the version the table is at when an application version (txn) skipped the restore. */
  readonly version: number;
  readonly restoredFrom: number;
  readonly metrics: Readonly<Record<string, number>>;
}

/**
 * RESTORE TABLE ... TO VERSION|TIMESTAMP AS OF: a new commit that makes the live files (and the
 * metadata) those of the older version. Files that VACUUM has deleted cannot come back; the
 * restore fails naming them rather than commit a table that cannot be read.
 */
export async function restoreTable(
  engine: Engine,
  url: string,
  to: { version?: number; timestamp?: Date | string | number },
  options: OperationOptions = {},
): Promise<RestoreResult> {
  const current = await operationSnapshot(engine, url, options);
  const target = await loadSnapshot(engine, url, to);
  if (txnAlreadyCommitted(current, options)) return { version: current.version, restoredFrom: target.version, metrics: {} };
  const key = (a: AddFile) => fileKey(current.tableRoot, a.path, a.deletionVector);
  const currentKeys = new Set(current.files.map(key));
  const targetKeys = new Set(target.files.map(key));
  const restored = target.files.filter((a) => !currentKeys.has(key(a)));
  const removed = current.files.filter((a) => !targetKeys.has(key(a)));
  const missing: string[] = [];
  await Promise.all(
    restored.map(async (a) => {
      if (!(await engine.storage.exists(resolvePath(current.tableRoot, a.path)))) missing.push(a.path);
    }),
  );
  if (missing.length > 0) {
    throw deltaError(
      'DELTA_FILE_NOT_FOUND',
      `${current.table}: cannot restore version ${target.version}: ${missing.length} of its data files no longer exist (e.g. ${missing[0]}; removed by VACUUM?)`,
    );
  }
  const now = Date.now();
  const size = (fs: readonly AddFile[]) => fs.reduce((n, f) => n + f.size, 0);
  const metrics = {
    tableSizeAfterRestore: size(target.files),
    numOfFilesAfterRestore: target.files.length,
    numRemovedFiles: removed.length,
    numRestoredFiles: restored.length,
    removedFilesSize: size(removed),
    restoredFilesSize: size(restored),
  };
  const tx = openTransaction(engine, url, current, options);
  if (target.metadata.schemaString !== current.metadata.schemaString || JSON.stringify(target.metadata.configuration) !== JSON.stringify(current.metadata.configuration) || JSON.stringify(target.partitionColumns) !== JSON.stringify(current.partitionColumns)) {
    tx.updateMetadata(target.metadata);
  }
  tx.readWholeTable();
  tx.readFiles(current.files);
  tx.removeFiles(removed.map((a) => removeOf(a, now)));
  tx.addFiles(restored.map((a) => ({ ...a, dataChange: true, modificationTime: a.modificationTime })));
  const result = await tx.commit({
    name: 'RESTORE',
    parameters: to.timestamp !== undefined ? { timestamp: String(to.timestamp) } : { version: target.version },
    metrics,
  });
  if (result.kind !== 'committed') throw deltaError('DELTA_INVALID_ARGUMENT', `${current.table}: restore was not committed`);
  await afterCommit(engine, url, result.version, target.metadata.configuration);
  return { version: result.version, restoredFrom: target.version, metrics };
}
