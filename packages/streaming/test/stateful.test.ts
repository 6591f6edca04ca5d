/**
 * Stateful processing: watermarks, tumbling and sliding windows, plain grouped aggregations in
 * append, update and complete mode, dropDuplicates, late rows, observed metrics, and state that
 * survives a restart — each checked against the same computation as a batch query.
 */
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { MemoryStream, window, type StreamingQuery } from '@loch/streaming';
import { rows, scratch } from './support/lake.js';

const schema = { cdn: 'string', ts: 'timestamp', ms: 'double' };
const at = (minute: number, second = 0) => new Date(Date.UTC(2024, 0, 1, 0, minute, second)).toISOString();
const ev = (cdn: string, minute: number, ms: number, second = 0) => ({ cdn, ts: at(minute, second), ms });

async function feed(q: StreamingQuery, input: MemoryStream, ...batches: Record<string, unknown>[][]): Promise<void> {
  for (const b of batches) {
    input.addData(b);
    await q.processAllAvailable();
  }
}

test('tumbling windows in append mode: each window once, after the watermark passes its end; late rows dropped and counted', async (t) => {
  const s = await scratch();
  t.after(() => s.cleanup());
  const input = new MemoryStream(schema);
  const q = await input
    .toDF(s.lake)
    .withWatermark('ts', '1 minute')
    .groupBy(window('ts', '5 minutes'), 'cdn')
    .agg({ n: 'count(*)', avg_ms: 'avg(ms)' })
    .writeStream.option('checkpointLocation', s.path('ck'))
    .toTable('per_window');
  await feed(q, input, [ev('a', 1, 10), ev('a', 2, 30), ev('b', 7, 5)]);
  // Watermark 00:06: window [00:00, 00:05) is final and written; [00:05, 00:10) is still open.
  assert.deepEqual(await rows(s.lake, 'SELECT `window`.start AS s, cdn, n, avg_ms FROM per_window ORDER BY ALL'), [{ s: '2024-01-01T00:00:00.000000Z', cdn: 'a', n: 2, avg_ms: 20 }]);
  await feed(q, input, [ev('a', 3, 99), ev('b', 8, 15)]);
  const late = q.recentProgress.find((p) => p.numInputRows === 2)!;
  assert.equal(late.stateOperators[0].numRowsDroppedByWatermark, 1);
  assert.equal(late.eventTime.watermark, '2024-01-01T00:06:00.000Z');
  assert.deepEqual([late.eventTime.min, late.eventTime.max], ['2024-01-01T00:03:00.000Z', '2024-01-01T00:08:00.000Z']);
  await feed(q, input, [ev('c', 30, 1)]);
  await q.stop();
  assert.deepEqual(await rows(s.lake, "SELECT strftime(`window`.start, '%H:%M') AS s, strftime(`window`.`end`, '%H:%M') AS e, cdn, n, avg_ms FROM per_window ORDER BY ALL"), [
    { s: '00:00', e: '00:05', cdn: 'a', n: 2, avg_ms: 20 },
    { s: '00:05', e: '00:10', cdn: 'b', n: 2, avg_ms: 10 },
  ]);
  const state = q.lastProgress!.stateOperators[0];
  assert.equal(state.operatorName, 'stateStoreSave');
  assert.equal(state.numRowsTotal, 1);
  assert.ok(state.memoryUsedBytes > 0);
});

