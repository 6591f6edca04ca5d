/**
 * A grouped map's input (a worker's share, or all of it on the calling thread) read as DuckDB
 * groups it (listedSql's rows: a group per row, its rows a list of structs), cut into runs of
 * groups. A result chunk of up to 2,048 groups is read with a handful of C API calls: the list's entries (where each group's rows start) and each field of
 * the list's child, all groups' rows at once; each group's table is then a slice of those. Reading
 * the rows sorted by key instead costs a call per column per 2,048 rows and a key comparison per
 * row in JS, which is what kept two workers from being much faster than one.
 */
import { duckdbApi, duckdbBindings as ddb } from '@loch/engine-node';
import { Field, RecordBatch, Schema, Struct, Table, makeData } from 'apache-arrow';
import '../scan/arrow.js';
import { vectorReader, type RawChunk, type RawVector } from './arrow-in.js';
import { RUN_ROWS, type GroupRun } from './grouped-input.js';

/** A listedSql result chunk: DuckDB's chunk and its number of groups. */
export interface ListedChunk {
  readonly chunk: RawChunk;
  readonly rowCount: number;
}

/**
 * The runs of groups of listedSql chunks, each of at least `rows` rows but the last (and at
 * least one group). `names` are the input columns' names (the list's struct has them by position).
 */
async function* listedRuns(chunks: AsyncIterable<ListedChunk>, names: readonly string[], rows: number): AsyncGenerator<GroupRun> {
  let readers: ReturnType<typeof vectorReader>[] | undefined;
  let schema: Schema | undefined;
  for await (const { chunk, rowCount: groups } of chunks) {
    if (groups === 0) continue;
    const list = ddb.data_chunk_get_vector(chunk, ddb.data_chunk_get_column_count(chunk) - 1);
    readers ??= fieldReaders(list, names.length);
    const total = ddb.list_vector_get_size(list);
    const starts = groupStarts(ddb.vector_get_data(list, groups * 16), groups, total);
    const child = ddb.list_vector_get_child(list);
    const columns = readers.map((r, j) => r.read(ddb.struct_vector_get_child(child, j), total).data[0]);
    schema ??= new Schema(columns.map((d, j) => new Field(names[j], d.type, true)));
    const batch = new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: total, nullCount: 0, children: columns }));
    for (let from = 0; from < groups; ) {
      let to = from + 1;
      while (to < groups && starts[to] - starts[from] < rows) to++;
      yield { table: new Table(batch.slice(starts[from], starts[to])), starts: starts.slice(from, to + 1).map((s) => s - starts[from]) };
      from = to;
    }
  }
}

/**
 * A grouped map's input as runs of groups (see listedRuns): `listed()`'s chunks (listedSql's),
 * or, where DuckDB runs out of memory holding the groups at once, `sorted()`'s runs (its rows
 * sorted by key: memory stays flat). DuckDB groups all the rows before its first chunk, so that
 * chunk is read here: running out of memory surfaces before any group is handed on.
 */
export async function groupRunsOf(
  listed: () => AsyncIterable<ListedChunk> | Promise<AsyncIterable<ListedChunk>>,
  names: readonly string[],
  sorted: () => AsyncIterable<GroupRun>,
): Promise<AsyncIterable<GroupRun>> {
  let chunks: AsyncIterator<ListedChunk>;
  let first: IteratorResult<ListedChunk>;
  try {
    chunks = (await listed())[Symbol.asyncIterator]();
    first = await chunks.next();
  } catch (e) {
    if (!outOfMemory(e)) throw e;
    return sorted();
  }
  async function* all(): AsyncGenerator<ListedChunk> {
    try {
      for (let c = first; !c.done; c = await chunks.next()) yield c.value;
    } finally {
      // A reader that stops early (a group failed) ends the read (on the calling thread, it releases the session's stream).
      await chunks.return?.();
    }
  }
  return listedRuns(all(), names, RUN_ROWS);
}

/** DuckDB's failure for want of memory (its message's "Out of Memory Error"): it cannot hold the groups at once. */
const outOfMemory = (e: unknown) => /\bOut of Memory\b/i.test(e instanceof Error ? e.message : String(e));

/** Readers of the fields of the structs in list vector `list` (the rows column), which must have `count` fields. */
function fieldReaders(list: RawVector, count: number): ReturnType<typeof vectorReader>[] {
  const type = duckdbApi.DuckDBLogicalType.create(ddb.vector_get_column_type(list)).asType();
  const struct = type instanceof duckdbApi.DuckDBListType ? type.valueType : undefined;
  if (!(struct instanceof duckdbApi.DuckDBStructType) || struct.entryTypes.length !== count) throw new Error(`expected a list of structs of ${count} fields, got ${type.toString()}`);
  return struct.entryTypes.map((t) => vectorReader(t));
}

/**
 * Where each of a chunk's `groups` groups starts in the list's child, and where the last ends,
 * from DuckDB's list entries (a 64-bit offset and length each). A result's lists lie one after
 * another in its child, so a run of groups is one slice; anything else is not read.
 */
function groupStarts(entries: Uint8Array, groups: number, total: number): Int32Array {
  const view = new DataView(entries.buffer, entries.byteOffset, entries.byteLength);
  const word = (at: number) => view.getUint32(at, true) + view.getUint32(at + 4, true) * 2 ** 32;
  const starts = new Int32Array(groups + 1);
  for (let i = 0; i < groups; i++) {
    const offset = word(16 * i);
    if (offset !== starts[i]) throw new Error(`the groups' rows are not consecutive in DuckDB's list (group ${i} at ${offset}, expected ${starts[i]})`);
    starts[i + 1] = offset + word(16 * i + 8);
  }
  if (starts[groups] !== total) throw new Error(`the groups hold ${starts[groups]} rows of the list's ${total}`);
  return starts;
}
