import type { RemoveFile } from '../actions/add.js';
import { selectAddFiles, type AddFileList } from '../actions/add-list.js';
import { fileKey } from './file-key.js';

/**
 * A 32-bit hash of a file key: FNV-1a over its UTF-16 code units, then MurmurHash3's finalizer so
 * that the low bits (which pick a slot) depend on every character.
 */
export function fileKeyHash(key: string): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), FNV_PRIME);
  return finishHash(h);
}

/** The pieces of `fileKeyHash`, for hashers that read a key's bytes as they parse it. */
export const FNV_OFFSET = 0x811c9dc5;
export const FNV_PRIME = 0x01000193;

export function finishHash(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** Characters of paths that are their own key ([A-Za-z0-9_=.-] and '/'); see `plainKeyHash`. */
const PLAIN = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_=.-/') PLAIN[c.charCodeAt(0)] = 1;
export const NOT_PLAIN = 2 ** 32;

/**
 * `fileKeyHash(path)` when `path` is a plain relative path, one that `canonicalPath` returns as
 * it is (only the characters above, no leading '/', no segment starting with '.', no '//', not
 * empty): the common case, checked and hashed in one pass without the regular expression of
 * `canonicalPath`. NOT_PLAIN otherwise.
 */
export function plainKeyHash(path: string): number {
  const n = path.length;
  if (n === 0) return NOT_PLAIN;
  let h = FNV_OFFSET;
  let prev = 0x2f;
  for (let i = 0; i < n; i++) {
    const c = path.charCodeAt(i);
    if (c >= 128 || PLAIN[c] === 0 || (prev === 0x2f && (c === 0x2e || c === 0x2f))) return NOT_PLAIN;
    h = Math.imul(h ^ c, FNV_PRIME);
    prev = c;
  }
  return finishHash(h);
}

/**
 * The hash of a file's key, and the key when it was made on the way (a plain path is its own
 * key, and no other is made until a hash matches).
 */
export function keyHashOf(tableRoot: string, path: string, dv: Parameters<typeof fileKey>[2]): { hash: number; key: string } {
  const h = dv ? NOT_PLAIN : plainKeyHash(path);
  if (h !== NOT_PLAIN) return { hash: h, key: path };
  const key = fileKey(tableRoot, path, dv);
  return { hash: fileKeyHash(key), key };
}

/**
 * A table of slots kept from one replay to the next (replay runs to its end without yielding, so
 * one at a time uses it): fresh memory costs a page fault per 4 KiB, more than clearing it.
 * Only up to SPARE_MAX entries, so that a huge table's replay leaves no lasting memory behind.
 */
let spare: Int32Array | undefined;
const SPARE_MAX = 4 << 20;

/**
 * The set of file keys seen so far: open addressing with linear probing over an Int32Array of
 * (hash, entry) pairs, the entry pointing at the action that decided the key: a file (when
 * positive) by its number across the add lists recorded, one after the other, or a tombstone
 * (when negative). Keys are compared only when hashes match, and never stored. Much cheaper than
 * a Set of 300k strings, which spends most of its time hashing, growing and rehashing; a file
 * held in columns is keyed without an object; and a probe reads one place in memory.
 */
export class FileKeySet {
  private readonly table: Int32Array;
  private readonly mask: number;
  /** The add lists recorded, and the number of each one's first file. */
  private readonly lists: AddFileList[] = [];
  private readonly firsts: number[] = [];
  private nextFirst = 0;
  /** Whether any key was recorded. */
  empty = true;
  tombstones = 0;

  constructor(
    private readonly tableRoot: string,
    actions: number,
    private readonly tombstonesOut: RemoveFile[],
  ) {
    let slots = 16;
    while (slots < actions * 1.5) slots *= 2;
    this.mask = slots - 1;
    if (spare && spare.length >= 2 * slots) {
      this.table = spare.subarray(0, 2 * slots);
      this.table.fill(0);
      spare = undefined;
    } else {
      this.table = new Int32Array(2 * slots);
    }
  }

  /** Gives the table back for the next replay to use; this set is not used after. */
  release(): void {
    if (this.table.buffer.byteLength <= SPARE_MAX * 4 && (!spare || spare.buffer.byteLength < this.table.buffer.byteLength)) {
      spare = new Int32Array(this.table.buffer);
    }
  }

  /**
   * The free slot for a key not seen yet, or -1 when it was seen. `key` is the key when the
   * caller has it; on a hash match it is made from file `i` of `list`, or from `remove`.
   */
  private find(hash: number, key: string | undefined, list: AddFileList | undefined, i: number, remove?: RemoveFile): number {
    const table = this.table;
    const mask = this.mask;
    let slot = hash & mask;
    for (;;) {
      const entry = table[2 * slot + 1];
      if (entry === 0) return slot;
      if (table[2 * slot] === hash) {
        key ??= list ? fileKey(this.tableRoot, list.path(i), list.deletionVector(i)) : fileKey(this.tableRoot, remove!.path, remove!.deletionVector);
        if (this.keyOf(entry) === key) return -1;
      }
      slot = (slot + 1) & mask;
    }
  }

  /** The key of the action an entry points at. */
  private keyOf(entry: number): string {
    if (entry < 0) {
      const r = this.tombstonesOut[-entry - 1];
      return fileKey(this.tableRoot, r.path, r.deletionVector);
    }
    const n = entry - 1;
    let lo = 0;
    let hi = this.firsts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.firsts[mid] <= n) lo = mid;
      else hi = mid - 1;
    }
    const list = this.lists[lo];
    const i = n - this.firsts[lo];
    return fileKey(this.tableRoot, list.path(i), list.deletionVector(i));
  }

  /** Whether the key of file `i` of `list` was seen (nothing recorded). */
  has(hash: number, key: string | undefined, list: AddFileList, i: number): boolean {
    return this.find(hash, key, list, i) < 0;
  }

  /** Records a remove's key, keeping it as a tombstone unless the key was already seen. */
  addTombstone(remove: RemoveFile, hash: number, key: string | undefined): void {
    const slot = this.find(hash, key, undefined, 0, remove);
    if (slot < 0) return;
    const i = this.tombstones++;
    this.tombstonesOut[i] = remove;
    this.table[2 * slot] = hash;
    this.table[2 * slot + 1] = -i - 1;
    this.empty = false;
  }

  /**
   * Records the keys of a list of adds (`hashes`: theirs, when known) and returns the adds whose
   * keys were not seen before: the list itself when that is all of them, as is usual.
   */
  addFiles(list: AddFileList, hashes: Int32Array | undefined): AddFileList {
    const first = this.nextFirst;
    this.lists.push(list);
    this.firsts.push(first);
    this.nextFirst += list.length;
    const live = hashes ? this.recordHashed(list, hashes, first) : this.recordKeyed(list, first);
    return live ? selectAddFiles(list, live) : list;
  }

  /**
   * `addFiles` with the hashes known: runs of adds whose hashes match none recorded go into the
   * table in `insertNew`, a loop over typed arrays; an add whose hash matches one is compared by
   * key here (rare: the file superseded, or two keys sharing a hash). The live indices, or
   * undefined when all are live.
   */
  private recordHashed(list: AddFileList, hashes: Int32Array, first: number): Uint32Array | undefined {
    const n = hashes.length;
    let superseded: number[] | undefined;
    for (let i = insertNew(this.table, this.mask, hashes, 0, first); i < n; i = insertNew(this.table, this.mask, hashes, i + 1, first)) {
      const slot = this.find(hashes[i], undefined, list, i);
      if (slot < 0) (superseded ??= []).push(i);
      else {
        this.table[2 * slot] = hashes[i];
        this.table[2 * slot + 1] = first + i + 1;
      }
    }
    if (n > (superseded?.length ?? 0)) this.empty = false;
    if (!superseded) return undefined;
    const live = new Uint32Array(n - superseded.length);
    let k = 0;
    let s = 0;
    for (let i = 0; i < n; i++) {
      if (s < superseded.length && superseded[s] === i) s++;
      else live[k++] = i;
    }
    return live;
  }

  /** `addFiles` with keys hashed here. */
  private recordKeyed(list: AddFileList, first: number): Uint32Array | undefined {
    const n = list.length;
    let live: Uint32Array | undefined;
    let kept = 0;
    for (let i = 0; i < n; i++) {
      // As keyHashOf, without an object per file.
      const path = list.path(i);
      const dv = list.deletionVector(i);
      let hash = dv ? NOT_PLAIN : plainKeyHash(path);
      let key = path;
      if (hash === NOT_PLAIN) hash = fileKeyHash((key = fileKey(this.tableRoot, path, dv)));
      const slot = this.find(hash, key, list, i);
      if (slot >= 0) {
        this.table[2 * slot] = hash;
        this.table[2 * slot + 1] = first + i + 1;
        if (live) live[kept] = i;
        kept++;
      } else if (!live) {
        live = firstLive(n, kept);
      }
    }
    if (kept > 0) this.empty = false;
    return live?.subarray(0, kept);
  }
}

/**
 * Records `hashes[from..]` (file numbers `first + i`) in `table` until one matches a hash already
 * there: returns its index (not recorded), or the number of hashes. Apart from its callers so that
 * its optimized loop never meets code it has not run (which would throw the code away).
 */
function insertNew(table: Int32Array, mask: number, hashes: Int32Array, from: number, first: number): number {
  const n = hashes.length;
  for (let i = from; i < n; i++) {
    const hash = hashes[i];
    let slot = hash & mask;
    for (;;) {
      const entry = table[2 * slot + 1];
      if (entry === 0) break;
      if (table[2 * slot] === hash) return i;
      slot = (slot + 1) & mask;
    }
    table[2 * slot] = hash;
    table[2 * slot + 1] = first + i + 1;
  }
  return n;
}

/** The live-index array, started when the first add of a list turns out superseded. */
function firstLive(n: number, kept: number): Uint32Array {
  const live = new Uint32Array(n);
  for (let j = 0; j < kept; j++) live[j] = j;
  return live;
}
