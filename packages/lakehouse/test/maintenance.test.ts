import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DeltaError, loadSnapshot } from '@loch/delta';
import { DeltaTable } from '@loch/lakehouse';

async function temp() {
  const base = await mkdtemp(join(tmpdir(), 'loch-maint-'));
  return { dir: join(base, 't'), done: () => rm(base, { recursive: true, force: true }) };
}

const sortedIds = async (t: DeltaTable) => (await t.scan({ columns: ['a'] })).rows.map((r) => r.a as number).sort((x, y) => x - y);

test('OPTIMIZE compacts small files per partition, keeps every row, and is idempotent', async () => {
  const { dir, done } = await temp();
  try {
    const t = DeltaTable.forPath(dir);
    for (let k = 0; k < 6; k++) await t.write(`SELECT ${k} * 1000 + i AS a, 'p' || (i % 2) AS p FROM range(1000) t(i)`, { partitionBy: ['p'] });
    const before = await sortedIds(t);
    const r = await t.optimize();
    assert.ok(r.version !== undefined);
    assert.equal(r.metrics.partitionsOptimized, 2);
    assert.equal(r.metrics.numFilesAdded, 2);
    const snapshot = await loadSnapshot(t.engine, (await t.location()));
    assert.equal(snapshot.files.length, 2);
    assert.ok(snapshot.files.every((f) => !f.dataChange), 'compaction does not change data');
    assert.deepEqual(await sortedIds(t), before);
    const again = await t.optimize();
    assert.equal(again.version, undefined, 'nothing left to do');
    const h = (await t.history(1))[0];
    assert.equal(h.operation, 'OPTIMIZE');
    assert.equal(h.operationMetrics.numFilesRemoved, '12');
  } finally {
    await done();
  }
});

test('OPTIMIZE WHERE touches only matching partitions and refuses data columns', async () => {
  const { dir, done } = await temp();
  try {
    const t = DeltaTable.forPath(dir);
    for (let k = 0; k < 3; k++) await t.write(`SELECT i AS a, 'p' || (i % 2) AS p FROM range(100) t(i)`, { partitionBy: ['p'] });
    const r = await t.optimize({ where: "p = 'p1'" });
    assert.equal(r.metrics.partitionsOptimized, 1);
    const files = (await loadSnapshot(t.engine, (await t.location()))).files;
    assert.equal(files.filter((f) => f.partitionValues.p === 'p0').length, 3);
    assert.equal(files.filter((f) => f.partitionValues.p === 'p1').length, 1);
    await assert.rejects(t.optimize({ where: 'a > 3' }), (e: DeltaError) => e.code === 'DELTA_INVALID_ARGUMENT' && /partition columns/.test(e.message));
  } finally {
    await done();
  }
});

test('ZORDER BY two columns lets a point lookup on either skip most files', async () => {
  const { dir, done } = await temp();
  try {
    const t = DeltaTable.forPath(dir);
    for (let k = 0; k < 4; k++) await t.write(`SELECT (hash(i * 7 + ${k}) % 100000)::BIGINT AS a, (hash(i * 13 + ${k}) % 100000)::BIGINT AS b FROM range(50000) t(i)`);
    const before = await sortedIds(t);
    const r = await t.optimize({ zOrderBy: ['a', 'b'], targetFileSize: 6_000 });
    assert.ok(Number(r.metrics.numFilesAdded) >= 64, `files: ${r.metrics.numFilesAdded}`);
    assert.deepEqual(await sortedIds(t), before);
    const files = (await loadSnapshot(t.engine, (await t.location()))).files.map((f) => JSON.parse(f.stats!));
    for (const col of ['a', 'b']) {
      for (const probe of [12345, 50000, 99001]) {
        const hit = files.filter((s) => s.minValues[col] <= probe && probe <= s.maxValues[col]).length;
        assert.ok(hit / files.length <= 0.2, `${col} = ${probe} reads ${hit} of ${files.length} files`);
      }
    }
    const again = await t.optimize({ zOrderBy: ['a', 'b'], targetFileSize: 6_000 });
    assert.equal(again.version, undefined, 'already Z-ordered by the same columns');
    await assert.rejects(t.optimize({ zOrderBy: ['nope'] }), (e: DeltaError) => e.code === 'DELTA_COLUMN_NOT_FOUND');
  } finally {
    await done();
  }
});

