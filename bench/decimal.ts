/**
 * npm run bench:decimal — what Spark's decimal result types cost: queries over a decimal column
 * through Loch's SQL (sum as decimal(p+10,s), exact avg and division, wide products) against the
 * same queries in DuckDB's own types over the same Parquet files (sum as decimal(38,s), avg and
 * division as DOUBLE), in the same run, interleaved.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolvePath } from '@loch/delta';
import { sqlString, withConnection } from '@loch/engine-node';
import { Lakehouse } from '@loch/lakehouse';

const ROWS = Number(process.env.LOCH_BENCH_ROWS ?? 1_000_000);
const REPEAT = Number(process.env.LOCH_BENCH_REPEAT ?? 5);
const progress = (s: string) => process.stderr.write(`${s}\n`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function time(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

/** `CASE region WHEN 'r0' THEN 'area 0' ...`: the table's 20 regions first, then codes it never holds. */
function bigCase(branches: number): string {
  return `CASE region ${Array.from({ length: branches }, (_, i) => `WHEN 'r${i}' THEN 'area ${i % 7}'`).join(' ')} ELSE 'other' END`;
}

async function main() {
  const dir = await mkdtemp(join(tmpdir(), 'loch-bench-decimal-'));
  try {
    const lake = Lakehouse.open(join(dir, 'lake'));
    progress(`writing ${ROWS.toLocaleString()} rows ...`);
    await lake.sql(`CREATE TABLE t (id BIGINT, region STRING, price DECIMAL(12,2), qty INT) USING DELTA;
      INSERT INTO t SELECT id, 'r' || (id % 20), CAST((id % 100000) / 100.0 AS DECIMAL(12,2)), CAST(id % 50 + 1 AS INT) FROM range(${ROWS})`);
    const snapshot = await lake.table('t').snapshot();
    const files = `read_parquet([${snapshot.files.map((f) => sqlString(fileURLToPath(resolvePath(snapshot.tableRoot, f.path)))).join(', ')}])`;
    const direct = (sql: string) => withConnection(async (c) => (await c.runAndReadAll(sql)).getRowObjectsJS());
    const cases: { name: string; sql: string }[] = [
      { name: 'sum(price) by region (a cast)', sql: 'SELECT region, sum(price) AS s FROM T GROUP BY region' },
      { name: 'avg(price) by region (exact per group)', sql: 'SELECT region, avg(price) AS a FROM T GROUP BY region' },
      { name: 'sum(price * qty) (exact product)', sql: 'SELECT sum(price * qty) AS revenue FROM T' },
      { name: 'sum(price / qty) (exact division per row)', sql: 'SELECT sum(price / qty) AS x FROM T' },
      // A large statement (a 2,000-branch CASE, ~60 KB of SQL): what typing costs when the text is long.
      { name: 'sum(price) by a 2,000-branch CASE (a large statement)', sql: `SELECT ${bigCase(2000)} AS area, sum(price) AS s FROM T GROUP BY 1` },
    ];
    console.log(`| query (${ROWS.toLocaleString()} rows) | Loch, Spark's types (ms) | DuckDB's types on the files (ms) | ratio |`);
    console.log('|---|---|---|---|');
    for (const c of cases) {
      const loch = () => lake.sql(c.sql.replace('FROM T', 'FROM t'));
      const duck = () => direct(c.sql.replace('FROM T', `FROM ${files}`));
      await loch();
      await duck();
      const a: number[] = [];
      const b: number[] = [];
      for (let i = 0; i < REPEAT; i++) {
        a.push(await time(loch));
        b.push(await time(duck));
      }
      console.log(`| ${c.name} | ${median(a).toFixed(0)} | ${median(b).toFixed(0)} | ${(median(a) / median(b)).toFixed(2)}× |`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
