/**
 * FSCK REPAIR TABLE: data files (and deletion vector files) the log names but storage no longer
 * has — deleted by hand, lost in a copy — are removed from the table in one commit, so that
 * reads work again with the rows that are left. DRY RUN lists them and commits nothing.
 */
import { deltaError, dvFileUrl, resolvePath, type Engine } from '@loch/delta';
import { openTransaction, operationSnapshot, type OperationOptions } from '../commit-options.js';
import { mapLimited } from '../../util/map-limited.js';
import { removeOf } from '../remove-of.js';

export interface FsckResult {
  /** The commit, or undefined for a dry run or when nothing is missing. */
  readonly version?: number;
  /** The files removed from the table (or that would be), as the log names them. */
  readonly missing: readonly { readonly path: string; readonly deletionVectorMissing: boolean }[];
}

export async function repairTable(engine: Engine, url: string, options: OperationOptions & { readonly dryRun?: boolean } = {}): Promise<FsckResult> {
  const snapshot = await operationSnapshot(engine, url, options);
  // A bounded number of existence checks at a time: a table can have hundreds of thousands of files.
  const checked = await mapLimited(snapshot.files, 16, async (add) => {
    const dataThere = await engine.storage.exists(resolvePath(snapshot.tableRoot, add.path));
    const dv = add.deletionVector && add.deletionVector.storageType !== 'i' ? dvFileUrl(add.deletionVector, snapshot.tableRoot) : undefined;
    const dvThere = dv === undefined || (await engine.storage.exists(dv));
    return { add, deletionVectorMissing: dataThere && !dvThere, missing: !dataThere || !dvThere };
  });
  const missing = checked.filter((c) => c.missing);
  missing.sort((a, b) => (a.add.path < b.add.path ? -1 : a.add.path > b.add.path ? 1 : 0));
  const out = missing.map((m) => ({ path: m.add.path, deletionVectorMissing: m.deletionVectorMissing }));
  if (options.dryRun || missing.length === 0) return { missing: out };
  const now = Date.now();
  const tx = openTransaction(engine, url, snapshot, options).removeFiles(missing.map((m) => removeOf(m.add, now)));
  // A writer that added files meanwhile is fine; one that removed the same files conflicts.
  tx.readFiles(missing.map((m) => m.add));
  const result = await tx.commit({ name: 'FSCK', parameters: { numFilesRemoved: missing.length }, metrics: { numFilesRemoved: missing.length }, isBlindAppend: false });
  if (result.kind !== 'committed') throw deltaError('DELTA_CONCURRENT_TRANSACTION', `${snapshot.table}: FSCK REPAIR TABLE was not committed`);
  return { version: result.version, missing: out };
}
