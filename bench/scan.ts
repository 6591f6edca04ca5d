/**
 * npm run bench:scan — reading a Delta table through Loch against DuckDB reading the same Parquet
 * files directly, in the same run:
 *
 *   in process  a full scan of a few columns into row objects, a selective filtered scan, and a
 *               point query (by DeltaTable.scan and by SQL): Loch's time, DuckDB's over the files,
 *               and Loch's time outside DuckDB's execution (the difference)
 *   processes   a one-shot `loch sql "SELECT ..."` against a bare `node` script that opens DuckDB
 *               and runs the same query on the same files, each timed as a whole process
 *
 * LOCH_BENCH_ROWS (default 2M), LOCH_BENCH_REPEAT (default 7).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolvePath } from '@loch/delta';
import { sqlString, withConnection } from '@loch/engine-node';
import { Lakehouse } from '@loch/lakehouse';

const ROWS = Number(process.env.LOCH_BENCH_ROWS ?? 2_000_000);
const REPEAT = Number(process.env.LOCH_BENCH_REPEAT ?? 7);
const progress = (s: string) => process.stderr.write(`${s}\n`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const cli = fileURLToPath(new URL('../../packages/cli/bin/loch.js', import.meta.url));

async function time(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

/** Wall time of a whole node process. */
function processMs(args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const t = performance.now();
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(performance.now() - t) : reject(new Error(`${args.join(' ')} exited ${code}`))));
  });
}

/** What a user writes to run one query on Parquet files with DuckDB and print its rows. */
const BARE = `import { DuckDBInstance } from '@duckdb/node-api';
const db = await DuckDBInstance.create(':memory:');
const c = await db.connect();
const r = await c.runAndReadAll(process.argv[2]);
for (const row of r.getRowObjectsJson()) process.stdout.write(JSON.stringify(row) + '\\n');`;

async function main() {
  const dir = await mkdtemp(join(tmpdir(), 'loch-bench-scan-'));
  const bare = join(fileURLToPath(new URL('.', import.meta.url)), '.bare-duckdb.mjs');
  await writeFile(bare, BARE);
  try {
    const lake = Lakehouse.open(dir);
    const t = lake.table('t');
    progress(`writing ${ROWS.toLocaleString('en-US')} rows in 10 files ...`);
    for (let k = 0; k < 10; k++) {
      await t.write(`SELECT i AS id, 'name_' || (i % 1000) AS name, (i % 997) * 0.5 AS score, TIMESTAMPTZ '2024-01-01 00:00:00+00' + to_seconds(i) AS ts
                     FROM range(${(k * ROWS) / 10}, ${((k + 1) * ROWS) / 10}) t(i)`);
    }
    const snapshot = await t.snapshot();
    const files = snapshot.files.map((f) => sqlString(fileURLToPath(resolvePath(snapshot.tableRoot, f.path))));
    const parquet = `read_parquet([${files.join(', ')}])`;
    const direct = (sql: string) => withConnection(async (c) => (await c.runAndReadAll(sql)).getRowObjectsJS());
    let probe = 0;
    const point = () => Math.floor(((probe++ * 7919) % 1000) * (ROWS / 1000));
    const cases: { name: string; loch: () => Promise<unknown>; duck: () => Promise<unknown> }[] = [
      {
        name: `full scan, 3 columns, ${ROWS.toLocaleString('en-US')} rows`,
        loch: () => t.scan({ columns: ['id', 'name', 'score'] }),
        duck: () => direct(`SELECT id, name, score FROM ${parquet}`),
      },
      {
        name: 'selective filter (id range, 0.5% of rows)',
        loch: () => t.scan({ where: `id BETWEEN ${ROWS / 2} AND ${ROWS / 2 + ROWS / 200}` }),
        duck: () => direct(`SELECT * FROM ${parquet} WHERE id BETWEEN ${ROWS / 2} AND ${ROWS / 2 + ROWS / 200}`),
      },
      {
        name: 'point query, DeltaTable.scan({ where })',
        loch: () => t.scan({ where: `id = ${point()}` }),
        duck: () => direct(`SELECT * FROM ${parquet} WHERE id = ${point()}`),
      },
      {
        name: 'point query, lake.sql',
        loch: () => lake.sql(`SELECT * FROM t WHERE id = ${point()}`),
        duck: () => direct(`SELECT * FROM ${parquet} WHERE id = ${point()}`),
      },
    ];
    console.log(`table: ${ROWS.toLocaleString('en-US')} rows in ${snapshot.files.length} files; median of ${REPEAT}, alternating`);
    console.log('| query | Loch (ms) | DuckDB on the files (ms) | ratio | Loch outside DuckDB (ms) |');
    console.log('|---|---|---|---|---|');
    for (const q of cases) {
      progress(q.name);
      await q.loch();
      await q.duck();
      const l: number[] = [];
      const d: number[] = [];
      for (let i = 0; i < (q.name.startsWith('full') ? 3 : REPEAT * 3); i++) {
        l.push(await time(q.loch));
        d.push(await time(q.duck));
      }
      const [lm, dm] = [median(l), median(d)];
      console.log(`| ${q.name} | ${lm.toFixed(1)} | ${dm.toFixed(1)} | ${(lm / dm).toFixed(2)}x | ${(lm - dm).toFixed(1)} |`);
    }

    progress('one-shot processes');
    const id = Math.floor(ROWS / 3);
    const loch: number[] = [];
    const duck: number[] = [];
    for (let i = 0; i < REPEAT; i++) {
      loch.push(await processMs([cli, 'sql', '--lake', dir, `SELECT * FROM t WHERE id = ${id}`]));
      duck.push(await processMs([bare, `SELECT * FROM ${parquet} WHERE id = ${id}`]));
    }
    const [lp, dp] = [median(loch), median(duck)];
    console.log('');
    console.log('| one-shot process | Loch `loch sql "SELECT * FROM t WHERE id = ..."` (ms) | `node` script: DuckDB on the files (ms) | ratio |');
    console.log('|---|---|---|---|');
    console.log(`| point query, whole process | ${lp.toFixed(0)} | ${dp.toFixed(0)} | **${(lp / dp).toFixed(2)}x** |`);
    console.log(`node ${process.version}, ${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown cpu'}), load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  } finally {
    await rm(bare, { force: true });
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  process.stderr.write(`${(e as { code?: string }).code ?? 'LOCH_INTERNAL'}: ${(e as Error).message}\n`);
  process.exitCode = 1;
});
