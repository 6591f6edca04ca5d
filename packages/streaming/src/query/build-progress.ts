import type { BatchMetadata } from '../checkpoint/checkpoint.js';
import type { StepsResult } from '../frame/run-steps.js';
import type { SinkCommit } from '../sink.js';
import type { Offset, Source } from '../source.js';
import { rate, type DurationMs, type StreamingQueryProgress } from './progress.js';

export interface ProgressInput {
  readonly id: string;
  readonly runId: string;
  readonly name: string | undefined;
  readonly triggerStart: number;
  readonly previousTriggerStart: number | undefined;
  readonly batch: { readonly batchId: number; readonly start: readonly (Offset | undefined)[]; readonly end: readonly (Offset | undefined)[]; readonly metadata: BatchMetadata };
  readonly latest: readonly (Offset | undefined)[];
  readonly numInputRows: number;
  readonly numOutputRows: number;
  readonly durations: DurationMs;
  readonly result: StepsResult;
  /** The batch's watermark, when the query has one. */
  readonly watermark: number | undefined;
  readonly source: Source;
  readonly sinkDescription: string;
  readonly sink: SinkCommit;
}

const iso = (ms: number) => new Date(Math.round(ms)).toISOString();

/** The progress record of a finished batch, with Spark's fields and meanings. */
export function buildProgress(p: ProgressInput): StreamingQueryProgress {
  const sinceLast = p.previousTriggerStart === undefined ? p.durations.triggerExecution : p.triggerStart - p.previousTriggerStart;
  const inputRate = rate(p.numInputRows, sinceLast);
  const processedRate = rate(p.numInputRows, p.durations.triggerExecution);
  const eventTime: Record<string, string> = {};
  if (p.result.eventTime) {
    eventTime.avg = iso(p.result.eventTime.avgMs);
    eventTime.max = iso(p.result.eventTime.maxMs);
    eventTime.min = iso(p.result.eventTime.minMs);
  }
  if (p.watermark !== undefined) eventTime.watermark = iso(p.watermark);
  return {
    id: p.id,
    runId: p.runId,
    name: p.name ?? null,
    timestamp: iso(p.triggerStart),
    batchId: p.batch.batchId,
    batchDuration: p.durations.triggerExecution,
    numInputRows: p.numInputRows,
    inputRowsPerSecond: inputRate,
    processedRowsPerSecond: processedRate,
    durationMs: { ...p.durations },
    eventTime,
    stateOperators: p.result.stateOperators,
    sources: [
      {
        description: p.source.description,
        startOffset: p.batch.start[0] ?? null,
        endOffset: p.batch.end[0] ?? null,
        latestOffset: p.latest[0] ?? null,
        numInputRows: p.numInputRows,
        inputRowsPerSecond: inputRate,
        processedRowsPerSecond: processedRate,
        metrics: p.source.metrics?.(p.latest[0]) ?? {},
      },
    ],
    sink: { description: p.sinkDescription, numOutputRows: p.sink.numOutputRows, metrics: p.sink.metrics ?? {} },
    observedMetrics: p.result.observed,
  };
}
