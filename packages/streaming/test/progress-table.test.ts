/** Progress appended to a Delta table, one row per batch, for dashboards. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryStream, ProgressTableListener } from '@loch/streaming';
import { rows, scratch } from './support/lake.js';

test('ProgressTableListener appends each batch\'s progress to a Delta table', async (t) => {
  const s = await scratch();
  t.after(() => s.cleanup());
  const progress = new ProgressTableListener(s.lake.table('stream_progress'));
  s.lake.streams.addListener(progress);
  const input = new MemoryStream({ id: 'long' });
  const q = await input.toDF(s.lake).writeStream.format('memory').queryName('ids').start();
  for (let i = 0; i < 3; i++) {
    input.addData([{ id: i }, { id: i + 10 }]);
    await q.processAllAvailable();
  }
  await q.stop();
  await progress.flush();
  const got = await rows(s.lake, 'SELECT id, name, batchId, numInputRows, numOutputRows, batchDurationMs >= 0 AS timed, progress FROM stream_progress ORDER BY batchId');
  assert.deepEqual(got.map((r) => [r.id, r.name, r.batchId, r.numInputRows, r.numOutputRows, r.timed]), [0, 1, 2].map((b) => [q.id, 'ids', b, 2, 2, true]));
  assert.equal(JSON.parse(String(got[2].progress)).batchId, 2);
  const [schema] = await rows(s.lake, "SELECT typeof(inputRowsPerSecond) AS rate, typeof(`timestamp`) AS ts FROM stream_progress LIMIT 1");
  // typeof answers in Spark's type names.
  assert.deepEqual(schema, { rate: 'double', ts: 'timestamp' });
});
