/**
 * npm run bench:stream — the streaming engine, three figures in one run:
 *
 * 1. Auto Loader: JSON files -> Delta (cloudFiles, availableNow) against DuckDB reading the same
 *    files into Parquet (read_json -> COPY), rows/s and their ratio (goal >= 0.7x).
 * 2. rate -> windowed aggregation (watermark, 10 s tumbling windows, append) -> Delta at a target
 *    rate for a while: rows/s achieved, and p50/p99 batch duration (goal p99 < 1 s).
 * 3. The trigger that finds 1 new file among N already ingested, for several N: its duration
 *    should not grow with N (goal < 50 ms).
 *
 * Environment: LOCH_BENCH_JSON_FILES (200), LOCH_BENCH_JSON_ROWS (rows per file, 5,000),
 * LOCH_BENCH_RATE (rows/s, 100,000), LOCH_BENCH_RATE_SECONDS (20), LOCH_BENCH_INGESTED
 * (comma-separated N, "1000,10000,100000"), LOCH_BENCH_ONLY (e.g. "autoloader,rate,trigger"),
 * LOCH_BENCH_ROUNDS (3: Auto Loader and DuckDB take turns this many times; medians compared).
 * Figures go to stdout; progress to stderr.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { sqlString, withConnection } from '@loch/engine-node';
import { Lakehouse } from '@loch/lakehouse';
import { window, type StreamingQuery } from '@loch/streaming';

const FILES = Number(process.env.LOCH_BENCH_JSON_FILES ?? 200);
const ROWS_PER_FILE = Number(process.env.LOCH_BENCH_JSON_ROWS ?? 5_000);
const RATE = Number(process.env.LOCH_BENCH_RATE ?? 100_000);
const RATE_SECONDS = Number(process.env.LOCH_BENCH_RATE_SECONDS ?? 20);
const INGESTED = (process.env.LOCH_BENCH_INGESTED ?? '1000,10000,100000').split(',').map(Number);
const ROUNDS = Number(process.env.LOCH_BENCH_ROUNDS ?? 3);
const ONLY = new Set((process.env.LOCH_BENCH_ONLY ?? 'autoloader,rate,trigger').split(','));

const progress = (s: string) => process.stderr.write(`${s}\n`);
const pct = (xs: readonly number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];
const load = () => loadavg().map((x) => x.toFixed(1)).join(' ');
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

/** The median of each part of the trigger's duration (Spark's durationMs), in ms. */
function breakdown(parts: readonly Record<string, number>[]): string {
  const keys = ['latestOffset', 'getBatch', 'queryPlanning', 'addBatch', 'walCommit', 'commitOffsets'];
  return keys.map((k) => `${k} ${fmt(pct(parts.map((p) => p[k] ?? 0), 0.5))}`).join(', ') + ' ms (medians)';
}