test('VACUUM keeps what live versions need, refuses short retention, and DRY RUN lists', async () => {
  const { dir, done } = await temp();
  try {
    const t = DeltaTable.forPath(dir);
    await t.write(`SELECT i AS a FROM range(10) t(i)`);
    await t.write(`SELECT i AS a FROM range(10) t(i)`, { mode: 'overwrite' });
    await assert.rejects(t.vacuum({ retentionHours: 1 }), (e: DeltaError) => e.code === 'DELTA_VACUUM_RETENTION_TOO_SHORT');
    // Within the default retention nothing goes.
    assert.deepEqual((await t.vacuum({ dryRun: true })).files, []);
    // Age the overwritten file and its tombstone's reference, then vacuum with the check off.
    const old = (await loadSnapshot(t.engine, (await t.location()), { version: 0 })).files[0].path;
    const past = new Date(Date.now() - 10 * 24 * 3600 * 1000);
    await utimes(join(dir, decodeURIComponent(old)), past, past);
    const dry = await t.vacuum({ retentionHours: 0, retentionDurationCheck: false, dryRun: true });
    assert.deepEqual(dry.files, [decodeURIComponent(old)]);
    const real = await t.vacuum({ retentionHours: 0, retentionDurationCheck: false });
    assert.deepEqual(real.files, dry.files);
    assert.ok(!(await readdir(dir)).includes(decodeURIComponent(old)));
    assert.equal((await t.scan()).rows.length, 10, 'the live version still reads');
    const ops = (await t.history(2)).map((h) => h.operation);
    assert.deepEqual(ops, ['VACUUM END', 'VACUUM START']);
    // Time travel to the vacuumed version now fails naming the missing file; RESTORE refuses too.
    await assert.rejects(t.scan({ version: 0 }), (e: DeltaError) => e.code === 'DELTA_FILE_NOT_FOUND');
    await assert.rejects(t.restore({ version: 0 }), (e: DeltaError) => e.code === 'DELTA_FILE_NOT_FOUND');
  } finally {
    await done();
  }
});

test('RESTORE to a version brings back its files and metadata as a new commit', async () => {
  const { dir, done } = await temp();
  try {
    const t = DeltaTable.forPath(dir);
    await t.write(`SELECT i AS a FROM range(5) t(i)`);
    await t.write(`SELECT i AS a, 'x' AS extra FROM range(5, 8) t(i)`, { mergeSchema: true });
    await t.delete('a < 2');
    const r = await t.restore({ version: 0 });
    assert.equal(r.restoredFrom, 0);
    assert.equal(r.metrics.numOfFilesAfterRestore, 1);
    assert.deepEqual(await sortedIds(t), [0, 1, 2, 3, 4]);
    const s = await loadSnapshot(t.engine, (await t.location()));
    assert.deepEqual(s.schema.fields.map((f) => f.name), ['a'], 'the old schema is back');
    assert.equal((await t.history(1))[0].operation, 'RESTORE');
  } finally {
    await done();
  }
});

test('DeltaTable.clone: a shallow clone at a version reads the same rows and changes on its own', async () => {
  const { dir, done } = await temp();
  const t = DeltaTable.forPath(join(dir, 'src'));
  await t.write([{ id: 1 }, { id: 2 }]);
  await t.write([{ id: 3 }]);
  const { table: c, version, metrics } = await t.clone(join(dir, 'clone'), { version: 0 });
  assert.equal(version, 0);
  assert.deepEqual([metrics.sourceNumOfFiles, metrics.numCopiedFiles], [1, 0]);
  assert.deepEqual((await c.scan()).rows.map((r) => r.id).sort(), [1, 2]);
  await c.truncate();
  assert.equal((await c.scan()).rows.length, 0);
  assert.deepEqual((await t.scan()).rows.map((r) => r.id).sort(), [1, 2, 3]);
  await assert.rejects(t.clone(join(dir, 'clone')), { code: 'DELTA_TABLE_ALREADY_EXISTS' });
  await done();
});

test("OPTIMIZE's metrics have one shape in the library and in SQL; the commit records Delta's text form", async () => {
  const { dir, done } = await temp();
  try {
    const { Lakehouse } = await import('@loch/lakehouse');
    const lake = Lakehouse.open(dir);
    await lake.sql('CREATE TABLE x (a BIGINT); CREATE TABLE y (a BIGINT)');
    for (const name of ['x', 'y']) for (let k = 0; k < 3; k++) await lake.sql(`INSERT INTO ${name} SELECT ${k} * 10 + i AS a FROM range(10) t(i)`);
    const library = (await lake.table('x').optimize({ zOrderBy: ['a'] })).metrics;
    const [sql] = await lake.sql('OPTIMIZE y ZORDER BY (a)');
    assert.deepEqual(sql.rows[0].metrics, { ...library });
    assert.equal(library.numFilesRemoved, 3);
    assert.equal(library.filesRemoved.totalFiles, 3);
    assert.equal(library.preserveInsertionOrder, false);
    assert.equal(library.zOrderStats?.mergedFiles.num, 3);
    const [history] = await lake.sql('DESCRIBE HISTORY x LIMIT 1');
    const recorded = history.rows[0].operationMetrics as Record<string, string>;
    assert.deepEqual(JSON.parse(recorded.filesAdded), library.filesAdded);
  } finally {
    await done();
  }
});
