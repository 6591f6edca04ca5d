import type { DeletionVectorDescriptor } from './deletion-vector.js';
import type { AddFile, PartitionValues } from './add.js';

/**
 * A table's add actions, read by column or as objects. A 300k-file checkpoint turned into 300k
 * objects costs more than reading it (allocation, then garbage collection), while most readers
 * need a few fields of every file (sizes, partition values) or every field of a few files (the
 * ones a scan reads). A columnar list makes an object only for a file asked for as a whole.
 */
export interface AddFileList {
  readonly length: number;
  /** File `i` as an add action: a new object on each call when the list is columnar. */
  get(i: number): AddFile;
  path(i: number): string;
  size(i: number): number;
  /**
   * The file's partition values. Files with the same values may share one object, so a caller
   * may cache what it derives from them by identity.
   */
  partitionValues(i: number): PartitionValues;
  /** Stats as JSON text (parsed by whoever needs them). */
  stats(i: number): string | null | undefined;
  deletionVector(i: number): DeletionVectorDescriptor | null | undefined;
  /** Every file as add actions, in order (a new array). */
  toArray(): AddFile[];
}

/** A list over add actions already made. */
export function addFileList(adds: readonly AddFile[]): AddFileList {
  return new ArrayAddList(adds);
}

class ArrayAddList implements AddFileList {
  constructor(private readonly adds: readonly AddFile[]) {}
  get length(): number {
    return this.adds.length;
  }
  get(i: number): AddFile {
    return this.adds[i];
  }
  path(i: number): string {
    return this.adds[i].path;
  }
  size(i: number): number {
    return this.adds[i].size;
  }
  partitionValues(i: number): PartitionValues {
    return this.adds[i].partitionValues;
  }
  stats(i: number): string | null | undefined {
    return this.adds[i].stats;
  }
  deletionVector(i: number): DeletionVectorDescriptor | null | undefined {
    return this.adds[i].deletionVector;
  }
  toArray(): AddFile[] {
    return this.adds.slice();
  }
}

/** Strings by index, made when asked. */
export interface StringColumn {
  readonly length: number;
  get(i: number): string;
}

/**
 * Strings kept as slices of a few long ones, as a bulk reader gets them (a query that joins
 * 16k values into one string costs far less than 16k strings handed over one by one). String
 * `i` is `texts[text[i]].slice(start[i], end[i])`, made when asked.
 */
export class JoinedStrings implements StringColumn {
  private constructor(
    private readonly texts: readonly string[],
    private readonly text: Uint32Array,
    private readonly start: Uint32Array,
    private readonly end: Uint32Array,
  ) {}

  get length(): number {
    return this.start.length;
  }

  get(i: number): string {
    return this.texts[this.text[i]].slice(this.start[i], this.end[i]);
  }

  /** The length of string `i`, without making it. */
  lengthOf(i: number): number {
    return this.end[i] - this.start[i];
  }

  /** The same strings in another order: string `i` of the result is string `order[i]` of this. */
  reorder(order: Uint32Array): JoinedStrings {
    const text = new Uint32Array(order.length);
    const start = new Uint32Array(order.length);
    const end = new Uint32Array(order.length);
    for (let i = 0; i < order.length; i++) {
      const k = order[i];
      text[i] = this.text[k];
      start[i] = this.start[k];
      end[i] = this.end[k];
    }
    return new JoinedStrings(this.texts, text, start, end);
  }

  /**
   * Splits each text at `separator` (one character) into the number of parts `counts` says it
   * holds; undefined when a text splits into another number of parts, as when a value holds the
   * separator itself (better to read the values another way than to guess).
   */
  static split(texts: readonly string[], counts: readonly number[], separator: string): JoinedStrings | undefined {
    let n = 0;
    for (const c of counts) n += c;
    const text = new Uint32Array(n);
    const start = new Uint32Array(n);
    const end = new Uint32Array(n);
    let at = 0;
    for (let t = 0; t < texts.length; t++) {
      const s = texts[t];
      const count = counts[t];
      let from = 0;
      for (let k = 0; k < count; k++) {
        let to = s.indexOf(separator, from);
        if (to < 0) {
          if (k !== count - 1) return undefined;
          to = s.length;
        } else if (k === count - 1) return undefined;
        text[at] = t;
        start[at] = from;
        end[at] = to;
        at++;
        from = to + 1;
      }
    }
    return new JoinedStrings(texts, text, start, end);
  }
}