test('sliding windows in complete mode equal the same aggregation as a batch query', async (t) => {
  const s = await scratch();
  t.after(() => s.cleanup());
  const input = new MemoryStream(schema);
  const q = await input
    .toDF(s.lake)
    .groupBy(window('ts', '10 minutes', '5 minutes'), 'cdn')
    .agg({ n: 'count(*)', total: 'sum(ms)', worst: 'max(ms)' })
    .writeStream.outputMode('complete')
    .option('checkpointLocation', s.path('ck'))
    .toTable('sliding');
  const all = [[ev('a', 1, 1), ev('a', 6, 2), ev('b', 12, 3)], [ev('a', 9, 4), ev('b', 14, 5, 59)], [ev('a', 0, 6), ev('b', 20, 7)]];
  await feed(q, input, ...all);
  await q.stop();
  await s.lake.table('events').write(all.flat());
  const batch = await rows(
    s.lake,
    `SELECT make_timestamp(w)::TIMESTAMPTZ AS s, cdn, count(*) AS n, sum(ms) AS total, max(ms) AS worst
       FROM (SELECT *, unnest([epoch_us(ts) - epoch_us(ts) % 300000000, epoch_us(ts) - epoch_us(ts) % 300000000 - 300000000]) AS w FROM events)
      GROUP BY ALL ORDER BY ALL`,
  );
  assert.equal(batch.length, 7);
  assert.deepEqual(await rows(s.lake, 'SELECT `window`.start AS s, cdn, n, total, worst FROM sliding ORDER BY ALL'), batch);
  // Complete mode rewrites the table each batch.
  assert.deepEqual((await s.lake.table('sliding').history()).map((h) => (h.operationParameters as Record<string, unknown>).outputMode), ['Complete', 'Complete', 'Complete']);
});

test('update mode sends the groups a batch changed; merged partial aggregates equal the batch query', async (t) => {
  const s = await scratch();
  t.after(() => s.cleanup());
  const input = new MemoryStream(schema);
  const aggregates = {
    n: 'count(*)',
    total: 'sum(ms)',
    lo: 'min(ms)',
    hi: 'max(ms)',
    mean: 'round(avg(ms), 6)',
    slow: "count_if(ms > 10)",
    spread: 'round(stddev(ms), 6)',
    last_ts: 'max_by(ts, ms)',
    ratio: 'round(sum(ms) / count(*), 6)',
  };
  const updates: Record<string, unknown>[][] = [];
  const q = await input
    .toDF(s.lake)
    .groupBy('cdn')
    .agg(aggregates)
    .writeStream.outputMode('update')
    .option('checkpointLocation', s.path('ck'))
    .foreachBatch(async (df) => void updates.push(await df.orderBy('cdn').toRows()))
    .start();
  const all = [[ev('a', 1, 4), ev('b', 2, 20)], [ev('a', 3, 12), ev('a', 4, 2)], [ev('c', 5, 7)], [ev('b', 6, 1), ev('a', 7, 30)]];
  await feed(q, input, ...all);
  await q.stop();
  assert.deepEqual(updates.map((u) => u.map((r) => r.cdn)), [['a', 'b'], ['a'], ['c'], ['a', 'b']]);
  await s.lake.table('events').write(all.flat());
  const items = Object.entries(aggregates).map(([k, e]) => `${e} AS ${k}`).join(', ');
  const expected = await rows(s.lake, `SELECT cdn, ${items} FROM events GROUP BY cdn ORDER BY cdn`);
  const latest = new Map<unknown, Record<string, unknown>>();
  for (const u of updates) for (const r of u) latest.set(r.cdn, r);
  assert.deepEqual([...latest.values()].sort((x, y) => String(x.cdn).localeCompare(String(y.cdn))), expected);
});

test('state survives a restart: snapshots and deltas per version under state/, sizes in progress', async (t) => {
  const s = await scratch();
  t.after(() => s.cleanup());
  const input = new MemoryStream(schema);
  const ck = s.path('ck');
  const start = () => input.toDF(s.lake).groupBy('cdn').agg({ n: 'count(*)', total: 'sum(ms)' }).writeStream.outputMode('complete').option('checkpointLocation', ck).toTable('totals');
  let q = await start();
  for (let i = 0; i < 7; i++) await feed(q, input, [ev(i % 2 ? 'a' : 'b', i, i)]);
  await q.stop();
  q = await start();
  for (let i = 7; i < 12; i++) await feed(q, input, [ev(i % 2 ? 'a' : 'b', i, i)]);
  await q.stop();
  assert.deepEqual(await rows(s.lake, 'SELECT cdn, n, total FROM totals ORDER BY cdn'), [
    { cdn: 'a', n: 6, total: 36 },
    { cdn: 'b', n: 6, total: 30 },
  ]);
  const files = (await readdir(join(ck, 'state', '0', '0'))).sort((x, y) => parseInt(x) - parseInt(y));
  assert.deepEqual(files, ['1.delta', '2.delta', '3.delta', '4.delta', '5.delta', '6.delta', '7.delta', '8.delta', '9.delta', '10.delta', '10.snapshot', '11.delta', '12.delta']);
  assert.equal(q.lastProgress!.stateOperators[0].numRowsTotal, 2);
  assert.equal(q.lastProgress!.stateOperators[0].numRowsUpdated, 1);
});

