import { Lakehouse } from '@loch/lakehouse';
import '@loch/streaming';
import { rm } from 'node:fs/promises';
import { FanOutNotifier, WebhookNotifier, type Notifier } from '../alerts/notify.js';
import type { Alert, AlertThresholds } from '../alerts/rules.js';
import { WebhookReceiver, type ReceivedNotification } from '../alerts/webhook-receiver.js';
import { importNocDashboard } from '../dashboard.js';
import { generateTraffic, sliceTraffic, writeSlice, type TrafficOptions, type TrafficSlice } from '../generator/traffic.js';
import { IpDatabase } from '../ip/ip-database.js';
import { ensureTables } from '../pipeline/ensure-tables.js';
import { qosLayout, type QosLayout } from '../pipeline/layout.js';
import { RunningPipeline } from '../pipeline/runner.js';
import { NatsEventPublisher } from './nats-events.js';

export interface ContinuousRunOptions {
  readonly root: string;
  /** Traffic of each chunk (its seed and start move on chunk by chunk). */
  readonly traffic?: TrafficOptions;
  /** Chunks of traffic to publish; Infinity keeps going until `signal` aborts. */
  readonly chunks?: number;
  readonly sliceSeconds?: number;
  /** Simulated seconds published per real second (10: six minutes of traffic in 36 s). */
  readonly speed?: number;
  /** Trigger interval of every query. */
  readonly interval?: string;
  readonly thresholds?: AlertThresholds;
  readonly webhookUrl?: string;
  readonly notifiers?: readonly Notifier[];
  readonly signal?: AbortSignal;
  /** Player events published to this NATS JetStream stream (bronze reads it) instead of landing as files. */
  readonly eventsNats?: { readonly servers: string; readonly stream: string };
  /** Called as each slice is published (a benchmark watches the tables for it). */
  readonly onPublish?: (p: Publication) => void;
  readonly log?: (line: string) => void;
}

/** A published slice of traffic: when its data was made available, and the latest event time in it. */
export interface Publication {
  readonly fromMs: number;
  readonly maxEventMs: number;
  readonly rows: number;
  /** Player events in it (the rest are CDN log records). */
  readonly events: number;
  readonly publishedAt: number;
}

export interface ContinuousRunResult {
  readonly layout: QosLayout;
  readonly publications: readonly Publication[];
  readonly alerts: readonly Alert[];
  readonly notifications: readonly ReceivedNotification[];
  /** Real seconds from the first publication until everything published was processed. */
  readonly seconds: number;
}

function maxEventMs(s: TrafficSlice): number {
  let max = s.fromMs;
  for (const e of s.events) max = Math.max(max, Date.parse(e.event_time));
  for (const l of s.logs) max = Math.max(max, Date.parse(`${l.date}T${l.time}Z`));
  return max;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (ms <= 0 || signal?.aborted) return resolve();
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });

/**
 * The solution kept running: traffic published slice by slice in (accelerated) real time into
 * the landing folders (player events to a NATS stream instead, with `eventsNats`) while every stage and alert query runs continuously; notifications go to
 * the webhook (a local receiver unless one is given) and any broker notifiers. Ends after
 * `chunks` chunks of traffic have been processed, or when `signal` aborts.
 */
export async function runContinuous(o: ContinuousRunOptions): Promise<ContinuousRunResult> {
  const log = o.log ?? (() => undefined);
  const layout = qosLayout(o.root);
  await rm(o.root, { recursive: true, force: true });
  const db = await IpDatabase.open();
  const lake = Lakehouse.open(layout.lake);
  await ensureTables(lake);
  await importNocDashboard(lake);
  const receiver = o.webhookUrl ? undefined : new WebhookReceiver();
  const url = o.webhookUrl ?? (await receiver!.start());
  const notifier = new FanOutNotifier([new WebhookNotifier(url), ...(o.notifiers ?? [])]);
  const alerts: Alert[] = [];
  const nats = o.eventsNats ? await NatsEventPublisher.open(o.eventsNats.servers, o.eventsNats.stream) : undefined;
  const events = o.eventsNats ? ({ kind: 'nats', ...o.eventsNats } as const) : undefined;
  const pipeline = new RunningPipeline(
    { lake, db, layout, notifier, filesPerBatch: 1, onAlerts: (a) => alerts.push(...a), log, ...(o.thresholds ? { thresholds: o.thresholds } : {}), ...(events ? { events } : {}) },
    o.interval ?? '1 second',
  );
  const publications: Publication[] = [];
  const speed = o.speed ?? 10;
  const sliceSeconds = o.sliceSeconds ?? 10;
  const first = Date.now();
  try {
    const base = { durationSeconds: 360, ...o.traffic };
    const startMs = Date.parse(base.start ?? '2026-12-07T08:00:00.000Z');
    for (let chunk = 0; chunk < (o.chunks ?? 1) && !o.signal?.aborted; chunk++) {
      const traffic = generateTraffic(db, { ...base, seed: (base.seed ?? 42) + chunk, start: new Date(startMs + chunk * base.durationSeconds * 1000).toISOString() });
      for (const slice of sliceTraffic(traffic, sliceSeconds)) {
        if (o.signal?.aborted) break;
        await sleep(first + ((slice.fromMs - startMs + sliceSeconds * 1000) / speed) - Date.now(), o.signal);
        if (nats) {
          await nats.publish(slice.events);
          await writeSlice({ ...slice, events: [] }, layout.landingEvents, layout.landingCdnLogs);
        } else await writeSlice(slice, layout.landingEvents, layout.landingCdnLogs);
        const p = { fromMs: slice.fromMs, maxEventMs: maxEventMs(slice), rows: slice.events.length + slice.logs.length, events: slice.events.length, publishedAt: Date.now() };
        publications.push(p);
        o.onPublish?.(p);
        if (publications.length === 1) pipeline.start();
      }
      log(`published chunk ${chunk + 1}: ${traffic.events.length} player events, ${traffic.logs.length} CDN log records`);
    }
    await pipeline.drain(publications.reduce((n, p) => n + p.rows, 0));
    return { layout, publications, alerts, notifications: receiver ? [...receiver.received] : [], seconds: (Date.now() - first) / 1000 };
  } finally {
    await pipeline.stop();
    await nats?.close();
    await notifier.close();
    await receiver?.stop();
  }
}

/**
 * End-to-end latency of each notification: from the publication of the first file whose data
 * moved event time past the alert window's end plus the watermark delay (what lets the window
 * close) to the notification's arrival.
 */
export function alertLatenciesMs(publications: readonly Publication[], notifications: readonly ReceivedNotification[], watermarkMs = 30_000): number[] {
  const out: number[] = [];
  for (const n of notifications) {
    const end = Date.parse(String((n.body.window as { end: string }).end));
    const trigger = publications.find((p) => p.maxEventMs > end + watermarkMs);
    if (trigger) out.push(n.receivedAt - trigger.publishedAt);
  }
  return out;
}
