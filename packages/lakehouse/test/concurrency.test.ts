/**
 * Several processes writing one table at once: every append lands exactly once at its own
 * version, versions stay contiguous, and idempotent (appId, version) writes commit once across
 * processes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadSnapshot } from '@loch/delta';
import { DeltaTable } from '@loch/lakehouse';
import { assertContiguous, commitActions, commitInfoOf, commitVersions, dataFilePath, exists, tempDir } from './support/fs-table.js';
import { assertSameState, batchRows, committedBatches, jsonOnlySnapshot, scratchTmp, spawnWriter } from './support/children.js';

const WRITERS = 4;
const BATCHES = 15;

test(`${WRITERS} processes appending ${BATCHES} batches each: contiguous versions, no lost or duplicated rows`, { timeout: 180_000 }, async (t) => {
  const { dir, cleanup } = await tempDir('loch-concurrent-');
  t.after(cleanup);
  const tmp = await scratchTmp();
  t.after(tmp.cleanup);
  const tbl = await DeltaTable.create(dir, { schema: { id: 'long', batch: 'long', writer: 'long', payload: 'string' } });

  const children = Array.from({ length: WRITERS }, (_, w) => spawnWriter({ mode: 'append', dir, writer: w + 1, batches: BATCHES }, { TMPDIR: tmp.dir }));
  const exits = await Promise.all(children.map((c) => c.exited));
  exits.forEach((e, i) => assert.equal(e.code, 0, `writer ${i + 1} failed: ${children[i].lines.join(' | ')} ${children[i].stderr()}`));

  // Each writer saw every one of its commits land, at distinct versions covering 1..60.
  const reported = children.flatMap((c) => committedBatches(c));
  assert.equal(reported.length, WRITERS * BATCHES);
  const landed = reported.map((r) => r.version).sort((a, b) => a - b);
  assert.deepEqual(landed, Array.from({ length: WRITERS * BATCHES }, (_, i) => i + 1));
  for (const c of children) {
    const vs = committedBatches(c).map((r) => r.version);
    assert.deepEqual(vs, [...vs].sort((a, b) => a - b), 'a writer\'s own commits are in order');
  }

  const versions = await commitVersions(dir);
  assertContiguous(versions);
  assert.equal(versions.at(-1), WRITERS * BATCHES, 'K = 4 x 15 appends after the create');
  assert.equal(versions.length, 1 + WRITERS * BATCHES);

  // Every commit has its commitInfo; every append holds exactly one batch.
  const batchOfVersion = new Map(reported.map((r) => [r.version, r.batch]));
  for (const v of versions.slice(1)) {
    const ci = await commitInfoOf(dir, v);
    assert.equal(ci.operation, 'WRITE');
    assert.equal(ci.isBlindAppend, true);
    assert.ok(typeof ci.readVersion === 'number' && ci.readVersion < v, `commit ${v} read version ${String(ci.readVersion)}`);
    assert.equal(ci.engineInfo, 'Loch/0.1.0');
    const adds = (await commitActions(dir, v)).filter((a) => a.add);
    assert.ok(adds.length >= 1);
    const rows = adds.reduce((n, a) => n + (JSON.parse(a.add.stats as string) as { numRecords: number }).numRecords, 0);
    assert.equal(rows, batchRows(batchOfVersion.get(v)!), `commit ${v} holds batch ${batchOfVersion.get(v)}`);
  }

  const expectedBatches = children.flatMap((_, w) => Array.from({ length: BATCHES }, (_, n) => (w + 1) * 1000 + n));
  const expectedRows = expectedBatches.reduce((n, b) => n + batchRows(b), 0);
  const rows = (await tbl.scan({ columns: ['id', 'batch'] })).rows;
  assert.equal(rows.length, expectedRows, 'no lost or duplicated rows');
  assert.equal(new Set(rows.map((r) => r.id)).size, expectedRows, 'ids are distinct');
  const perBatch = new Map<number, number>();
  for (const r of rows) perBatch.set(Number(r.batch), (perBatch.get(Number(r.batch)) ?? 0) + 1);
  assert.deepEqual([...perBatch.keys()].sort((a, b) => a - b), expectedBatches.sort((a, b) => a - b));
  for (const [b, n] of perBatch) assert.equal(n, batchRows(b), `batch ${b}`);

  // Checkpoints were written along the way (every 10 versions) and agree with the JSON log.
  const snap = await loadSnapshot(tbl.engine, (await tbl.location()));
  assert.equal(snap.segment.checkpoint?.version, 60);
  assertSameState(snap, await jsonOnlySnapshot(dir), 'checkpoint vs JSON');
  for (const a of snap.files) assert.ok(await exists(dataFilePath(snap.tableRoot, a.path)));
});

test('idempotent writes racing from two processes: exactly one commits, the other is skipped or refused; the data appears once', { timeout: 120_000 }, async (t) => {
  const { dir, cleanup } = await tempDir('loch-idempotent-');
  t.after(cleanup);
  const tmp = await scratchTmp();
  t.after(tmp.cleanup);
  const tbl = await DeltaTable.create(dir, { schema: { id: 'long', batch: 'long', writer: 'long', payload: 'string' } });
  const outcomes: string[] = [];
  for (const version of [1, 2, 3, 4]) {
    const pair = [1, 2].map((id) => spawnWriter({ mode: 'idempotent', dir, appId: 'etl', version, id }, { TMPDIR: tmp.dir }));
    await Promise.all(pair.map((c) => c.waitFor('ready')));
    for (const c of pair) c.proc.stdin!.write('go\n');
    await Promise.all(pair.map((c) => c.exited));
    const results = pair.map((c) => c.lines.find((l) => /^(committed|skipped|error|other)/.test(l)) ?? `none: ${c.stderr()}`);
    outcomes.push(results.join(' / '));
    const committed = results.filter((r) => r.startsWith('committed'));
    assert.equal(committed.length, 1, `round ${version}: ${results.join(' / ')}`);
    const loser = results.find((r) => !r.startsWith('committed'))!;
    assert.ok(loser === `skipped ${version}` || loser.startsWith('error DELTA_CONCURRENT_TRANSACTION'), `round ${version}: the loser said ${loser}`);
    const snap = await tbl.snapshot();
    assert.equal(snap.txns.get('etl')?.version, version);
    const rows = (await tbl.scan({ where: `batch = ${version}` })).rows;
    assert.equal(rows.length, batchRows(version), `round ${version}: the batch appears once`);
  }
  t.diagnostic(`outcomes: ${outcomes.join('; ')}`);
  const versions = await commitVersions(dir);
  assertContiguous(versions);
  assert.equal(versions.at(-1), 4, 'one commit per round');
  // Running the same (appId, version) again later is a no-op.
  const again = await tbl.write([{ id: 1, batch: 1, writer: 9, payload: 'late' }], { txn: { appId: 'etl', version: 2 } });
  assert.equal(again.kind, 'skipped');
});

test('concurrent appends within one process (one engine, one DuckDB) all land once, at contiguous versions', async (t) => {
  const { dir, cleanup } = await tempDir('loch-inproc-');
  t.after(cleanup);
  const tbl = await DeltaTable.create(dir, { schema: { id: 'long', batch: 'long', writer: 'long', payload: 'string' } });
  const results = await Promise.all(
    Array.from({ length: 8 }, (_, b) => tbl.write(Array.from({ length: batchRows(b) }, (_, i) => ({ id: b * 100 + i, batch: b, writer: 0, payload: `b${b}` })))),
  );
  const versions = results.map((r) => (r.kind === 'committed' ? r.version : -1)).sort((a, b) => a - b);
  assert.deepEqual(versions, [1, 2, 3, 4, 5, 6, 7, 8]);
  assertContiguous(await commitVersions(dir));
  const rows = (await tbl.scan({ columns: ['id'] })).rows;
  const expected = Array.from({ length: 8 }, (_, b) => batchRows(b)).reduce((a, b) => a + b, 0);
  assert.equal(rows.length, expected);
  assert.equal(new Set(rows.map((r) => r.id)).size, expected);
});
