import type { Lakehouse } from '@loch/lakehouse';
import type { ContinuousPipeline, DatasetUpdate, StreamingQuery } from '@loch/streaming';
import { ALERT_RULES, alertInput, startAlertQuery } from '../alerts/alert-queries.js';
import type { Notifier } from '../alerts/notify.js';
import { DEFAULT_THRESHOLDS, type Alert, type AlertThresholds } from '../alerts/rules.js';
import type { IpDatabase } from '../ip/ip-database.js';
import { waitForTable } from './ensure-tables.js';
import { registerQosFunctions } from './functions.js';
import { DEFAULT_WINDOWS, type GoldWindows } from './gold.js';
import type { QosLayout } from './layout.js';
import { EVENT_LOG, qosPipeline } from './sql-pipeline.js';
import { STAGES, type StageContext } from './stages.js';
import { TABLES } from './tables.js';

export interface PipelineOptions {
  readonly lake: Lakehouse;
  readonly db: IpDatabase;
  readonly layout: QosLayout;
  readonly notifier: Notifier;
  readonly thresholds?: AlertThresholds;
  readonly windows?: GoldWindows;
  /** Landing files Auto Loader takes per batch (each file is a slice of traffic). */
  readonly filesPerBatch?: number;
  readonly onAlerts?: (alerts: readonly Alert[]) => void;
  /** Progress lines (stderr in the CLI). */
  readonly log?: (line: string) => void;
}

function stageContext(o: PipelineOptions, trigger: StageContext['trigger']): StageContext {
  return { lake: o.lake, layout: o.layout, trigger, windows: o.windows ?? DEFAULT_WINDOWS };
}

function alertContext(o: PipelineOptions, trigger: StageContext['trigger']) {
  return { lake: o.lake, notifier: o.notifier, thresholds: o.thresholds ?? DEFAULT_THRESHOLDS, checkpoints: o.layout.checkpoints, trigger, ...(o.onAlerts ? { onAlerts: o.onAlerts } : {}) };
}

/**
 * One triggered run of the whole solution: the SQL pipeline (`loch pipeline`'s engine: bronze,
 * silver with expectations, real-time views) takes what is new, then each gold windowed
 * aggregate (in batches, so watermarks move and windows close), then the alert queries.
 * Resolves with the SQL pipeline's dataset updates when all are done.
 */
export async function runPipelineOnce(o: PipelineOptions): Promise<DatasetUpdate[]> {
  registerQosFunctions(o.lake, o.db);
  const updates = await qosPipeline(o.layout, o.filesPerBatch ?? 3).run(o.lake, { eventLog: EVENT_LOG, onProgress: (line) => o.log?.(`  ${line}`) });
  const ctx = stageContext(o, { availableNow: true });
  for (const stage of STAGES) {
    const started = Date.now();
    const q = await stage.start(ctx);
    await q.awaitTermination();
    o.log?.(`  [qos] ${stage.table} (windowed aggregate): ${q.recentProgress.reduce((n, p) => n + p.numInputRows, 0)} rows in ${q.recentProgress.length} batches (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  }
  for (const rule of ALERT_RULES) {
    const q = await startAlertQuery(alertContext(o, { availableNow: true }), rule);
    await q.awaitTermination();
  }
  return updates;
}

/**
 * The solution kept running: the SQL pipeline continuous (each streaming table a batch every
 * `interval`, views recomputed when silver changes), each gold aggregate and alert query a
 * continuous streaming query started once its input exists. Lifecycle: `start()`, `drain()`, `stop()`.
 */
export class RunningPipeline {
  private queries: StreamingQuery[] = [];
  private sql: ContinuousPipeline | undefined;
  private starting: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly o: PipelineOptions,
    private readonly interval = '1 second',
  ) {}

  /** Starts everything in the background, upstream first; `started` settles when all run. */
  start(): void {
    registerQosFunctions(this.o.lake, this.o.db);
    this.sql = qosPipeline(this.o.layout, this.o.filesPerBatch ?? 1).start(this.o.lake, { eventLog: EVENT_LOG, triggerInterval: this.interval, tickMs: 1000 });
    this.sql.ended.catch((e: Error) => this.o.log?.(`pipeline stopped: ${e.message}`));
    const ctx = stageContext(this.o, { processingTime: this.interval });
    this.starting = (async () => {
      for (const stage of STAGES) {
        if (stage.input) await waitForTable(this.o.lake, stage.input, 600_000);
        if (this.stopped) return;
        this.queries.push(await stage.start(ctx));
      }
      for (const rule of ALERT_RULES) {
        await waitForTable(this.o.lake, alertInput(rule), 600_000);
        if (this.stopped) return;
        this.queries.push(await startAlertQuery(alertContext(this.o, { processingTime: this.interval }), rule));
      }
    })();
  }

  get started(): Promise<void> {
    return this.starting;
  }

  /**
   * Waits until silver holds `rows` rows (everything published, none dropped), then until each
   * gold and alert query has processed what is available, upstream first.
   */
  async drain(rows: number, timeoutMs = 600_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    await this.starting;
    for (;;) {
      const [r] = await this.o.lake.sql(`SELECT (SELECT count(*) FROM ${TABLES.silverEvents}) + (SELECT count(*) FROM ${TABLES.silverCdnLogs}) AS n`);
      if (Number(r.rows[0].n) >= rows) break;
      if (Date.now() > until) throw Object.assign(new Error(`QOS_DRAIN_TIMEOUT: silver has ${r.rows[0].n} of ${rows} rows after ${timeoutMs / 1000} s`), { code: 'QOS_DRAIN_TIMEOUT' });
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    for (const q of this.queries) {
      if (q.exception) throw q.exception;
      await q.processAllAvailable();
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.starting.catch(() => undefined);
    for (const q of this.queries) await q.stop();
    this.queries = [];
    await this.sql?.stop();
  }
}
