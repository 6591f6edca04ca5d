import { toStructType, type DeltaTable } from '@loch/lakehouse';
import type { QueryProgressEvent, StreamingQueryListener } from './listener.js';
import type { StreamingQueryProgress } from './progress.js';

/** The progress table's columns: the figures a dashboard charts, and the whole record as JSON. */
const SCHEMA = toStructType({
  id: 'string',
  runId: 'string',
  name: 'string',
  timestamp: 'timestamp',
  batchId: 'long',
  numInputRows: 'long',
  inputRowsPerSecond: 'double',
  processedRowsPerSecond: 'double',
  batchDurationMs: 'long',
  latestOffsetMs: 'long',
  addBatchMs: 'long',
  walCommitMs: 'long',
  commitOffsetsMs: 'long',
  numOutputRows: 'long',
  stateRowsTotal: 'long',
  stateMemoryUsedBytes: 'long',
  numRowsDroppedByWatermark: 'long',
  watermark: 'timestamp',
  progress: 'string',
});

/**
 * A listener that appends every batch's progress to a Delta table, one row per batch, so that a
 * dashboard (or `loch sql`) can chart input rate and batch duration:
 *
 *     lake.streams.addListener(new ProgressTableListener(lake.table('stream_progress')));
 *
 * Rows are appended in order, several per commit when batches come faster than commits; a
 * failed write is reported on stderr and never slows or stops a query.
 */
export class ProgressTableListener implements StreamingQueryListener {
  private readonly queue: Record<string, unknown>[] = [];
  private writing: Promise<void> | undefined;

  constructor(private readonly table: DeltaTable) {}

  onQueryProgress(event: QueryProgressEvent): void {
    this.queue.push(progressRow(event.progress));
    this.writing ??= this.drain().finally(() => (this.writing = undefined));
  }

  /** Resolves once every progress received so far is in the table. */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const rows = this.queue.splice(0);
      try {
        await this.table.write(rows, { schema: SCHEMA });
      } catch (e) {
        process.stderr.write(`warning: progress of ${rows.length} batch(es) not written to ${this.table.name}: ${(e as Error).message}\n`);
      }
    }
  }
}

function progressRow(p: StreamingQueryProgress): Record<string, unknown> {
  const sum = (f: (s: StreamingQueryProgress['stateOperators'][number]) => number) => p.stateOperators.reduce((n, s) => n + f(s), 0);
  return {
    id: p.id,
    runId: p.runId,
    name: p.name,
    timestamp: p.timestamp,
    batchId: p.batchId,
    numInputRows: p.numInputRows,
    inputRowsPerSecond: p.inputRowsPerSecond,
    processedRowsPerSecond: p.processedRowsPerSecond,
    batchDurationMs: p.batchDuration,
    latestOffsetMs: p.durationMs.latestOffset,
    addBatchMs: p.durationMs.addBatch,
    walCommitMs: p.durationMs.walCommit,
    commitOffsetsMs: p.durationMs.commitOffsets,
    numOutputRows: p.sink.numOutputRows,
    stateRowsTotal: sum((s) => s.numRowsTotal),
    stateMemoryUsedBytes: sum((s) => s.memoryUsedBytes),
    numRowsDroppedByWatermark: sum((s) => s.numRowsDroppedByWatermark),
    watermark: p.eventTime.watermark ?? null,
    progress: JSON.stringify(p),
  };
}
