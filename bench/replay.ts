/**
 * Log replay benchmark: how long building a snapshot of a 300k-file table takes, against the
 * "floor" of parsing its log on one thread with plain JSON.parse.
 *
 *   npm run bench:replay [-- --runs 5]
 *
 * Measures, in one process, alternating so that machine noise hits each alike:
 *   floor       read every commit, decode, split lines, JSON.parse each line (keeping the results)
 *   json log    loadSnapshot from the five JSON commits with a fresh engine, summing file sizes
 *   checkpoint  loadSnapshot of a copy of the table with a classic Parquet checkpoint at v4
 * and prints medians of `--runs` runs (after one warm-up each) with their ratio to the floor.
 * A full GC runs before every timed run so that no run pays for the garbage of the one before.
 * Also runs each measurement once in a fresh process (`--cold`, on by default), since a CLI
 * reading a table pays for a cold start. Progress goes to stderr, the table to stdout.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { loadSnapshot, type AddFile, type RemoveFile, type Snapshot } from '@loch/delta';
import { localUrl, nodeEngine, sqlString, withConnection } from '@loch/engine-node';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..', '..');
const NAME = '300k-add-files-100-col-partitioned';
const TARBALL = process.env.LOCH_BENCH_TARBALL ?? resolve(repo, '..', 'shared', 'bench-data', `${NAME}.tar.zst`);
const DATA = resolve(repo, 'bench', '.data');
const TABLE = join(DATA, NAME);
const CHECKPOINTED = join(DATA, `${NAME}-checkpointed`);

const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : dflt;
};
const RUNS = Number(opt('runs', '5'));
const log = (msg: string) => process.stderr.write(`${msg}\n`);

type Measure = 'floor' | 'json' | 'checkpoint';

/** Parses every commit on this thread with JSON.parse: the cost any reader of this log pays. */
function floor(table: string): number {
  const logDir = join(table, '_delta_log');
  const actions: unknown[] = [];
  for (const name of readdirSync(logDir).filter((n) => /^\d{20}\.json$/.test(n)).sort()) {
    const text = readFileSync(join(logDir, name)).toString('utf8');
    for (const line of text.split('\n')) if (line !== '') actions.push(JSON.parse(line));
  }
  return actions.length;
}

async function snapshotFiles(table: string): Promise<{ snapshot: Snapshot; bytes: number }> {
  const engine = nodeEngine();
  try {
    const snapshot = await loadSnapshot(engine, localUrl(table, true));
    let bytes = 0;
    for (const f of snapshot.files) bytes += f.size;
    return { snapshot, bytes };
  } finally {
    await engine.close();
  }
}

async function once(what: Measure): Promise<{ ms: number; check: string }> {
  gc();
  const t0 = performance.now();
  let check: string;
  if (what === 'floor') {
    check = `${floor(TABLE)} actions`;
  } else {
    const { snapshot, bytes } = await snapshotFiles(what === 'json' ? TABLE : CHECKPOINTED);
    check = `v${snapshot.version}, ${snapshot.files.length} files, ${bytes} bytes`;
  }
  return { ms: performance.now() - t0, check };
}

function extract(): void {
  if (existsSync(join(TABLE, '_delta_log'))) return;
  if (!existsSync(TARBALL)) throw new Error(`benchmark data not found: ${TARBALL} (set LOCH_BENCH_TARBALL)`);
  log(`extracting ${TARBALL} into ${DATA}`);
  mkdirSync(DATA, { recursive: true });
  execFileSync('tar', ['--zstd', '-xf', TARBALL, '-C', DATA], { stdio: 'inherit' });
}

/** The Spark checkpoint schema, as DuckDB types (read_json's `columns`). */
const MAP = 'MAP(VARCHAR, VARCHAR)';
const DV = 'STRUCT(storageType VARCHAR, pathOrInlineDv VARCHAR, "offset" INTEGER, sizeInBytes INTEGER, cardinality BIGINT, maxRowIndex BIGINT)';
const CHECKPOINT_COLUMNS: Record<string, string> = {
  txn: 'STRUCT(appId VARCHAR, version BIGINT, lastUpdated BIGINT)',
  add: `STRUCT(path VARCHAR, partitionValues ${MAP}, size BIGINT, modificationTime BIGINT, dataChange BOOLEAN, stats VARCHAR, tags ${MAP}, deletionVector ${DV}, baseRowId BIGINT, defaultRowCommitVersion BIGINT, clusteringProvider VARCHAR)`,
  remove: `STRUCT(path VARCHAR, deletionTimestamp BIGINT, dataChange BOOLEAN, extendedFileMetadata BOOLEAN, partitionValues ${MAP}, size BIGINT, stats VARCHAR, tags ${MAP}, deletionVector ${DV}, baseRowId BIGINT, defaultRowCommitVersion BIGINT)`,
  metaData: `STRUCT(id VARCHAR, name VARCHAR, description VARCHAR, format STRUCT(provider VARCHAR, options ${MAP}), schemaString VARCHAR, partitionColumns VARCHAR[], configuration ${MAP}, createdTime BIGINT)`,
  protocol: 'STRUCT(minReaderVersion INTEGER, minWriterVersion INTEGER, readerFeatures VARCHAR[], writerFeatures VARCHAR[])',
};

