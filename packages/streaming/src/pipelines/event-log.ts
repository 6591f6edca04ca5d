import { toStructType, type DeltaTable } from '@loch/lakehouse';
import { randomUUID } from 'node:crypto';
import type { ExpectationCounts } from './expectations.js';

/** Kinds of events, named as in Databricks' pipeline event log. */
export type PipelineEventType = 'create_update' | 'flow_progress' | 'update_progress';

export interface PipelineEvent {
  readonly event_type: PipelineEventType;
  readonly level: 'INFO' | 'WARN' | 'ERROR';
  readonly dataset?: string;
  readonly message: string;
  readonly status: string;
  readonly num_output_rows?: number;
  readonly dropped_records?: number;
  readonly expectations?: readonly ExpectationCounts[];
  readonly error?: string;
}

/**
 * The event log's columns: what a dashboard filters on as columns, and `details` as JSON shaped
 * like Databricks' (`{"flow_progress": {"status", "metrics": {"num_output_rows"}, "data_quality":
 * {"dropped_records", "expectations": [...]}}}`), so queries written for DLT's log carry over.
 */
const SCHEMA = toStructType({
  id: 'string',
  timestamp: 'timestamp',
  pipeline_name: 'string',
  update_id: 'string',
  event_type: 'string',
  level: 'string',
  dataset: 'string',
  status: 'string',
  message: 'string',
  num_output_rows: 'long',
  dropped_records: 'long',
  expectations: 'string',
  details: 'string',
});

/**
 * A pipeline's event log, a Delta table of the lake (one per lake, `event_log` unless told):
 * one row when an update starts and ends, and one per dataset per update (per batch when
 * continuous) with its rows and expectation counts. Events are buffered and appended by
 * `flush()`, several per commit; the log records what happened, the tables hold the data.
 */
export class EventLog {
  private readonly pending: Record<string, unknown>[] = [];

  constructor(
    private readonly table: DeltaTable | undefined,
    private readonly pipelineName: string,
  ) {}

  add(updateId: string, e: PipelineEvent): void {
    if (!this.table) return;
    const details =
      e.event_type === 'flow_progress'
        ? {
            flow_progress: {
              status: e.status,
              metrics: { num_output_rows: e.num_output_rows ?? 0 },
              data_quality: { dropped_records: e.dropped_records ?? 0, expectations: e.expectations ?? [] },
              ...(e.error ? { error: e.error } : {}),
            },
          }
        : { update_progress: { state: e.status, ...(e.error ? { error: e.error } : {}) } };
    this.pending.push({
      id: randomUUID(),
      timestamp: new Date().toISOString(),
      pipeline_name: this.pipelineName,
      update_id: updateId,
      event_type: e.event_type,
      level: e.level,
      dataset: e.dataset ?? null,
      status: e.status,
      message: e.message,
      num_output_rows: e.num_output_rows ?? null,
      dropped_records: e.dropped_records ?? null,
      expectations: e.expectations ? JSON.stringify(e.expectations) : null,
      details: JSON.stringify(details),
    });
  }

  /** Appends the buffered events as one commit; a failure is reported on stderr and never fails the pipeline. */
  async flush(): Promise<void> {
    if (!this.table || this.pending.length === 0) return;
    const rows = this.pending.splice(0);
    try {
      await this.table.write(rows, { schema: SCHEMA });
    } catch (e) {
      process.stderr.write(`warning: ${rows.length} pipeline event(s) not written to ${this.table.name}: ${(e as Error).message}\n`);
    }
  }
}
