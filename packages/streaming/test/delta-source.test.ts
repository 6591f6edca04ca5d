/**
 * A Delta table as a stream: the initial snapshot then each commit, rate limits, starting
 * points, Delta's errors for commits that change data and the options that pass them over.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StreamingQuery } from '@loch/streaming';
import { rows, scratch, type Scratch } from './support/lake.js';

async function source(s: Scratch): Promise<void> {
  await s.lake.sql('CREATE TABLE src (id BIGINT, v STRING) USING DELTA');
  for (let i = 0; i < 3; i++) await s.lake.table('src').write([{ id: i, v: `v${i}` }]);
}

const ids = async (s: Scratch, table: string) => (await rows(s.lake, `SELECT id FROM ${table} ORDER BY id`)).map((r) => Number(r.id));
const code = (c: string, m?: RegExp) => (e: Error & { code?: string }) => e.code === c && (!m || m.test(e.message));

async function drain(q: StreamingQuery): Promise<void> {
  await q.processAllAvailable();
}

test('the initial snapshot, then each new commit; maxFilesPerTrigger bounds each batch', async (t) => {
  const s = await scratch();
  t.after(() => s.cleanup());
  await source(s);
  const q = await s.lake.readStream.format('delta').option('maxFilesPerTrigger', 2).table('src').writeStream.option('checkpointLocation', s.path('ck')).toTable('copy');
  await drain(q);
  await s.lake.table('src').write([{ id: 10, v: 'x' }, { id: 11, v: 'y' }]);
  await s.lake.table('src').write([{ id: 12, v: 'z' }]);
  await drain(q);
  await q.stop();
  assert.deepEqual(await ids(s, 'copy'), [0, 1, 2, 10, 11, 12]);
  const batches = q.recentProgress.filter((p) => p.numInputRows > 0);
  assert.deepEqual(batches.slice(0, 2).map((p) => p.numInputRows), [2, 1]);
  const end = batches[1].sources[0].endOffset as Record<string, unknown>;
  assert.deepEqual(Object.keys(end), ['sourceVersion', 'reservoirId', 'reservoirVersion', 'index', 'isStartingVersion']);
  assert.deepEqual([end.reservoirVersion, end.index, end.isStartingVersion], [3, 2, true]);
  assert.equal(end.reservoirId, (await s.lake.table('src').snapshot()).metadata.id);
  assert.match(batches[0].sources[0].description, /^DeltaSource\[.*src\]$/);
});

test('startingVersion, startingVersion latest and startingTimestamp read changes from there, without the snapshot', async (t) => {
  const s = await scratch();
  t.after(() => s.cleanup());
  await source(s);
  const history = await s.lake.table('src').history();
  const v2 = history.find((h) => h.version === 2)!;
  const run = async (option: string, value: string, table: string) => {
    const q = await s.lake.readStream.format('delta').option(option, value).table('src').writeStream.option('checkpointLocation', s.path(`ck-${table}`)).toTable(table);
    await drain(q);
    return q;
  };
  const fromV2 = await run('startingVersion', '2', 'from_v2');
  const latest = await run('startingVersion', 'latest', 'from_latest');
  const byTime = await run('startingTimestamp', new Date(v2.timestamp).toISOString(), 'from_time');
  await s.lake.table('src').write([{ id: 20, v: 'new' }]);
  for (const q of [fromV2, latest, byTime]) {
    await drain(q);
    await q.stop();
  }
  assert.deepEqual(await ids(s, 'from_v2'), [1, 2, 20]);
  assert.deepEqual(await ids(s, 'from_latest'), [20]);
  assert.deepEqual(await ids(s, 'from_time'), [1, 2, 20]);
  await assert.rejects(run('startingVersion', '99', 'none'), code('DELTA_SOURCE_STARTING_POINT', /startingVersion 99 is after the latest version 4/));
  assert.throws(() => s.lake.readStream.format('delta').option('startingVersion', 'first').table('src'), /startingVersion must be a version number or 'latest'/);
});

test('a DELETE fails the stream with Delta\'s error; ignoreDeletes passes it over', async (t) => {
  const s = await scratch();
  t.after(() => s.cleanup());
  await source(s);
  const start = (ck: string, table: string, ignore: boolean) =>
    s.lake.readStream.format('delta').option('ignoreDeletes', ignore).table('src').writeStream.option('checkpointLocation', s.path(ck)).toTable(table);
  const strict = await start('ck1', 'strict', false);
  const lenient = await start('ck2', 'lenient', true);
  await drain(strict);
  await drain(lenient);
  await s.lake.table('src').delete('id = 0');
  await s.lake.table('src').write([{ id: 30, v: 'after' }]);
  await assert.rejects(strict.awaitTermination(), code('DELTA_SOURCE_IGNORE_DELETE', /Detected deleted data \(for example .*\.parquet\) from streaming source at version 4.*'ignoreDeletes'/));
  await drain(lenient);
  await lenient.stop();
  assert.deepEqual(await ids(s, 'lenient'), [0, 1, 2, 30]);
});

test('an UPDATE fails the stream even with ignoreDeletes; skipChangeCommits passes it over; OPTIMIZE is no change', async (t) => {
  const s = await scratch();
  t.after(() => s.cleanup());
  await source(s);
  const start = (ck: string, table: string, option: string) =>
    s.lake.readStream.format('delta').option(option, true).table('src').writeStream.option('checkpointLocation', s.path(ck)).toTable(table);
  const strict = await start('ck1', 'strict', 'ignoreDeletes');
  const skipping = await start('ck2', 'skipping', 'skipChangeCommits');
  await drain(strict);
  await drain(skipping);
  await s.lake.table('src').optimize();
  await drain(strict);
  await s.lake.table('src').update({ v: "'changed'" }, 'id = 1');
  await s.lake.table('src').write([{ id: 40, v: 'after' }]);
  await assert.rejects(strict.awaitTermination(), code('DELTA_SOURCE_TABLE_IGNORE_CHANGES', /Detected a data update .* at version 5.*'skipChangeCommits'/));
  await drain(skipping);
  await skipping.stop();
  assert.deepEqual(await rows(s.lake, 'SELECT id, v FROM skipping ORDER BY id'), [
    { id: 0, v: 'v0' },
    { id: 1, v: 'v1' },
    { id: 2, v: 'v2' },
    { id: 40, v: 'after' },
  ]);
});

test('maxBytesPerTrigger (soft: at least one file) and availableNow, which stops at what was there', async (t) => {
  const s = await scratch();
  t.after(() => s.cleanup());
  await source(s);
  const size = (await s.lake.table('src').snapshot()).files[0].size;
  const q = await s.lake.readStream.format('delta').option('maxBytesPerTrigger', size + 1).table('src').writeStream.trigger({ availableNow: true }).option('checkpointLocation', s.path('ck')).toTable('copy');
  assert.equal(await q.awaitTermination(), true);
  assert.deepEqual(q.recentProgress.map((p) => p.numInputRows), [1, 1, 1]);
  assert.deepEqual(await ids(s, 'copy'), [0, 1, 2]);
  assert.throws(() => s.lake.readStream.format('delta').option('maxBytesPerTrigger', 'lots').table('src'), /must be a size such as/);
});

test('the first batch replayed after a crash reads the snapshot it first planned, not the newer table', async (t) => {
  const { rm } = await import('node:fs/promises');
  const s = await scratch();
  t.after(() => s.cleanup());
  await source(s);
  const start = () => s.lake.readStream.format('delta').table('src').writeStream.option('checkpointLocation', s.path('ck')).foreachBatch(async (df, id) => {
    await s.lake.table('seen').write(`SELECT ${id} AS batch, id FROM (${df.toSql()})`, { txn: { appId: 'test', version: id } });
  }).start();
  let q = await start();
  await drain(q);
  await q.stop();
  await rm(s.path('ck', 'commits', '0'));
  await s.lake.sql('DELETE FROM seen');
  await s.lake.table('src').write([{ id: 50, v: 'later' }]);
  q = await start();
  await drain(q);
  await q.stop();
  assert.deepEqual(await rows(s.lake, 'SELECT batch, id FROM seen ORDER BY id'), [{ batch: 1, id: 50 }]);
  // The replayed batch 0 was skipped by the sink's txn; the snapshot batch was not re-planned.
  assert.deepEqual(q.recentProgress.map((p) => [p.batchId, p.numInputRows]), [[0, 3], [1, 1]]);
});

test('a table replaced at the same place (a new table id) is refused', async (t) => {
  const s = await scratch();
  t.after(() => s.cleanup());
  await source(s);
  const start = () => s.lake.readStream.format('delta').table('src').writeStream.option('checkpointLocation', s.path('ck')).toTable('copy');
  const q = await start();
  await drain(q);
  await q.stop();
  await s.lake.sql('DROP TABLE src');
  await source(s);
  await assert.rejects(start(), code('STREAM_CHECKPOINT_MISMATCH', /now has id .* \(it was replaced\)/));
});
