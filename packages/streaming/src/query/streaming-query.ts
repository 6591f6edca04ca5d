import type { StreamingQueryManager } from './manager.js';
import { MicroBatchExecution, type QuerySpec } from './micro-batch.js';
import type { StreamingQueryProgress, StreamingQueryStatus } from './progress.js';
import { describeTrigger } from './trigger.js';

/** Progress records a query keeps (Spark's spark.sql.streaming.numRecentProgressUpdates). */
const RECENT_PROGRESS = 100;

/**
 * A running streaming query (Spark's StreamingQuery). `id` stays the same across restarts from
 * the same checkpoint; `runId` is new each start. Batches run in the background until `stop()`,
 * a failure, or the end of a `once` / `availableNow` trigger.
 */
export class StreamingQuery {
  private readonly recent: StreamingQueryProgress[] = [];
  private readonly execution: MicroBatchExecution;

  private constructor(
    private readonly spec: QuerySpec,
    private readonly manager: StreamingQueryManager,
  ) {
    this.execution = new MicroBatchExecution(spec, {
      started: () => manager.queryStarted(this),
      progress: (p) => {
        this.recent.push(p);
        if (this.recent.length > RECENT_PROGRESS) this.recent.shift();
        manager.queryProgress(p);
      },
      idle: () => manager.queryIdle(this),
      terminated: (e) => manager.queryTerminated(this, e),
    });
  }

  /** Starts a query; rejects (with a coded error) when its plan or checkpoint cannot run. */
  static async start(spec: QuerySpec, manager: StreamingQueryManager): Promise<StreamingQuery> {
    const q = new StreamingQuery(spec, manager);
    await q.execution.start();
    return q;
  }

  get id(): string {
    return this.execution.id;
  }

  get runId(): string {
    return this.execution.runId;
  }

  get name(): string | null {
    return this.spec.queryName ?? null;
  }

  get isActive(): boolean {
    return this.execution.active;
  }

  /** The newest batch's progress, or null before the first batch. */
  get lastProgress(): StreamingQueryProgress | null {
    return this.recent.at(-1) ?? null;
  }

  /** The last batches' progress (up to 100), oldest first. */
  get recentProgress(): StreamingQueryProgress[] {
    return [...this.recent];
  }

  get status(): StreamingQueryStatus {
    return this.execution.status;
  }

  /** Why the query failed; null while it runs or when it stopped normally. */
  get exception(): Error | null {
    return this.execution.exception ?? null;
  }

  /** Stops the query: a running batch completes first. Resolves once everything is released. */
  async stop(): Promise<void> {
    await this.execution.stop();
  }

  /**
   * Waits for the query to end. Resolves true when it has (stopped, or a once/availableNow
   * trigger finished), false when `timeoutMs` passed first; rejects with the failure.
   */
  async awaitTermination(timeoutMs?: number): Promise<boolean> {
    const ended = this.execution.terminated().then(() => true);
    if (timeoutMs === undefined) return ended;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    try {
      return await Promise.race([ended, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Waits until every row available in the sources now has been processed (for tests); rejects if the query fails. */
  processAllAvailable(): Promise<void> {
    return this.execution.processAllAvailable();
  }

  /** What the query runs: source, operations, sink, trigger, output mode. */
  explain(): string {
    const { spec } = this;
    const steps = spec.steps.map((s) => `  ${s.kind}${s.kind === 'aggregate' ? ` [${s.keys.map((k) => (typeof k === 'string' ? k : `window(${k.column})`)).join(', ')}] ${Object.keys(s.aggregates).join(', ')}` : ''}`);
    return [
      `StreamingQuery ${this.name ?? this.id} (${describeTrigger(spec.trigger)}, ${spec.outputMode})`,
      `  checkpoint: ${decodeURIComponent(spec.checkpoint)}`,
      ...steps,
      `  sink: ${spec.sink.description}`,
    ].join('\n');
  }
}
