import { withConnection } from '@loch/engine-node';
import type { DeltaTable, Lakehouse } from '@loch/lakehouse';
import type { OutputMode, Sink, SinkBatch, SinkCommit, SinkContext } from '../sink.js';
import { DeltaSink } from '../sinks/delta.js';
import { checkExpectations, type ExpectationCounts } from './expectations.js';
import type { Expectation } from './definition.js';

/** What one batch of a streaming table did. */
export interface FlowBatch {
  readonly batchId: number;
  readonly numInputRows: number;
  readonly numOutputRows: number;
  readonly droppedRecords: number;
  readonly expectations: readonly ExpectationCounts[];
  /** The table version the batch committed; undefined when it was already there (a replay). */
  readonly version?: number;
}

export interface TableSinkSpec {
  readonly dataset: string;
  readonly expectations: readonly Expectation[];
  readonly partitionBy: readonly string[];
  readonly properties: Readonly<Record<string, string>>;
  /** For messages: `file.sql:12 (table silver)`. */
  readonly where: string;
  readonly onBatch: (b: FlowBatch) => void;
}

/**
 * A streaming table's sink: checks the batch against the table's expectations (counts kept,
 * violating rows dropped or the update failed, as each says), then appends what is left to the
 * Delta table exactly once (DeltaSink's txn). The counts go into the commit's userMetadata, so
 * DESCRIBE HISTORY shows them, and into progress as sink metrics.
 */
export class PipelineTableSink implements Sink {
  readonly description: string;
  readonly identity: string;
  readonly outputModes: readonly OutputMode[] = ['append'];
  private readonly delta: DeltaSink;

  constructor(
    private readonly lake: Lakehouse,
    table: DeltaTable,
    url: string,
    private readonly spec: TableSinkSpec,
  ) {
    this.delta = new DeltaSink(table, url, {
      mergeSchema: true,
      ...(spec.partitionBy.length > 0 ? { partitionBy: spec.partitionBy } : {}),
      ...(Object.keys(spec.properties).length > 0 ? { configuration: spec.properties } : {}),
    });
    this.description = `PipelineTableSink[${spec.dataset}]`;
    this.identity = this.delta.identity;
  }

  start(context: SinkContext): Promise<void> {
    return this.delta.start(context);
  }

  async addBatch(batch: SinkBatch): Promise<SinkCommit> {
    const check = await checkExpectations(this.lake, batch.relation, this.spec.expectations, this.spec.dataset, this.spec.where);
    const metadata = check.counts.length > 0 ? JSON.stringify({ expectations: check.counts, dropped_records: check.dropped }) : undefined;
    let commit: SinkCommit;
    if (check.keep === undefined || check.dropped === 0) commit = await this.delta.write(batch, batch.relation, metadata);
    else {
      const kept = `${batch.relation}_kept`;
      await this.lake.sql(`CREATE TABLE ${kept} AS SELECT * FROM ${batch.relation} WHERE ${check.keep}`);
      try {
        commit = await this.delta.write(batch, kept, metadata);
      } finally {
        await withConnection((c) => c.run(`DROP TABLE IF EXISTS ${kept}`));
      }
    }
    const version = commit.metrics?.['tableVersion'];
    this.spec.onBatch({
      batchId: batch.batchId,
      numInputRows: batch.numRows,
      numOutputRows: commit.numOutputRows,
      droppedRecords: check.dropped,
      expectations: check.counts,
      ...(version !== undefined ? { version: Number(version) } : {}),
    });
    const metrics: Record<string, string> = { ...(commit.metrics ?? {}), droppedRecords: String(check.dropped) };
    for (const e of check.counts) metrics[`expectations.${e.name}.failedRecords`] = String(e.failed_records);
    return { numOutputRows: commit.numOutputRows, metrics };
  }
}
