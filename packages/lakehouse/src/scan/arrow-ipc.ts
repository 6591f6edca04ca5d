/**
 * A stream's rows as an Arrow IPC stream (the "streaming format"), written batch by batch to a
 * file or to stdout: what other Arrow tools (pyarrow, DuckDB's arrow reader, polars) read.
 */
import { RecordBatchStreamWriter } from 'apache-arrow';
import type { StructType } from '@loch/delta';
import { randomUUID } from 'node:crypto';
// The local file a user names for the stream (not table I/O), replaced whole by a rename beside it.
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { basename, dirname, join } from 'node:path';
import type { Writable } from 'node:stream';
import { columnsToRecordBatch } from './arrow.js';
import type { RowStream } from './row-stream.js';

/** Writes every row of `stream` to `output` (replaced whole) or, without one, to stdout; returns the row count. */
export async function writeArrowStream(stream: RowStream, output?: string): Promise<number> {
  if (output === undefined) return writeTo(stream, process.stdout);
  const tmp = join(dirname(output), `.${basename(output)}.${randomUUID().slice(0, 8)}.tmp`);
  const file = createWriteStream(tmp);
  try {
    const rows = await writeTo(stream, file);
    file.end();
    await once(file, 'close');
    await rename(tmp, output);
    return rows;
  } catch (e) {
    file.destroy();
    await rm(tmp, { force: true });
    throw e;
  }
}

async function writeTo(stream: RowStream, out: Writable): Promise<number> {
  const writer = new RecordBatchStreamWriter();
  const bytes = writer.toNodeStream();
  const failed = Promise.race([once(out, 'error'), once(bytes, 'error')]).then(([e]) => Promise.reject(e));
  failed.catch(() => undefined);
  const ended = once(bytes, 'end');
  bytes.pipe(out, { end: false });
  let rows = 0;
  let wrote = false;
  for await (const batch of stream.batches()) {
    writer.write(batch);
    wrote = true;
    rows += batch.numRows;
    // One batch at a time: wait while the destination is full.
    if (out.writableNeedDrain) await Promise.race([once(out, 'drain'), failed]);
  }
  if (!wrote) {
    // No rows: the schema still goes out, with an empty batch.
    const schema: StructType = { kind: 'struct', fields: stream.columns.map((c) => ({ name: c.name, type: c.deltaType, nullable: true, metadata: {} })) };
    writer.write(columnsToRecordBatch(schema, schema.fields.map(() => []), 0));
  }
  writer.finish();
  await Promise.race([ended, failed]);
  return rows;
}
