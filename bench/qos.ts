/**
 * npm run bench:qos — the QoS solution (issue 16) on this machine, in one run:
 *
 * 1. Throughput: the same generated traffic (player events and CDN logs as JSON files) through
 *    the whole solution (SQL pipeline: bronze, silver with UDF anonymization/enrichment and
 *    expectations, views; gold windowed aggregates; alert queries), triggered, against the
 *    baseline of plain Auto Loader -> Delta copies of the same files (no transformation).
 * 2. End-to-end alert latency with everything streaming (1 s triggers) while traffic is published
 *    in accelerated real time: from the publication of the file whose data closes an alert's window
 *    to the notification's arrival at the webhook, p50 and p99; against the baseline of one hop
 *    (a file's publication to its rows in bronze) measured in the same run.
 *
 * Figures to stdout, progress to stderr. LOCH_BENCH_SECONDS (simulated seconds of traffic,
 * default 360), LOCH_BENCH_SPEED (simulated seconds per real second in part 2, default 3).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Lakehouse } from '@loch/lakehouse';
import '@loch/streaming';
import { alertLatenciesMs, generateTraffic, IpDatabase, qosLayout, runContinuous, runQos, sliceTraffic, TABLES, writeSlice, type Publication } from '@loch/qos';

const SECONDS = Number(process.env.LOCH_BENCH_SECONDS ?? 360);
const SPEED = Number(process.env.LOCH_BENCH_SPEED ?? 3);
const progress = (s: string) => process.stderr.write(`${s}\n`);
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

/** Plain Auto Loader -> Delta of the landing folders, no transformation: the ingest floor. */
async function copyBaseline(root: string): Promise<{ rows: number; seconds: number }> {
  const layout = qosLayout(root);
  const lake = Lakehouse.open(join(root, 'baseline-lake'));
  const started = Date.now();
  let rows = 0;
  for (const [dir, name] of [[layout.landingEvents, 'events'], [layout.landingCdnLogs, 'cdn_logs']] as const) {
    const q = await lake.readStream
      .format('cloudFiles')
      .option('cloudFiles.format', 'json')
      .option('cloudFiles.schemaLocation', join(root, 'baseline-ck', `${name}_schema`))
      .option('cloudFiles.maxFilesPerTrigger', 3)
      .load(dir)
      .writeStream.option('checkpointLocation', join(root, 'baseline-ck', name))
      .trigger({ availableNow: true })
      .toTable(`raw_${name}`);
    await q.awaitTermination();
    rows += q.recentProgress.reduce((n, p) => n + p.numInputRows, 0);
  }
  return { rows, seconds: (Date.now() - started) / 1000 };
}

async function throughput(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'loch-bench-qos-'));
  try {
    progress(`1. ${SECONDS} s of traffic through the solution, triggered, against plain Auto Loader copies ...`);
    const full = await runQos({ root: join(dir, 'run'), traffic: { durationSeconds: SECONDS } });
    const rows = full.generated.events + full.generated.cdnLogs;
    const db = await IpDatabase.open();
    const traffic = generateTraffic(db, { durationSeconds: SECONDS });
    const layout = qosLayout(join(dir, 'base'));
    for (const s of sliceTraffic(traffic, 10)) await writeSlice(s, layout.landingEvents, layout.landingCdnLogs);
    const base = await copyBaseline(join(dir, 'base'));
    const fullRate = rows / full.seconds;
    const baseRate = base.rows / base.seconds;
    console.log(`| traffic | rows | QoS solution (s) | rows/s | Auto Loader copy (s) | rows/s | solution / copy |`);
    console.log(`|---|---|---|---|---|---|---|`);
    console.log(`| ${SECONDS} s simulated, ${full.alerts.length} alerts | ${rows} | ${full.seconds.toFixed(1)} | ${fullRate.toFixed(0)} | ${base.seconds.toFixed(1)} | ${baseRate.toFixed(0)} | **${(fullRate / baseRate).toFixed(2)}×** |`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Watches bronze while the run publishes: the time from each file's publication to its events in bronze. */
function bronzeWatcher(lakeDir: string): { onPublish: (p: Publication) => void; stop: () => Promise<number[]> } {
  const pending: Array<{ upTo: number; at: number }> = [];
  const hops: number[] = [];
  let published = 0;
  let running = true;
  const loop = (async () => {
    const lake = Lakehouse.open(lakeDir);
    while (running) {
      // The table's folder is listed from its creation, before its first commit: count once it reads.
      const n = pending.length > 0 ? await lake.sql(`SELECT count(*) AS n FROM ${TABLES.bronzeEvents}`).then((r) => Number(r[0].rows[0].n), () => 0) : 0;
      while (pending.length > 0 && pending[0].upTo <= n) hops.push(Date.now() - pending.shift()!.at);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  return {
    onPublish: (p) => {
      published += p.events;
      pending.push({ upTo: published, at: p.publishedAt });
    },
    stop: async () => {
      running = false;
      await loop;
      return hops;
    },
  };
}

async function latency(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'loch-bench-qos-'));
  try {
    progress(`2. ${SECONDS} s of traffic published at ${SPEED}x real time, everything streaming ...`);
    const root = join(dir, 'live');
    const watch = bronzeWatcher(qosLayout(root).lake);
    const r = await runContinuous({ root, speed: SPEED, traffic: { durationSeconds: SECONDS }, onPublish: watch.onPublish, log: progress });
    const hops = await watch.stop();
    const alerts = alertLatenciesMs(r.publications, r.notifications);
    const rows = r.publications.reduce((n, p) => n + p.rows, 0);
    console.log(`\n| published | rows/s offered | alerts | alert latency p50 (s) | p99 (s) | one hop (file -> bronze) p50 (s) | p99 (s) | alert p50 / hop p50 |`);
    console.log(`|---|---|---|---|---|---|---|---|`);
    console.log(
      `| ${SECONDS} s at ${SPEED}x | ${(rows / (SECONDS / SPEED)).toFixed(0)} | ${alerts.length} | ${(pct(alerts, 50) / 1000).toFixed(1)} | ${(pct(alerts, 99) / 1000).toFixed(1)} | ${(pct(hops, 50) / 1000).toFixed(1)} | ${(pct(hops, 99) / 1000).toFixed(1)} | **${(pct(alerts, 50) / pct(hops, 50)).toFixed(1)}×** |`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const load = loadavg()[0].toFixed(1);
await throughput();
await latency();
console.log(`\nLoad average at the start: ${load}, at the end: ${loadavg()[0].toFixed(1)} (2 cores).`);
