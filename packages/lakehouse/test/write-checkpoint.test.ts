/**
 * Checkpoints written by appends: when they are due (every 10 commits, or
 * delta.checkpointInterval), what `_last_checkpoint` says, that the Parquet file has the columns
 * and types of Spark's checkpoints, that reading from it equals replaying the JSON log, and the
 * cleanup of expired log files (which must keep everything the latest version needs).
 */
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { cleanupExpiredLogs, loadSnapshot } from '@loch/delta';
import { sqlString, withConnection } from '@loch/engine-node';
import { DeltaTable } from '@loch/lakehouse';
import { assertContiguous, commitVersions, rejectsWith, sortRows, tempDir } from './support/fs-table.js';
import { assertSameState, jsonOnlySnapshot } from './support/children.js';

const GOLDEN_CHECKPOINT = '/work/shared/conformance/delta-golden/only-checkpoint-files/delta/_delta_log/00000000000000000002.checkpoint.parquet';

async function table(t: { after: (fn: () => Promise<void>) => void }) {
  const { dir, cleanup } = await tempDir('loch-ckpt-');
  t.after(cleanup);
  return dir;
}

async function logNames(dir: string): Promise<string[]> {
  return (await readdir(join(dir, '_delta_log'))).sort();
}

const checkpointVersions = async (dir: string) =>
  (await logNames(dir)).filter((n) => /^\d{20}\.checkpoint\.parquet$/.test(n)).map((n) => Number(n.slice(0, 20)));

// ---- DuckDB type strings, parsed enough to compare struct fields ----------------------------------

type DuckType = { kind: 'struct'; fields: [string, DuckType][] } | { kind: 'list'; of: DuckType } | { kind: 'other'; text: string };

