import { displayTable } from '@loch/delta';
import type { DeltaTable, WriteOptions } from '@loch/lakehouse';
import type { OutputMode, Sink, SinkBatch, SinkCommit, SinkContext } from '../sink.js';

export interface DeltaSinkOptions {
  readonly mergeSchema?: boolean;
  readonly partitionBy?: readonly string[];
  /** Table properties when the first batch creates the table. */
  readonly configuration?: Readonly<Record<string, string>>;
  readonly userMetadata?: string;
}

const MODE_NAMES: Record<OutputMode, string> = { append: 'Append', update: 'Update', complete: 'Complete' };

/**
 * Writes each batch to a Delta table as one commit, exactly once: the commit carries a `txn`
 * action with appId = the query's id and version = the batch id, and a batch whose id the table
 * already has (replayed after a crash between the table's commit and the checkpoint's) is
 * skipped. Append mode appends; complete mode replaces the table's rows every batch.
 */
export class DeltaSink implements Sink {
  readonly description: string;
  readonly identity: string;
  readonly outputModes: readonly OutputMode[] = ['append', 'complete'];
  /** A write reads its relation once, in one COPY whose files are deleted when it fails. */
  readonly takesQueries = true;
  private queryId = '';

  constructor(
    private readonly table: DeltaTable,
    /** The table's root (`await table.location()`). */
    url: string,
    private readonly options: DeltaSinkOptions = {},
  ) {
    this.description = `DeltaSink[${displayTable(url)}]`;
    this.identity = `delta:${url}`;
  }

  async start(context: SinkContext): Promise<void> {
    this.queryId = context.queryId;
  }

  addBatch(batch: SinkBatch): Promise<SinkCommit> {
    return this.write(batch, batch.relation);
  }

  /**
   * Writes `relation` (the batch's rows, or some of them) as the batch's commit; `userMetadata`
   * replaces the sink's own for this commit (SQL pipelines record expectation counts there).
   */
  async write(batch: SinkBatch, relation: string, userMetadata?: string): Promise<SinkCommit> {
    const metadata = userMetadata ?? this.options.userMetadata;
    const options: WriteOptions = {
      mode: batch.outputMode === 'complete' ? 'overwrite' : 'append',
      txn: { appId: this.queryId, version: batch.batchId },
      operation: 'STREAMING UPDATE',
      operationParameters: { outputMode: MODE_NAMES[batch.outputMode], queryId: this.queryId, epochId: String(batch.batchId) },
      ...(this.options.mergeSchema ? { mergeSchema: true } : {}),
      ...(this.options.partitionBy?.length ? { partitionBy: this.options.partitionBy } : {}),
      ...(this.options.configuration ? { configuration: this.options.configuration } : {}),
      ...(metadata ? { userMetadata: metadata } : {}),
    };
    const r = await this.table.write(`SELECT * FROM ${relation}`, options);
    if (r.kind === 'skipped') return { numOutputRows: 0, metrics: { skippedBatch: 'true', committedVersion: String(r.committedVersion) } };
    if (r.kind !== 'committed') return { numOutputRows: 0 };
    return {
      numOutputRows: r.metrics.numOutputRows ?? batch.numRows,
      metrics: { numAddedFiles: String(r.metrics.numFiles ?? 0), numRemovedFiles: String(r.metrics.numRemovedFiles ?? 0), tableVersion: String(r.version) },
    };
  }
}
