import type { StreamingQueryProgress } from './progress.js';

export interface QueryStartedEvent {
  readonly id: string;
  readonly runId: string;
  readonly name: string | null;
  readonly timestamp: string;
}

export interface QueryProgressEvent {
  readonly progress: StreamingQueryProgress;
}

/** A trigger found no new data (Spark 3.5's onQueryIdle). */
export interface QueryIdleEvent {
  readonly id: string;
  readonly runId: string;
  readonly timestamp: string;
}

export interface QueryTerminatedEvent {
  readonly id: string;
  readonly runId: string;
  /** The failure's message, when the query failed. */
  readonly exception: string | null;
  /** The failure's error code, when it has one. */
  readonly errorClassOnException: string | null;
}

/**
 * Spark's StreamingQueryListener: told when queries of a lake start, make progress, idle and
 * end. Events are delivered after the fact and never slow or fail a query: a listener that
 * throws (or rejects) is reported on stderr.
 */
export interface StreamingQueryListener {
  onQueryStarted?(event: QueryStartedEvent): void | Promise<void>;
  onQueryProgress?(event: QueryProgressEvent): void | Promise<void>;
  onQueryIdle?(event: QueryIdleEvent): void | Promise<void>;
  onQueryTerminated?(event: QueryTerminatedEvent): void | Promise<void>;
}

type EventName = keyof StreamingQueryListener;
type EventOf<K extends EventName> = Parameters<NonNullable<StreamingQueryListener[K]>>[0];

/** Calls each listener's handler for `name`, catching what it throws. */
export function post<K extends EventName>(listeners: Iterable<StreamingQueryListener>, name: K, event: EventOf<K>): void {
  for (const l of listeners) {
    const handler = l[name] as ((e: EventOf<K>) => void | Promise<void>) | undefined;
    if (!handler) continue;
    const report = (e: unknown) => process.stderr.write(`warning: streaming listener ${name} failed: ${(e as Error)?.message ?? String(e)}\n`);
    try {
      const r = handler.call(l, event);
      if (r && typeof (r as Promise<void>).catch === 'function') (r as Promise<void>).catch(report);
    } catch (e) {
      report(e);
    }
  }
}
