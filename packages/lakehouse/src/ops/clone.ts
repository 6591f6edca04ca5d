/**
 * SHALLOW CLONE: a new table whose first commit names the source's data files where they are
 * (absolute paths), so nothing is copied; DEEP CLONE copies them into the clone's directory.
 * From then on the two tables change independently.
 * The clone has the source's schema, partitioning, properties and protocol, and an id of its own.
 * Deletion vectors stored beside the source's files are named by absolute path too.
 */
import { deltaError, dvFileUrl, keyInTable, loadSnapshot, resolvePath, type AddFile, type Engine, type Snapshot, uuidToZ85 } from '@loch/delta';
import { randomUUID } from 'node:crypto';
import { encodeRelativePath } from '../write/staging.js';
import { mapLimited } from '../util/map-limited.js';
import { removeOf } from './remove-of.js';
import { latestSnapshotOrUndefined } from './write.js';
import { openTransaction, type CommitOptions } from './commit-options.js';

export interface CloneOptions extends CommitOptions {
  /** DEEP CLONE: copy the data files (and deletion vector files) into the clone's directory. */
  readonly deep?: boolean;
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

export async function cloneTable(engine: Engine, sourceUrl: string, targetUrl: string, target: string, options: CloneOptions = {}): Promise<CloneResult> {
  const source = await loadSnapshot(engine, sourceUrl, { version: options.version, timestamp: options.timestamp });
  const existing = await latestSnapshotOrUndefined(engine, targetUrl);
  if (existing && !options.replace) {
    if (options.ifNotExists) return { version: existing.version, cloned: false, metrics: {} };
    throw deltaError('DELTA_TABLE_ALREADY_EXISTS', `${target} already exists (version ${existing.version})`);
  }
  if (existing && existing.tableRoot === source.tableRoot) throw deltaError('DELTA_INVALID_ARGUMENT', `${target}: a table cannot be cloned onto itself`);
  const now = Date.now();
  const adds: AddFile[] = options.deep
    ? await copyFiles(engine, source, targetUrl)
    : source.files.map((f) => {
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
    numCopiedFiles: options.deep ? adds.length : 0,
    removedFilesSize: sizeOf(existing?.files ?? []),
    copiedFilesSize: options.deep ? sizeOf(adds) : 0,
  };
  const tx = openTransaction(engine, targetUrl, existing, options).updateProtocol(source.protocol).updateMetadata(metadata).removeFiles(removes).addFiles(adds);
  const result = await tx.commit({
    name: 'CLONE',
    parameters: { source: source.table, sourceVersion: source.version, isShallow: !options.deep },
    metrics,
    isBlindAppend: false,
  });
  if (result.kind !== 'committed') throw deltaError('DELTA_TABLE_ALREADY_EXISTS', `${target} already exists`);
  return { version: result.version, cloned: true, metrics };
}

/**
 * DEEP CLONE's data: every live file copied into the target under a new name in the same
 * partition directory (so a clone made where another stood never reuses a path), with its
 * deletion vector file copied beside it; inline DVs travel in the action.
 */
async function copyFiles(engine: Engine, source: Snapshot, targetUrl: string): Promise<AddFile[]> {
  const target = targetUrl.endsWith('/') ? targetUrl : `${targetUrl}/`;
  const copied: string[] = [];
  /** Copies `from` to `dir/name` under the target (put-if-absent) and returns its relative path. */
  const copyOne = async (from: string, dir: string, name: string): Promise<string> => {
    const path = encodeRelativePath(dir === '' ? name : `${dir}/${name}`);
    await engine.storage.copy(from, target + path);
    copied.push(target + path);
    return path;
  };
  try {
    return await mapLimited(source.files, 8, async (f): Promise<AddFile> => {
      const from = resolvePath(source.tableRoot, f.path);
      // Same partition directory as in the source; a file from outside the source goes to the root.
      const key = keyInTable(source.tableRoot, from) ?? '';
      const dir = key.includes('/') ? key.slice(0, key.lastIndexOf('/')) : '';
      const ext = /\.[^./]*$/.exec(from)?.[0] ?? '.parquet';
      const path = await copyOne(from, dir, `part-${randomUUID()}${ext}`);
      let deletionVector = f.deletionVector;
      if (deletionVector && deletionVector.storageType !== 'i') {
        // Named as Delta names DV files (by a UUID, relative to the table), so the clone moves as a whole.
        const uuid = randomUUID();
        await copyOne(dvFileUrl(deletionVector, source.tableRoot)!, '', `deletion_vector_${uuid}.bin`);
        deletionVector = { ...deletionVector, storageType: 'u', pathOrInlineDv: uuidToZ85(uuid) };
      }
      return { ...f, path, dataChange: true, ...(deletionVector ? { deletionVector } : {}) };
    });
  } catch (e) {
    // Nothing is committed; the copies made so far would only be litter in the target.
    await Promise.all(copied.map((url) => engine.storage.delete(url)));
    throw e;
  }
}
