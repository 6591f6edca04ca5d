/**
 * Crash safety: writer processes killed with SIGKILL at random moments (while writing data
 * files, committing, or writing a checkpoint) never leave the table unreadable or partly
 * committed. Every visible batch is complete, versions stay contiguous, files a killed writer
 * left behind are never read, and a half-written checkpoint is never picked.
 */
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadSnapshot } from '@loch/delta';
import { sqlString, withConnection } from '@loch/engine-node';
import { DeltaTable } from '@loch/lakehouse';
import { assertContiguous, commitInfoOf, commitVersions, dataFilePath, exists, parquetFilesOnDisk, tempDir } from './support/fs-table.js';
import { assertSameState, batchRows, committedBatches, jsonOnlySnapshot, scratchTmp, spawnWriter } from './support/children.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Tally {
  /** Batches some writer said were committed. */
  reported: Set<number>;
  strays: number;
  kills: number;
}

/** Everything that must hold after a writer was killed. */
async function checkTable(dir: string, tally: Tally, round: number): Promise<{ batches: number; rows: number }> {
  const tbl = DeltaTable.forPath(dir);
  // The table reads.
  const scan = await tbl.scan({ columns: ['id', 'batch'] });
  const perBatch = new Map<number, number>();
  for (const r of scan.rows) perBatch.set(Number(r.batch), (perBatch.get(Number(r.batch)) ?? 0) + 1);
  // Each visible batch is complete, and nothing is duplicated.
  for (const [b, n] of perBatch) assert.equal(n, batchRows(b), `round ${round}: batch ${b} has ${n} rows, not ${batchRows(b)}`);
  assert.equal(new Set(scan.rows.map((r) => r.id)).size, scan.rows.length, `round ${round}: duplicated rows`);
  // Every batch a writer saw committed is there (a kill after the commit but before the report may add more).
  for (const b of tally.reported) assert.ok(perBatch.has(b), `round ${round}: committed batch ${b} is missing`);
  const expectedRows = [...perBatch.keys()].reduce((n, b) => n + batchRows(b), 0);
  assert.equal(scan.rows.length, expectedRows);

  // Versions are contiguous and each commit is whole: it has its commitInfo.
  const versions = await commitVersions(dir);
  assertContiguous(versions);
  for (const v of versions) await commitInfoOf(dir, v);
  const snap = await loadSnapshot(tbl.engine, (await tbl.location()));
  assert.equal(snap.version, versions.at(-1));

  // Files a killed writer left are on disk but not in the table; every table file is on disk.
  const inTable = new Set(snap.files.map((a) => decodeURIComponent(a.path)));
  const onDisk = await parquetFilesOnDisk(dir);
  for (const a of snap.files) assert.ok(await exists(dataFilePath(snap.tableRoot, a.path)), `round ${round}: ${a.path} is missing`);
  tally.strays = onDisk.filter((p) => !inTable.has(p)).length;
  const committedRows = snap.files.reduce((n, a) => n + (JSON.parse(a.stats!) as { numRecords: number }).numRecords, 0);
  assert.equal(committedRows, scan.rows.length, `round ${round}: rows read differ from rows committed`);
  return { batches: perBatch.size, rows: scan.rows.length };
}

/** Checkpoints on disk are complete Parquet files and describe their version like the JSON log does. */
async function checkCheckpoints(dir: string, round: number): Promise<{ checkpoints: number; temps: number }> {
  const names = await readdir(join(dir, '_delta_log'));
  const checkpoints = names.filter((n) => /^\d{20}\.checkpoint\.parquet$/.test(n));
  await withConnection(async (c) => {
    for (const n of checkpoints) {
      const [[rows]] = (await c.runAndReadAll(`SELECT count(*)::BIGINT FROM read_parquet(${sqlString(join(dir, '_delta_log', n))})`)).getRows();
      assert.ok(Number(rows) >= 2, `round ${round}: checkpoint ${n} has ${String(rows)} rows`);
    }
  });
  const tbl = DeltaTable.forPath(dir);
  const latest = await loadSnapshot(tbl.engine, (await tbl.location()));
  if (checkpoints.length > 0) {
    const newest = Math.max(...checkpoints.map((n) => Number(n.slice(0, 20))));
    assert.equal(latest.segment.checkpoint?.version, newest, `round ${round}: the newest checkpoint is used`);
  }
  assertSameState(latest, await jsonOnlySnapshot(dir), `round ${round}: checkpoint vs JSON`);
  // Temporary checkpoint files of killed writers may remain; they are hidden and never listed as checkpoints.
  const temps = names.filter((n) => n.startsWith('.') && n.includes('checkpoint'));
  return { checkpoints: checkpoints.length, temps: temps.length };
}

