import type { Offset } from '../source.js';

/** Spark's StreamingQueryProgress: what one batch did, written after every batch. */
export interface StreamingQueryProgress {
  readonly id: string;
  readonly runId: string;
  readonly name: string | null;
  /** When the trigger started (ISO 8601, UTC). */
  readonly timestamp: string;
  readonly batchId: number;
  /** Wall time of the batch in ms (the trigger's execution). */
  readonly batchDuration: number;
  readonly numInputRows: number;
  /** Rows per second arriving: this batch's rows over the time since the previous trigger started. */
  readonly inputRowsPerSecond: number;
  /** Rows per second processed: this batch's rows over its duration. */
  readonly processedRowsPerSecond: number;
  readonly durationMs: Readonly<DurationMs>;
  /** min, max, avg event time of the batch's rows and the watermark (ISO 8601); empty without withWatermark. */
  readonly eventTime: Readonly<Record<string, string>>;
  readonly stateOperators: readonly StateOperatorProgress[];
  readonly sources: readonly SourceProgress[];
  readonly sink: SinkProgress;
  /** `df.observe(name, {...})` metrics of this batch, by name. */
  readonly observedMetrics: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

export interface DurationMs {
  /** Asking the sources for their latest offsets. */
  latestOffset: number;
  /** Getting the batch's rows from the sources. */
  getBatch: number;
  /** Running the query's operators (stateless and stateful) over the batch. */
  queryPlanning: number;
  /** Writing the batch to the sink. */
  addBatch: number;
  /** Writing the batch's offsets to the checkpoint (before it runs). */
  walCommit: number;
  /** Writing the batch's commit marker (after the sink committed). */
  commitOffsets: number;
  triggerExecution: number;
}

export interface StateOperatorProgress {
  /** `stateStoreSave` for aggregations, `dedupe` for dropDuplicates (Spark's names). */
  readonly operatorName: string;
  readonly numRowsTotal: number;
  readonly numRowsUpdated: number;
  readonly numRowsRemoved: number;
  readonly numRowsDroppedByWatermark: number;
  /** Estimated bytes of the live state in memory. */
  readonly memoryUsedBytes: number;
  readonly allUpdatesTimeMs: number;
  readonly commitTimeMs: number;
  readonly numStateStoreInstances: number;
  readonly customMetrics: Readonly<Record<string, number>>;
}

export interface SourceProgress {
  readonly description: string;
  readonly startOffset: Offset | null;
  readonly endOffset: Offset | null;
  readonly latestOffset: Offset | null;
  readonly numInputRows: number;
  readonly inputRowsPerSecond: number;
  readonly processedRowsPerSecond: number;
  readonly metrics: Readonly<Record<string, string>>;
}

export interface SinkProgress {
  readonly description: string;
  readonly numOutputRows: number;
  readonly metrics: Readonly<Record<string, string>>;
}

/** Spark's StreamingQueryStatus: what the query is doing now. */
export interface StreamingQueryStatus {
  readonly message: string;
  readonly isDataAvailable: boolean;
  readonly isTriggerActive: boolean;
}

export function emptyDurations(): DurationMs {
  return { latestOffset: 0, getBatch: 0, queryPlanning: 0, addBatch: 0, walCommit: 0, commitOffsets: 0, triggerExecution: 0 };
}

/** Rows per second, 0 when no time passed (as Spark reports it). */
export function rate(rows: number, ms: number): number {
  return ms > 0 ? (rows * 1000) / ms : 0;
}

/** Times an async step into `durations[key]` (added, so a step may run in parts). */
export async function timed<T>(durations: DurationMs, key: keyof DurationMs, step: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await step();
  } finally {
    durations[key] += Math.round(performance.now() - started);
  }
}
