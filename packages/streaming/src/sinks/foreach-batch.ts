import type { DataFrame } from '@loch/lakehouse';
import type { Sink, SinkBatch, SinkCommit } from '../sink.js';

/** User code for each batch: the batch's rows as a DataFrame, and its id. */
export type ForeachBatchFunction = (df: DataFrame, batchId: number) => unknown | Promise<unknown>;

/**
 * `foreachBatch`: runs user code on each batch (the idiom for MERGE upserts and writes to several
 * tables). At least once: a batch replayed after a crash comes again with the same batchId, so
 * code that records the id it finished (e.g. a Delta write with txn) can skip it. The DataFrame
 * reads the batch's rows only while the function runs.
 */
export class ForeachBatchSink implements Sink {
  readonly description = 'ForeachBatchSink';
  readonly identity = 'foreachBatch';

  constructor(private readonly fn: ForeachBatchFunction) {}

  async addBatch(batch: SinkBatch): Promise<SinkCommit> {
    await this.fn(batch.df, batch.batchId);
    return { numOutputRows: batch.numRows };
  }
}
