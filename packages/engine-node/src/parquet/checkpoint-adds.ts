/**
 * The add actions of a large checkpoint, read column by column. Turning DuckDB text values into
 * JS strings one by one costs about a microsecond each, and 300k add objects cost more in
 * allocation and garbage collection than the read itself; so the adds come back as columns
 * (see `AddColumns` in @loch/delta) from one scan that reads only the fields it needs, grouped by
 * 16k rows:
 *
 *   paths (and stats)   joined into one string per group, split here without copying
 *   numbers             size, modificationTime, dataChange, a partition-values key and the row
 *                       number, as lists whose elements come straight from DuckDB's vectors
 *
 * Within a group every aggregate sees the rows in the same order, so the joined strings and the
 * lists line up without an ORDER BY (which would sort every group); the row numbers then put the
 * files in the checkpoint's order. Partition values come from a second query, one JSON object per
 * distinct map with its key; rare fields (deletion vectors, tags, row tracking) from a third, as
 * JSON for the rows that have them. When a check fails (a value holding a separator, two maps
 * with one key) the plain reader runs instead.
 */
import type { DuckDBConnection, DuckDBDataChunk, DuckDBListVector } from '@duckdb/node-api';
import {
  addFileList,
  columnarAddList,
  deltaError,
  JoinedStrings,
  displayPath,
  type AddExtras,
  type AddFile,
  type AddFileList,
  type FileMeta,
  type PartitionValues,
  type StringColumn,
} from '@loch/delta';
import { sqlIdent, withConnection } from '../duckdb/database.js';

/** Rows per group: long enough to amortize the query, short enough to stay far below V8's string limit. */
const GROUP = 16_384;
const EXTRA_FIELDS = ['deletionVector', 'tags', 'baseRowId', 'defaultRowCommitVersion', 'clusteringProvider'] as const;

/**
 * Which rows are adds. Only `path` is read to decide (testing the whole struct reads every field
 * of it): an add always has a path.
 */
const IS_ADD = 'add.path IS NOT NULL';
/** A partition-values map's key: 53 bits of DuckDB's hash, exact as a JS number. */
const pvKey = (map: string) => `(hash(${map}) >> 11)::DOUBLE`;

/** Reads the add actions of one checkpoint file (`src`: its read_parquet call, with file_row_number). */
export async function readAddColumns(src: string, fields: ReadonlySet<string>, file: FileMeta): Promise<AddFileList> {
  const extras = EXTRA_FIELDS.filter((f) => fields.has(f));
  const [groups, dictionary, extraRows] = await Promise.all([
    withConnection((c) => readGroups(c, src, fields.has('stats'), file)),
    withConnection(async (c) =>
      // One map per full 64-bit hash (two maps sharing a hash is too rare to pay for DISTINCT on
      // maps); two hashes sharing a key show up here as two rows with one key.
      (await c.runAndReadAll(
        `SELECT (h >> 11)::DOUBLE, to_json(any_value(pv))::VARCHAR
         FROM (SELECT add.partitionValues AS pv, hash(add.partitionValues) AS h FROM ${src} WHERE ${IS_ADD}) GROUP BY h`,
      )).getRows(),
    ),
    extras.length
      ? withConnection(async (c) =>
          (await c.runAndReadAll(
            `SELECT file_row_number::DOUBLE, ${extras.map((f) => `to_json(add.${sqlIdent(f)})::VARCHAR`).join(', ')} FROM ${src}
             WHERE ${IS_ADD} AND (${extras.map((f) => `add.${sqlIdent(f)} IS NOT NULL`).join(' OR ')})`,
          )).getRows(),
        )
      : Promise.resolve([]),
  ]);
  const dict = partitionSets(dictionary);
  if (!dict) return readAddsOneByOne(src, fields, file);
  const read = groups;
  if (!read) return readAddsOneByOne(src, fields, file);
  const n = read.rowNumber.length;
  const partitionValues = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const set = dict.indexOf(read.pvKey[i]);
    if (set < 0) throw deltaError('DELTA_CORRUPT_CHECKPOINT', `${displayPath(file.path)} changed while it was read`);
    partitionValues[i] = set;
  }
  let statsIndex: Int32Array | undefined;
  if (read.stats) {
    statsIndex = new Int32Array(n);
    for (let i = 0; i < n; i++) statsIndex[i] = read.stats.lengthOf(i) === 0 ? -1 : i;
  }
  return columnarAddList({
    paths: read.paths,
    size: read.size,
    modificationTime: read.mtime,
    dataChange: read.dataChange,
    partitionValues,
    partitionValueSets: dict.sets,
    ...(read.stats ? { statsIndex, stats: new MarkedStrings(read.stats) } : {}),
    ...(extraRows.length ? { extras: extrasByIndex(extraRows, extras, read.rowNumber, file) } : {}),
  });
}

