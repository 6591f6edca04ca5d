/** Observable metrics on batch DataFrames (Spark's Observation): computed when an action runs. */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Lakehouse, Observation } from '@loch/lakehouse';

test('observe: named metrics over the rows at that point, handed to the Observation once the query runs', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'loch-observe-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const lake = Lakehouse.open(dir);
  await lake.sql("CREATE TABLE hits (ip STRING, ms INT) USING DELTA; INSERT INTO hits VALUES ('1.2.3.4', 10), (NULL, 20), ('5.6.7.8', 300)");
  const quality = new Observation('quality');
  const late = new Observation('late');
  let seen: unknown;
  void quality.get().then((m) => (seen = m));
  const rows = await lake
    .read('hits')
    .observe(quality, { rows: 'count(*)', bad: 'count_if(ip IS NULL)' })
    .filter('ms > 15')
    .observe(late, { slow: 'count(*)', worst: 'max(ms)' })
    .select('ms')
    .orderBy('ms')
    .toRows();
  assert.deepEqual(rows, [{ ms: 20 }, { ms: 300 }]);
  assert.deepEqual(await quality.get(), { rows: 3, bad: 1 });
  assert.deepEqual(await late.get(), { slow: 2, worst: 300 });
  assert.deepEqual(seen, { rows: 3, bad: 1 });
  // An observation takes one query's metrics.
  await assert.rejects(lake.read('hits').observe(quality, { n: 'count(*)' }).toRows(), /already has its metrics/);
  assert.throws(() => lake.read('hits').observe(new Observation(), {}), /at least one metric/);
});
