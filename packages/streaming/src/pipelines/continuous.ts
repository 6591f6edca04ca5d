import type { Lakehouse } from '@loch/lakehouse';
import { randomUUID } from 'node:crypto';
import { isStreamingError, streamingError } from '../errors.js';
import type { StreamingQuery } from '../query/streaming-query.js';
import { parseTrigger } from '../query/trigger.js';
import type { MaterializedViewDef, StreamingTableDef } from './definition.js';
import type { EventLog } from './event-log.js';
import { startFlow } from './flow.js';
import type { GraphNode } from './graph.js';
import { flowEvent, isNotReady, progressLine, resetStreamingTable, summarize, type Pipeline, type PipelineRunOptions } from './pipeline.js';

export interface ContinuousOptions {
  /** How often each streaming table runs a batch (Spark's processingTime; default '0': as soon as data arrives). */
  readonly triggerInterval?: string;
  /** How often views are checked for changed inputs, waiting tables retried and the event log written (ms, default 1000). */
  readonly tickMs?: number;
}

/**
 * A pipeline kept running (`loch pipeline run --continuous`): each streaming table a streaming
 * query with a processing-time trigger, started once what it reads exists; each view recomputed
 * when a table it reads has a new version. `stop()` ends every query after its running batch;
 * `ended` settles when the pipeline stops, rejecting with the failure that stopped it.
 */
export class ContinuousPipeline {
  readonly updateId = randomUUID();
  readonly ended: Promise<void>;
  private readonly queries = new Map<string, StreamingQuery>();
  private readonly viewInputs = new Map<string, string>();
  private stopping = false;
  private wake: (() => void) | undefined;

  private constructor(
    private readonly pipeline: Pipeline,
    private readonly lake: Lakehouse,
    private readonly options: PipelineRunOptions & ContinuousOptions,
    private readonly log: EventLog,
  ) {
    this.ended = this.loop();
  }

  static start(pipeline: Pipeline, lake: Lakehouse, options: PipelineRunOptions & ContinuousOptions): ContinuousPipeline {
    return new ContinuousPipeline(pipeline, lake, options, pipeline.eventLogOf(lake, options));
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.ended.catch(() => undefined);
  }

  /**
   * Waits until every streaming table's query runs and has processed what is available, upstream
   * first (the pipeline's StreamingQuery.processAllAvailable); a table whose input is not there
   * yet is waited for, up to `timeoutMs`. Rejects when the pipeline fails or stops meanwhile.
   */
  async processAllAvailable(timeoutMs = 600_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    let ended: unknown;
    void this.ended.then(
      () => (ended ??= streamingError('PIPELINE_UPDATE_FAILED', `pipeline ${this.pipeline.name} stopped`)),
      (e: unknown) => (ended ??= e),
    );
    for (const node of this.pipeline.graph) {
      const d = node.dataset;
      if (d.kind !== 'streamingTable') continue;
      for (;;) {
        const q = this.queries.get(d.name);
        if (q?.isActive) {
          await q.processAllAvailable();
          break;
        }
        if (ended !== undefined) throw ended;
        if (Date.now() > until) throw streamingError('PIPELINE_UPDATE_FAILED', `${this.pipeline.where(d)}: ${d.name} has not started within ${timeoutMs / 1000} s (waiting for its input)`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  private async loop(): Promise<void> {
    const { pipeline, log } = this;
    log.add(this.updateId, { event_type: 'create_update', level: 'INFO', status: 'RUNNING', message: `Continuous update ${this.updateId} of pipeline ${pipeline.name} started` });
    try {
      if (this.options.fullRefresh) {
        for (const n of pipeline.graph) if (n.dataset.kind === 'streamingTable') await resetStreamingTable(this.lake, n.dataset);
      }
      while (!this.stopping) {
        await this.tick();
        await log.flush();
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.options.tickMs ?? 1000);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    } catch (e) {
      await this.stopQueries();
      log.add(this.updateId, { event_type: 'update_progress', level: 'ERROR', status: 'FAILED', message: `Update ${this.updateId} failed: ${(e as Error).message}`, error: String(e) });
      await log.flush();
      throw e;
    }
    await this.stopQueries();
    log.add(this.updateId, { event_type: 'update_progress', level: 'INFO', status: 'STOPPED', message: `Continuous update ${this.updateId} of pipeline ${pipeline.name} stopped` });
    await log.flush();
  }

  private async stopQueries(): Promise<void> {
    for (const q of this.queries.values()) await q.stop().catch(() => undefined);
    this.queries.clear();
  }

  private async tick(): Promise<void> {
    for (const node of this.pipeline.graph) {
      if (this.stopping) return;
      const d = node.dataset;
      if (d.kind === 'streamingTable') await this.keepFlowRunning(d);
      else await this.refreshIfChanged(node, d);
    }
  }

  /** Starts the table's query if it is not running; one that ended because its input was missing (or its schema evolved) starts again. */
  private async keepFlowRunning(d: StreamingTableDef): Promise<void> {
    const running = this.queries.get(d.name);
    if (running?.isActive) return;
    if (running) {
      this.queries.delete(d.name);
      const e = running.exception;
      if (e && !isNotReady(e) && !isStreamingError(e, 'UNKNOWN_FIELD_EXCEPTION')) throw this.pipeline.failure(d, e);
    }
    const trigger = parseTrigger({ processingTime: this.options.triggerInterval ?? 0 });
    try {
      const q = await startFlow({
        lake: this.lake,
        def: d,
        where: this.pipeline.where(d),
        trigger,
        onBatch: (b) => {
          const u = { ...summarize(d.name, [b]), duration_ms: 0 };
          this.log.add(this.updateId, flowEvent(u));
          this.options.onProgress?.(progressLine(this.pipeline.name, u), u);
        },
      });
      this.queries.set(d.name, q);
    } catch (e) {
      if (!isNotReady(e)) throw this.pipeline.failure(d, e);
    }
  }

  private async refreshIfChanged(node: GraphNode, d: MaterializedViewDef): Promise<void> {
    const inputs: string[] = [];
    for (const name of [...node.dependsOn, ...node.external]) {
      const version = await this.lake
        .table(name)
        .snapshot()
        .then((s) => s.version)
        .catch(() => undefined);
      if (version === undefined && node.dependsOn.includes(name)) return; // a dataset it reads has no table yet
      inputs.push(`${name}@${version ?? '-'}`);
    }
    const key = inputs.join(',');
    if (this.viewInputs.get(d.name) === key) return;
    const u = await this.pipeline.updateDataset(this.lake, d);
    if (u.status === 'COMPLETED') this.viewInputs.set(d.name, key);
    this.log.add(this.updateId, flowEvent(u));
    this.options.onProgress?.(progressLine(this.pipeline.name, u), u);
  }
}