/**
 * The distinct partition-value maps and a table from their keys to their index: open addressing
 * over typed arrays (a Map keyed by 53-bit numbers costs several times more per lookup, and
 * there is one lookup per file). Undefined when two distinct maps share a key.
 */
function partitionSets(rows: unknown[][]): { sets: PartitionValues[]; indexOf(key: number): number } | undefined {
  const sets: PartitionValues[] = [];
  const texts: string[] = [];
  let capacity = 16;
  while (capacity < rows.length * 2) capacity *= 2;
  const mask = capacity - 1;
  const keys = new Float64Array(capacity);
  const slots = new Int32Array(capacity).fill(-1);
  const slotOf = (key: number) => {
    let slot = (key >>> 0) & mask;
    while (slots[slot] >= 0 && keys[slot] !== key) slot = (slot + 1) & mask;
    return slot;
  };
  for (const [key, json] of rows) {
    // A missing map reads as an empty one.
    const text = json === null ? '{}' : String(json);
    const slot = slotOf(Number(key));
    if (slots[slot] >= 0) {
      if (texts[slots[slot]] !== text) return undefined;
      continue;
    }
    keys[slot] = Number(key);
    slots[slot] = sets.length;
    texts.push(text);
    sets.push(JSON.parse(text) as PartitionValues);
  }
  return { sets, indexOf: (key) => slots[slotOf(key)] };
}

/**
 * Stats strings without the mark each one carries: a file's stats are read as \u0002 + stats,
 * and a file without stats as the empty string, so that the two are told apart.
 */
class MarkedStrings implements StringColumn {
  constructor(private readonly marked: JoinedStrings) {}
  get length(): number {
    return this.marked.length;
  }
  get(i: number): string {
    return this.marked.get(i).slice(1);
  }
}

interface Columns {
  readonly paths: JoinedStrings;
  readonly stats?: JoinedStrings;
  readonly size: Float64Array;
  readonly mtime: Float64Array;
  readonly dataChange: Uint8Array;
  readonly pvKey: Float64Array;
  readonly rowNumber: Float64Array;
}

/** One group of the grouped scan: its joined strings and its lists' elements. */
interface Group {
  readonly paths: string;
  readonly stats: string;
  readonly count: number;
  /** Row number, size, modificationTime, dataChange and partition key of each row. */
  readonly columns: readonly (Float64Array | Uint8Array)[];
}

/** The grouped scan; undefined when a joined string does not split into its group's rows. */
async function readGroups(c: DuckDBConnection, src: string, withStats: boolean, file: FileMeta): Promise<Columns | undefined> {
  const result = await c.run(
    `SELECT string_agg(add.path, chr(10)),
            ${withStats ? "string_agg(coalesce(chr(2) || add.stats, ''), chr(1))" : "''"},
            count(*)::DOUBLE,
            list(file_row_number::DOUBLE), list(coalesce(add.size, 0)::DOUBLE), list(coalesce(add.modificationTime, 0)::DOUBLE),
            list(coalesce(add.dataChange, TRUE)::UTINYINT), list(${pvKey('add.partitionValues')})
     FROM ${src} WHERE ${IS_ADD} GROUP BY file_row_number // ${GROUP}`,
  );
  const groups: Group[] = [];
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    const lists = [3, 4, 5, 6, 7].map((k) => chunk.getColumnVector(k) as DuckDBListVector);
    const elements = lists.map((l) => elementsOf(l, file));
    for (let g = 0; g < chunk.rowCount; g++) {
      const count = Number(chunk.getColumnVector(2).getItem(g));
      groups.push({
        paths: String(chunk.getColumnVector(0).getItem(g)),
        stats: withStats ? String(chunk.getColumnVector(1).getItem(g)) : '',
        count,
        columns: lists.map((l, k) => elements[k].subarray(l.getEntryOffset(g), l.getEntryOffset(g) + count)),
      });
    }
  }
  // Groups come in any order; each holds a range of row numbers, so sorting them by their first
  // row usually puts every row in file order (checked below).
  groups.sort((a, b) => a.columns[0][0] - b.columns[0][0]);
  let n = 0;
  for (const g of groups) n += g.count;
  const out = {
    rowNumber: new Float64Array(n),
    size: new Float64Array(n),
    mtime: new Float64Array(n),
    dataChange: new Uint8Array(n),
    pvKey: new Float64Array(n),
  };
  const targets = [out.rowNumber, out.size, out.mtime, out.dataChange, out.pvKey];
  let at = 0;
  for (const g of groups) {
    g.columns.forEach((col, k) => targets[k].set(col, at));
    at += g.count;
  }
  const counts = groups.map((g) => g.count);
  const paths = JoinedStrings.split(groups.map((g) => g.paths), counts, '\n');
  const stats = withStats ? JoinedStrings.split(groups.map((g) => g.stats), counts, '\u0001') : undefined;
  if (!paths || (withStats && !stats)) return undefined;
  return inFileOrder({ ...out, paths, ...(stats ? { stats } : {}) });
}

