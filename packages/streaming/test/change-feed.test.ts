/**
 * The delta source with readChangeFeed: a table's change data feed as a stream, exactly once
 * into a Delta sink across restarts, from a starting version or from the table as it is.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rows, scratch, type Scratch } from './support/lake.js';

async function source(s: Scratch): Promise<void> {
  await s.lake.sql(`CREATE TABLE src (id BIGINT, v STRING) USING DELTA TBLPROPERTIES ('delta.enableChangeDataFeed' = 'true')`);
  for (let i = 0; i < 3; i++) await s.lake.table('src').write([{ id: i, v: `v${i}` }]);
}

const feedOf = async (s: Scratch, sql: string) =>
  (await rows(s.lake, sql)).map((r) => `${r.id} ${r.v} ${r._change_type} ${r._commit_version} ${new Date(String(r._commit_timestamp)).getTime()}`).sort();

test('readChangeFeed from a version streams every change once into a Delta table, across restarts', async (t) => {
  const s = await scratch();
  t.after(() => s.cleanup());
  await source(s);
  const start = () =>
    s.lake.readStream.format('delta').option('readChangeFeed', 'true').option('startingVersion', 1).option('maxFilesPerTrigger', 1)
      .table('src').writeStream.option('checkpointLocation', s.path('ck')).toTable('feed');
  let q = await start();
  await q.processAllAvailable();
  await q.stop();
  await s.lake.sql(`UPDATE src SET v = upper(v) WHERE id >= 1`);
  await s.lake.sql(`DELETE FROM src WHERE id = 0`);
  q = await start();
  await q.processAllAvailable();
  await s.lake.sql(`MERGE INTO src USING (SELECT 2 AS id, 'm' AS v UNION ALL SELECT 9, 'n') s ON src.id = s.id WHEN MATCHED THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT *`);
  await q.processAllAvailable();
  await q.stop();
  // A restart with nothing new adds nothing.
  q = await start();
  await q.processAllAvailable();
  await q.stop();
  const streamed = await feedOf(s, 'SELECT * FROM feed');
  assert.deepEqual(streamed, await feedOf(s, `SELECT * FROM table_changes('src', 1)`));
  assert.equal(streamed.filter((r) => r.includes('update_preimage')).length, 3);
  // Commits are taken whole: the UPDATE's pre- and post-images land in one batch.
  const [batch] = await rows(s.lake, `SELECT count(DISTINCT _change_type) AS n FROM feed WHERE _commit_version = 4`);
  assert.equal(Number(batch.n), 2);
});

test('readChangeFeed without a starting version begins with the table as inserts; a table without the feed is refused', async (t) => {
  const s = await scratch();
  t.after(() => s.cleanup());
  await source(s);
  const q = await s.lake.readStream.format('delta').option('readChangeFeed', true).table('src')
    .writeStream.trigger({ availableNow: true }).option('checkpointLocation', s.path('ck')).toTable('feed');
  await q.awaitTermination();
  const latest = (await s.lake.table('src').snapshot()).version;
  const [r] = await rows(s.lake, `SELECT count(*) AS n, min(_change_type) AS t, min(_commit_version) AS v FROM feed`);
  assert.deepEqual([Number(r.n), r.t, Number(r.v)], [3, 'insert', latest]);
  await s.lake.sql('CREATE TABLE plain (id BIGINT) USING DELTA');
  await assert.rejects(
    s.lake.readStream.format('delta').option('readChangeFeed', 'true').table('plain').writeStream.option('checkpointLocation', s.path('ck2')).toTable('x'),
    (e: Error & { code?: string }) => e.code === 'DELTA_MISSING_CHANGE_DATA',
  );
  // Turned on later: versions from before it have no change data.
  await s.lake.table('plain').write([{ id: 1 }]);
  await s.lake.sql(`ALTER TABLE plain SET TBLPROPERTIES ('delta.enableChangeDataFeed' = 'true')`);
  await assert.rejects(
    s.lake.readStream.format('delta').option('readChangeFeed', 'true').option('startingVersion', 1).table('plain').writeStream.option('checkpointLocation', s.path('ck3')).toTable('y'),
    (e: Error & { code?: string }) => e.code === 'DELTA_MISSING_CHANGE_DATA' && /version 1/.test(e.message),
  );
});
