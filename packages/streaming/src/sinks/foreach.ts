import type { Row } from '@loch/lakehouse';
import type { Sink, SinkBatch, SinkCommit } from '../sink.js';

/**
 * Spark's ForeachWriter: per-row side effects (a webhook, a notification). For each batch,
 * `open(partitionId, epochId)` is called (false skips the batch's rows), then `process` for each
 * row in Loch's JSON encoding, then `close` with the error that stopped processing, if any. At
 * least once: after a crash a batch may come again with the same epochId.
 */
export interface ForeachWriter {
  open?(partitionId: number, epochId: number): boolean | Promise<boolean>;
  process(row: Row): void | Promise<void>;
  close?(error: Error | null): void | Promise<void>;
}

export class ForeachSink implements Sink {
  readonly description = 'ForeachSink';
  readonly identity = 'foreach';

  constructor(private readonly writer: ForeachWriter) {}

  async addBatch(batch: SinkBatch): Promise<SinkCommit> {
    const proceed = this.writer.open ? await this.writer.open(0, batch.batchId) : true;
    if (!proceed) {
      await this.writer.close?.(null);
      return { numOutputRows: 0 };
    }
    let n = 0;
    try {
      for await (const rows of batch.df.rowBatches()) {
        for (const row of rows) {
          await this.writer.process(row);
          n++;
        }
      }
    } catch (e) {
      const error = e instanceof Error ? e : new Error(String(e));
      await this.writer.close?.(error);
      throw error;
    }
    await this.writer.close?.(null);
    return { numOutputRows: n };
  }
}