/** A list column's elements as a typed array (they are never null: the query coalesces them). */
function elementsOf(list: DuckDBListVector, file: FileMeta): Float64Array | Uint8Array {
  const items = (list.childVector as unknown as { items?: unknown }).items;
  if (items instanceof Float64Array || items instanceof Uint8Array) return items;
  throw deltaError('DELTA_CORRUPT_CHECKPOINT', `${displayPath(file.path)}: unexpected column layout from DuckDB`);
}

/**
 * The columns in the order of their rows in the file. Groups are sorted already; rows within a
 * group that spans two Parquet row groups may come out of order (two threads read it), and only
 * such a group is sorted.
 */
function inFileOrder(c: Columns): Columns {
  const n = c.rowNumber.length;
  const rn = c.rowNumber;
  let order: Uint32Array | undefined;
  for (let from = 0; from < n; ) {
    let to = from + 1;
    const group = Math.floor(rn[from] / GROUP);
    let sorted = true;
    while (to < n && Math.floor(rn[to] / GROUP) === group) {
      if (rn[to] < rn[to - 1]) sorted = false;
      to++;
    }
    if (!sorted) {
      if (!order) {
        order = new Uint32Array(n);
        for (let i = 0; i < n; i++) order[i] = i;
      }
      // The group's row numbers are distinct and within [first, first + GROUP): place each by it.
      const first = group * GROUP;
      const at = new Int32Array(GROUP).fill(-1);
      for (let i = from; i < to; i++) at[rn[i] - first] = i;
      let k = from;
      for (let r = 0; r < GROUP; r++) if (at[r] >= 0) order[k++] = at[r];
    }
    from = to;
  }
  if (!order) return c;
  const o = order;
  const pick = <T extends Float64Array | Uint8Array>(a: T): T => {
    const out = new (a.constructor as new (n: number) => T)(n);
    for (let i = 0; i < n; i++) out[i] = a[o[i]];
    return out;
  };
  return {
    paths: c.paths.reorder(o),
    ...(c.stats ? { stats: c.stats.reorder(o) } : {}),
    size: pick(c.size),
    mtime: pick(c.mtime),
    dataChange: pick(c.dataChange),
    pvKey: pick(c.pvKey),
    rowNumber: pick(c.rowNumber),
  };
}

/** Rare fields by file index: rows are found by their row number (ascending in `rowNumber`). */
function extrasByIndex(rows: unknown[][], fields: readonly string[], rowNumber: Float64Array, file: FileMeta): Map<number, AddExtras> {
  const out = new Map<number, AddExtras>();
  for (const [n, ...values] of rows) {
    const i = indexOf(rowNumber, Number(n));
    if (i < 0) throw deltaError('DELTA_CORRUPT_CHECKPOINT', `${displayPath(file.path)} changed while it was read`);
    const e: Record<string, unknown> = {};
    fields.forEach((f, k) => {
      if (values[k] !== null) e[f] = JSON.parse(String(values[k]));
    });
    out.set(i, e as AddExtras);
  }
  return out;
}

function indexOf(sorted: Float64Array, value: number): number {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] === value) return mid;
    if (sorted[mid] < value) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** Every add as an object, one row at a time: for the odd checkpoint the grouped read refuses. */
async function readAddsOneByOne(src: string, fields: ReadonlySet<string>, file: FileMeta): Promise<AddFileList> {
  const extras = EXTRA_FIELDS.filter((f) => fields.has(f));
  return withConnection(async (c) => {
    const r = await c.runAndReadAll(
      `SELECT add.path, add.size::DOUBLE, add.modificationTime::DOUBLE, add.dataChange, to_json(add.partitionValues)::VARCHAR,
              ${fields.has('stats') ? 'add.stats' : 'NULL'}
              ${extras.map((f) => `, to_json(add.${sqlIdent(f)})::VARCHAR`).join('')}
       FROM ${src} WHERE add IS NOT NULL ORDER BY file_row_number`,
    );
    const pvCache = new Map<string, PartitionValues>();
    return addFileList(
      r.getRows().map(([path, size, mtime, dc, pv, stats, ...rest]) => {
        if (typeof path !== 'string') throw deltaError('DELTA_CORRUPT_CHECKPOINT', `${displayPath(file.path)}: an add action has no path`);
        const key = String(pv);
        let values = pvCache.get(key);
        if (!values) pvCache.set(key, (values = pv === null ? {} : (JSON.parse(key) as PartitionValues)));
        const a: Record<string, unknown> = {
          path,
          partitionValues: values,
          size: size as number,
          modificationTime: mtime as number,
          dataChange: dc !== false,
        };
        if (stats !== null) a.stats = String(stats);
        extras.forEach((f, i) => {
          if (rest[i] !== null) a[f] = JSON.parse(String(rest[i]));
        });
        return a as unknown as AddFile;
      }),
    );
  });
}
