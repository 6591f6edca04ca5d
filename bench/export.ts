/**
 * npm run bench:export — rows out of a big table: `loch scan <table> --format jsonl|csv > file`
 * (a whole process, as a user runs it) against DuckDB's own COPY of the same snapshot's rows to
 * JSON lines / CSV (a node process that opens DuckDB and runs the COPY), alternating, in the same
 * run; then the resident memory of reading every row through `scan().batches()` and `loch scan`.
 *
 *   LOCH_BENCH_ROWS   rows in the table (default 20M; 50M for the memory check of issue 9)
 *   LOCH_BENCH_REPEAT runs of each (default 3; medians printed)
 *   LOCH_BENCH_DIR    keep the table there and reuse it on the next run
 *
 * The table is the issue's: `id, id % 1000 AS k, 'event-' || id AS s`, written by one CREATE
 * TABLE AS. Progress goes to stderr, the table of figures to stdout.
 */
import { spawn } from 'node:child_process';
import { access, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSnapshot, resolvePath } from '@loch/delta';
import { Lakehouse } from '@loch/lakehouse';

const ROWS = Number(process.env.LOCH_BENCH_ROWS ?? 20_000_000);
const REPEAT = Number(process.env.LOCH_BENCH_REPEAT ?? 3);
const progress = (s: string) => process.stderr.write(`${s}\n`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const here = fileURLToPath(new URL('.', import.meta.url));
const cli = fileURLToPath(new URL('../../packages/cli/bin/loch.js', import.meta.url));

interface Run {
  readonly ms: number;
  /** Peak resident memory (VmHWM) of the process, bytes. */
  readonly peakRss: number;
  readonly stdout: string;
}

/** Runs a node process (stdout to `out` when given), timing it whole and watching its peak memory. */
function run(args: string[], out?: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const shell = out !== undefined;
    const child = shell
      ? spawn('sh', ['-c', `exec "${process.execPath}" ${args.map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ')} > '${out}'`], { stdio: ['ignore', 'ignore', 'pipe'] })
      : spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let peakRss = 0;
    let stdout = '';
    let stderr = '';
    const watch = setInterval(() => {
      readFile(`/proc/${child.pid}/status`, 'utf8').then((s) => (peakRss = Math.max(peakRss, Number(/VmHWM:\s+(\d+) kB/.exec(s)?.[1] ?? 0) * 1024)), () => undefined);
    }, 50);
    child.stdout?.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(watch);
      if (code !== 0) reject(new Error(`${args.join(' ')} exited ${code}: ${stderr.slice(0, 300)}`));
      else resolve({ ms: performance.now() - started, peakRss, stdout });
    });
  });
}

/** A node script that opens DuckDB and runs one statement: DuckDB on its own, as a process. */
const DUCKDB_SCRIPT = `import { DuckDBInstance } from '@duckdb/node-api';
const db = await DuckDBInstance.create(':memory:');
const c = await db.connect();
await c.run(process.argv[2]);`;

/** Reads every row of the table through scan().batches() and prints the row count. */
const BATCHES_SCRIPT = `import { DeltaTable } from '@loch/lakehouse';
let rows = 0;
for await (const batch of DeltaTable.forPath(process.argv[2]).scan().batches()) rows += batch.numRows;
console.log(rows);`;

