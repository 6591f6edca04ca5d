import type { Lakehouse } from '@loch/lakehouse';
import type { StreamingQuery } from '@loch/streaming';
import { ALERT_RULES, startAlertQuery } from '../alerts/alert-queries.js';
import type { Notifier } from '../alerts/notify.js';
import { DEFAULT_THRESHOLDS, type Alert, type AlertThresholds } from '../alerts/rules.js';
import type { IpDatabase } from '../ip/ip-database.js';
import { DEFAULT_WINDOWS, type GoldWindows } from './gold.js';
import type { QosLayout } from './layout.js';
import { refreshRealtime } from './realtime.js';
import type { SilverBatchResult } from './silver.js';
import { STAGES, type StageContext } from './stages.js';

export interface PipelineOptions {
  readonly lake: Lakehouse;
  readonly db: IpDatabase;
  readonly layout: QosLayout;
  readonly notifier: Notifier;
  readonly thresholds?: AlertThresholds;
  readonly windows?: GoldWindows;
  readonly filesPerBatch?: number;
  readonly onAlerts?: (alerts: readonly Alert[]) => void;
  readonly onSilverBatch?: (table: string, r: SilverBatchResult) => void;
  /** Progress lines (stderr in the CLI). */
  readonly log?: (line: string) => void;
}

function stageContext(o: PipelineOptions, trigger: StageContext['trigger']): StageContext {
  return { lake: o.lake, db: o.db, layout: o.layout, trigger, filesPerBatch: o.filesPerBatch ?? 3, windows: o.windows ?? DEFAULT_WINDOWS, ...(o.onSilverBatch ? { onSilverBatch: o.onSilverBatch } : {}) };
}

function alertContext(o: PipelineOptions, trigger: StageContext['trigger']) {
  return { lake: o.lake, notifier: o.notifier, thresholds: o.thresholds ?? DEFAULT_THRESHOLDS, checkpoints: o.layout.checkpoints, trigger, ...(o.onAlerts ? { onAlerts: o.onAlerts } : {}) };
}

/**
 * One triggered run of the whole pipeline, as `loch pipeline run` does for a file: each streaming
 * table processes everything available (in batches, so watermarks move and windows close), in
 * dependency order; then the real-time tables and the alert queries. Resolves when all are done.
 */
export async function runPipelineOnce(o: PipelineOptions): Promise<void> {
  const ctx = stageContext(o, { availableNow: true });
  for (const stage of STAGES) {
    const started = Date.now();
    const q = await stage.start(ctx);
    await q.awaitTermination();
    o.log?.(`  ${stage.name}: ${q.recentProgress.reduce((n, p) => n + p.numInputRows, 0)} rows in ${q.recentProgress.length} batches (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  }
  await refreshRealtime(o.lake);
  for (const rule of ALERT_RULES) {
    const q = await startAlertQuery(alertContext(o, { availableNow: true }), rule);
    await q.awaitTermination();
  }
}

/**
 * The pipeline kept running: every stage and alert query a continuous streaming query (a batch
 * every `interval`), the real-time tables refreshed every few seconds. `stop()` ends them all.
 */
export class ContinuousPipeline {
  private queries: StreamingQuery[] = [];
  private timer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> = Promise.resolve();

  constructor(
    private readonly o: PipelineOptions,
    private readonly interval = '1 second',
    private readonly realtimeEveryMs = 5000,
  ) {}

  async start(): Promise<void> {
    const ctx = stageContext(this.o, { processingTime: this.interval });
    for (const stage of STAGES) this.queries.push(await stage.start(ctx));
    for (const rule of ALERT_RULES) this.queries.push(await startAlertQuery(alertContext(this.o, { processingTime: this.interval }), rule));
    this.timer = setInterval(() => {
      this.refreshing = this.refreshing.then(() => refreshRealtime(this.o.lake)).catch((e: Error) => this.o.log?.(`real-time tables: ${e.message}`));
    }, this.realtimeEveryMs);
  }

  /** The running queries (for progress and their failures). */
  get active(): readonly StreamingQuery[] {
    return this.queries;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.refreshing;
    for (const q of this.queries) await q.stop();
    this.queries = [];
  }
}
