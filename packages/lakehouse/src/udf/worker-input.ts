/**
 * A worker thread's own read of its share of a grouped map's input (see partitioned-input.ts): a
 * DuckDB database of the worker's, the share's groups read from it as runs of groups, and the
 * database closed when the read ends. DuckDB groups the rows itself (group-lists.ts); where it
 * runs out of memory holding a share's groups at once, the share's rows are streamed sorted by
 * key instead (memory stays flat) and cut into groups in JS (grouped-input.ts).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { duckdbBindings as ddb, openPrivateDatabase } from '@loch/engine-node';
import { Field, RecordBatch, Schema, Struct, makeData } from 'apache-arrow';
import '../scan/arrow.js';
import { vectorReader } from './arrow-in.js';
import { chunks } from '../scan/read-rows.js';
import { groupRunsOf } from './group-lists.js';
import { RUN_ROWS, groupRuns, type GroupRun } from './grouped-input.js';

/** What a worker reads: its share's queries (see Share), the input's columns and keys, the statement that sets the session's state, and the database's size. */
export interface WorkerInput {
  readonly listed: string;
  readonly sorted: string;
  readonly columns: readonly string[];
  readonly keyCount: number;
  readonly settings: string;
  readonly threads: number;
  readonly memoryLimit: string;
}

/** Failures of the read itself (DuckDB's), as apart from the user's function. */
export class InputError extends Error {}

/**
 * Hands `use` the share's runs of groups (each of at least RUN_ROWS rows but the last), in key
 * order; the database is closed once `use` returns or throws. The read's failures surface as
 * InputError.
 */
export async function withWorkerInput<T>(input: WorkerInput, use: (runs: AsyncIterable<GroupRun>) => Promise<T>): Promise<T> {
  const db = await openPrivateDatabase({ threads: input.threads, memoryLimit: input.memoryLimit }).catch(asInputError);
  try {
    const c = db.connection;
    await c.run(input.settings).catch(asInputError);
    const runs = await groupRunsOf(async () => chunks(await c.stream(input.listed)), input.columns, () => sorted(c, input)).catch(asInputError);
    return await use(inputErrors(runs));
  } finally {
    db.close();
  }
}

/** The share's rows streamed sorted by key as record batches, cut into runs of groups. */
async function* sorted(c: DuckDBConnection, input: WorkerInput): AsyncGenerator<GroupRun> {
  const result = await c.stream(input.sorted);
  const names = result.columnNames();
  const readers = result.columnTypes().map((t) => vectorReader(t));
  async function* batches(): AsyncGenerator<RecordBatch> {
    let schema: Schema | undefined;
    for await (const { chunk, rowCount: n } of chunks(result)) {
      const children = readers.map((r, j) => r.read(ddb.data_chunk_get_vector(chunk, j), n).data[0]);
      schema ??= new Schema(children.map((d, j) => new Field(names[j], d.type, true)));
      yield new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: n, nullCount: 0, children }));
    }
  }
  yield* groupRuns(batches(), input.keyCount, RUN_ROWS);
}

/** `runs`, their failures (DuckDB's, or a result not as read) as InputError. */
async function* inputErrors(runs: AsyncIterable<GroupRun>): AsyncGenerator<GroupRun> {
  try {
    yield* runs;
  } catch (e) {
    asInputError(e);
  }
}

function asInputError(e: unknown): never {
  throw e instanceof InputError ? e : new InputError(message(e), { cause: e });
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));
