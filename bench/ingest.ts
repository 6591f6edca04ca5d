/**
 * npm run bench:ingest — events from a NATS JetStream stream into a bronze Delta table, against
 * a bare `nats` consumer draining the same stream, in one run:
 *
 * 1. throughput: LOCH_BENCH_EVENTS (default 200,000) JSON events of ~300 bytes are published;
 *    the bare consumer (an ordered consumer counting messages) and Loch's query (format nats,
 *    JSON parsed into columns, availableNow into Delta) each read them all; events/s and ratio;
 * 2. latency: a continuous query runs while a producer publishes LOCH_BENCH_RATE events/s
 *    (default 50,000) for LOCH_BENCH_SECONDS (default 10); each event's latency is the time from
 *    its publication (in the event) to the commit that makes it visible in a snapshot; p50, p99.
 *
 * Needs NATS with JetStream at 127.0.0.1:4222. Progress to stderr, figures to stdout.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from 'nats';
import { Lakehouse } from '@loch/lakehouse';
import '@loch/streaming';

const EVENTS = Number(process.env.LOCH_BENCH_EVENTS ?? 200_000);
const RATE = Number(process.env.LOCH_BENCH_RATE ?? 50_000);
const SECONDS = Number(process.env.LOCH_BENCH_SECONDS ?? 10);
const SERVERS = process.env.LOCH_BENCH_NATS ?? '127.0.0.1:4222';
const SCHEMA = 'id BIGINT, sent_ms BIGINT, session_id STRING, event STRING, cdn STRING, app STRING, isp STRING, ttff_ms INT, buffering_ms INT, bitrate INT, ip STRING';
const progress = (s: string) => process.stderr.write(`${s}\n`);
const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

/** A player event of ~300 bytes of JSON. */
function event(id: number, sentMs: number): string {
  return JSON.stringify({
    id,
    sent_ms: sentMs,
    session_id: `s-${(id * 2654435761) % 1_000_003}-${id % 97}`,
    event: ['play', 'pause', 'buffer', 'seek', 'stop'][id % 5],
    cdn: `edge-${['fra', 'ams', 'lhr', 'cdg', 'mad'][id % 5]}-${String(id % 12).padStart(2, '0')}`,
    app: `web-5.${id % 4}.${id % 10}`,
    isp: ['Deutsche Telekom', 'Vodafone', 'Orange', 'Telefonica', 'BT'][id % 5],
    ttff_ms: 200 + (id % 1800),
    buffering_ms: id % 5000,
    bitrate: 800 + (id % 7) * 500,
    ip: `10.${id % 256}.${(id >> 8) % 256}.0`,
    user_agent: 'Mozilla/5.0 (X11; Linux x86_64)',
  });
}

async function stream(nc: NatsConnection, name: string): Promise<void> {
  const jsm = await nc.jetstreamManager();
  await jsm.streams.add({ name, subjects: [`${name}.>`] });
}

async function publishAll(nc: NatsConnection, subject: string, n: number): Promise<number> {
  const t = performance.now();
  for (let i = 0; i < n; i++) {
    nc.publish(subject, event(i, Date.now()));
    if (i % 10_000 === 9_999) await nc.flush();
  }
  await nc.flush();
  return performance.now() - t;
}

/** The baseline: a bare ordered consumer counting the stream's messages. */
async function bareConsume(nc: NatsConnection, name: string, n: number): Promise<number> {
  const t = performance.now();
  const consumer = await nc.jetstream().consumers.get(name);
  const messages = await consumer.consume({ max_messages: 10_000 });
  let count = 0;
  for await (const m of messages) {
    void m.data;
    if (++count >= n) break;
  }
  messages.stop();
  return performance.now() - t;
}

async function lochIngest(lake: Lakehouse, name: string, checkpoint: string): Promise<number> {
  const t = performance.now();
  const q = await lake.readStream.format('nats').options({ servers: SERVERS, stream: name, format: 'json', schema: SCHEMA }).load()
    .writeStream.option('checkpointLocation', checkpoint).trigger({ availableNow: true }).toTable('bronze');
  await q.awaitTermination();
  return performance.now() - t;
}