/**
 * Copies the table and writes a classic checkpoint of its latest version into the copy, the way
 * Spark lays one out: one action per row, one nullable struct column per action kind.
 */
async function writeCheckpointedCopy(): Promise<void> {
  log(`writing a checkpoint into a copy of the table: ${CHECKPOINTED}`);
  rmSync(CHECKPOINTED, { recursive: true, force: true });
  cpSync(TABLE, CHECKPOINTED, { recursive: true });
  const { snapshot } = await snapshotFiles(CHECKPOINTED);
  const tmp = join(tmpdir(), `loch-bench-checkpoint-${process.pid}.ndjson`);
  const lines: string[] = [
    JSON.stringify({ protocol: snapshot.protocol }),
    JSON.stringify({ metaData: snapshot.metadata }),
    ...[...snapshot.txns.values()].map((txn) => JSON.stringify({ txn })),
    ...snapshot.files.map((add: AddFile) => JSON.stringify({ add })),
    // A checkpoint keeps unexpired tombstones so that VACUUM and readers of older versions see them.
    ...snapshot.tombstones.map((remove: RemoveFile) => JSON.stringify({ remove })),
  ];
  writeFileSync(tmp, `${lines.join('\n')}\n`);
  const version = snapshot.version;
  const file = join(CHECKPOINTED, '_delta_log', `${String(version).padStart(20, '0')}.checkpoint.parquet`);
  const columns = Object.entries(CHECKPOINT_COLUMNS)
    .map(([k, v]) => `${k}: ${sqlString(v)}`)
    .join(', ');
  try {
    await withConnection(async (c) => {
      await c.run(
        `COPY (SELECT ${Object.keys(CHECKPOINT_COLUMNS).join(', ')}
               FROM read_json(${sqlString(tmp)}, format = 'newline_delimited', columns = {${columns}}, maximum_object_size = 1073741824))
         TO ${sqlString(file)} (FORMAT parquet)`,
      );
    });
  } finally {
    rmSync(tmp, { force: true });
  }
  const lastCheckpoint = { version, size: lines.length, numOfAddFiles: snapshot.files.length };
  writeFileSync(join(CHECKPOINTED, '_delta_log', '_last_checkpoint'), `${JSON.stringify(lastCheckpoint)}\n`);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** One cold measurement in a fresh process. */
function cold(what: Measure): number {
  const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', what], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`child '${what}' failed: ${r.stderr}`);
  return Number(r.stdout.trim());
}

async function main(): Promise<void> {
  const child = opt('child', '');
  if (child) {
    const { ms } = await once(child as Measure);
    process.stdout.write(`${ms}\n`);
    return;
  }
  extract();
  const measures = opt('only', 'floor,json,checkpoint').split(',') as Measure[];
  if (measures.includes('checkpoint')) await writeCheckpointedCopy();

  const times: Record<Measure, number[]> = { floor: [], json: [], checkpoint: [] };
  const checks: Record<string, string> = {};
  for (let run = 0; run <= RUNS; run++) {
    for (const m of measures) {
      const { ms, check } = await once(m);
      if (checks[m] !== undefined && checks[m] !== check) throw new Error(`${m}: run ${run} saw ${check}, earlier ${checks[m]}`);
      checks[m] = check;
      if (run > 0) times[m].push(ms);
      log(`${run === 0 ? 'warm-up' : `run ${run}`} ${m}: ${ms.toFixed(0)} ms (${check})`);
    }
  }
  const coldTimes: Record<Measure, number[]> = { floor: [], json: [], checkpoint: [] };
  const coldRuns = Number(opt('cold', '3'));
  for (let run = 0; run < coldRuns; run++) {
    for (const m of measures) {
      const ms = cold(m);
      coldTimes[m].push(ms);
      log(`fresh process ${run + 1} ${m}: ${ms.toFixed(0)} ms`);
    }
  }

  const f = median(times.floor);
  const cf = coldRuns > 0 ? median(coldTimes.floor) : NaN;
  const rows = [
    ['measure', `median of ${RUNS} (ms)`, 'vs floor', `fresh process, median of ${coldRuns} (ms)`, 'vs floor', 'result'],
    ['floor: JSON.parse every line, 1 thread', f, 1, cf, 1, checks.floor],
    ['loadSnapshot, JSON log (5 commits)', median(times.json), median(times.json) / f, median(coldTimes.json), median(coldTimes.json) / cf, checks.json],
    ['loadSnapshot, parquet checkpoint at v4', median(times.checkpoint), median(times.checkpoint) / f, median(coldTimes.checkpoint), median(coldTimes.checkpoint) / cf, checks.checkpoint],
  ].map((r) => r.map((c, i) => (typeof c === 'number' ? (i % 2 === 0 ? c.toFixed(2) + 'x' : c.toFixed(0)) : c)));
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  const out = [line(rows[0]), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.slice(1).map(line)];
  out.push('', `node ${process.version}, ${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown cpu'}), ${RUNS} runs after a warm-up`);
  process.stdout.write(`${out.join('\n')}\n`);
}

await main();
