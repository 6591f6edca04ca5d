import type { AddFile, RemoveFile } from '../actions/add.js';
import { addFileList, concatAddFiles, selectAddFiles, type AddFileList } from '../actions/add-list.js';
import type { LogFileActions } from '../actions/columns.js';
import type { CommitInfo } from '../actions/commit-info.js';
import type { DomainMetadata } from '../actions/domain-metadata.js';
import type { Metadata } from '../actions/metadata.js';
import type { Protocol } from '../actions/protocol.js';
import type { Txn } from '../actions/txn.js';
import { fileKey } from './file-key.js';
import { fileKeyHash, FileKeySet, keyHashOf, NOT_PLAIN, plainKeyHash } from './key-set.js';

export { fileKeyHash, finishHash, FNV_OFFSET, FNV_PRIME } from './key-set.js';

/** A table's state at one version, reconciled from its log. */
export interface ReplayState {
  readonly protocol?: Protocol;
  readonly metadata?: Metadata;
  /** Live data files, as objects (made from `fileList` the first time they are read). */
  readonly files: AddFile[];
  /** Live data files, column by column where the log was read that way (a large checkpoint or log). */
  readonly fileList: AddFileList;
  /** Remove actions still in the log (not yet expired). */
  readonly tombstones: RemoveFile[];
  /** Latest version per application id. */
  readonly txns: Map<string, Txn>;
  /** Live domains (removed ones dropped). */
  readonly domains: Map<string, DomainMetadata>;
  /** commitInfo of the newest commit, if it has one. */
  readonly latestCommitInfo?: CommitInfo;
}

/**
 * Hashes computed elsewhere (by a JSON handler, while it parses) are used only when the code that
 * made them hashes this probe to the same value: a hasher that differs gives a different check
 * with near certainty, and its hashes are then ignored rather than trusted.
 */
const PROBE = 'part=a/b%20c.parquet\u0000u/é\u{1F600}\uD800@42 file:///t/x';
export const FILE_KEY_HASH_CHECK = fileKeyHash(PROBE);

/**
 * Precomputed `fileKeyHash(fileKey(tableRoot, path, deletionVector))` of one file's actions,
 * which a JSON handler may attach to the `LogFileActions` it returns (under the registered symbol
 * `FILE_KEY_HASHES`, not enumerable) so that replay need not hash the keys on its own thread.
 * Replay checks that the hashes fit (same hasher, same table root, one per action) and hashes
 * the keys itself when they do not; results are the same either way.
 */
export interface FileKeyHashes {
  /** `FILE_KEY_HASH_CHECK` of the code that computed the hashes. */
  readonly check: number;
  /** The table root the paths were made canonical against. */
  readonly tableRoot: string;
  /** One hash per add, in order. */
  readonly adds: Int32Array;
  /** One hash per remove, in order. */
  readonly removes: Int32Array;
}

export const FILE_KEY_HASHES: symbol = Symbol.for('@loch/delta:file-key-hashes');

/** Attaches precomputed key hashes to one file's actions (see `FileKeyHashes`). */
export function attachFileKeyHashes(actions: LogFileActions, hashes: FileKeyHashes): void {
  Object.defineProperty(actions, FILE_KEY_HASHES, { value: hashes, enumerable: false, configurable: true, writable: true });
}

function usableHashes(f: LogFileActions, adds: number, tableRoot: string): FileKeyHashes | undefined {
  const h = (f as unknown as Record<symbol, FileKeyHashes | undefined>)[FILE_KEY_HASHES];
  if (
    h === undefined ||
    h.check !== FILE_KEY_HASH_CHECK ||
    h.tableRoot !== tableRoot ||
    !(h.adds instanceof Int32Array) ||
    !(h.removes instanceof Int32Array) ||
    h.adds.length !== adds ||
    h.removes.length !== f.removes.length
  ) {
    return undefined;
  }
  return h;
}

/**
 * The live files in replay order, as one list: runs of adds read as objects gathered into one
 * array (the usual small table gives a plain array of its adds), adds held in columns as they are.
 */
class LiveFiles {
  private readonly lists: AddFileList[] = [];
  private objects: AddFile[];
  private count = 0;

  /** `objectAdds`: how many adds read as objects there are, at most. */
  constructor(private objectAdds: number) {
    this.objects = new Array<AddFile>(objectAdds);
  }

  /** Live adds that came as objects (the list is over them, or a selection of them). */
  pushObjects(live: AddFileList, of: number): void {
    for (let i = 0; i < live.length; i++) this.objects[this.count++] = live.get(i);
    this.objectAdds -= of;
  }

  pushColumns(live: AddFileList): void {
    if (live.length === 0) return;
    this.flush();
    this.lists.push(live);
  }

  /** The list, and the array of its adds when it is one (no column lists). */
  finish(): { list: AddFileList; objects?: AddFile[] } {
    if (this.lists.length === 0) {
      this.objects.length = this.count;
      return { list: addFileList(this.objects), objects: this.objects };
    }
    this.flush();
    return { list: concatAddFiles(this.lists) };
  }