/** 1. JSON files through Auto Loader into Delta, against DuckDB's read_json into Parquet. */
async function autoLoader(dir: string): Promise<void> {
  const landing = join(dir, 'landing');
  progress(`writing ${FILES} JSON files of ${fmt(ROWS_PER_FILE)} rows ...`);
  await withConnection(async (c) => {
    for (let f = 0; f < FILES; f++) {
      const sub = join(landing, `day=${f % 10}`);
      await mkdir(sub, { recursive: true });
      await c.run(`COPY (SELECT ${f} * ${ROWS_PER_FILE} + i AS id, 'user_' || (i % 5000) AS user_id, ['play', 'pause', 'seek', 'stop'][(i % 4) + 1] AS event,
          (i % 997) * 1.5 AS bitrate, TIMESTAMPTZ '2024-01-01 00:00:00+00' + to_seconds(${f} * ${ROWS_PER_FILE} + i) AS ts
        FROM range(${ROWS_PER_FILE}) t(i)) TO ${sqlString(join(sub, `events-${String(f).padStart(5, '0')}.json`))} (FORMAT json)`);
    }
  });
  const total = FILES * ROWS_PER_FILE;
  // The machine is shared: DuckDB and Loch take turns, ROUNDS times, and the medians are compared.
  const duckMs: number[] = [];
  const lochMs: number[] = [];
  let last: StreamingQuery | undefined;
  for (let round = 0; round < ROUNDS; round++) {
    progress(`round ${round + 1}/${ROUNDS}: DuckDB read_json -> Parquet ...`);
    let t = performance.now();
    await withConnection((c) => c.run(`COPY (SELECT * FROM read_json(${sqlString(join(landing, '**', '*.json'))})) TO ${sqlString(join(dir, `duck-${round}.parquet`))} (FORMAT parquet, COMPRESSION snappy)`));
    duckMs.push(performance.now() - t);
    progress(`round ${round + 1}/${ROUNDS}: Loch cloudFiles -> Delta (availableNow) ...`);
    const lake = Lakehouse.open(join(dir, `lake-autoloader-${round}`));
    t = performance.now();
    const q = await lake.readStream
      .format('cloudFiles')
      .option('cloudFiles.format', 'json')
      .option('cloudFiles.schemaLocation', join(dir, `schema-${round}`))
      .load(landing)
      .writeStream.trigger({ availableNow: true })
      .option('checkpointLocation', join(dir, `ck-autoloader-${round}`))
      .toTable('bronze');
    await q.awaitTermination();
    lochMs.push(performance.now() - t);
    const [n] = (await lake.sql('SELECT count(*) AS n FROM bronze'))[0].rows!;
    if (Number(n.n) !== total) throw new Error(`bronze has ${String(n.n)} rows, expected ${total}`);
    last = q;
  }
  const duckRate = total / (pct(duckMs, 0.5) / 1000);
  const lochRate = total / (pct(lochMs, 0.5) / 1000);
  const secs = (xs: number[]) => xs.map((x) => (x / 1000).toFixed(2)).join(' ');
  console.log(`\n1. Auto Loader JSON -> Delta: ${FILES} files, ${fmt(total)} rows, ${ROUNDS} rounds (load ${load()})`);
  console.log(`   DuckDB read_json -> Parquet   ${secs(duckMs)} s   median ${fmt(duckRate)} rows/s`);
  console.log(`   Loch cloudFiles -> Delta      ${secs(lochMs)} s   median ${fmt(lochRate)} rows/s   (${last!.recentProgress.length} batches)`);
  console.log(`   Loch's batch (last round): ${breakdown(last!.recentProgress.filter((p) => p.numInputRows > 0).map((p) => ({ ...p.durationMs })))}`);
  console.log(`   ratio Loch / DuckDB (medians): ${(lochRate / duckRate).toFixed(2)}x (goal >= 0.7x)`);
}

