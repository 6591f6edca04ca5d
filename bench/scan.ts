/**
 * npm run bench:scan — reading a Delta table through Loch (snapshot + DuckDB scan + rows) against
 * DuckDB reading the same Parquet files directly, both returning JavaScript row objects, in the
 * same run: a full scan of a few columns and a selective filtered scan.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSnapshot, resolvePath } from '@loch/delta';
import { sqlString, withConnection } from '@loch/engine-node';
import { DeltaTable } from '@loch/lakehouse';

const ROWS = Number(process.env.LOCH_BENCH_ROWS ?? 2_000_000);
const REPEAT = 3;
const progress = (s: string) => process.stderr.write(`${s}\n`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function time(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

async function main() {
  const dir = await mkdtemp(join(tmpdir(), 'loch-bench-scan-'));
  try {
    const t = DeltaTable.forPath(join(dir, 't'));
    progress(`writing ${ROWS.toLocaleString()} rows in 10 files ...`);
    for (let k = 0; k < 10; k++) {
      await t.write(`SELECT i AS id, 'name_' || (i % 1000) AS name, (i % 997) * 0.5 AS score, TIMESTAMPTZ '2024-01-01 00:00:00+00' + to_seconds(i) AS ts
                     FROM range(${(k * ROWS) / 10}, ${((k + 1) * ROWS) / 10}) t(i)`);
    }
    const snapshot = await loadSnapshot(t.engine, t.url);
    const files = snapshot.files.map((f) => sqlString(fileURLToPath(resolvePath(snapshot.tableRoot, f.path))));
    const direct = (sql: string) => withConnection(async (c) => (await c.runAndReadAll(sql)).getRowObjectsJS());
    const cases: { name: string; loch: () => Promise<unknown>; duck: () => Promise<unknown> }[] = [
      {
        name: `full scan, 3 columns, ${ROWS.toLocaleString()} rows`,
        loch: () => t.scan({ columns: ['id', 'name', 'score'] }),
        duck: () => direct(`SELECT id, name, score FROM read_parquet([${files.join(', ')}])`),
      },
      {
        name: 'selective filter (id range, 0.5% of rows)',
        loch: () => t.scan({ where: `id BETWEEN ${ROWS / 2} AND ${ROWS / 2 + ROWS / 200}` }),
        duck: () => direct(`SELECT * FROM read_parquet([${files.join(', ')}]) WHERE id BETWEEN ${ROWS / 2} AND ${ROWS / 2 + ROWS / 200}`),
      },
    ];
    console.log('| query | Loch (ms) | DuckDB on the files (ms) | ratio |');
    console.log('|---|---|---|---|');
    for (const q of cases) {
      progress(q.name);
      await q.loch();
      await q.duck();
      const l: number[] = [];
      const d: number[] = [];
      for (let i = 0; i < REPEAT; i++) {
        l.push(await time(q.loch));
        d.push(await time(q.duck));
      }
      console.log(`| ${q.name} | ${median(l).toFixed(0)} | ${median(d).toFixed(0)} | ${(median(l) / median(d)).toFixed(2)}x |`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  process.stderr.write(`${(e as { code?: string }).code ?? 'LOCH_INTERNAL'}: ${(e as Error).message}\n`);
  process.exitCode = 1;
});