async function killRounds(
  t: { diagnostic: (m: string) => void; after: (fn: () => Promise<void>) => void },
  rounds: number,
  configuration: Record<string, string>,
  afterEach?: (dir: string, round: number) => Promise<void>,
): Promise<Tally> {
  const { dir, cleanup } = await tempDir('loch-crash-');
  t.after(cleanup);
  const tmp = await scratchTmp();
  t.after(tmp.cleanup);
  await DeltaTable.create(dir, { schema: { id: 'long', batch: 'long', writer: 'long', payload: 'string' }, configuration });
  const tally: Tally = { reported: new Set(), strays: 0, kills: 0 };
  const delays: number[] = [];
  for (let round = 1; round <= rounds; round++) {
    const child = spawnWriter({ mode: 'loop', dir, round }, { TMPDIR: tmp.dir });
    await child.waitFor('ready');
    const delay = 10 + Math.floor(Math.random() * 391);
    delays.push(delay);
    await sleep(delay);
    child.proc.kill('SIGKILL');
    const exit = await child.exited;
    if (exit.signal === 'SIGKILL') tally.kills++;
    else assert.fail(`round ${round}: the writer exited on its own (${exit.code}): ${child.lines.join(' | ')} ${child.stderr()}`);
    for (const r of committedBatches(child)) tally.reported.add(r.batch);
    await checkTable(dir, tally, round);
    await afterEach?.(dir, round);
  }
  const final = await checkTable(dir, tally, rounds + 1);
  t.diagnostic(`kill delays (ms): ${delays.join(', ')}`);
  t.diagnostic(`${tally.kills} kills, ${tally.reported.size} batches reported committed, ${final.batches} visible, ${final.rows} rows, ${tally.strays} stray data files on disk`);
  return tally;
}

test('writers killed at random moments leave a readable table of whole batches', { timeout: 120_000 }, async (t) => {
  const tally = await killRounds(t, 12, {});
  assert.equal(tally.kills, 12);
  assert.ok(tally.reported.size > 0, 'some writer committed something before it was killed');
});

test('writers killed while checkpoints are due (every 2 commits) never leave a half checkpoint that readers pick', { timeout: 120_000 }, async (t) => {
  let checkpoints = 0;
  let temps = 0;
  const tally = await killRounds(t, 10, { 'delta.checkpointInterval': '2' }, async (dir, round) => {
    const r = await checkCheckpoints(dir, round);
    checkpoints = r.checkpoints;
    temps = r.temps;
  });
  t.diagnostic(`${checkpoints} checkpoints, ${temps} leftover temporary checkpoint files`);
  assert.equal(tally.kills, 10);
  assert.ok(checkpoints > 0, 'some checkpoint was written');
});

test('a stray data file in the table directory is never read', async (t) => {
  const { dir, cleanup } = await tempDir('loch-stray-');
  t.after(cleanup);
  const tbl = await DeltaTable.create(dir, { schema: { id: 'long', batch: 'long', writer: 'long', payload: 'string' } });
  await tbl.write([{ id: 1, batch: 1, writer: 0, payload: 'kept' }]);
  // As a killed writer would leave it: a complete Parquet file that no commit mentions.
  await withConnection((c) => c.run(`COPY (SELECT 99::BIGINT AS id, 99::BIGINT AS batch, 0::BIGINT AS writer, 'stray' AS payload) TO ${sqlString(join(dir, 'part-00000-stray.parquet'))} (FORMAT parquet)`));
  assert.deepEqual((await tbl.scan({ columns: ['payload'] })).rows, [{ payload: 'kept' }]);
  assert.equal((await parquetFilesOnDisk(dir)).length, 2);
});