/** A continuous query while events arrive at RATE/s: each event's latency from publication to its batch's commit. */
async function latency(nc: NatsConnection, lake: Lakehouse, name: string, checkpoint: string): Promise<number[]> {
  const latencies: number[] = [];
  const pending: Promise<void>[] = [];
  lake.streams.addListener({
    onQueryProgress: (e) => {
      const committedAt = Date.now();
      const from = (e.progress.sources[0]?.startOffset as { seq?: number } | null)?.seq ?? 0;
      const to = (e.progress.sources[0]?.endOffset as { seq?: number } | null)?.seq ?? 0;
      pending.push(
        lake.sql(`SELECT sent_ms FROM latency WHERE sequence > ${from} AND sequence <= ${to}`).then(([r]) => {
          for (const row of r.rows) latencies.push(committedAt - Number(row['sent_ms']));
        }),
      );
    },
  });
  const q = await lake.readStream.format('nats').options({ servers: SERVERS, stream: name, format: 'json', schema: SCHEMA }).load()
    .writeStream.option('checkpointLocation', checkpoint).toTable('latency');
  const subject = `${name}.events`;
  const started = Date.now();
  let sent = 0;
  while (Date.now() - started < SECONDS * 1000) {
    const due = Math.floor(((Date.now() - started) / 1000) * RATE);
    for (; sent < due; sent++) nc.publish(subject, event(sent, Date.now()));
    await nc.flush();
    await new Promise((r) => setTimeout(r, 5));
  }
  await q.processAllAvailable();
  await q.stop();
  await Promise.all(pending);
  progress(`latency: ${sent} events published in ${SECONDS} s (${Math.round(sent / SECONDS)}/s), ${latencies.length} seen committed`);
  return latencies.sort((a, b) => a - b);
}

async function main(): Promise<void> {
  const nc = await connect({ servers: SERVERS, timeout: 3000 }).catch((e: Error) => {
    throw new Error(`NATS with JetStream is not reachable at ${SERVERS}: ${e.message}`);
  });
  const dir = await mkdtemp(join(tmpdir(), 'loch-bench-ingest-'));
  const lake = Lakehouse.open(join(dir, 'lake'));
  const name = `LOCH_BENCH_${Date.now()}`;
  const jsm = await nc.jetstreamManager();
  try {
    await stream(nc, name);
    const publishMs = await publishAll(nc, `${name}.events`, EVENTS);
    progress(`published ${EVENTS} events in ${(publishMs / 1000).toFixed(2)} s`);
    const bareMs = await bareConsume(nc, name, EVENTS);
    progress(`bare consumer: ${(bareMs / 1000).toFixed(2)} s`);
    const lochMs = await lochIngest(lake, name, join(dir, 'ck-bronze'));
    progress(`loch: ${(lochMs / 1000).toFixed(2)} s`);
    const [count] = (await lake.sql('SELECT count(*) AS n FROM bronze'))[0].rows;
    if (Number(count?.['n']) !== EVENTS) throw new Error(`bronze has ${count?.['n']} rows, not ${EVENTS}`);
    const latName = `${name}_LAT`;
    await stream(nc, latName);
    const lat = await latency(nc, lake, latName, join(dir, 'ck-latency'));
    const rate = (ms: number) => Math.round(EVENTS / (ms / 1000));
    const load = loadavg().map((l) => l.toFixed(1)).join(' ');
    process.stdout.write(
      [
        `machine: ${availableParallelism()} cores, load average ${load}, node ${process.version}, ${new Date().toISOString()}`,
        '',
        '| events | bare nats consumer (events/s) | Loch JetStream → Delta (events/s) | Loch / bare |',
        '|---|---|---|---|',
        `| ${EVENTS} | ${rate(bareMs)} | ${rate(lochMs)} | **${(bareMs / lochMs).toFixed(2)}×** |`,
        '',
        `latency at ${RATE} events/s for ${SECONDS} s (publish → committed, visible in a snapshot): p50 ${pct(lat, 50)} ms, p99 ${pct(lat, 99)} ms, max ${lat.at(-1)} ms over ${lat.length} events`,
        '',
      ].join('\n'),
    );
  } finally {
    await jsm.streams.delete(name).catch(() => undefined);
    await jsm.streams.delete(`${name}_LAT`).catch(() => undefined);
    await nc.close();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
