/**
 * Log replay benchmark: how long building a snapshot of a 300k-file table takes, against the
 * "floor" of parsing its log on one thread with plain JSON.parse.
 *
 *   npm run bench:replay [-- --runs 5 --cold 3 --only floor,json,checkpoint,objects --threads N --parallel-threshold B]
 *
 * Extracts ../shared/bench-data/300k-add-files-100-col-partitioned.tar.zst into bench/.data/
 * (once; LOCH_BENCH_TARBALL overrides where it is), writes a classic checkpoint of the table's
 * last version into a copy of it, then measures, alternating so that machine noise hits each alike:
 *   floor       read every commit, decode it, split it into lines, JSON.parse each line (keeping
 *               the results, as any reader must), on one thread
 *   json        loadSnapshot from the five JSON commits with a fresh engine, summing file sizes
 *               (snapshotSize, what `loch describe` reports)
 *   checkpoint  the same from the copy, whose snapshot comes from its checkpoint
 *   objects     the same as checkpoint, then every file as an AddFile object (the snapshot's
 *               files are held column by column and made into objects only when asked)
 * It prints the median of `--runs` runs (after a warm-up) of each, and the median of `--cold`
 * runs each in a fresh process (what a CLI reading a table pays), with their ratio to the floor.
 * A full GC runs before every timed run so that no run pays for the garbage of the one before.
 * `--threads` and `--parallel-threshold` set the JSON handler's options of those names (default:
 * its own). Progress goes to stderr, the table to stdout.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { loadSnapshot, snapshotSize, type AddFile, type RemoveFile, type Snapshot } from '@loch/delta';
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

type Measure = 'floor' | 'json' | 'checkpoint' | 'objects';

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

const THREADS = opt('threads', '');
const PARALLEL_THRESHOLD = opt('parallel-threshold', '');
const JSON_OPTIONS = {
  ...(THREADS ? { threads: Number(THREADS) } : {}),
  ...(PARALLEL_THRESHOLD ? { parallelThreshold: Number(PARALLEL_THRESHOLD) } : {}),
};

/**
 * Loads the snapshot and sums its files' sizes (what `loch describe` does); with `objects`, goes
 * over every file as an AddFile object instead (what a reader that wants them all pays).
 */
async function snapshotFiles(table: string, objects = false): Promise<{ snapshot: Snapshot; bytes: number }> {
  const engine = nodeEngine({ json: JSON_OPTIONS });
  try {
    const snapshot = await loadSnapshot(engine, localUrl(table, true));
    let bytes = 0;
    if (objects) for (const f of snapshot.files) bytes += f.size;
    else bytes = snapshotSize(snapshot).sizeInBytes;
    return { snapshot, bytes };
  } finally {
    await engine.close();
  }
}

