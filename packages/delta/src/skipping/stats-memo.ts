/**
 * Column ranges read from a file list's stats, kept with the list. A snapshot is cached and
 * planned again for every query that reads it; parsing every file's stats JSON each time was the
 * largest part of planning a short query. What a file's stats say about a column (statsRange)
 * depends only on the stats text, the column's physical path and its type, and a list's stats
 * never change, so each is worked out once per list.
 */
import type { AddFileList } from '../actions/add-list.js';
import type { ColumnRange } from '../expressions/evaluate.js';

/**
 * Lists longer than this are not memoized: a range object per file and column of a 300k-file
 * table is memory better spent elsewhere, and such scans are not short queries.
 */
const MAX_FILES = 100_000;

/** A memoized "no range" (statsRange gave undefined), told apart from "not worked out yet". */
const NO_RANGE = null;

export class StatsRanges {
  private readonly byColumn = new Map<string, (ColumnRange | typeof NO_RANGE | undefined)[]>();
  /** Per file: 0 not known yet, 1 numRecords is 0, 2 otherwise. */
  private readonly empty: Uint8Array;

  constructor(readonly length: number) {
    this.empty = new Uint8Array(length);
  }

  /** Whether file `i` has no records, from `read` the first time. */
  isEmpty(i: number, read: () => boolean): boolean {
    if (this.empty[i] === 0) this.empty[i] = read() ? 1 : 2;
    return this.empty[i] === 1;
  }

  /** Column `key`'s range in file `i`, from `read` the first time. */
  range(key: string, i: number, read: () => ColumnRange | undefined): ColumnRange | undefined {
    let ranges = this.byColumn.get(key);
    if (!ranges) this.byColumn.set(key, (ranges = new Array(this.length)));
    let r = ranges[i];
    if (r === undefined) ranges[i] = r = read() ?? NO_RANGE;
    return r ?? undefined;
  }
}

const memos = new WeakMap<AddFileList, StatsRanges>();

/** The memo of `list`'s stats, or undefined for a list too long to memoize. */
export function statsRangesOf(list: AddFileList): StatsRanges | undefined {
  if (list.length > MAX_FILES) return undefined;
  let m = memos.get(list);
  if (!m) memos.set(list, (m = new StatsRanges(list.length)));
  return m;
}
