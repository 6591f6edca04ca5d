/**
 * SHALLOW CLONE: a new table whose first commit names the source's data files where they are
 * (absolute paths), so nothing is copied; DEEP CLONE copies them into the clone's directory.
 * From then on the two tables change independently.
 * The clone has the source's schema, partitioning, properties and protocol, and an id of its own.
 * Deletion vectors stored beside the source's files are named by absolute path too.
 */
import { deltaError, dvFileUrl, fileUrlToPathString, loadSnapshot, resolvePath, Transaction, type AddFile, type Engine, type Snapshot, uuidToZ85 } from '@loch/delta';
import { randomUUID } from 'node:crypto';
import { constants } from 'node:fs';
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { dirname, extname, join, relative } from 'node:path';
import { encodeRelativePath } from '../write/write-files.js';
import { mapLimited } from './limited.js';
import { removeOf } from './remove-of.js';
import { latestSnapshotOrUndefined } from './write.js';

export interface CloneOptions {
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
    ? await copyFiles(source, targetUrl)
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
  const tx = new Transaction(engine, targetUrl, existing).updateProtocol(source.protocol).updateMetadata(metadata).removeFiles(removes).addFiles(adds);
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
async function copyFiles(source: Snapshot, targetUrl: string): Promise<AddFile[]> {
  const target = fileUrlToPathString(targetUrl.endsWith('/') ? targetUrl : `${targetUrl}/`);
  const copied: string[] = [];
  const copyOne = async (from: string, relDir: string, name: string): Promise<string> => {
    const dir = join(target, relDir);
    await mkdir(dir, { recursive: true });
    await copyFile(from, join(dir, name), constants.COPYFILE_EXCL);
    copied.push(join(dir, name));
    return relDir === '' ? encodeRelativePath(name) : encodeRelativePath(join(relDir, name));
  };
  try {
    return await mapLimited(source.files, 8, async (f): Promise<AddFile> => {
      const from = fileUrlToPathString(resolvePath(source.tableRoot, f.path));
      const rel = relative(fileUrlToPathString(source.tableRoot), from);
      const relDir = rel.startsWith('..') ? '' : dirname(rel) === '.' ? '' : dirname(rel);
      const path = await copyOne(from, relDir, `part-${randomUUID()}${extname(from) || '.parquet'}`);
      let deletionVector = f.deletionVector;
      if (deletionVector && deletionVector.storageType !== 'i') {
        // Named as Delta names DV files (by a UUID, relative to the table), so the clone moves as a whole.
        const uuid = randomUUID();
        await copyOne(fileUrlToPathString(dvFileUrl(deletionVector, source.tableRoot)!), '', `deletion_vector_${uuid}.bin`);
        deletionVector = { ...deletionVector, storageType: 'u', pathOrInlineDv: uuidToZ85(uuid) };
      }
      return { ...f, path, dataChange: true, ...(deletionVector ? { deletionVector } : {}) };
    });
  } catch (e) {
    // Nothing is committed; the copies made so far would only be litter in the target.
    await Promise.all(copied.map((p) => rm(p, { force: true })));
    throw e;
  }
}
