/**
 * npm run bench:dfp — star joins that filter only the dimensions, over a Z-ordered fact table:
 * time and files scanned with Dynamic File Pruning, without it, and DuckDB reading the same
 * Parquet files directly (its own optimizations on), all in one run.
 *
 * Sizes: LOCH_BENCH_ROWS (fact rows, default 20M), files ~256 after ZORDER BY (item_id, date_id).
 * LOCH_BENCH_DIR keeps the lake there and reuses it on the next run (to profile without
 * generating the data again).
 */
import { access, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { resolvePath } from '@loch/delta';
import { sqlString, withConnection } from '@loch/engine-node';
import { Lakehouse } from '@loch/lakehouse';

const execFileAsync = promisify(execFile);
const ROWS = Number(process.env.LOCH_BENCH_ROWS ?? 20_000_000);
const APPENDS = 20;
const REPEAT = Number(process.env.LOCH_BENCH_REPEAT ?? 5);
const progress = (s: string) => process.stderr.write(`${s}\n`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** name, SELECT list, FROM ... WHERE ..., then GROUP BY / ORDER BY: the body alone finds the fact rows that join. */
const QUERIES: [string, string, string, string][] = [
  ['one category', 'sum(f.amount) AS total', `FROM sales f JOIN items i ON f.item_id = i.item_id WHERE i.category = 'cat_07'`, ''],
  ['one brand', 'count(*) AS n, sum(f.quantity) AS q', `FROM sales f JOIN items i ON f.item_id = i.item_id WHERE i.brand = 'brand_0123'`, ''],
  ['one month', 'sum(f.amount) AS total', `FROM sales f JOIN dates d ON f.date_id = d.date_id WHERE d.year = 2025 AND d.month = 3`, ''],
  ['category x quarter', 'd.month, sum(f.amount) AS total', `FROM sales f JOIN items i ON f.item_id = i.item_id JOIN dates d ON f.date_id = d.date_id
     WHERE i.category = 'cat_12' AND d.year = 2024 AND d.month BETWEEN 4 AND 6`, 'GROUP BY d.month ORDER BY d.month'],
  ['brand x week', 'count(*) AS n', `FROM sales f JOIN items i ON f.item_id = i.item_id JOIN dates d ON f.date_id = d.date_id
     WHERE i.brand = 'brand_0042' AND d.date BETWEEN DATE '2025-06-01' AND DATE '2025-06-07'`, ''],
  ['category x region', 's.city, sum(f.amount) AS total', `FROM sales f JOIN items i ON f.item_id = i.item_id JOIN stores s ON f.store_id = s.store_id
     WHERE i.category = 'cat_03' AND s.region = 'north'`, 'GROUP BY s.city ORDER BY s.city'],
  ['items IN subquery', 'count(*) AS n', `FROM sales f WHERE f.item_id IN (SELECT item_id FROM items WHERE brand IN ('brand_0500', 'brand_0501'))`, ''],
  ['two weeks, all items', 'i.category, count(*) AS n', `FROM sales f JOIN dates d ON f.date_id = d.date_id JOIN items i ON f.item_id = i.item_id
     WHERE d.date BETWEEN DATE '2024-12-20' AND DATE '2025-01-02'`, 'GROUP BY i.category ORDER BY i.category'],
];

/** Equal rows, with doubles compared to 1e-9 relative: sums over other file orders round differently. */
function sameRows(a: string, b: string): boolean {
  const x = JSON.parse(a) as Record<string, unknown>[];
  const y = JSON.parse(b) as Record<string, unknown>[];
  if (x.length !== y.length) return false;
  return x.every((row, i) =>
    Object.keys(row).every((k) => {
      const u = row[k];
      const v = y[i][k];
      if (typeof u === 'number' && typeof v === 'number') return Math.abs(u - v) <= 1e-9 * Math.max(1, Math.abs(u), Math.abs(v));
      return JSON.stringify(u) === JSON.stringify(v);
    }),
  );
}

async function generate(lake: Lakehouse): Promise<void> {
  progress('dimensions ...');
  // Keys are given out in ranges of the attributes (a brand's items, a month's dates are
  // neighbours), as surrogate keys of a growing catalogue usually are.
  await lake.table('items').write(`SELECT i AS item_id, printf('cat_%02d', i // 500) AS category, printf('brand_%04d', i // 10) AS brand FROM range(10000) t(i)`);
  await lake.table('dates').write(`SELECT i AS date_id, DATE '2024-01-01' + i::INTEGER AS date, year(DATE '2024-01-01' + i::INTEGER) AS year, month(DATE '2024-01-01' + i::INTEGER) AS month FROM range(730) t(i)`);
  await lake.table('stores').write(`SELECT i AS store_id, 'city_' || i AS city, ['north', 'south', 'east', 'west'][i % 4 + 1] AS region FROM range(100) t(i)`);
  const per = ROWS / APPENDS;
  for (let k = 0; k < APPENDS; k++) {
    progress(`fact: append ${k + 1}/${APPENDS}`);
    await lake.table('sales').write(`SELECT (hash(i) % 10000)::BIGINT AS item_id, (hash(i * 7 + 1) % 730)::BIGINT AS date_id, (hash(i * 13 + 5) % 100)::BIGINT AS store_id,
        (hash(i * 3) % 10)::INTEGER + 1 AS quantity, ((hash(i * 11) % 10000) / 100.0)::DOUBLE AS amount
      FROM range(${k * per}, ${(k + 1) * per}) t(i)`);
  }
  const sales = lake.table('sales');
  const before = await sales.snapshot();
  const bytes = before.files.reduce((n, f) => n + f.size, 0);
  progress('OPTIMIZE sales ZORDER BY (item_id, date_id) ...');
  await sales.optimize({ zOrderBy: ['item_id', 'date_id'], targetFileSize: Math.floor(bytes / 256), onProgress: progress });
}

async function main() {
  const kept = process.env.LOCH_BENCH_DIR;
  const dir = kept ?? (await mkdtemp(join(tmpdir(), 'loch-bench-dfp-')));
  if (kept !== undefined) await mkdir(kept, { recursive: true });
  const reuse = kept !== undefined && (await access(join(dir, 'sales', '_delta_log')).then(() => true, () => false));
  try {
    const lake = Lakehouse.open(dir);
    if (!reuse) await generate(lake);
    const sales = lake.table('sales');
    const fact = await sales.snapshot();
    const parquet = async (name: string, options = '') => {
      const t = lake.table(name);
      const s = await t.snapshot();
      return `read_parquet([${s.files.map((f) => sqlString(fileURLToPath(resolvePath(s.tableRoot, f.path)))).join(', ')}]${options})`;
    };
    const direct: Record<string, string> = {};
    for (const name of ['sales', 'items', 'dates', 'stores']) direct[name] = await parquet(name);
    // The same, with each fact row's file: to count the files that hold rows a query joins.
    const withFiles: Record<string, string> = { ...direct, sales: await parquet('sales', ', filename = true') };

    const run = async (sql: string, dfp: boolean) => {
      const t0 = performance.now();
      const [r] = await lake.sql(sql, { conf: { 'spark.databricks.optimizer.dynamicFilePruning': dfp ? 'true' : 'false' } });
      const ms = performance.now() - t0;
      const scan = r.metrics?.scans.find((s) => s.table === 'sales');
      return { ms, files: scan?.filesScanned ?? -1, rows: JSON.stringify(r.rows) };
    };
    const runDuck = (sql: string, views = direct) =>
      withConnection(async (c) => {
        for (const [name, src] of Object.entries(views)) await c.run(`CREATE OR REPLACE TEMP VIEW ${name} AS SELECT * FROM ${src}`);
        const t0 = performance.now();
        const rows = (await c.runAndReadAll(sql)).getRows();
        return { ms: performance.now() - t0, rows };
      });

    console.log(`star schema: sales ${ROWS.toLocaleString()} rows in ${fact.files.length} files (Z-ordered by item_id, date_id); items 10,000, dates 730, stores 100`);
    console.log('| query | DFP on (ms) | files | files holding matches | DFP off (ms) | files | DuckDB on the files (ms) | speedup vs no DFP | vs DuckDB | `loch sql` on / off (ms) | speedup |');
    console.log('|---|---|---|---|---|---|---|---|---|---|---|');
    const speedups: number[] = [];
    const versusDuck: number[] = [];
    const overMinimum: number[] = [];
    const coldSpeedups: number[] = [];
    for (const [name, select, body, tail] of QUERIES) {
      const sql = `SELECT ${select} ${body} ${tail}`;
      progress(name);
      // The fewest files any pruning could read: those holding a fact row that joins.
      const minimum = Number((await runDuck(`SELECT count(DISTINCT f.filename) ${body}`, withFiles)).rows[0][0]);
      await run(sql, true);
      const on: number[] = [];
      const off: number[] = [];
      const duck: number[] = [];
      let filesOn = 0;
      let filesOff = 0;
      for (let i = 0; i < REPEAT; i++) {
        const a = await run(sql, true);
        const b = await run(sql, false);
        if (!sameRows(a.rows, b.rows)) throw new Error(`${name}: results differ with and without DFP: ${a.rows} vs ${b.rows}`);
        on.push(a.ms);
        off.push(b.ms);
        filesOn = a.files;
        filesOff = b.files;
        duck.push((await runDuck(sql)).ms);
      }
      // As a user runs it: `loch sql --metrics` in a new process (no snapshot or file-schema cache
      // yet); the statement's own time from its metrics, without Node's start-up.
      const cold = async (dfp: boolean) => {
        const out: number[] = [];
        for (let i = 0; i < 3; i++) out.push(await cliElapsed(dir, `SET spark.databricks.optimizer.dynamicFilePruning = ${dfp}; ${sql}`));
        return median(out);
      };
      const [coldOn, coldOff] = [await cold(true), await cold(false)];
      coldSpeedups.push(coldOff / coldOn);
      const s = median(off) / median(on);
      speedups.push(s);
      versusDuck.push(median(duck) / median(on));
      overMinimum.push(filesOn / Math.max(1, minimum));
      console.log(
        `| ${name} | ${median(on).toFixed(0)} | ${filesOn} | ${minimum} | ${median(off).toFixed(0)} | ${filesOff} | ${median(duck).toFixed(0)} | ${s.toFixed(1)}x | ${(median(duck) / median(on)).toFixed(1)}x | ${coldOn.toFixed(0)} / ${coldOff.toFixed(0)} | ${(coldOff / coldOn).toFixed(1)}x |`,
      );
    }
    console.log(
      `median speedup with DFP: ${median(speedups).toFixed(1)}x in one process, ${median(coldSpeedups).toFixed(1)}x per \`loch sql\` run; ` +
        `median vs DuckDB on the files: ${median(versusDuck).toFixed(1)}x; files scanned / files holding matches: at most ${Math.max(...overMinimum).toFixed(2)}x`,
    );
  } finally {
    if (kept === undefined) await rm(dir, { recursive: true, force: true });
  }
}

/** The elapsedMs `loch sql --metrics` reports for the last statement of `sql`, run in a new process. */
async function cliElapsed(lake: string, sql: string): Promise<number> {
  const cli = fileURLToPath(new URL('../../packages/cli/bin/loch.js', import.meta.url));
  const { stdout } = await execFileAsync(process.execPath, [cli, 'sql', '--lake', lake, '--metrics', sql], { maxBuffer: 64 * 1024 * 1024 });
  const metrics = stdout
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{"metrics"'))
    .map((l) => JSON.parse(l) as { metrics: { elapsedMs: number } });
  return metrics[metrics.length - 1].metrics.elapsedMs;
}

main().catch((e) => {
  process.stderr.write(`${(e as { code?: string }).code ?? 'LOCH_INTERNAL'}: ${(e as Error).message}\n`);
  process.exitCode = 1;
});
