import { post, type StreamingQueryListener } from './listener.js';
import type { StreamingQueryProgress } from './progress.js';
import type { StreamingQuery } from './streaming-query.js';

/**
 * The streaming queries of a lake (Spark's `spark.streams`): the active ones, listeners, and
 * waiting for any to end. Reached as `lake.streams`.
 */
export class StreamingQueryManager {
  private readonly listeners = new Set<StreamingQueryListener>();
  private readonly queries = new Map<string, StreamingQuery>();
  private terminated: { query: StreamingQuery; error: Error | undefined } | undefined;
  private readonly terminationWaiters: (() => void)[] = [];

  addListener(listener: StreamingQueryListener): void {
    this.listeners.add(listener);
  }

  removeListener(listener: StreamingQueryListener): void {
    this.listeners.delete(listener);
  }

  /** Queries running now. */
  get active(): StreamingQuery[] {
    return [...this.queries.values()];
  }

  /** The active query with this id (or runId). */
  get(id: string): StreamingQuery | undefined {
    return this.queries.get(id) ?? [...this.queries.values()].find((q) => q.runId === id);
  }

  /**
   * Waits until any query of this lake ends (since the last resetTerminated): resolves true, or
   * false after `timeoutMs`; rejects with the failure of a query that failed.
   */
  async awaitAnyTermination(timeoutMs?: number): Promise<boolean> {
    if (!this.terminated) {
      const ended = new Promise<boolean>((resolve) => this.terminationWaiters.push(() => resolve(true)));
      let timer: NodeJS.Timeout | undefined;
      const timeout = timeoutMs === undefined ? undefined : new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
      const done = await (timeout ? Promise.race([ended, timeout]) : ended);
      clearTimeout(timer);
      if (!done) return false;
    }
    if (this.terminated?.error) throw this.terminated.error;
    return true;
  }

  /** Forgets ended queries, so that awaitAnyTermination waits for a new one. */
  resetTerminated(): void {
    this.terminated = undefined;
  }

  /** @internal */
  queryStarted(q: StreamingQuery): void {
    this.queries.set(q.id, q);
    post(this.listeners, 'onQueryStarted', { id: q.id, runId: q.runId, name: q.name, timestamp: new Date().toISOString() });
  }

  /** @internal */
  queryProgress(progress: StreamingQueryProgress): void {
    post(this.listeners, 'onQueryProgress', { progress });
  }

  /** @internal */
  queryIdle(q: StreamingQuery): void {
    post(this.listeners, 'onQueryIdle', { id: q.id, runId: q.runId, timestamp: new Date().toISOString() });
  }

  /** @internal */
  queryTerminated(q: StreamingQuery, error: Error | undefined): void {
    this.queries.delete(q.id);
    this.terminated = { query: q, error };
    const code = (error as { code?: unknown } | undefined)?.code;
    post(this.listeners, 'onQueryTerminated', { id: q.id, runId: q.runId, exception: error ? error.message : null, errorClassOnException: typeof code === 'string' ? code : null });
    for (const w of this.terminationWaiters.splice(0)) w();
  }
}
