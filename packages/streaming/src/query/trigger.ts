import { invalidOption } from '../errors.js';
import { parseDurationMs } from '../frame/durations.js';

/**
 * When batches run, as PySpark's `trigger(...)` takes it:
 * - `{ processingTime: '10 seconds' }`: a batch every interval (a late batch starts the next at
 *   once); `processingTime: 0`, the default, starts the next batch as soon as one ends;
 * - `{ once: true }`: one batch with everything available, then the query stops;
 * - `{ availableNow: true }`: everything available at the start, in batches bounded by the
 *   sources' rate limits, then the query stops.
 */
export type TriggerSpec = { readonly processingTime: string | number } | { readonly once: true } | { readonly availableNow: true };

export type Trigger =
  | { readonly kind: 'processingTime'; readonly intervalMs: number }
  | { readonly kind: 'once' }
  | { readonly kind: 'availableNow' };

export const DEFAULT_TRIGGER: Trigger = { kind: 'processingTime', intervalMs: 0 };

export function parseTrigger(spec: TriggerSpec): Trigger {
  const keys = Object.keys(spec);
  if (keys.length !== 1) throw invalidOption(`trigger takes exactly one of processingTime, once, availableNow; got ${keys.join(', ') || 'none'}`);
  if ('processingTime' in spec) return { kind: 'processingTime', intervalMs: parseDurationMs(spec.processingTime, 'trigger processingTime') };
  if ('once' in spec && spec.once === true) return { kind: 'once' };
  if ('availableNow' in spec && spec.availableNow === true) return { kind: 'availableNow' };
  throw invalidOption(`trigger: ${JSON.stringify(spec)} is not a trigger (processingTime, once: true or availableNow: true)`);
}

export function describeTrigger(t: Trigger): string {
  return t.kind === 'processingTime' ? `ProcessingTime(${t.intervalMs} ms)` : t.kind === 'once' ? 'Once' : 'AvailableNow';
}