/** The fields of add actions rarely set (deletion vectors, tags, row tracking), per file. */
export type AddExtras = Pick<AddFile, 'tags' | 'deletionVector' | 'baseRowId' | 'defaultRowCommitVersion' | 'clusteringProvider'>;

/** What a columnar list is made of: one entry per file in each column. */
export interface AddColumns {
  readonly paths: StringColumn;
  readonly size: Float64Array;
  readonly modificationTime: Float64Array;
  /** 1 when true. */
  readonly dataChange: Uint8Array;
  /** Index into `partitionValueSets`. */
  readonly partitionValues: Uint32Array;
  readonly partitionValueSets: readonly PartitionValues[];
  /** Index into `stats` of each file's stats; -1 when it has none, -2 when its stats are null. */
  readonly statsIndex?: Int32Array;
  readonly stats?: StringColumn;
  /** Rare fields, by file index, for the files that have them. */
  readonly extras?: ReadonlyMap<number, AddExtras>;
  /**
   * Index into `objects` of each file kept whole, -1 for the files the columns hold: an add of a
   * shape the columns cannot hold (other fields, other types) stays the object it was read as,
   * and the columns' entries for it are not read.
   */
  readonly objectIndex?: Int32Array;
  readonly objects?: readonly AddFile[];
}

/** A list over add actions held column by column (see AddColumns). */
export function columnarAddList(columns: AddColumns): AddFileList {
  return new ColumnarAddList(columns);
}

class ColumnarAddList implements AddFileList {
  private readonly objectIndex: Int32Array | undefined;
  private readonly objects: readonly AddFile[];

  constructor(private readonly c: AddColumns) {
    this.objects = c.objects ?? [];
    this.objectIndex = this.objects.length > 0 ? c.objectIndex : undefined;
  }
  get length(): number {
    return this.c.size.length;
  }
  /** The file's add when it is kept whole, else undefined. */
  private whole(i: number): AddFile | undefined {
    const k = this.objectIndex === undefined ? -1 : this.objectIndex[i];
    return k < 0 ? undefined : this.objects[k];
  }
  get(i: number): AddFile {
    const whole = this.whole(i);
    if (whole) return whole;
    const { c } = this;
    const add: { -readonly [K in keyof AddFile]: AddFile[K] } = {
      path: c.paths.get(i),
      partitionValues: c.partitionValueSets[c.partitionValues[i]],
      size: c.size[i],
      modificationTime: c.modificationTime[i],
      dataChange: c.dataChange[i] === 1,
    };
    const stats = this.stats(i);
    if (stats !== undefined) add.stats = stats;
    const extras = c.extras?.get(i);
    return extras ? { ...add, ...extras } : add;
  }
  path(i: number): string {
    const whole = this.whole(i);
    return whole ? whole.path : this.c.paths.get(i);
  }
  size(i: number): number {
    const whole = this.whole(i);
    return whole ? whole.size : this.c.size[i];
  }
  partitionValues(i: number): PartitionValues {
    const whole = this.whole(i);
    return whole ? whole.partitionValues : this.c.partitionValueSets[this.c.partitionValues[i]];
  }
  stats(i: number): string | null | undefined {
    const whole = this.whole(i);
    if (whole) return whole.stats;
    const k = this.c.statsIndex?.[i] ?? -1;
    return k >= 0 ? this.c.stats!.get(k) : k === -2 ? null : undefined;
  }
  deletionVector(i: number): DeletionVectorDescriptor | null | undefined {
    const whole = this.whole(i);
    return whole ? whole.deletionVector : this.c.extras?.get(i)?.deletionVector;
  }
  toArray(): AddFile[] {
    const out = new Array<AddFile>(this.length);
    for (let i = 0; i < out.length; i++) out[i] = this.get(i);
    return out;
  }
}