function splitTop(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let cur = '';
  for (const ch of s) {
    if (ch === '"') quoted = !quoted;
    if (!quoted && ch === '(') depth++;
    if (!quoted && ch === ')') depth--;
    if (!quoted && depth === 0 && ch === ',') {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

function parseDuckType(text: string): DuckType {
  const s = text.trim();
  if (s.endsWith('[]')) return { kind: 'list', of: parseDuckType(s.slice(0, -2)) };
  if (s.startsWith('STRUCT(') && s.endsWith(')')) {
    const fields = splitTop(s.slice(7, -1)).map((f): [string, DuckType] => {
      const m = /^("(?:[^"]|"")*"|\S+)\s+(.*)$/s.exec(f)!;
      const name = m[1].startsWith('"') ? m[1].slice(1, -1).replaceAll('""', '"') : m[1];
      return [name, parseDuckType(m[2])];
    });
    return { kind: 'struct', fields };
  }
  return { kind: 'other', text: s };
}

/** Every field of `spark` is in `ours` with the same type, recursively, in the same relative order. */
function assertCovers(ours: DuckType, spark: DuckType, where: string): void {
  assert.equal(ours.kind, spark.kind, `${where}: ${JSON.stringify(ours)} vs ${JSON.stringify(spark)}`);
  if (spark.kind === 'other') assert.equal((ours as { text: string }).text, spark.text, where);
  else if (spark.kind === 'list') assertCovers((ours as { of: DuckType }).of, spark.of, `${where}[]`);
  else {
    const mine = (ours as { fields: [string, DuckType][] }).fields;
    let last = -1;
    for (const [name, type] of spark.fields) {
      const i = mine.findIndex(([n]) => n === name);
      assert.ok(i >= 0, `${where}.${name} is missing from our checkpoint`);
      assert.ok(i > last, `${where}.${name} is out of order`);
      last = i;
      assertCovers(mine[i][1], type, `${where}.${name}`);
    }
  }
}

async function describe(file: string): Promise<Map<string, string>> {
  return withConnection(async (c) => {
    const rows = (await c.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${sqlString(file)})`)).getRows();
    return new Map(rows.map((r) => [String(r[0]), String(r[1])]));
  });
}

// ---- tests --------------------------------------------------------------------------------------

test('a checkpoint is written at version 10 by default; _last_checkpoint points at it', async (t) => {
  const dir = await table(t);
  const tbl = await DeltaTable.create(dir, { schema: { id: 'long', day: 'string' }, partitionBy: ['day'] });
  for (let i = 1; i <= 9; i++) await tbl.write([{ id: i, day: `d${i % 3}` }]);
  assert.deepEqual(await checkpointVersions(dir), [], 'nothing before version 10');
  assert.ok(!(await logNames(dir)).includes('_last_checkpoint'));
  await tbl.write([{ id: 10, day: 'd1' }]);
  assert.deepEqual(await checkpointVersions(dir), [10]);
  const last = JSON.parse(await readFile(join(dir, '_delta_log', '_last_checkpoint'), 'utf8')) as { version: number; size: number; numOfAddFiles?: number };
  assert.equal(last.version, 10);
  assert.equal(last.numOfAddFiles, 10);
  const ckpt = join(dir, '_delta_log', '00000000000000000010.checkpoint.parquet');
  const [[rows, adds, protocols, metas]] = await withConnection(async (c) =>
    (await c.runAndReadAll(`SELECT count(*)::BIGINT, count(add)::BIGINT, count(protocol)::BIGINT, count(metaData)::BIGINT FROM read_parquet(${sqlString(ckpt)})`)).getRows(),
  );
  assert.equal(Number(rows), last.size, '_last_checkpoint size is the row count');
  assert.equal(Number(adds), 10);
  assert.equal(Number(protocols), 1);
  assert.equal(Number(metas), 1);
  // Each row holds exactly one action.
  const [[multi]] = await withConnection(async (c) =>
    (await c.runAndReadAll(`SELECT count(*)::BIGINT FROM read_parquet(${sqlString(ckpt)}) WHERE (add IS NOT NULL)::INT + (remove IS NOT NULL)::INT + (metaData IS NOT NULL)::INT + (protocol IS NOT NULL)::INT + (txn IS NOT NULL)::INT + (domainMetadata IS NOT NULL)::INT <> 1`)).getRows(),
  );
  assert.equal(Number(multi), 0);
  const snap = await tbl.snapshot();
  assert.equal(snap.segment.checkpoint?.version, 10);
  assert.equal(snap.segment.commits.length, 0);
  assert.deepEqual((await tbl.scan()).rows.map((r) => r.id).sort((a, b) => Number(a) - Number(b)), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
});

test("the checkpoint has the columns and types of Spark's checkpoints", async (t) => {
  const dir = await table(t);
  const tbl = await DeltaTable.create(dir, { schema: { id: 'long' }, configuration: { 'delta.checkpointInterval': '1' } });
  await tbl.write([{ id: 1 }]);
  const ours = await describe(join(dir, '_delta_log', '00000000000000000001.checkpoint.parquet'));
  const spark = await describe(GOLDEN_CHECKPOINT);
  for (const col of ['add', 'remove', 'metaData', 'protocol', 'txn']) {
    assert.ok(spark.has(col), `golden checkpoint lacks ${col}`);
    assert.ok(ours.has(col), `our checkpoint lacks ${col}`);
    assertCovers(parseDuckType(ours.get(col)!), parseDuckType(spark.get(col)!), col);
  }
  // metaData, protocol and txn are exactly Spark's (add and remove may carry newer optional fields).
  for (const col of ['metaData', 'protocol', 'txn']) assert.equal(ours.get(col), spark.get(col), col);
});

test('reading from the checkpoint equals replaying the JSON log: files, tombstones, txns, metadata, rows', async (t) => {
  const dir = await table(t);
  const tbl = await DeltaTable.create(dir, {
    schema: { id: 'long', p: 'string', v: 'double' },
    partitionBy: ['p'],
    configuration: { 'delta.checkpointInterval': '5', 'custom.prop': 'x y' },
  });
  await tbl.write([{ id: 1, p: 'a b', v: 1.5 }, { id: 2, p: null, v: null }], { txn: { appId: 'app-1', version: 3 } });
  await tbl.write([{ id: 3, p: 'ü/=%', v: -2 }]);
  await tbl.write([{ id: 4, p: 'a b', v: 0 }], { mode: 'overwrite', replaceWhere: "p = 'a b'" });
  await tbl.write([{ id: 5, p: 'x', v: 5 }], { txn: { appId: 'app-2', version: 1 } });
  // Version 5 is checkpointed.
  await tbl.write([{ id: 6, p: 'y', v: 6 }]);
  assert.deepEqual(await checkpointVersions(dir), [5]);
  const fromCheckpoint = await loadSnapshot(tbl.engine, (await tbl.location()));
  assert.equal(fromCheckpoint.segment.checkpoint?.version, 5);
  const fromJson = await jsonOnlySnapshot(dir);
  assert.equal(fromJson.segment.checkpoint, undefined);
  assertSameState(fromCheckpoint, fromJson, 'latest');
  assert.deepEqual(fromCheckpoint.tombstones.map((r) => r.path).sort(), fromJson.tombstones.map((r) => r.path).sort());
  assert.equal(fromCheckpoint.tombstones.length, 1);
  assert.equal(fromCheckpoint.txns.get('app-1')?.version, 3);
  assert.equal(fromCheckpoint.metadata.configuration['custom.prop'], 'x y');
  assert.deepEqual(sortRows((await tbl.scan()).rows), sortRows([
    { id: 2, p: null, v: null },
    { id: 3, p: 'ü/=%', v: -2 },
    { id: 4, p: 'a b', v: 0 },
    { id: 5, p: 'x', v: 5 },
    { id: 6, p: 'y', v: 6 },
  ]));
  // Idempotent writes keep working against state read from the checkpoint.
  const again = await tbl.write([{ id: 7, p: 'z', v: 7 }], { txn: { appId: 'app-1', version: 3 } });
  assert.equal(again.kind, 'skipped');
});

test('delta.checkpointInterval = 3 checkpoints versions 3, 6 and 9', async (t) => {
  const dir = await table(t);
  const tbl = await DeltaTable.create(dir, { schema: { id: 'long' }, configuration: { 'delta.checkpointInterval': '3' } });
  for (let i = 1; i <= 10; i++) await tbl.write([{ id: i }]);
  assert.deepEqual(await checkpointVersions(dir), [3, 6, 9]);
  const last = JSON.parse(await readFile(join(dir, '_delta_log', '_last_checkpoint'), 'utf8')) as { version: number };
  assert.equal(last.version, 9);
  assertContiguous(await commitVersions(dir));
  const snap = await tbl.snapshot();
  assert.equal(snap.segment.checkpoint?.version, 9);
  assertSameState(snap, await jsonOnlySnapshot(dir), 'interval 3');
  // Time travel to a version between checkpoints uses the one before it.
  const v7 = await tbl.snapshot({ version: 7 });
  assert.equal(v7.segment.checkpoint?.version, 6);
  assert.equal(v7.files.length, 7);
});

test('expired log cleanup (logRetentionDuration 0 days) keeps the checkpoint and everything after it', async (t) => {
  const dir = await table(t);
  const tbl = await DeltaTable.create(dir, {
    schema: { id: 'long' },
    configuration: { 'delta.checkpointInterval': '3', 'delta.logRetentionDuration': 'interval 0 days' },
  });
  // Commit files must be older than "now" by at least a millisecond to be expired.
  const tick = () => new Promise((r) => setTimeout(r, 5));
  for (let i = 1; i <= 10; i++) {
    await tbl.write([{ id: i }]);
    await tick();
  }
  const names = await logNames(dir);
  assert.deepEqual(await checkpointVersions(dir), [9], 'older checkpoints were cleaned up');
  assert.deepEqual(await commitVersions(dir), [9, 10], 'commits before the checkpoint were cleaned up');
  assert.ok(names.includes('_last_checkpoint'));
  // The latest version reads, from the checkpoint, with every row.
  const snap = await tbl.snapshot();
  assert.equal(snap.version, 10);
  assert.equal(snap.segment.checkpoint?.version, 9);
  assert.deepEqual((await tbl.scan()).rows.map((r) => Number(r.id)).sort((a, b) => a - b), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  // Versions from the checkpoint on are readable; older ones are gone, with a clear error.
  assert.equal((await tbl.snapshot({ version: 9 })).files.length, 9);
  await rejectsWith(tbl.snapshot({ version: 8 }), 'DELTA_VERSION_NOT_FOUND', /8/);
  // Writing goes on; the next checkpoint cleans up the previous one.
  for (let i = 11; i <= 12; i++) {
    await tbl.write([{ id: i }]);
    await tick();
  }
  assert.deepEqual(await checkpointVersions(dir), [12]);
  assert.deepEqual(await commitVersions(dir), [12]);
  assert.equal((await tbl.scan()).rows.length, 12);
  // Without _last_checkpoint a reader still finds everything by listing.
  const { rm } = await import('node:fs/promises');
  await rm(join(dir, '_delta_log', '_last_checkpoint'));
  assert.equal((await tbl.scan()).rows.length, 12);
});

test('cleanup never deletes what the latest version needs, and respects enableExpiredLogCleanup and the default retention', async (t) => {
  // Default retention (30 days): a checkpoint deletes nothing.
  const keep = await table(t);
  const a = await DeltaTable.create(keep, { schema: { id: 'long' }, configuration: { 'delta.checkpointInterval': '2' } });
  for (let i = 1; i <= 4; i++) await a.write([{ id: i }]);
  assert.deepEqual(await commitVersions(keep), [0, 1, 2, 3, 4]);
  assert.deepEqual(await checkpointVersions(keep), [2, 4]);

  // Cleanup switched off.
  const off = await table(t);
  const b = await DeltaTable.create(off, {
    schema: { id: 'long' },
    configuration: { 'delta.checkpointInterval': '2', 'delta.logRetentionDuration': 'interval 0 days', 'delta.enableExpiredLogCleanup': 'false' },
  });
  for (let i = 1; i <= 4; i++) await b.write([{ id: i }]);
  assert.deepEqual(await commitVersions(off), [0, 1, 2, 3, 4]);

  // Called for an older checkpoint after a newer one exists (a slow writer): it only deletes
  // what precedes that older checkpoint, and the latest state is intact.
  const cfg = { 'delta.logRetentionDuration': 'interval 0 days' };
  const later = Date.now() + 60_000;
  const deleted = await cleanupExpiredLogs(b.engine, (await b.location()), 2, cfg, later);
  assert.equal(deleted, 2, 'commits 0 and 1');
  assert.deepEqual(await commitVersions(off), [2, 3, 4]);
  assert.deepEqual(await checkpointVersions(off), [2, 4]);
  assert.equal((await b.scan()).rows.length, 4);
  await cleanupExpiredLogs(b.engine, (await b.location()), 4, cfg, later);
  assert.deepEqual(await commitVersions(off), [4]);
  assert.deepEqual(await checkpointVersions(off), [4]);
  assert.equal((await b.scan()).rows.length, 4);
  assert.equal((await b.snapshot()).version, 4);
  // Files that are not log files (and the temporary files of writers) are never touched.
  const names = await logNames(off);
  assert.ok(names.includes('_last_checkpoint'));
});
