import type { Lakehouse } from '@loch/lakehouse';
import type { ContinuousPipeline, DatasetUpdate, StreamingQuery, TriggerSpec } from '@loch/streaming';
import { ALERT_RULES, alertInput, startAlertQuery } from '../alerts/alert-queries.js';
import type { Notifier } from '../alerts/notify.js';
import { DEFAULT_THRESHOLDS, type Alert, type AlertThresholds } from '../alerts/rules.js';
import type { IpDatabase } from '../ip/ip-database.js';
import { waitForTable } from './ensure-tables.js';
import { registerQosFunctions } from './functions.js';
import type { QosLayout } from './layout.js';
import { EVENT_LOG, qosPipeline, type EventsSource, type GoldWindows } from './sql-pipeline.js';
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
  /** Where bronze's player events come from (default: the landing folder's files). */
  readonly events?: EventsSource;
  readonly onAlerts?: (alerts: readonly Alert[]) => void;
  /** Progress lines (stderr in the CLI). */
  readonly log?: (line: string) => void;
}

function pipelineOptions(o: PipelineOptions, filesPerBatch: number) {
  return { filesPerBatch: o.filesPerBatch ?? filesPerBatch, ...(o.windows ? { windows: o.windows } : {}), ...(o.events ? { events: o.events } : {}) };
}

function alertContext(o: PipelineOptions, trigger: TriggerSpec) {
  return { lake: o.lake, notifier: o.notifier, thresholds: o.thresholds ?? DEFAULT_THRESHOLDS, checkpoints: o.layout.checkpoints, trigger, ...(o.onAlerts ? { onAlerts: o.onAlerts } : {}) };
}

/**
 * One triggered run of the whole solution: the SQL pipeline (`loch pipeline`'s engine: bronze,
 * silver with expectations, gold windowed aggregates, real-time views) takes what is new, then
 * the alert queries judge the windows gold closed. Resolves with the pipeline's dataset updates.
 */
export async function runPipelineOnce(o: PipelineOptions): Promise<DatasetUpdate[]> {
  registerQosFunctions(o.lake, o.db);
  const pipeline = qosPipeline(o.layout, pipelineOptions(o, 1000));
  const updates = await pipeline.run(o.lake, { eventLog: EVENT_LOG, onProgress: (line) => o.log?.(`  ${line}`) });
  for (const rule of ALERT_RULES) {
    const q = await startAlertQuery(alertContext(o, { availableNow: true }), rule);
    await q.awaitTermination();
  }
  return updates;
}

/**
 * The solution kept running: the SQL pipeline continuous (each streaming table, gold included, a
 * batch every `interval`; views recomputed when silver changes), each alert query a continuous
 * streaming query started once its gold table exists. Lifecycle: `start()`, `drain()`, `stop()`.
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
    this.sql = qosPipeline(this.o.layout, pipelineOptions(this.o, 1)).start(this.o.lake, { eventLog: EVENT_LOG, triggerInterval: this.interval, tickMs: 1000 });
    this.sql.ended.catch((e: Error) => this.o.log?.(`pipeline stopped: ${e.message}`));
    this.starting = (async () => {
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
   * Waits until silver holds `rows` rows (everything published, none dropped), then until the
   * pipeline's streaming tables (gold last) and each alert query have processed what is available.
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
    await this.sql?.processAllAvailable(Math.max(1, until - Date.now()));
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