/** The files of `list` at `indices`, in that order. */
export function selectAddFiles(list: AddFileList, indices: Uint32Array): AddFileList {
  return new SelectedAddList(list, indices);
}

class SelectedAddList implements AddFileList {
  constructor(
    private readonly list: AddFileList,
    private readonly indices: Uint32Array,
  ) {}
  get length(): number {
    return this.indices.length;
  }
  get(i: number): AddFile {
    return this.list.get(this.indices[i]);
  }
  path(i: number): string {
    return this.list.path(this.indices[i]);
  }
  size(i: number): number {
    return this.list.size(this.indices[i]);
  }
  partitionValues(i: number): PartitionValues {
    return this.list.partitionValues(this.indices[i]);
  }
  stats(i: number): string | null | undefined {
    return this.list.stats(this.indices[i]);
  }
  deletionVector(i: number): DeletionVectorDescriptor | null | undefined {
    return this.list.deletionVector(this.indices[i]);
  }
  toArray(): AddFile[] {
    const out = new Array<AddFile>(this.length);
    for (let i = 0; i < out.length; i++) out[i] = this.get(i);
    return out;
  }
}

/** The files of several lists, one after the other. */
export function concatAddFiles(lists: readonly AddFileList[]): AddFileList {
  const nonEmpty = lists.flatMap((l) => (l instanceof ConcatAddList ? l.lists : l.length > 0 ? [l] : []));
  if (nonEmpty.length === 0) return addFileList([]);
  if (nonEmpty.length === 1) return nonEmpty[0];
  return new ConcatAddList(nonEmpty);
}

class ConcatAddList implements AddFileList {
  /** Index of each list's first file; one more entry at the end, the total. */
  private readonly starts: Float64Array;
  /** The list the last file asked for was in: files are mostly asked for in order. */
  private current = 0;

  constructor(readonly lists: readonly AddFileList[]) {
    this.starts = new Float64Array(lists.length + 1);
    lists.forEach((l, k) => (this.starts[k + 1] = this.starts[k] + l.length));
  }
  get length(): number {
    return this.starts[this.lists.length];
  }
  /** The index of the list holding file i. */
  private listOf(i: number): number {
    const starts = this.starts;
    const k = this.current;
    if (i >= starts[k] && i < starts[k + 1]) return k;
    let lo = 0;
    let hi = this.lists.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= i) lo = mid;
      else hi = mid - 1;
    }
    return (this.current = lo);
  }
  get(i: number): AddFile {
    const k = this.listOf(i);
    return this.lists[k].get(i - this.starts[k]);
  }
  path(i: number): string {
    const k = this.listOf(i);
    return this.lists[k].path(i - this.starts[k]);
  }
  size(i: number): number {
    const k = this.listOf(i);
    return this.lists[k].size(i - this.starts[k]);
  }
  partitionValues(i: number): PartitionValues {
    const k = this.listOf(i);
    return this.lists[k].partitionValues(i - this.starts[k]);
  }
  stats(i: number): string | null | undefined {
    const k = this.listOf(i);
    return this.lists[k].stats(i - this.starts[k]);
  }
  deletionVector(i: number): DeletionVectorDescriptor | null | undefined {
    const k = this.listOf(i);
    return this.lists[k].deletionVector(i - this.starts[k]);
  }
  toArray(): AddFile[] {
    return this.lists.flatMap((l) => l.toArray());
  }
}

/** The sum of the files' sizes. */
export function totalSize(list: AddFileList): number {
  let bytes = 0;
  for (let i = 0; i < list.length; i++) bytes += list.size(i);
  return bytes;
}