  private flush(): void {
    if (this.count === 0) return;
    this.objects.length = this.count;
    this.lists.push(addFileList(this.objects));
    this.objects = new Array<AddFile>(this.objectAdds);
    this.count = 0;
  }
}

/**
 * Reconciles actions newest first: the first action seen for a file key decides whether the file
 * is live (add) or a tombstone (remove); older actions for that key are superseded. A file is
 * keyed by its canonical path plus its deletion vector's id (`fileKey`).
 *
 * `newestFirst` lists commits from the newest down, then the checkpoint's files (whose order
 * among themselves does not matter: a checkpoint holds one action per key). `checkpointStart` is
 * the index of the first checkpoint file: a checkpoint's keys are distinct, so when no commit
 * after it touched a file they are taken as they are, without hashing 300k keys for nothing.
 * Adds a handler read column by column (`addColumns`) stay that way: live ones are selected by
 * index, and no object is made for them here.
 */
export function replay(tableRoot: string, newestFirst: readonly LogFileActions[], checkpointStart = newestFirst.length): ReplayState {
  let protocol: Protocol | undefined;
  let metadata: Metadata | undefined;
  const txns = new Map<string, Txn>();
  const domains = new Map<string, DomainMetadata>();
  const seenDomains = new Set<string>();

  let addCount = 0;
  let objectAdds = 0;
  let removeCount = 0;
  for (const f of newestFirst) {
    if (f.addColumns) addCount += f.addColumns.length;
    else objectAdds += f.adds.length;
    removeCount += f.removes.length;
  }
  addCount += objectAdds;
  // Sized for every action, and cut to what survives at the end: no copies while growing.
  const tombstones = new Array<RemoveFile>(removeCount);
  const live = new LiveFiles(objectAdds);
  const seen = new FileKeySet(tableRoot, addCount + removeCount, tombstones);
  let sawFileActions = false;
  let bulkTombstones = 0;

  for (let fi = 0; fi < newestFirst.length; fi++) {
    const f = newestFirst[fi];
    protocol ??= f.protocol;
    metadata ??= f.metaData;
    for (const t of f.txns) if (!txns.has(t.appId)) txns.set(t.appId, t);
    for (const d of f.domainMetadata) {
      if (seenDomains.has(d.domain)) continue;
      seenDomains.add(d.domain);
      if (!d.removed) domains.set(d.domain, d);
    }
    const columns = f.addColumns;
    const adds = columns ?? addFileList(f.adds);
    if (fi >= checkpointStart && seen.empty && !sawFileActions) {
      if (columns) live.pushColumns(columns);
      else live.pushObjects(adds, adds.length);
      for (const r of f.removes) tombstones[bulkTombstones++] = r;
      continue;
    }
    if (f.removes.length || adds.length) sawFileActions = true;
    const hashes = usableHashes(f, adds.length, tableRoot);
    // Removes before adds: within one commit, a remove and an add of the same key cannot both
    // appear, so the order only matters for speed (removes are rarer).
    const { removes } = f;
    for (let i = 0; i < removes.length; i++) {
      const r = removes[i];
      if (hashes) seen.addTombstone(r, hashes.removes[i], undefined);
      else {
        const { hash, key } = keyHashOf(tableRoot, r.path, r.deletionVector);
        seen.addTombstone(r, hash, key);
      }
    }
    if (!columns) live.pushObjects(seen.addFiles(adds, hashes?.adds), adds.length);
    // A checkpoint part's keys are distinct among themselves: looked up, not recorded.
    else if (fi >= checkpointStart) live.pushColumns(liveOf(columns, seen, tableRoot));
    else live.pushColumns(seen.addFiles(columns, hashes?.adds));
  }
  seen.release();
  tombstones.length = bulkTombstones || seen.tombstones;
  const { list: fileList, objects } = live.finish();
  let made: AddFile[] | undefined = objects;
  return {
    protocol,
    metadata,
    get files() {
      return (made ??= fileList.toArray());
    },
    fileList,
    tombstones,
    txns,
    domains,
    latestCommitInfo: newestFirst[0]?.commitInfo,
  };
}

/**
 * The adds of a checkpoint part (keys distinct among themselves) that no newer action
 * superseded: the newer keys are looked up, the part's own are not recorded.
 */
function liveOf(list: AddFileList, seen: FileKeySet, tableRoot: string): AddFileList {
  const live = new Uint32Array(list.length);
  let n = 0;
  for (let i = 0; i < list.length; i++) {
    // As keyHashOf, without an object per file.
    const path = list.path(i);
    const dv = list.deletionVector(i);
    let hash = dv ? NOT_PLAIN : plainKeyHash(path);
    let key = path;
    if (hash === NOT_PLAIN) hash = fileKeyHash((key = fileKey(tableRoot, path, dv)));
    if (!seen.has(hash, key, list, i)) live[n++] = i;
  }
  return n === list.length ? list : selectAddFiles(list, live.subarray(0, n));
}