async function main() {
  const kept = process.env.LOCH_BENCH_DIR;
  const dir = kept ?? (await mkdtemp(join(tmpdir(), 'loch-bench-export-')));
  await mkdir(dir, { recursive: true });
  const table = join(dir, 'big');
  const scripts = join(here, '.scripts');
  await mkdir(scripts, { recursive: true });
  const duckScript = join(scripts, 'duckdb-run.mjs');
  const batchesScript = join(scripts, 'batches.mjs');
  await writeFile(duckScript, DUCKDB_SCRIPT);
  await writeFile(batchesScript, BATCHES_SCRIPT);
  try {
    if (!(await access(join(table, '_delta_log')).then(() => true, () => false))) {
      progress(`writing ${ROWS.toLocaleString('en-US')} rows ...`);
      await Lakehouse.open(dir).sql(`CREATE TABLE delta.\`${table}\` USING DELTA AS SELECT id, id % 1000 AS k, 'event-' || id AS s FROM range(${ROWS})`);
    }
    const snapshot = await loadSnapshot((await import('@loch/engine-node')).nodeEngine(), `file://${table}/`);
    const files = snapshot.files.map((f) => `'${fileURLToPath(resolvePath(snapshot.tableRoot, f.path))}'`).join(', ');
    const out = join(dir, 'out');
    const measures = [
      { name: 'jsonl', loch: [cli, 'scan', table, '--format', 'jsonl'], duck: `COPY (SELECT * FROM read_parquet([${files}])) TO '${out}' (FORMAT json)` },
      { name: 'csv', loch: [cli, 'scan', table, '--format', 'csv'], duck: `COPY (SELECT * FROM read_parquet([${files}])) TO '${out}' (FORMAT csv, HEADER)` },
    ];
    console.log(`table: ${ROWS.toLocaleString('en-US')} rows (id BIGINT, k BIGINT, s VARCHAR) in ${snapshot.files.length} files; median of ${REPEAT}`);
    console.log('| format | `loch scan > file` (s) | Mrows/s | peak RSS (MB) | DuckDB COPY (s) | Mrows/s | DuckDB peak RSS (MB) | loch / DuckDB rows/s |');
    console.log('|---|---|---|---|---|---|---|---|');
    for (const m of measures) {
      const loch: Run[] = [];
      const duck: Run[] = [];
      for (let i = 0; i < REPEAT; i++) {
        progress(`${m.name}: run ${i + 1}/${REPEAT}`);
        loch.push(await run(m.loch, out));
        const lines = (await stat(out)).size;
        if (i === 0) progress(`  loch wrote ${(lines / 2 ** 20).toFixed(0)} MB`);
        duck.push(await run([duckScript, m.duck]));
      }
      const l = median(loch.map((r) => r.ms)) / 1000;
      const d = median(duck.map((r) => r.ms)) / 1000;
      const mb = (rs: Run[]) => (Math.max(...rs.map((r) => r.peakRss)) / 2 ** 20).toFixed(0);
      console.log(`| ${m.name} | ${l.toFixed(2)} | ${(ROWS / l / 1e6).toFixed(2)} | ${mb(loch)} | ${d.toFixed(2)} | ${(ROWS / d / 1e6).toFixed(2)} | ${mb(duck)} | **${(d / l).toFixed(2)}x** |`);
    }
    await rm(out, { force: true });
    progress('memory: every row through scan().batches() and loch scan --format table');
    const batches = await run([batchesScript, table]);
    if (Number(batches.stdout.trim()) !== ROWS) throw new Error(`batches() read ${batches.stdout.trim()} rows, not ${ROWS}`);
    const tableOut = await run([cli, 'scan', table, '--format', 'table'], '/dev/null');
    console.log(`peak resident memory reading ${ROWS.toLocaleString('en-US')} rows: scan().batches() ${(batches.peakRss / 2 ** 20).toFixed(0)} MB (${(batches.ms / 1000).toFixed(1)} s), loch scan --format table ${(tableOut.peakRss / 2 ** 20).toFixed(0)} MB (${(tableOut.ms / 1000).toFixed(1)} s)`);
    console.log(`node ${process.version}, ${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown cpu'}), load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  } finally {
    await rm(scripts, { recursive: true, force: true });
    if (kept === undefined) await rm(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  process.stderr.write(`${(e as { code?: string }).code ?? 'LOCH_INTERNAL'}: ${(e as Error).message}\n`);
  process.exitCode = 1;
});
