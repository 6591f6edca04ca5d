import { Lakehouse } from '@loch/lakehouse';
import '@loch/streaming';
import { rm } from 'node:fs/promises';
import { FanOutNotifier, WebhookNotifier, type Notifier } from '../alerts/notify.js';
import type { Alert, AlertThresholds } from '../alerts/rules.js';
import { WebhookReceiver, type ReceivedNotification } from '../alerts/webhook-receiver.js';
import { generateTraffic, sliceTraffic, writeSlice, type TrafficConfig, type TrafficOptions } from '../generator/traffic.js';
import { importNocDashboard } from '../dashboard.js';
import { IpDatabase } from '../ip/ip-database.js';
import { ensureTables } from '../pipeline/ensure-tables.js';
import { qosLayout, type QosLayout } from '../pipeline/layout.js';
import { runPipelineOnce } from '../pipeline/runner.js';
import { TABLES } from '../pipeline/tables.js';

export interface QosRunOptions {
  /** Folder of the run (lake, landing files, checkpoints); replaced whole. */
  readonly root: string;
  readonly traffic?: TrafficOptions;
  /** Simulated seconds per landing file. */
  readonly sliceSeconds?: number;
  readonly filesPerBatch?: number;
  readonly thresholds?: AlertThresholds;
  /** Webhook to notify; default a local receiver started for the run. */
  readonly webhookUrl?: string;
  /** More notifiers (brokers) besides the webhook. */
  readonly notifiers?: readonly Notifier[];
  readonly log?: (line: string) => void;
}

export interface QosRunResult {
  readonly layout: QosLayout;
  readonly traffic: TrafficConfig;
  readonly generated: { readonly events: number; readonly cdnLogs: number; readonly files: number };
  readonly rowsPerTable: ReadonlyArray<{ readonly table: string; readonly rows: number }>;
  readonly alerts: readonly Alert[];
  /** What the local webhook receiver got (empty when a webhook URL was given). */
  readonly notifications: readonly ReceivedNotification[];
  readonly seconds: number;
  /** The console dashboard imported into the lake. */
  readonly dashboard: string;
}

/** Rows in each of the QoS tables the lake has. */
export async function rowsPerTable(lake: Lakehouse): Promise<Array<{ table: string; rows: number }>> {
  const have = new Set(await lake.tables());
  const out: Array<{ table: string; rows: number }> = [];
  for (const table of Object.values(TABLES)) {
    if (!have.has(table)) continue;
    const [r] = await lake.sql(`SELECT count(*) AS n FROM ${table}`);
    out.push({ table, rows: Number(r.rows[0].n) });
  }
  return out;
}

/**
 * The whole solution once, on embedded defaults: traffic generated (with its incidents) into
 * landing folders, the pipeline run over it (bronze, silver, gold, real-time tables, alerts),
 * notifications sent to a webhook (a local receiver unless one is given). Finishes by itself.
 */
export async function runQos(o: QosRunOptions): Promise<QosRunResult> {
  const started = Date.now();
  const log = o.log ?? (() => undefined);
  const layout = qosLayout(o.root);
  await rm(o.root, { recursive: true, force: true });
  log('Loading the IP databases ...');
  const db = await IpDatabase.open();
  const traffic = generateTraffic(db, o.traffic);
  const slices = sliceTraffic(traffic, o.sliceSeconds ?? 10);
  log(`Generated ${traffic.config.durationSeconds} s of traffic from ${traffic.config.start} (seed ${traffic.config.seed}): ${traffic.events.length} player events, ${traffic.logs.length} CDN log records, ${traffic.config.incidents.length} incidents`);
  for (const s of slices) await writeSlice(s, layout.landingEvents, layout.landingCdnLogs);
  const receiver = o.webhookUrl ? undefined : new WebhookReceiver();
  const url = o.webhookUrl ?? (await receiver!.start());
  const notifier = new FanOutNotifier([new WebhookNotifier(url), ...(o.notifiers ?? [])]);
  const lake = Lakehouse.open(layout.lake);
  const alerts: Alert[] = [];
  try {
    await ensureTables(lake);
    await importNocDashboard(lake);
    log('Running the pipeline ...');
    await runPipelineOnce({ lake, db, layout, notifier, ...(o.thresholds ? { thresholds: o.thresholds } : {}), filesPerBatch: o.filesPerBatch ?? 1000, onAlerts: (a) => alerts.push(...a), log });
    return {
      layout,
      traffic: traffic.config,
      generated: { events: traffic.events.length, cdnLogs: traffic.logs.length, files: slices.length * 2 },
      rowsPerTable: await rowsPerTable(lake),
      alerts,
      notifications: receiver ? [...receiver.received] : [],
      seconds: (Date.now() - started) / 1000,
      dashboard: 'qos-noc',
    };
  } finally {
    await notifier.close();
    await receiver?.stop();
  }
}