/** 2. rate -> watermark + tumbling windows -> Delta (append), for RATE_SECONDS. */
async function rateWindows(dir: string): Promise<void> {
  const lake = Lakehouse.open(join(dir, 'lake-rate'));
  progress(`rate source at ${fmt(RATE)} rows/s for ${RATE_SECONDS} s -> 10 s windows -> Delta ...`);
  const q: StreamingQuery = await lake.readStream
    .format('rate')
    .option('rowsPerSecond', RATE)
    .load()
    .withWatermark('timestamp', '5 seconds')
    .groupBy(window('timestamp', '10 seconds'))
    .agg({ n: 'count(*)', total: 'sum(value)' })
    .writeStream.trigger({ processingTime: '1 second' })
    .option('checkpointLocation', join(dir, 'ck-rate'))
    .toTable('per_window');
  await new Promise((r) => setTimeout(r, RATE_SECONDS * 1000));
  await q.stop();
  const batches = q.recentProgress.filter((p) => p.numInputRows > 0);
  // The first batch starts the engine up; it is reported but left out of the percentiles.
  const steady = batches.slice(1);
  const durations = steady.map((p) => p.durationMs.triggerExecution);
  const rows = batches.reduce((n, p) => n + p.numInputRows, 0);
  const span = (Date.parse(batches.at(-1)!.timestamp) - Date.parse(batches[0].timestamp)) / 1000 + 1;
  const [w] = (await lake.sql('SELECT count(*) AS windows, sum(n) AS rows FROM per_window'))[0].rows!;
  console.log(`\n2. rate -> windowed aggregation -> Delta: target ${fmt(RATE)} rows/s for ${RATE_SECONDS} s (load ${load()})`);
  console.log(`   ${batches.length} batches, ${fmt(rows)} rows, ${fmt(rows / span)} rows/s processed (${((rows / span / RATE) * 100).toFixed(0)}% of target)`);
  console.log(`   batch duration p50 ${fmt(pct(durations, 0.5))} ms, p99 ${fmt(pct(durations, 0.99))} ms, max ${fmt(Math.max(...durations))} ms (first batch ${fmt(batches[0].durationMs.triggerExecution)} ms); goal p99 < 1,000 ms`);
  console.log(`   ${String(w.windows)} closed windows written, holding ${fmt(Number(w.rows))} rows`);
}

/** 3. One new file among N already ingested: the duration of the trigger that finds it. */
async function triggerCost(dir: string): Promise<void> {
  console.log(`\n3. A trigger finding 1 new file among N already ingested (load ${load()})`);
  for (const n of INGESTED) {
    const landing = join(dir, `files-${n}`);
    progress(`writing ${fmt(n)} small JSON files ...`);
    const body = '{"id":1,"event":"play"}\n';
    for (let d = 0; d * 1000 < n; d++) {
      const sub = join(landing, `d${String(d).padStart(4, '0')}`);
      await mkdir(sub, { recursive: true });
      const count = Math.min(1000, n - d * 1000);
      for (let i = 0; i < count; i += 100) {
        await Promise.all(Array.from({ length: Math.min(100, count - i) }, (_, k) => writeFile(join(sub, `f${String(i + k).padStart(4, '0')}.json`), body)));
      }
    }
    const lake = Lakehouse.open(join(dir, `lake-${n}`));
    // The files already there are ingested history: includeExistingFiles = false records them in
    // the checkpoint's file log without reading them, as a long-running stream would have.
    const q = await lake.readStream
      .format('cloudFiles')
      .option('cloudFiles.format', 'json')
      .option('cloudFiles.schemaLocation', join(dir, `schema-${n}`))
      .option('cloudFiles.includeExistingFiles', 'false')
      .schema({ id: 'long', event: 'string' })
      .load(landing)
      .writeStream.option('checkpointLocation', join(dir, `ck-${n}`))
      .toTable('events');
    await q.processAllAvailable();
    const times: number[] = [];
    const parts: Record<string, number>[] = [];
    for (let k = 0; k < 5; k++) {
      const last = join(landing, 'zz-new');
      await mkdir(last, { recursive: true });
      await writeFile(join(last, `new-${k}.json`), body);
      await q.processAllAvailable();
      const batch = q.recentProgress.filter((p) => p.numInputRows > 0).at(-1)!;
      times.push(batch.durationMs.triggerExecution);
      parts.push({ ...batch.durationMs });
    }
    await q.stop();
    console.log(`   N = ${fmt(n).padStart(7)}: trigger ${times.map((t) => `${fmt(t)}`).join(', ')} ms (median ${fmt(pct(times, 0.5))} ms)`);
    console.log(`               ${breakdown(parts)}`);
    await rm(landing, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'loch-bench-stream-'));
  console.log(`bench:stream on ${process.platform} ${process.arch}, Node ${process.version}, load average at start ${load()}`);
  try {
    if (ONLY.has('autoloader')) await autoLoader(dir);
    if (ONLY.has('rate')) await rateWindows(dir);
    if (ONLY.has('trigger')) await triggerCost(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
