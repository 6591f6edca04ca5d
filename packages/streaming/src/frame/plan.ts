import type { DataFrame, Expr, JoinHint, JoinType } from '@loch/lakehouse';
import { streamingError } from '../errors.js';
import type { OutputMode } from '../sink.js';
import type { WindowColumn } from './window.js';

/** A grouping key: an expression (`'cdn'`, `'lower(cdn) AS cdn'`) or a time window. */
export type GroupKey = Expr | WindowColumn;

/** One operation of a streaming frame, applied to every batch in order. */
export type Step =
  | { readonly kind: 'alias'; readonly alias: string }
  | { readonly kind: 'select'; readonly columns: readonly Expr[] }
  | { readonly kind: 'filter'; readonly condition: Expr }
  | { readonly kind: 'withColumn'; readonly name: string; readonly expr: Expr }
  | { readonly kind: 'join'; readonly other: DataFrame; readonly on: Expr | readonly string[]; readonly how: JoinType; readonly hint?: JoinHint }
  | { readonly kind: 'watermark'; readonly column: string; readonly delayMs: number }
  | { readonly kind: 'aggregate'; readonly keys: readonly GroupKey[]; readonly aggregates: Readonly<Record<string, Expr>> }
  | { readonly kind: 'dropDuplicates'; readonly columns?: readonly string[] }
  | { readonly kind: 'observe'; readonly name: string; readonly metrics: Readonly<Record<string, Expr>> }
  /** A Spark SQL query over the rows so far, which it names by the identifier `input` (SQL pipelines' `FROM STREAM ...`). */
  | { readonly kind: 'sql'; readonly query: string; readonly input: string };

export type StatefulStep = Extract<Step, { kind: 'aggregate' | 'dropDuplicates' }>;

const STREAM_STATIC_JOINS: readonly JoinType[] = ['inner', 'left', 'semi', 'anti', 'cross'];

/** The watermark step, when the frame has one. */
export function watermarkOf(steps: readonly Step[]): Extract<Step, { kind: 'watermark' }> | undefined {
  return steps.find((s): s is Extract<Step, { kind: 'watermark' }> => s.kind === 'watermark');
}

/** Whether an aggregation's state is bounded by the watermark: it groups by a window or the watermark column. */
export function groupsByEventTime(step: Extract<Step, { kind: 'aggregate' }>, steps: readonly Step[]): boolean {
  const wm = watermarkOf(steps);
  if (!wm) return false;
  return step.keys.some((k) => (typeof k === 'string' ? k.trim().toLowerCase() === wm.column.toLowerCase() : k.column.toLowerCase() === wm.column.toLowerCase()));
}

/**
 * Refuses what a streaming query cannot run, before it starts (Spark's UnsupportedOperationChecker):
 * more than one aggregation, operations after an aggregation that need all rows, joins other
 * than the stream on the left of a static frame, and output modes the plan does not allow.
 */
export function checkPlan(steps: readonly Step[], outputMode: OutputMode): void {
  const unsupported = (why: string) => streamingError('STREAM_UNSUPPORTED_OPERATION', why);
  const badMode = (why: string) => streamingError('STREAM_UNSUPPORTED_OUTPUT_MODE', why);
  let aggregate: Extract<Step, { kind: 'aggregate' }> | undefined;
  let watermarks = 0;
  for (const s of steps) {
    if (s.kind === 'watermark' && ++watermarks > 1) throw unsupported('a streaming frame takes one withWatermark');
    if (s.kind === 'aggregate') {
      if (aggregate) throw unsupported('multiple streaming aggregations are not supported; aggregate once per query (write the result to a table and stream from it for another)');
      aggregate = s;
    }
    if (s.kind === 'dropDuplicates' && aggregate) throw unsupported('dropDuplicates after an aggregation is not supported on a stream');
    if (s.kind === 'sql' && aggregate) throw unsupported('a SQL step after a streaming aggregation is not supported');
    if (s.kind === 'join') {
      if (aggregate) throw unsupported('a join after a streaming aggregation is not supported');
      if (!STREAM_STATIC_JOINS.includes(s.how)) throw unsupported(`a '${s.how}' join of a stream with a static frame is not supported (inner, left, semi, anti and cross are, with the stream on the left)`);
    }
  }
  if (outputMode === 'complete' && !aggregate) {
    throw badMode('complete output mode is not supported when there are no streaming aggregations');
  }
  if (outputMode === 'append' && aggregate && !groupsByEventTime(aggregate, steps)) {
    throw badMode(
      'append output mode is not supported for a streaming aggregation without a watermark on a grouping key: add withWatermark and group by window(...) (or the watermark column), or use update or complete mode',
    );
  }
  if (outputMode === 'complete' && steps.some((s) => s.kind === 'dropDuplicates')) {
    throw badMode('complete output mode is not supported with dropDuplicates');
  }
}
