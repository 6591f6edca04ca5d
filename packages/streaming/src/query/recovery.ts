import type { Checkpoint, OffsetSeq } from '../checkpoint/checkpoint.js';
import { streamingError } from '../errors.js';
import type { Offset } from '../source.js';

/** Where a query (re)starts, from its checkpoint. */
export interface StartPoint {
  /** The id of the next batch to run. */
  readonly batchId: number;
  /** Per source, the end of the last committed batch. */
  readonly committed: readonly (Offset | undefined)[];
  /** The watermark the next batch uses. */
  readonly watermarkMs: number;
  /** The last batch's watermark (to tell whether the watermark moved since). */
  readonly lastBatchWatermarkMs: number;
  /** A batch whose offsets were written but that never committed: it runs again first, as planned. */
  readonly replay?: { readonly batchId: number; readonly seq: OffsetSeq };
}

/**
 * Reads the checkpoint's logs (Spark's populateStartOffsets). The newest `offsets/N` says what
 * batch N reads; when `commits/N` exists the query goes on with batch N+1, and when it does not
 * batch N runs again with exactly the offsets it was planned with.
 */
export async function startPoint(checkpoint: Checkpoint, sources: number): Promise<StartPoint> {
  const none = Array.from({ length: sources }, () => undefined);
  const latest = await checkpoint.offsets.latest();
  if (latest === undefined) return { batchId: 0, committed: none, watermarkMs: 0, lastBatchWatermarkMs: 0 };
  const seq = (await checkpoint.readOffsets(latest))!;
  if (seq.offsets.length !== sources) {
    throw streamingError(
      'STREAM_CHECKPOINT_MISMATCH',
      `${decodeURIComponent(checkpoint.offsets.fileOf(latest))} has offsets of ${seq.offsets.length} sources; this query has ${sources}. Use a new checkpointLocation for a different query.`,
    );
  }
  const lastCommit = await checkpoint.commits.latest();
  if (lastCommit === latest) {
    const commit = (await checkpoint.readCommit(latest))!;
    return { batchId: latest + 1, committed: seq.offsets, watermarkMs: commit.nextBatchWatermarkMs, lastBatchWatermarkMs: seq.metadata.batchWatermarkMs };
  }
  if (lastCommit !== undefined && lastCommit > latest) {
    throw streamingError('STREAM_CORRUPT_CHECKPOINT_FILE', `${decodeURIComponent(checkpoint.commits.fileOf(lastCommit))} commits a batch that ${decodeURIComponent(checkpoint.offsets.dir)} does not have (newest: ${latest})`);
  }
  if (latest > 0 && lastCommit !== latest - 1) {
    throw streamingError(
      'STREAM_CORRUPT_CHECKPOINT_FILE',
      `${decodeURIComponent(checkpoint.commits.dir)} ends at batch ${lastCommit ?? 'none'} but offsets go to batch ${latest}: batch ${latest - 1} never committed`,
    );
  }
  const previous = latest > 0 ? await checkpoint.readOffsets(latest - 1) : undefined;
  if (latest > 0 && !previous) {
    throw streamingError('STREAM_CORRUPT_CHECKPOINT_FILE', `${decodeURIComponent(checkpoint.offsets.fileOf(latest - 1))} is missing: batch ${latest} cannot be replayed`);
  }
  return {
    batchId: latest,
    committed: previous?.offsets ?? none,
    watermarkMs: seq.metadata.batchWatermarkMs,
    lastBatchWatermarkMs: previous?.metadata.batchWatermarkMs ?? 0,
    replay: { batchId: latest, seq },
  };
}