test('dropDuplicates with a watermark: one row per key, late rows dropped, keys forgotten once the watermark passes', async (t) => {
  const s = await scratch();
  t.after(() => s.cleanup());
  const input = new MemoryStream({ id: 'long', ts: 'timestamp' });
  const q = await input.toDF(s.lake).withWatermark('ts', '2 minutes').dropDuplicates(['id']).writeStream.format('memory').queryName('unique_ids').start();
  const e = (id: number, minute: number) => ({ id, ts: at(minute) });
  await feed(q, input, [e(1, 0), e(1, 0), e(2, 1)], [e(1, 3), e(3, 10)]);
  // Watermark now 00:08: id 1 (first seen 00:00) is forgotten, so its next row passes; a row at 00:05 is late.
  await feed(q, input, [e(1, 11), e(4, 5)]);
  await q.stop();
  assert.deepEqual(await rows(s.lake, 'SELECT id, strftime(ts, \'%M\') AS m FROM unique_ids ORDER BY ts'), [
    { id: 1, m: '00' },
    { id: 2, m: '01' },
    { id: 3, m: '10' },
    { id: 1, m: '11' },
  ]);
  const last = q.recentProgress.filter((p) => p.numInputRows > 0).at(-1)!;
  assert.equal(last.stateOperators[0].operatorName, 'dedupe');
  assert.equal(last.stateOperators[0].numRowsDroppedByWatermark, 1);
});

test('observe: named metrics over each batch, in progress', async (t) => {
  const s = await scratch();
  t.after(() => s.cleanup());
  const input = new MemoryStream(schema);
  const q = await input
    .toDF(s.lake)
    .observe('quality', { rows: 'count(*)', slow: 'count_if(ms > 10)', worst: 'max(ms)' })
    .filter('ms > 10')
    .writeStream.format('memory')
    .queryName('observed')
    .start();
  await feed(q, input, [ev('a', 1, 5), ev('a', 2, 50)], [ev('b', 1, 20)]);
  await q.stop();
  assert.deepEqual(q.recentProgress.map((p) => p.observedMetrics.quality), [
    { rows: 2, slow: 1, worst: 50 },
    { rows: 1, slow: 1, worst: 20 },
  ]);
});

test('plans a stream cannot run are refused before they start', async (t) => {
  const s = await scratch();
  t.after(() => s.cleanup());
  const df = new MemoryStream(schema).toDF(s.lake);
  const code = (c: string, m: RegExp) => (e: Error & { code?: string }) => e.code === c && m.test(e.message);
  const memory = (f: typeof df, mode: 'append' | 'update' | 'complete' = 'append') => f.writeStream.outputMode(mode).format('memory').queryName('x').start();
  await assert.rejects(memory(df.groupBy('cdn').count()), code('STREAM_UNSUPPORTED_OUTPUT_MODE', /append output mode is not supported for a streaming aggregation without a watermark/));
  await assert.rejects(memory(df.groupBy('cdn').agg({ d: 'count(DISTINCT ms)' }), 'update'), code('STREAM_UNSUPPORTED_OPERATION', /distinct aggregates/));
  await assert.rejects(memory(df.groupBy('cdn').agg({ p: 'percentile_approx(ms, 0.5)' }), 'update'), code('STREAM_UNSUPPORTED_OPERATION', /percentile_approx\(\) cannot be merged/));
  await assert.rejects(memory(df.groupBy('cdn').count().groupBy('count').count(), 'complete'), code('STREAM_UNSUPPORTED_OPERATION', /multiple streaming aggregations/));
  await assert.rejects(memory(df.join(s.lake.read('dim'), ['cdn'], 'full')), code('STREAM_UNSUPPORTED_OPERATION', /'full' join/));
});
