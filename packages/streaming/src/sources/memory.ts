import type { StructType } from '@loch/delta';
import { toStructType, type Lakehouse, type SchemaInput } from '@loch/lakehouse';
import { randomUUID } from 'node:crypto';
import { invalidOption } from '../errors.js';
import { StreamingDataFrame } from '../frame/streaming-frame.js';
import type { Offset, Source, SourceBatch } from '../source.js';

/**
 * Rows added from code, as a stream (Spark's MemoryStream): for tests and demos. Each
 * `addData` call is one unit of offset; the rows stay in memory for the life of the object,
 * so a query restarted from its checkpoint in the same process replays them.
 */
export class MemoryStream {
  readonly id = randomUUID();
  readonly schema: StructType;
  private readonly batches: (readonly Readonly<Record<string, unknown>>[])[] = [];

  constructor(schema: SchemaInput) {
    this.schema = toStructType(schema);
  }

  /** Appends rows; returns the offset that includes them. */
  addData(rows: readonly Readonly<Record<string, unknown>>[]): number {
    this.batches.push([...rows]);
    return this.batches.length;
  }

  /** The stream as a streaming DataFrame of `lake`. */
  toDF(lake: Lakehouse): StreamingDataFrame {
    return StreamingDataFrame.fromSource(lake, () => new MemorySource(this, this.batches));
  }
}

class MemorySource implements Source {
  readonly description: string;
  readonly identity: string;

  constructor(
    private readonly stream: MemoryStream,
    private readonly batches: readonly (readonly Readonly<Record<string, unknown>>[])[],
  ) {
    this.description = `MemoryStream[${stream.schema.fields.map((f) => f.name).join(',')}]`;
    this.identity = `memory:${stream.id}`;
  }

  async latestOffset(): Promise<Offset | undefined> {
    return this.batches.length === 0 ? undefined : this.batches.length;
  }

  async getBatch(start: Offset | undefined, end: Offset): Promise<SourceBatch> {
    const from = start === undefined ? 0 : Number(start);
    const to = Number(end);
    if (!Number.isInteger(from) || !Number.isInteger(to) || to > this.batches.length) {
      throw invalidOption(`${this.description}: offsets ${String(start)}..${String(end)} are not in this stream (it has ${this.batches.length} additions); was the checkpoint written with another MemoryStream?`);
    }
    return { kind: 'rows', schema: this.stream.schema, rows: this.batches.slice(from, to).flat() };
  }
}
