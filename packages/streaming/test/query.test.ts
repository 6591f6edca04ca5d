/**
 * A query's lifecycle as Spark defines it: id kept across restarts, a new runId each start,
 * progress after every batch, status, listeners, failures, and the three triggers.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryStream, type StreamingQueryListener, type StreamingQueryProgress } from '@loch/streaming';
import { rows, scratch } from './support/lake.js';

const schema = { id: 'long', name: 'string' };

test('a query runs batches, reports Spark progress and status, tells listeners, and stops', async (t) => {
  const s = await scratch();
  t.after(() => s.cleanup());
  const events: string[] = [];
  const progress: StreamingQueryProgress[] = [];
  const listener: StreamingQueryListener = {
    onQueryStarted: (e) => void events.push(`started ${e.name}`),
    onQueryProgress: (e) => void progress.push(e.progress),
    onQueryTerminated: (e) => void events.push(`terminated ${e.exception}`),
  };
  s.lake.streams.addListener(listener);
  const input = new MemoryStream(schema);
  const q = await input.toDF(s.lake).filter('id % 2 = 1').withColumn('upper', 'upper(name)').writeStream.format('memory').queryName('odd').start();
  assert.equal(q.name, 'odd');
  assert.ok(q.isActive);
  assert.deepEqual(s.lake.streams.active.map((a) => a.id), [q.id]);
  assert.equal(q.lastProgress, null);

  input.addData([{ id: 1, name: 'a' }, { id: 2, name: 'b' }, { id: 3, name: 'c' }]);
  await q.processAllAvailable();
  input.addData([{ id: 5, name: 'e' }]);
  await q.processAllAvailable();
  assert.deepEqual(await rows(s.lake, 'SELECT id, upper FROM odd ORDER BY id'), [
    { id: 1, upper: 'A' },
    { id: 3, upper: 'C' },
    { id: 5, upper: 'E' },
  ]);
  assert.equal(q.status.message, 'Waiting for data to arrive');
  assert.equal(q.status.isTriggerActive, false);

  const p = q.lastProgress!;
  assert.equal(p.id, q.id);
  assert.equal(p.runId, q.runId);
  assert.equal(p.name, 'odd');
  assert.equal(p.batchId, 1);
  assert.equal(p.numInputRows, 1);
  assert.match(p.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  for (const k of ['latestOffset', 'getBatch', 'queryPlanning', 'addBatch', 'walCommit', 'commitOffsets', 'triggerExecution'] as const) {
    assert.equal(typeof p.durationMs[k], 'number', k);
  }
  assert.ok(p.durationMs.triggerExecution >= p.durationMs.addBatch);
  assert.deepEqual([p.sources[0].startOffset, p.sources[0].endOffset, p.sources[0].numInputRows], [1, 2, 1]);
  assert.match(p.sources[0].description, /^MemoryStream/);
  assert.deepEqual([p.sink.description, p.sink.numOutputRows], ['MemorySink[odd]', 1]);
  assert.ok(p.processedRowsPerSecond > 0);
  assert.deepEqual(q.recentProgress.map((r) => [r.batchId, r.numInputRows]), [[0, 3], [1, 1]]);
  assert.equal(q.recentProgress[0].sink.numOutputRows, 2);

  await q.stop();
  assert.equal(q.isActive, false);
  assert.equal(await q.awaitTermination(), true);
  assert.equal(q.exception, null);
  assert.equal(q.status.message, 'Stopped');
  assert.deepEqual(s.lake.streams.active, []);
  await s.lake.streams.awaitAnyTermination();
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(events, ['started odd', 'terminated null']);
  assert.deepEqual(progress.map((x) => x.batchId), [0, 1]);
  s.lake.streams.removeListener(listener);
});

test('the id stays across restarts from a checkpoint, the runId is new, and batches continue', async (t) => {
  const s = await scratch();
  t.after(() => s.cleanup());
  const input = new MemoryStream(schema);
  const start = () => input.toDF(s.lake).writeStream.option('checkpointLocation', s.path('ck')).toTable('names');
  input.addData([{ id: 1, name: 'a' }]);
  const first = await start();
  await first.processAllAvailable();
  await first.stop();
  input.addData([{ id: 2, name: 'b' }]);
  const second = await start();
  await second.processAllAvailable();
  await second.stop();
  assert.equal(second.id, first.id);
  assert.notEqual(second.runId, first.runId);
  assert.deepEqual(second.recentProgress.map((p) => p.batchId), [1]);
  assert.deepEqual(await rows(s.lake, 'SELECT id, name FROM names ORDER BY id'), [{ id: 1, name: 'a' }, { id: 2, name: 'b' }]);
});

test('a failing batch ends the query: exception, awaitTermination and processAllAvailable reject, listeners hear it', async (t) => {
  const s = await scratch();
  t.after(() => s.cleanup());
  const ended: (string | null)[] = [];
  s.lake.streams.addListener({ onQueryTerminated: (e) => void ended.push(e.exception) });
  const input = new MemoryStream(schema);
  const q = await input
    .toDF(s.lake)
    .writeStream.option('checkpointLocation', s.path('ck'))
    .foreachBatch(async (df) => {
      if ((await df.toRows()).some((r) => r.name === 'bad')) throw new Error('cannot take bad rows');
    })
    .start();
  input.addData([{ id: 1, name: 'ok' }]);
  await q.processAllAvailable();
  input.addData([{ id: 2, name: 'bad' }]);
  await assert.rejects(q.processAllAvailable(), /cannot take bad rows/);
  await assert.rejects(q.awaitTermination(), /cannot take bad rows/);
  assert.match(q.exception!.message, /cannot take bad rows/);
  assert.equal(q.isActive, false);
  await assert.rejects(s.lake.streams.awaitAnyTermination(), /cannot take bad rows/);
  assert.deepEqual(ended, ['cannot take bad rows']);
  // The failed batch was planned (offsets/1) but never committed: it runs again on restart.
  const seen: number[] = [];
  const again = await input.toDF(s.lake).writeStream.option('checkpointLocation', s.path('ck')).foreachBatch((_df, id) => void seen.push(id)).start();
  await again.processAllAvailable();
  await again.stop();
  assert.deepEqual(seen, [1]);
});

test('trigger once: one batch with everything available, then the query ends by itself', async (t) => {
  const s = await scratch();
  t.after(() => s.cleanup());
  const input = new MemoryStream(schema);
  input.addData([{ id: 1, name: 'a' }]);
  input.addData([{ id: 2, name: 'b' }]);
  const q = await input.toDF(s.lake).writeStream.trigger({ once: true }).option('checkpointLocation', s.path('ck')).toTable('once');
  assert.equal(await q.awaitTermination(), true);
  assert.deepEqual(q.recentProgress.map((p) => p.numInputRows), [2]);
  assert.deepEqual(await rows(s.lake, 'SELECT count(*) AS n FROM once'), [{ n: 2 }]);
});

test('trigger availableNow ends once what was there at the start is processed', async (t) => {
  const s = await scratch();
  t.after(() => s.cleanup());
  const input = new MemoryStream(schema);
  input.addData([{ id: 1, name: 'a' }]);
  const q = await input.toDF(s.lake).writeStream.trigger({ availableNow: true }).format('memory').queryName('now').start();
  assert.equal(await q.awaitTermination(), true);
  assert.deepEqual(await rows(s.lake, 'SELECT id FROM now'), [{ id: 1 }]);
});

test('processingTime: the rate source gives every value once, stamped start + value / rowsPerSecond', async (t) => {
  const s = await scratch();
  t.after(() => s.cleanup());
  const q = await s.lake.readStream.format('rate').option('rowsPerSecond', 200).load().writeStream.trigger({ processingTime: '100 milliseconds' }).format('memory').queryName('rated').start();
  while (q.recentProgress.filter((p) => p.numInputRows > 0).length < 3) await new Promise((r) => setTimeout(r, 50));
  await q.stop();
  const [r] = await rows(s.lake, `SELECT count(*) AS n, count(DISTINCT value) AS d, min(value) AS lo, max(value) AS hi,
      count(*) FILTER (WHERE epoch_us(\`timestamp\`) - (SELECT min(epoch_us(\`timestamp\`)) FROM rated) <> value * 5000) AS off FROM rated`);
  assert.ok(Number(r.n) > 0);
  assert.deepEqual([r.d, r.lo, r.hi, r.off], [r.n, 0, Number(r.n) - 1, 0]);
  assert.match(q.lastProgress!.sources[0].description, /^RateStreamV2\[rowsPerSecond=200/);
});

test('options are checked when the query is built: unknown formats, bad triggers and output modes', async (t) => {
  const s = await scratch();
  t.after(() => s.cleanup());
  assert.throws(() => s.lake.readStream.format('kafka').load(), (e: Error & { code?: string }) => e.code === 'STREAM_INVALID_OPTION' && /unknown format 'kafka'/.test(e.message));
  assert.throws(() => s.lake.readStream.format('rate').option('rowsPerSecond', 'fast').load(), /rowsPerSecond must be a positive number/);
  const df = new MemoryStream(schema).toDF(s.lake);
  assert.throws(() => df.writeStream.trigger({ processingTime: 'soon' }), /not a duration/);
  assert.throws(() => df.writeStream.outputMode('replace' as 'append'), /not one of append, update, complete/);
  await assert.rejects(df.writeStream.toTable('x'), (e: Error & { code?: string }) => e.code === 'STREAM_INVALID_OPTION' && /checkpointLocation must be specified/.test(e.message));
  await assert.rejects(df.writeStream.outputMode('complete').format('memory').queryName('m').start(), (e: Error & { code?: string }) => e.code === 'STREAM_UNSUPPORTED_OUTPUT_MODE');
  await assert.rejects(df.writeStream.format('memory').start(), /needs a queryName/);
});
