/**
 * A worker thread's own read of its share of a grouped map's input (see partitioned-input.ts): a
 * DuckDB database of the worker's, the share's query streamed from it as Arrow record batches,
 * as the calling thread's frames stream theirs, and the database closed when the read ends.
 */
import { duckdbBindings as ddb, openPrivateDatabase } from '@loch/engine-node';
import { Field, RecordBatch, Schema, Struct, makeData } from 'apache-arrow';
import '../scan/arrow.js';
import { vectorReader } from './arrow-in.js';

/** What a worker reads: its query, the statement that sets the session's state, and the database's size. */
export interface WorkerInput {
  readonly sql: string;
  readonly settings: string;
  readonly threads: number;
  readonly memoryLimit: string;
}

/** Failures of the read itself (DuckDB's), as apart from the user's function. */
export class InputError extends Error {}

/**
 * Hands `use` the query's rows as record batches; the database is closed once `use` returns or
 * throws. DuckDB's failures surface as InputError.
 */
export async function withWorkerInput<T>(input: WorkerInput, use: (batches: AsyncIterable<RecordBatch>) => Promise<T>): Promise<T> {
  const db = await openPrivateDatabase({ threads: input.threads, memoryLimit: input.memoryLimit }).catch((e: unknown) => {
    throw new InputError(message(e), { cause: e });
  });
  try {
    const c = db.connection;
    const result = await c.run(input.settings).then(() => c.stream(input.sql)).catch((e: unknown) => {
      throw new InputError(message(e), { cause: e });
    });
    const names = result.columnNames();
    const readers = result.columnTypes().map((t) => vectorReader(t));
    async function* batches(): AsyncGenerator<RecordBatch> {
      let schema: Schema | undefined;
      for (;;) {
        const chunk = await result.fetchChunk().catch((e: unknown) => {
          throw new InputError(message(e), { cause: e });
        });
        const n = chunk?.rowCount ?? 0;
        if (n === 0) return;
        const raw = chunk!.chunk;
        const children = readers.map((r, j) => r.read(ddb.data_chunk_get_vector(raw, j), n).data[0]);
        schema ??= new Schema(children.map((d, j) => new Field(names[j], d.type, true)));
        yield new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: n, nullCount: 0, children }));
      }
    }
    return await use(batches());
  } finally {
    db.close();
  }
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));
