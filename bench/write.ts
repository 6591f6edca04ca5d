/**
 * npm run bench:write — Loch's append throughput against DuckDB writing the same rows to Parquet
 * with COPY, in the same run, and the latency of small appends (one commit each).
 *
 * Figures go to stdout; progress to stderr.
 */
import { rm, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sqlString, withConnection } from '@loch/engine-node';
import { DeltaTable } from '@loch/lakehouse';

const ROWS = Number(process.env.LOCH_BENCH_ROWS ?? 10_000_000);
const REPEAT = Number(process.env.LOCH_BENCH_REPEAT ?? 3);
const SMALL_APPENDS = Number(process.env.LOCH_BENCH_SMALL ?? 40);

const rowsSql = (n: number) => `SELECT i AS id, 'user_' || (i % 100000) AS name, (i % 1000) * 0.01 AS amount,
  TIMESTAMPTZ '2024-01-01 00:00:00+00' + to_seconds(i) AS ts, (i % 7 = 0) AS flag, DATE '2024-01-01' + (i % 365)::INTEGER AS day
  FROM range(${n}) t(i)`;

const progress = (s: string) => process.stderr.write(`${s}\n`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];

async function time(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

async function main() {
  const dir = await mkdtemp(join(tmpdir(), 'loch-bench-write-'));
  try {
    // Warm-up: start DuckDB and touch the code paths once.
    await withConnection((c) => c.run(`COPY (${rowsSql(1000)}) TO ${sqlString(join(dir, 'warm.parquet'))} (FORMAT parquet)`));
    await DeltaTable.forPath(join(dir, 'warm')).write(rowsSql(1000));
    const duck: number[] = [];
    const duckDir: number[] = [];
    const loch: number[] = [];
    for (let i = 0; i < REPEAT; i++) {
      progress(`round ${i + 1}/${REPEAT}: DuckDB COPY of ${ROWS.toLocaleString()} rows ...`);
      const file = join(dir, `duck-${i}.parquet`);
      duck.push(await time(() => withConnection((c) => c.run(`COPY (${rowsSql(ROWS)}) TO ${sqlString(file)} (FORMAT parquet, COMPRESSION snappy)`))));
      await rm(file, { force: true });
      // The same rows to a directory split by size: the way Loch asks DuckDB to write.
      const out = join(dir, `duck-dir-${i}`);
      duckDir.push(await time(() => withConnection((c) => c.run(`COPY (${rowsSql(ROWS)}) TO ${sqlString(out)} (FORMAT parquet, COMPRESSION snappy, FILE_SIZE_BYTES 134217728)`))));
      await rm(out, { recursive: true, force: true });
      progress(`round ${i + 1}/${REPEAT}: Loch append of ${ROWS.toLocaleString()} rows ...`);
      const table = DeltaTable.forPath(join(dir, `loch-${i}`));
      loch.push(await time(() => table.write(rowsSql(ROWS))));
      await rm(join(dir, `loch-${i}`), { recursive: true, force: true });
    }
    const d1 = median(duck);
    const d2 = median(duckDir);
    const d = Math.min(d1, d2);
    const l = median(loch);

    progress(`${SMALL_APPENDS} small appends ...`);
    const small = DeltaTable.forPath(join(dir, 'small'));
    await small.write(rowsSql(1));
    const latencies: number[] = [];
    for (let i = 0; i < SMALL_APPENDS; i++) latencies.push(await time(() => small.write([{ id: i, name: 'x', amount: 1.5, ts: '2024-01-01T00:00:00Z', flag: true, day: '2024-01-01' }])));

    const mrows = (ms: number) => (ROWS / 1e6 / (ms / 1000)).toFixed(2);
    console.log(`append ${ROWS.toLocaleString()} rows (6 columns: bigint, string, double, timestamp, boolean, date), median of ${REPEAT}`);
    console.log(`| writer | time (s) | Mrows/s | throughput vs DuckDB |`);
    console.log(`|---|---|---|---|`);
    console.log(`| DuckDB COPY TO one parquet file | ${(d1 / 1000).toFixed(2)} | ${mrows(d1)} | ${(d / d1).toFixed(2)}x |`);
    console.log(`| DuckDB COPY TO a directory, FILE_SIZE_BYTES 128 MB | ${(d2 / 1000).toFixed(2)} | ${mrows(d2)} | ${(d / d2).toFixed(2)}x |`);
    console.log(`| Loch DeltaTable.write (files + stats + commit) | ${(l / 1000).toFixed(2)} | ${mrows(l)} | ${(d / l).toFixed(2)}x |`);
    console.log(`(throughput relative to the faster DuckDB form)`);
    console.log('');
    console.log(`small appends (1 row, one commit each, ${SMALL_APPENDS} in a row): median ${median(latencies).toFixed(1)} ms, p95 ${pct(latencies, 0.95).toFixed(1)} ms`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  process.stderr.write(`${(e as { code?: string }).code ?? 'LOCH_INTERNAL'}: ${(e as Error).message}\n`);
  process.exitCode = 1;
});
