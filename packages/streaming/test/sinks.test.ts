/**
 * Sinks and stateless operations: foreach (open / process / close), console, memory in
 * complete mode, Delta output modes, and joins with static Delta tables read at each batch.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryStream, type ForeachWriter } from '@loch/streaming';
import { rows, scratch } from './support/lake.js';

const schema = { id: 'long', cdn: 'string', ms: 'double' };

test('foreach: open, process per row and close for each batch; open returning false skips the batch', async (t) => {
  const s = await scratch();
  t.after(() => s.cleanup());
  const calls: string[] = [];
  const writer: ForeachWriter = {
    open: (partition, epoch) => {
      calls.push(`open ${partition} ${epoch}`);
      return epoch !== 1;
    },
    process: async (row) => void calls.push(`row ${row.id} ${row.cdn}`),
    close: (error) => void calls.push(`close ${error}`),
  };
  const input = new MemoryStream(schema);
  const q = await input.toDF(s.lake).writeStream.option('checkpointLocation', s.path('ck')).foreach(writer).start();
  for (const b of [[{ id: 1, cdn: 'x', ms: 1 }, { id: 2, cdn: 'y', ms: 2 }], [{ id: 3, cdn: 'z', ms: 3 }], [{ id: 4, cdn: 'w', ms: 4 }]]) {
    input.addData(b);
    await q.processAllAvailable();
  }
  await q.stop();
  assert.deepEqual(calls, ['open 0 0', 'row 1 x', 'row 2 y', 'close null', 'open 0 1', 'close null', 'open 0 2', 'row 4 w', 'close null']);
  assert.deepEqual(q.recentProgress.map((p) => p.sink.numOutputRows), [2, 0, 1]);
});

test('foreach: a failing process call closes with the error and fails the query', async (t) => {
  const s = await scratch();
  t.after(() => s.cleanup());
  const closed: (string | undefined)[] = [];
  const input = new MemoryStream(schema);
  const q = await input
    .toDF(s.lake)
    .writeStream.option('checkpointLocation', s.path('ck'))
    .foreach({
      process: (row) => {
        if (row.id === 2) throw new Error('webhook down');
      },
      close: (e) => void closed.push(e?.message),
    })
    .start();
  input.addData([{ id: 1, cdn: 'a', ms: 1 }, { id: 2, cdn: 'b', ms: 1 }]);
  await assert.rejects(q.awaitTermination(), /webhook down/);
  assert.deepEqual(closed, ['webhook down']);
});

test('console prints each batch under its header, as Spark does', async (t) => {
  const s = await scratch();
  t.after(() => s.cleanup());
  const input = new MemoryStream(schema);
  const printed: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((text: string) => (printed.push(String(text)), true)) as typeof process.stdout.write;
  try {
    const q = await input.toDF(s.lake).select('id', 'cdn').writeStream.format('console').option('numRows', 1).start();
    input.addData([{ id: 7, cdn: 'edge-a', ms: 1 }, { id: 8, cdn: 'edge-b', ms: 1 }]);
    await q.processAllAvailable();
    await q.stop();
  } finally {
    process.stdout.write = write;
  }
  assert.equal(printed.join(''), ['-------------------------------------------', 'Batch: 0', '-------------------------------------------', '+--+------+', '|id|   cdn|', '+--+------+', '| 7|edge-a|', '+--+------+', 'only showing top 1 rows', '', ''].join('\n'));
});

test('memory sink in complete mode holds the whole result, queryable by SQL', async (t) => {
  const s = await scratch();
  t.after(() => s.cleanup());
  const input = new MemoryStream(schema);
  const q = await input.toDF(s.lake).groupBy('cdn').agg({ n: 'count(*)' }).writeStream.outputMode('complete').format('memory').queryName('per_cdn').start();
  input.addData([{ id: 1, cdn: 'a', ms: 1 }]);
  await q.processAllAvailable();
  input.addData([{ id: 2, cdn: 'a', ms: 1 }, { id: 3, cdn: 'b', ms: 1 }]);
  await q.processAllAvailable();
  await q.stop();
  assert.deepEqual(await rows(s.lake, 'SELECT cdn, n FROM per_cdn ORDER BY cdn'), [{ cdn: 'a', n: 2 }, { cdn: 'b', n: 1 }]);
});

test('the Delta sink takes append and complete; update is refused, as Delta refuses it', async (t) => {
  const s = await scratch();
  t.after(() => s.cleanup());
  const df = new MemoryStream(schema).toDF(s.lake).groupBy('cdn').count();
  await assert.rejects(
    df.writeStream.outputMode('update').option('checkpointLocation', s.path('ck')).toTable('t'),
    (e: Error & { code?: string }) => e.code === 'STREAM_UNSUPPORTED_OUTPUT_MODE' && /DeltaSink.*does not support update output mode/.test(e.message),
  );
});

test('a stream joins a static Delta table as the table is when each batch runs', async (t) => {
  const s = await scratch();
  t.after(() => s.cleanup());
  await s.lake.sql("CREATE TABLE edges (edge STRING, region STRING) USING DELTA; INSERT INTO edges VALUES ('a', 'eu')");
  const input = new MemoryStream(schema);
  const q = await input
    .toDF(s.lake)
    .as('e')
    .join(s.lake.read('edges').as('d'), 'e.cdn = d.edge', 'left')
    .select('id', 'cdn', 'region')
    .writeStream.option('checkpointLocation', s.path('ck'))
    .toTable('enriched');
  input.addData([{ id: 1, cdn: 'a', ms: 1 }, { id: 2, cdn: 'b', ms: 1 }]);
  await q.processAllAvailable();
  await s.lake.sql("INSERT INTO edges VALUES ('b', 'us')");
  input.addData([{ id: 3, cdn: 'b', ms: 1 }]);
  await q.processAllAvailable();
  await q.stop();
  assert.deepEqual(await rows(s.lake, 'SELECT id, cdn, region FROM enriched ORDER BY id'), [
    { id: 1, cdn: 'a', region: 'eu' },
    { id: 2, cdn: 'b', region: null },
    { id: 3, cdn: 'b', region: 'us' },
  ]);
});

test('the Delta sink creates a partitioned table and evolves its schema with mergeSchema', async (t) => {
  const s = await scratch();
  t.after(() => s.cleanup());
  const input = new MemoryStream(schema);
  const q = await input.toDF(s.lake).writeStream.partitionBy('cdn').option('checkpointLocation', s.path('ck')).toTable('parts');
  input.addData([{ id: 1, cdn: 'a', ms: 1 }]);
  await q.processAllAvailable();
  await q.stop();
  assert.deepEqual((await s.lake.table('parts').detail()).partitionColumns, ['cdn']);
  const wider = await input.toDF(s.lake).withColumn('extra', "'x'").writeStream.option('mergeSchema', true).option('checkpointLocation', s.path('ck')).toTable('parts');
  input.addData([{ id: 2, cdn: 'b', ms: 1 }]);
  await wider.processAllAvailable();
  await wider.stop();
  assert.deepEqual(await rows(s.lake, 'SELECT id, extra FROM parts ORDER BY id'), [{ id: 1, extra: null }, { id: 2, extra: 'x' }]);
});
