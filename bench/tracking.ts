/**
 * npm run bench:tracking — the tracking server, in one run:
 *
 * 1. log-metric requests/s from 16 concurrent clients against `loch server` (each request answered
 *    after its Delta commit: group commits), against the HTTP floor (the same requests answered by
 *    the same framework without writing anything). Goal ≥ 2,000/s durable.
 * 2. runs/search with a metric filter over 100,000 runs (goal ≤ 300 ms), against the same search
 *    as one DuckDB SQL query over the Delta tables (latest metric per run, filter, order, limit).
 *
 * Figures go to stdout; progress to stderr. LOCH_BENCH_SECONDS (default 5), LOCH_BENCH_RUNS
 * (default 100000), LOCH_BENCH_CLIENTS (default 16).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Lakehouse } from '@loch/lakehouse';
import { TrackingStore } from '@loch/tracking';

const SECONDS = Number(process.env.LOCH_BENCH_SECONDS ?? 5);
const RUNS = Number(process.env.LOCH_BENCH_RUNS ?? 100_000);
const CLIENTS = Number(process.env.LOCH_BENCH_CLIENTS ?? 16);
const REPEAT = Number(process.env.LOCH_BENCH_REPEAT ?? 7);

const here = dirname(fileURLToPath(import.meta.url));
const progress = (s: string) => process.stderr.write(`${s}\n`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function spawnServer(lake: string, mode: 'durable' | 'floor'): Promise<{ proc: ChildProcess; url: string; exited: Promise<unknown> }> {
  const proc = spawn(process.execPath, [join(here, 'tracking-server.js'), lake, mode], { stdio: ['ignore', 'pipe', 'inherit'] });
  // Listened for from the start: a killed process may exit before anyone waits for it.
  const exited = new Promise((r) => proc.once('exit', r));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (d) => {
      out += String(d);
      const m = /listening on (\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    proc.once('exit', (code) => reject(new Error(`${mode} server exited (${code})`)));
  });
  return { proc, url, exited };
}

async function stopServer(server: { proc: ChildProcess; exited: Promise<unknown> }): Promise<void> {
  server.proc.kill('SIGTERM');
  await server.exited;
}

async function post(url: string, path: string, body: unknown): Promise<any> {
  const r = await fetch(`${url}/api/2.0/mlflow/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (r.status !== 200) throw new Error(`${path}: ${r.status} ${await r.text()}`);
  return r.json();
}

/** CLIENTS loops, each sending one log-metric at a time for SECONDS; returns requests/s and latencies. */
async function logMetricLoad(url: string, runIds: string[]): Promise<{ perSecond: number; p50: number; p99: number; total: number }> {
  const latencies: number[] = [];
  const end = performance.now() + SECONDS * 1000;
  const start = performance.now();
  await Promise.all(
    runIds.map(async (run_id) => {
      for (let step = 0; performance.now() < end; step++) {
        const t = performance.now();
        await post(url, 'runs/log-metric', { run_id, key: 'loss', value: Math.random(), timestamp: Date.now(), step });
        latencies.push(performance.now() - t);
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  return { perSecond: latencies.length / elapsed, p50: latencies[Math.floor(latencies.length / 2)], p99: latencies[Math.floor(latencies.length * 0.99)], total: latencies.length };
}

async function loggingBench(dir: string): Promise<void> {
  progress(`log-metric: ${CLIENTS} clients, ${SECONDS} s each side`);
  const lake = join(dir, 'log-lake');
  const floor = await spawnServer(lake, 'floor');
  const fakeIds = Array.from({ length: CLIENTS }, (_, i) => `run${i}`);
  await logMetricLoad(floor.url, fakeIds.slice(0, 2)); // warm-up
  const floorResult = await logMetricLoad(floor.url, fakeIds);
  await stopServer(floor);

  const durable = await spawnServer(lake, 'durable');
  const runIds: string[] = [];
  for (let i = 0; i < CLIENTS; i++) runIds.push((await post(durable.url, 'runs/create', { experiment_id: '0' })).run.info.run_id);
  const durableResult = await logMetricLoad(durable.url, runIds);
  await stopServer(durable);

  // Every acknowledged request is in the table after a restart.
  const [count] = await Lakehouse.open(lake).sql('SELECT count(*) AS n FROM mlflow.metrics');
  const stored = Number(count.rows[0].n);
  const line = (name: string, r: typeof floorResult) =>
    `${name.padEnd(28)} ${r.perSecond.toFixed(0).padStart(7)} req/s   p50 ${r.p50.toFixed(2)} ms   p99 ${r.p99.toFixed(2)} ms   (${r.total} requests)`;
  console.log(line('HTTP floor (no writes)', floorResult));
  console.log(line('loch server (durable)', durableResult));
  console.log(`durable / floor: ${(durableResult.perSecond / floorResult.perSecond).toFixed(2)}x; rows in mlflow.metrics after the run: ${stored} (acknowledged: ${durableResult.total})`);
  if (stored < durableResult.total) throw new Error('acknowledged metrics are missing from the table');
}

async function searchBench(dir: string): Promise<void> {
  const lakeDir = join(dir, 'search-lake');
  progress(`runs/search: writing ${RUNS} runs with params, tags and metrics`);
  const store = await TrackingStore.open(lakeDir);
  const { experiment_id } = (await store.call('POST', 'experiments/create', { name: 'search' })) as { experiment_id: string };
  await store.close();
  const lake = Lakehouse.open(lakeDir);
  const t0 = Date.now() - RUNS * 1000;
  const range = `FROM range(${RUNS}) r(i)`;
  const id = "lpad(printf('%x', i), 32, '0')";
  await lake.table('mlflow.runs').write(`SELECT ${id} AS run_uuid, 'run-' || i AS run_name, '${experiment_id}' AS experiment_id, 'bench' AS user_id,
    'FINISHED' AS status, ${t0} + i * 1000 AS start_time, ${t0} + i * 1000 + 500 AS end_time, 'active' AS lifecycle_stage,
    'mlflow-artifacts:/${experiment_id}/' || ${id} || '/artifacts' AS artifact_uri, NULL::BIGINT AS deleted_time ${range}`);
  await lake.table('mlflow.params').write(`SELECT ${id} AS run_uuid, 'alpha' AS key, CAST(i % 10 AS VARCHAR) AS value ${range}`);
  await lake.table('mlflow.tags').write(`SELECT ${id} AS run_uuid, 'mlflow.runName' AS key, 'run-' || i AS value ${range}`);
  await lake.table('mlflow.metrics').write(`SELECT ${id} AS run_uuid, 'rmse' AS key, ((i * 7919) % ${RUNS})::DOUBLE / ${RUNS} AS value,
    ${t0} + i * 1000 AS timestamp, s AS step ${range}, range(3) t(s)`);

  progress('runs/search: starting the server over them');
  const started = performance.now();
  const server = await spawnServer(lakeDir, 'durable');
  const startMs = performance.now() - started;
  const filter = 'metrics.rmse < 0.01';
  const body = { experiment_ids: [experiment_id], filter, order_by: ['metrics.rmse ASC'], max_results: 1000 };
  const search: number[] = [];
  let found = 0;
  for (let i = 0; i < REPEAT + 1; i++) {
    const t = performance.now();
    const r = await post(server.url, 'runs/search', body);
    if (i > 0) search.push(performance.now() - t);
    found = r.runs.length;
  }
  await stopServer(server);

  const sql = `WITH latest AS (SELECT run_uuid, arg_max(value, (step, timestamp, value)) AS rmse FROM mlflow.metrics WHERE key = 'rmse' GROUP BY run_uuid)
    SELECT r.*, l.rmse FROM mlflow.runs r JOIN latest l USING (run_uuid)
    WHERE r.experiment_id = '${experiment_id}' AND r.lifecycle_stage = 'active' AND l.rmse < 0.01 ORDER BY l.rmse, r.start_time DESC LIMIT 1000`;
  const duck: number[] = [];
  let duckFound = 0;
  for (let i = 0; i < REPEAT + 1; i++) {
    const t = performance.now();
    const [r] = await lake.sql(sql);
    if (i > 0) duck.push(performance.now() - t);
    duckFound = r.rows.length;
  }
  console.log(`runs/search over ${RUNS} runs, filter "${filter}", order by metrics.rmse, max 1000:`);
  console.log(`  loch server (HTTP, with params, tags and metrics of each run): median ${median(search).toFixed(1)} ms over ${REPEAT} (${found} runs)`);
  console.log(`  the same search as one SQL query over the Delta tables:         median ${median(duck).toFixed(1)} ms over ${REPEAT} (${duckFound} runs)`);
  console.log(`  search / SQL: ${(median(search) / median(duck)).toFixed(2)}x; server start with ${RUNS} runs and ${RUNS * 3} metric points: ${startMs.toFixed(0)} ms`);
}

async function main() {
  const dir = await mkdtemp(join(tmpdir(), 'loch-bench-tracking-'));
  try {
    console.log(`load average at start: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
    await loggingBench(dir);
    await searchBench(dir);
    console.log(`load average at end: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
