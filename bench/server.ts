/**
 * npm run bench:server — the lake's HTTP APIs against the same work done in process, one run:
 *
 * 1. SQL round trip: a small query through POST /api/2.0/sql/statements (wait_timeout 10s,
 *    over HTTP on 127.0.0.1) against `lake.sql` of the same text in the same process; the
 *    median added latency (goal ≤ 10 ms).
 * 2. Ingest: 1 MB NDJSON requests to POST /api/2.0/ingest/{table}, rows/s, against
 *    `DeltaTable.write` of the same rows (already parsed) in process (goal ≥ 0.8×).
 *
 * Alternating rounds, medians. LOCH_BENCH_QUERIES (default 200), LOCH_BENCH_REQUESTS (default 20),
 * LOCH_BENCH_REPEAT (default 3). Figures to stdout, progress to stderr.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from '@loch/server';

const QUERIES = Number(process.env.LOCH_BENCH_QUERIES ?? 200);
const REQUESTS = Number(process.env.LOCH_BENCH_REQUESTS ?? 20);
const REPEAT = Number(process.env.LOCH_BENCH_REPEAT ?? 3);
const QUERY = 'SELECT kind, count(*) AS n FROM bench_events WHERE id < 100 GROUP BY kind';

const progress = (s: string) => process.stderr.write(`${s}\n`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Rows of about 1 MB as NDJSON. */
function batch(start: number): { rows: Record<string, unknown>[]; body: string } {
  const rows: Record<string, unknown>[] = [];
  let bytes = 0;
  for (let i = start; bytes < 1_000_000; i++) {
    const r = { id: i, kind: ['play', 'pause', 'stop', 'buffer'][i % 4], user: `user-${i % 997}`, cdn: `edge-${i % 7}`, ttff_ms: 100 + (i % 173), ts: '2026-12-07T07:00:00.000Z' };
    rows.push(r);
    bytes += JSON.stringify(r).length + 1;
  }
  return { rows, body: rows.map((r) => JSON.stringify(r)).join('\n') };
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'loch-bench-server-'));
  const server = createServer({ lake: join(dir, 'lake'), port: 0 });
  const url = await server.start();
  const lake = server.lake;
  try {
    await lake.sql("CREATE TABLE bench_events (id BIGINT, kind STRING, user STRING, cdn STRING, ttff_ms BIGINT, ts STRING) USING DELTA; INSERT INTO bench_events SELECT id, 'play', 'u', 'e', 1, 't' FROM range(1000)");
    const viaHttp = async () => {
      const r = await fetch(`${url}/api/2.0/sql/statements`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ statement: QUERY, wait_timeout: '10s' }) });
      const j = (await r.json()) as { status: { state: string } };
      if (j.status.state !== 'SUCCEEDED') throw new Error(JSON.stringify(j));
    };
    const direct = async () => void (await lake.sql(QUERY));
    for (let i = 0; i < 20; i++) { await viaHttp(); await direct(); }
    const http: number[] = [];
    const inProcess: number[] = [];
    for (let i = 0; i < QUERIES; i++) {
      let t = performance.now();
      await viaHttp();
      http.push(performance.now() - t);
      t = performance.now();
      await direct();
      inProcess.push(performance.now() - t);
    }
    const mh = median(http);
    const md = median(inProcess);
    progress(`sql: ${QUERIES} queries each way`);

    const batches = Array.from({ length: REQUESTS }, (_, i) => batch(i * 1_000_000));
    const rowsPer = batches.reduce((n, b) => n + b.rows.length, 0);
    const ingestRates: number[] = [];
    const writeRates: number[] = [];
    for (let round = 0; round < REPEAT; round++) {
      let t = performance.now();
      for (const b of batches) {
        const r = await fetch(`${url}/api/2.0/ingest/ingest_${round}`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson', 'idempotency-key': `r${round}-${b.rows[0].id}` }, body: b.body });
        if (r.status !== 200) throw new Error(await r.text());
      }
      ingestRates.push(rowsPer / ((performance.now() - t) / 1000));
      const table = lake.table(`write_${round}`);
      t = performance.now();
      for (const b of batches) await table.write(b.rows, { mode: 'append' });
      writeRates.push(rowsPer / ((performance.now() - t) / 1000));
      progress(`ingest round ${round + 1}/${REPEAT}`);
    }
    const ir = median(ingestRates);
    const wr = median(writeRates);
    console.log(`machine load average: ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
    console.log(`| SQL round trip (median of ${QUERIES}) | HTTP ${mh.toFixed(2)} ms | lake.sql ${md.toFixed(2)} ms | added ${(mh - md).toFixed(2)} ms | ratio ${(mh / md).toFixed(2)}× |`);
    console.log(`| ingest, ${REQUESTS} × 1 MB NDJSON (${rowsPer} rows, median of ${REPEAT}) | HTTP ${Math.round(ir)} rows/s | DeltaTable.write ${Math.round(wr)} rows/s | ratio ${(ir / wr).toFixed(2)}× |`);
  } finally {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
