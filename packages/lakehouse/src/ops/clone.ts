/**
 * SHALLOW CLONE: a new table whose first commit names the source's data files where they are
 * (absolute paths), so nothing is copied; from then on the two tables change independently.
 * The clone has the source's schema, partitioning, properties and protocol, and an id of its own.
 * Deletion vectors stored beside the source's files are named by absolute path too.
 */
import { deltaError, dvFileUrl, loadSnapshot, resolvePath, Transaction, type AddFile, type Engine } from '@loch/delta';
import { removeOf } from './remove-of.js';
import { latestSnapshotOrUndefined } from './write.js';

export interface CloneOptions {
  readonly version?: number;
  readonly timestamp?: Date | string | number;
  /** Properties set on the clone, over the source's. */
  readonly configuration?: Readonly<Record<string, string>>;
  /** CREATE OR REPLACE: replace an existing table at the target (its files removed, history kept). */
  readonly replace?: boolean;
  /** CREATE ... IF NOT EXISTS: leave an existing table alone. */
  readonly ifNotExists?: boolean;
}

export interface CloneResult {
  readonly version: number;
  /** False when the target existed and IF NOT EXISTS left it alone. */
  readonly cloned: boolean;
  readonly metrics: Readonly<Record<string, number>>;
}

export async function shallowClone(engine: Engine, sourceUrl: string, targetUrl: string, target: string, options: CloneOptions = {}): Promise<CloneResult> {
  const source = await loadSnapshot(engine, sourceUrl, { version: options.version, timestamp: options.timestamp });
  const existing = await latestSnapshotOrUndefined(engine, targetUrl);
  if (existing && !options.replace) {
    if (options.ifNotExists) return { version: existing.version, cloned: false, metrics: {} };
    throw deltaError('DELTA_TABLE_ALREADY_EXISTS', `${target} already exists (version ${existing.version})`);
  }
  if (existing && existing.tableRoot === source.tableRoot) throw deltaError('DELTA_INVALID_ARGUMENT', `${target}: a table cannot be cloned onto itself`);
  const now = Date.now();
  const adds: AddFile[] = source.files.map((f) => {
    const dv = f.deletionVector;
    const absoluteDv = dv && dv.storageType === 'u' ? { ...dv, storageType: 'p' as const, pathOrInlineDv: dvFileUrl(dv, source.tableRoot)! } : dv;
    return { ...f, path: resolvePath(source.tableRoot, f.path), dataChange: true, ...(absoluteDv ? { deletionVector: absoluteDv } : {}) };
  });
  const removes = (existing?.files ?? []).map((f) => removeOf(f, now));
  const metadata = {
    ...source.metadata,
    id: crypto.randomUUID(),
    createdTime: now,
    configuration: { ...source.metadata.configuration, ...(options.configuration ?? {}) },
  };
  const sizeOf = (files: readonly AddFile[]) => files.reduce((n, f) => n + f.size, 0);
  const metrics = {
    sourceTableSize: sizeOf(source.files),
    sourceNumOfFiles: source.files.length,
    numRemovedFiles: removes.length,
    numCopiedFiles: 0,
    removedFilesSize: sizeOf(existing?.files ?? []),
    copiedFilesSize: 0,
  };
  const tx = new Transaction(engine, targetUrl, existing).updateProtocol(source.protocol).updateMetadata(metadata).removeFiles(removes).addFiles(adds);
  const result = await tx.commit({
    name: 'CLONE',
    parameters: { source: source.table, sourceVersion: source.version, isShallow: true },
    metrics,
    isBlindAppend: false,
  });
  if (result.kind !== 'committed') throw deltaError('DELTA_TABLE_ALREADY_EXISTS', `${target} already exists`);
  return { version: result.version, cloned: true, metrics };
}