async function once(what: Measure): Promise<{ ms: number; check: string }> {
  gc();
  await new Promise((r) => setTimeout(r, 20));
  const t0 = performance.now();
  let check: string;
  if (what === 'floor') {
    check = `${floor(TABLE)} actions`;
  } else {
    const { snapshot, bytes } = await snapshotFiles(what === 'json' ? TABLE : CHECKPOINTED, what === 'objects');
    check = `v${snapshot.version}, ${snapshot.fileList.length} files, ${bytes} bytes`;
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
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** One cold measurement in a fresh process. */
function cold(what: Measure): number {
  const pass = [...(THREADS ? ['--threads', THREADS] : []), ...(PARALLEL_THRESHOLD ? ['--parallel-threshold', PARALLEL_THRESHOLD] : [])];
  const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', what, ...pass], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error((r.stderr.trim().split('\n').find((l) => /Error/.test(l)) ?? r.stderr.trim()).slice(0, 200));
  return Number(r.stdout.trim());
}

const LABELS: Record<Measure, string> = {
  floor: 'floor: read + split + JSON.parse every line, 1 thread',
  json: 'loadSnapshot from the JSON log (5 commits)',
  checkpoint: 'loadSnapshot from a classic checkpoint at v4',
  objects: 'the same, then every file as an AddFile object',
};

async function main(): Promise<void> {
  const child = opt('child', '');
  if (child) {
    const { ms } = await once(child as Measure);
    process.stdout.write(`${ms}\n`);
    return;
  }
  extract();
  const measures = opt('only', 'floor,json,checkpoint,objects').split(',') as Measure[];
  if (!measures.includes('floor')) measures.unshift('floor');
  if (measures.includes('checkpoint') || measures.includes('objects')) await writeCheckpointedCopy();

  const times: Record<string, number[]> = {};
  const coldTimes: Record<string, number[]> = {};
  const checks: Record<string, string> = {};
  const failed: Record<string, string> = {};
  for (const m of measures) {
    times[m] = [];
    coldTimes[m] = [];
  }
  // Measures alternate, so that whatever else the machine does weighs on each alike.
  for (let run = 0; run <= RUNS; run++) {
    for (const m of measures) {
      if (failed[m]) continue;
      try {
        const { ms, check } = await once(m);
        if (checks[m] !== undefined && checks[m] !== check) throw new Error(`run ${run} saw ${check}, earlier ${checks[m]}`);
        checks[m] = check;
        if (run > 0) times[m].push(ms);
        log(`${run === 0 ? 'warm-up' : `run ${run}`} ${m}: ${ms.toFixed(0)} ms (${check})`);
      } catch (e) {
        failed[m] = `${(e as Error).name}: ${(e as Error).message}`.slice(0, 200);
        log(`${m} failed: ${failed[m]}`);
      }
    }
  }
  const coldRuns = Number(opt('cold', '3'));
  for (let run = 0; run < coldRuns; run++) {
    for (const m of measures) {
      if (failed[m]) continue;
      try {
        const ms = cold(m);
        coldTimes[m].push(ms);
        log(`fresh process ${run + 1} ${m}: ${ms.toFixed(0)} ms`);
      } catch (e) {
        failed[m] = (e as Error).message;
        log(`${m} failed in a fresh process: ${failed[m]}`);
      }
    }
  }

  const f = median(times.floor);
  const cf = median(coldTimes.floor);
  const ms = (x: number) => (Number.isFinite(x) ? x.toFixed(0) : '-');
  const ratio = (x: number, base: number) => (Number.isFinite(x) && Number.isFinite(base) ? `${(x / base).toFixed(2)}x` : '-');
  const rows = [
    ['measure', `in process, median of ${RUNS} (ms)`, 'vs floor', `fresh process, median of ${coldRuns} (ms)`, 'vs floor', 'result'],
    ...measures.map((m) => {
      const t = median(times[m]);
      const c = median(coldTimes[m]);
      return [LABELS[m], ms(t), ratio(t, f), ms(c), ratio(c, cf), failed[m] ? `FAILED: ${failed[m]}` : checks[m]];
    }),
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  const out = [line(rows[0]), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.slice(1).map(line)];
  out.push('');
  if (measures.includes('json') && !failed.json) {
    const r = median(times.json) / f;
    out.push(`goal: JSON log <= 0.65x floor: ${r <= 0.65 ? 'met' : 'NOT met'} (${r.toFixed(2)}x in process, ${ratio(median(coldTimes.json), cf)} in a fresh process)`);
  }
  if (measures.includes('checkpoint')) {
    const t = median(times.checkpoint);
    out.push(`goal: checkpoint <= 300 ms: ${failed.checkpoint ? 'NOT met (failed)' : t <= 300 ? 'met' : 'NOT met'} (${ms(t)} ms)`);
  }
  out.push(`JSON handler options: ${JSON.stringify(JSON_OPTIONS)} (threads ${THREADS || 'default'})`);
  out.push(`node ${process.version}, ${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown cpu'}), load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  process.stdout.write(`${out.join('\n')}\n`);
}

await main();
