/**
 * The checkpoint: Spark's layout and write-ahead discipline, refusal of a checkpoint that is
 * corrupt or belongs to another query, cleanup of old files, and exactly-once Delta writes when
 * a batch runs again after a crash between the table's commit and the checkpoint's.
 */
import assert from 'node:assert/strict';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { MemoryStream } from '@loch/streaming';
import { rows, scratch } from './support/lake.js';

const schema = { id: 'long' };
const hasCode = (code: string, text?: RegExp) => (e: Error & { code?: string }) => e.code === code && (!text || text.test(e.message));

test('offsets/N is written before batch N runs and commits/N after its sink committed, in Spark\'s format', async (t) => {
  const s = await scratch();
  t.after(() => s.cleanup());
  const input = new MemoryStream(schema);
  const seen: string[][] = [];
  const ck = s.path('ck');
  const q = await input
    .toDF(s.lake)
    .writeStream.option('checkpointLocation', ck)
    .foreachBatch(async (_df, batchId) => {
      // Inside the sink: this batch's offsets are durable, its commit is not.
      seen.push([...(await readdir(join(ck, 'offsets'))), '|', ...(await readdir(join(ck, 'commits')).catch(() => []))].map(String));
      void batchId;
    })
    .start();
  input.addData([{ id: 1 }]);
  await q.processAllAvailable();
  input.addData([{ id: 2 }]);
  await q.processAllAvailable();
  await q.stop();
  assert.deepEqual(seen, [['0', '|'], ['0', '1', '|', '0']]);
  const meta = JSON.parse((await readFile(join(ck, 'metadata'), 'utf8')).split('\n')[0]);
  assert.equal(meta.id, q.id);
  const offsets = (await readFile(join(ck, 'offsets', '1'), 'utf8')).split('\n');
  assert.equal(offsets[0], 'v1');
  const batchMeta = JSON.parse(offsets[1]);
  assert.equal(batchMeta.batchWatermarkMs, 0);
  assert.equal(typeof batchMeta.batchTimestampMs, 'number');
  assert.equal(offsets[2], '2');
  assert.deepEqual((await readFile(join(ck, 'commits', '1'), 'utf8')).split('\n'), ['v1', '{"nextBatchWatermarkMs":0}']);
});

test('a corrupt offset file fails the start with a coded error naming the file', async (t) => {
  const s = await scratch();
  t.after(() => s.cleanup());
  const input = new MemoryStream(schema);
  const ck = s.path('ck');
  const start = () => input.toDF(s.lake).writeStream.option('checkpointLocation', ck).toTable('t');
  input.addData([{ id: 1 }]);
  const q = await start();
  await q.processAllAvailable();
  await q.stop();
  await writeFile(join(ck, 'offsets', '0'), 'v1\n{"batchWatermarkMs":0,"batchTimes');
  await assert.rejects(start(), hasCode('STREAM_CORRUPT_CHECKPOINT_FILE', /offsets\/0 is corrupt: line 2 is not valid JSON/));
  await writeFile(join(ck, 'offsets', '0'), 'garbage');
  await assert.rejects(start(), hasCode('STREAM_CORRUPT_CHECKPOINT_FILE', /offsets\/0 is corrupt: it does not start with a version line/));
  await writeFile(join(ck, 'offsets', '0'), 'v9\n{}');
  await assert.rejects(start(), hasCode('STREAM_CORRUPT_CHECKPOINT_FILE', /written by a newer version/));
});

test('a checkpoint of another query is refused: other source, other sink, or one running already', async (t) => {
  const s = await scratch();
  t.after(() => s.cleanup());
  const a = new MemoryStream(schema);
  const ck = s.path('ck');
  const q = await a.toDF(s.lake).writeStream.option('checkpointLocation', ck).toTable('first');
  await assert.rejects(a.toDF(s.lake).writeStream.option('checkpointLocation', ck).toTable('first'), hasCode('STREAM_QUERY_ALREADY_ACTIVE'));
  await q.stop();
  await assert.rejects(new MemoryStream(schema).toDF(s.lake).writeStream.option('checkpointLocation', ck).toTable('first'), hasCode('STREAM_CHECKPOINT_MISMATCH', /sources are memory:/));
  await assert.rejects(a.toDF(s.lake).writeStream.option('checkpointLocation', ck).toTable('second'), hasCode('STREAM_CHECKPOINT_MISMATCH', /sink is delta:.*first/));
  // The same query again is welcome.
  const again = await a.toDF(s.lake).writeStream.option('checkpointLocation', ck).toTable('first');
  await again.stop();
});

test('old offsets and commits are cleaned up, keeping minBatchesToRetain batches', async (t) => {
  const s = await scratch();
  t.after(() => s.cleanup());
  const input = new MemoryStream(schema);
  const ck = s.path('ck');
  const q = await input.toDF(s.lake).writeStream.option('checkpointLocation', ck).option('minBatchesToRetain', 3).format('memory').queryName('kept').start();
  for (let i = 0; i < 20; i++) {
    input.addData([{ id: i }]);
    await q.processAllAvailable();
  }
  await q.stop();
  const ids = async (dir: string) => (await readdir(join(ck, dir))).map(Number).sort((x, y) => x - y);
  // Purged every 10 batches: after batch 19, batches before 17 are gone.
  assert.deepEqual(await ids('offsets'), [17, 18, 19]);
  assert.deepEqual(await ids('commits'), [17, 18, 19]);
  assert.deepEqual(await rows(s.lake, 'SELECT count(*) AS n FROM kept'), [{ n: 20 }]);
});

test('a batch replayed after a crash before its commit marker lands in Delta once; foreachBatch sees its id again', async (t) => {
  const s = await scratch();
  t.after(() => s.cleanup());
  const input = new MemoryStream(schema);
  const deltaCk = s.path('ck-delta');
  const fbCk = s.path('ck-fb');
  const batches: number[] = [];
  const run = async () => {
    const d = await input.toDF(s.lake).writeStream.option('checkpointLocation', deltaCk).toTable('exact');
    const f = await input.toDF(s.lake).writeStream.option('checkpointLocation', fbCk).foreachBatch((_df, id) => void batches.push(id)).start();
    await d.processAllAvailable();
    await f.processAllAvailable();
    await d.stop();
    await f.stop();
    return d;
  };
  input.addData([{ id: 1 }, { id: 2 }]);
  await run();
  input.addData([{ id: 3 }]);
  await run();
  // A crash after batch 1 reached the sinks but before commits/1 was written.
  await rm(join(deltaCk, 'commits', '1'));
  await rm(join(fbCk, 'commits', '1'));
  const replay = await run();
  assert.deepEqual(batches, [0, 1, 1]);
  assert.equal(replay.lastProgress!.batchId, 1);
  assert.equal(replay.lastProgress!.sink.metrics.skippedBatch, 'true');
  assert.deepEqual(await rows(s.lake, 'SELECT id FROM exact ORDER BY id'), [{ id: 1 }, { id: 2 }, { id: 3 }]);
  const history = await s.lake.table('exact').history();
  assert.deepEqual(history.map((h) => h.operation), ['STREAMING UPDATE', 'STREAMING UPDATE']);
  // The next batch goes on from there.
  input.addData([{ id: 4 }]);
  await run();
  assert.deepEqual(batches, [0, 1, 1, 2]);
  assert.deepEqual(await rows(s.lake, 'SELECT count(*) AS n FROM exact'), [{ n: 4 }]);
});
