import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DeltaError, loadSnapshot } from '@loch/delta';
import { Lakehouse } from '@loch/lakehouse';

async function lakeWith(properties: string, partitioned = true) {
  const dir = await mkdtemp(join(tmpdir(), 'loch-cdf-'));
  const lake = Lakehouse.open(dir);
  await lake.sql(`CREATE TABLE t (id INT, name STRING, grp STRING) USING delta ${partitioned ? 'PARTITIONED BY (grp)' : ''} TBLPROPERTIES (${properties})`);
  return { lake, dir, done: () => rm(dir, { recursive: true, force: true }) };
}

/** The change rows of a range, one string each (id, name, grp, change type, version), sorted. */
async function changes(lake: Lakehouse, from: number, to?: number): Promise<string[]> {
  const [r] = await lake.sql(`SELECT * FROM table_changes('t', ${from}${to === undefined ? '' : `, ${to}`})`);
  return r.rows!.map((x) => `${x.id} ${x.name} ${x.grp} ${x._change_type} ${x._commit_version}`).sort();
}

/** The actions of one commit of table t, by kind. */
async function commit(dir: string, version: number): Promise<Record<string, Record<string, unknown>[]>> {
  const text = await readFile(join(dir, 't', '_delta_log', `${String(version).padStart(20, '0')}.json`), 'utf8');
  const out: Record<string, Record<string, unknown>[]> = {};
  for (const line of text.trim().split('\n')) {
    const [[kind, action]] = Object.entries(JSON.parse(line) as Record<string, Record<string, unknown>>);
    (out[kind] ??= []).push(action);
  }
  return out;
}

for (const dv of [false, true]) {
  const mode = dv ? 'deletion vectors' : 'copy-on-write';
  test(`UPDATE, DELETE and MERGE on a change-feed table record exactly the rows they change (${mode})`, async () => {
    const { lake, dir, done } = await lakeWith(`'delta.enableChangeDataFeed' = 'true'${dv ? ", 'delta.enableDeletionVectors' = 'true'" : ''}`);
    try {
      await lake.sql(`INSERT INTO t VALUES (1, 'a', 'x'), (2, 'b', 'x'), (3, 'c', 'y'), (4, 'd', 'y'), (5, 'e', 'z')`);
      await lake.sql(`UPDATE t SET name = upper(name) WHERE id IN (2, 3)`);
      await lake.sql(`DELETE FROM t WHERE id = 4`);
      await lake.sql(`MERGE INTO t USING (SELECT * FROM (VALUES (1, 'a1', 'x'), (3, 'gone', 'y'), (6, 'f', 'z')) s(id, name, grp)) s ON t.id = s.id
        WHEN MATCHED AND s.name = 'gone' THEN DELETE
        WHEN MATCHED THEN UPDATE SET name = s.name
        WHEN NOT MATCHED THEN INSERT *`);
      assert.deepEqual(await changes(lake, 1), [
        '1 a x insert 1', '2 b x insert 1', '3 c y insert 1', '4 d y insert 1', '5 e z insert 1',
        '2 b x update_preimage 2', '2 B x update_postimage 2', '3 c y update_preimage 2', '3 C y update_postimage 2',
        '4 d y delete 3',
        '1 a x update_preimage 4', '1 a1 x update_postimage 4', '3 C y delete 4', '6 f z insert 4',
      ].sort());
      // Each changing commit names its change files; the append derives its inserts from its adds.
      assert.equal((await commit(dir, 1)).cdc, undefined);
      for (const v of [2, 3, 4]) {
        const c = await commit(dir, v);
        assert.ok(c.cdc.length > 0, `version ${v} has cdc actions`);
        for (const f of c.cdc) {
          assert.equal(f.dataChange, false);
          assert.match(String(f.path), /^_change_data\/grp=[xyz]\/cdc-/);
          assert.deepEqual(Object.keys(f.partitionValues as object), ['grp']);
        }
      }
      const history = await lake.table('t').history();
      assert.equal(history[0].operationMetrics.numTargetChangeFilesAdded, String((await commit(dir, 4)).cdc.length));
      assert.equal(history[2].operationMetrics.numAddedChangeFiles, String((await commit(dir, 2)).cdc.length));
      const snapshot = await loadSnapshot(lake.engine, (await lake.table('t').location()));
      assert.equal(snapshot.files.some((f) => f.deletionVector), dv);
      // The table itself is unchanged by the change files beside it.
      const [now] = await lake.sql('SELECT id, name FROM t ORDER BY id');
      assert.deepEqual(now.rows, [{ id: 1, name: 'a1' }, { id: 2, name: 'B' }, { id: 5, name: 'e' }, { id: 6, name: 'f' }]);
    } finally {
      await done();
    }
  });
}

test('a MERGE that only inserts writes no change files; NOT MATCHED BY SOURCE changes are recorded', async () => {
  const { lake, dir, done } = await lakeWith(`'delta.enableChangeDataFeed' = 'true'`, false);
  try {
    await lake.sql(`INSERT INTO t VALUES (1, 'a', 'x'), (2, 'b', 'x')`);
    await lake.sql(`MERGE INTO t USING (SELECT 3 AS id, 'c' AS name, 'y' AS grp) s ON t.id = s.id WHEN NOT MATCHED THEN INSERT *`);
    assert.equal((await commit(dir, 2)).cdc, undefined);
    await lake.sql(`MERGE INTO t USING (SELECT 3 AS id) s ON t.id = s.id
      WHEN NOT MATCHED BY SOURCE AND t.id = 1 THEN DELETE
      WHEN NOT MATCHED BY SOURCE THEN UPDATE SET name = 'zz'`);
    assert.deepEqual(await changes(lake, 2), ['3 c y insert 2', '1 a x delete 3', '2 b x update_preimage 3', '2 zz x update_postimage 3'].sort());
    assert.match(String((await commit(dir, 3)).cdc[0].path), /^_change_data\/cdc-/);
  } finally {
    await done();
  }
});

test('table_changes reads version and time ranges; bad ranges fail with Delta codes', async () => {
  const { lake, done } = await lakeWith(`'delta.enableChangeDataFeed' = 'true'`);
  try {
    await lake.sql(`INSERT INTO t VALUES (1, 'a', 'x')`);
    await lake.sql(`INSERT INTO t VALUES (2, 'b', 'x')`);
    await lake.sql(`UPDATE t SET name = 'bb' WHERE id = 2`);
    await lake.sql(`TRUNCATE TABLE t`);
    assert.deepEqual(await changes(lake, 2, 2), ['2 b x insert 2']);
    assert.deepEqual(await changes(lake, 3, 3), ['2 b x update_preimage 3', '2 bb x update_postimage 3']);
    assert.deepEqual(await changes(lake, 4), ['1 a x delete 4', '2 bb x delete 4']);
    // An end after the latest version reads to the latest.
    assert.deepEqual(await changes(lake, 4, 100), ['1 a x delete 4', '2 bb x delete 4']);
    const history = await lake.table('t').history();
    const at = (v: number) => new Date(history.find((h) => h.version === v)!.timestamp).toISOString();
    const [byTime] = await lake.sql(`SELECT DISTINCT _commit_version FROM table_changes('t', '${at(2)}', '${at(3)}') ORDER BY 1`);
    assert.deepEqual(byTime.rows, [{ _commit_version: 2 }, { _commit_version: 3 }]);
    const [types] = await lake.sql(`SELECT typeof(_commit_version) AS v, typeof(_commit_timestamp) AS ts FROM table_changes('t', 1) LIMIT 1`);
    // typeof answers in Spark's type names.
    assert.deepEqual(types.rows, [{ v: 'bigint', ts: 'timestamp' }]);
    const code = (c: string) => (e: DeltaError) => e.code === c;
    await assert.rejects(lake.sql(`SELECT * FROM table_changes('t', 3, 2)`), code('DELTA_INVALID_CDC_RANGE'));
    await assert.rejects(lake.sql(`SELECT * FROM table_changes('t', 9)`), code('DELTA_INVALID_CDC_RANGE'));
    await assert.rejects(lake.sql(`SELECT * FROM table_changes('t', '2999-01-01')`), code('DELTA_TIMESTAMP_OUT_OF_RANGE'));
  } finally {
    await done();
  }
});

test("lake.read.format('delta').option('readChangeFeed', true) reads the change feed as Spark does, by version or time, by name or path", async () => {
  const { lake, dir, done } = await lakeWith(`'delta.enableChangeDataFeed' = 'true'`);
  try {
    await lake.sql(`INSERT INTO t VALUES (1, 'a', 'x')`);
    await lake.sql(`INSERT INTO t VALUES (2, 'b', 'x')`);
    await lake.sql(`UPDATE t SET name = 'bb' WHERE id = 2`);
    await lake.sql(`DELETE FROM t WHERE id = 1`);
    const feed = lake.read.format('delta').option('readChangeFeed', true);
    const line = (x: Record<string, unknown>) => `${x.id} ${x.name} ${x._change_type} ${x._commit_version}`;
    const one = await feed.option('startingVersion', 3).option('endingVersion', 3).table('t').select('id', 'name', '_change_type', '_commit_version').orderBy('_change_type').toRows();
    assert.deepEqual(one.map(line), ['2 bb update_postimage 3', '2 b update_preimage 3']);
    // The same rows as table_changes, every column (the timestamps included), to the latest version.
    const [sql] = await lake.sql(`SELECT * FROM table_changes('t', 2) ORDER BY _commit_version, _change_type`);
    const all = await feed.options({ STARTINGVERSION: '2' }).table('t').orderBy('_commit_version', '_change_type').toRows();
    assert.deepEqual(all, sql.rows);
    assert.deepEqual(all.map(line), ['2 b insert 2', '2 bb update_postimage 3', '2 b update_preimage 3', '1 a delete 4']);
    assert.ok(all.every((r) => r._commit_timestamp instanceof Date || typeof r._commit_timestamp === 'string'));
    // By time (a Date or text), and by path with load().
    const history = await lake.table('t').history();
    const at = (v: number) => new Date(history.find((h) => h.version === v)!.timestamp);
    const byTime = await feed.option('startingTimestamp', at(3)).option('endingTimestamp', at(3).toISOString()).load(join(dir, 't')).select('_commit_version').distinct().toRows();
    assert.deepEqual(byTime, [{ _commit_version: 3 }]);
    // Without readChangeFeed the reader reads the table, with time travel.
    assert.deepEqual(await lake.read.format('delta').option('versionAsOf', 2).table('t').select('id').orderBy('id').toRows(), [{ id: 1 }, { id: 2 }]);
    assert.deepEqual(await lake.read('t').select('id').toRows(), [{ id: 2 }]);
    const code = (c: string, m?: RegExp) => (e: DeltaError) => e.code === c && (!m || m.test(e.message));
    assert.throws(() => feed.table('t'), code('DELTA_INVALID_CDC_RANGE', /startingVersion or startingTimestamp/));
    assert.throws(() => feed.option('startingVersion', 1).option('startingTimestamp', at(1)).table('t'), code('DELTA_INVALID_CDC_RANGE', /not both/));
    assert.throws(() => feed.option('startingVersion', 'two').table('t'), code('DELTA_INVALID_ARGUMENT', /startingVersion/));
    assert.throws(() => lake.read.format('csv').table('t'), code('DELTA_INVALID_ARGUMENT', /format 'csv'/));
    await assert.rejects(feed.option('startingVersion', 3).option('endingVersion', 2).table('t').toRows(), code('DELTA_INVALID_CDC_RANGE'));
  } finally {
    await done();
  }
});

test('table_changes with a WHERE on the partition column reads only that partition\'s change-data, added and removed files', async () => {
  const { lake, done } = await lakeWith(`'delta.enableChangeDataFeed' = 'true'`);
  try {
    await lake.sql(`INSERT INTO t VALUES (1, 'a', 'x'), (2, 'b', 'y'), (3, 'c', 'z')`);
    await lake.sql(`INSERT INTO t VALUES (4, 'd', 'x'), (5, 'e', 'y')`);
    await lake.sql(`UPDATE t SET name = upper(name) WHERE id IN (1, 2)`);
    await lake.sql(`DELETE FROM t WHERE grp = 'z'`);
    // A row that moves partition: its preimage is x's, its postimage y's.
    await lake.sql(`UPDATE t SET grp = 'y' WHERE id = 4`);
    const line = (x: Record<string, unknown>) => `${x.id} ${x.name} ${x.grp} ${x._change_type} ${x._commit_version}`;
    const [all] = await lake.sql(`SELECT * FROM table_changes('t', 1)`);
    const [onlyX] = await lake.sql(`SELECT * FROM table_changes('t', 1) WHERE grp = 'x'`);
    assert.deepEqual(onlyX.rows.map(line).sort(), all.rows.filter((r) => r.grp === 'x').map(line).sort());
    assert.deepEqual(onlyX.rows.map(line).sort(), ['1 A x update_postimage 3', '1 a x insert 1', '1 a x update_preimage 3', '4 d x insert 2', '4 d x update_preimage 5']);
    const feedScan = (r: typeof all) => r.metrics!.scans.find((m) => m.table === 'table_changes(t)')!;
    const every = feedScan(all);
    const pruned = feedScan(onlyX);
    assert.equal(every.filesScanned, every.filesTotal);
    assert.equal(pruned.filesTotal, every.filesTotal);
    // x's files of each commit: the inserts of versions 1 and 2, the change data of versions 3 and 5.
    assert.equal(pruned.filesScanned, 4);
    assert.equal(pruned.filesPrunedByPartition, every.filesTotal - 4);
    // A WHERE on the feed's own columns prunes nothing, and leaves the rows as they are.
    const [deletes] = await lake.sql(`SELECT * FROM table_changes('t', 1) WHERE _change_type = 'delete' AND id > 0`);
    assert.equal(feedScan(deletes).filesScanned, every.filesTotal);
    assert.deepEqual(deletes.rows.map(line), ['3 c z delete 4']);
  } finally {
    await done();
  }
});

test('change data is only readable from when the feed was on; turning it on raises the writer protocol', async () => {
  const { lake, dir, done } = await lakeWith(`'delta.appendOnly' = 'false'`);
  try {
    await lake.sql(`INSERT INTO t VALUES (1, 'a', 'x')`);
    await assert.rejects(lake.sql(`SELECT * FROM table_changes('t', 0)`), (e: DeltaError) => e.code === 'DELTA_MISSING_CHANGE_DATA' && /version 0/.test(e.message));
    await lake.sql(`ALTER TABLE t SET TBLPROPERTIES ('delta.enableChangeDataFeed' = 'true')`);
    const protocol = (await commit(dir, 2)).protocol?.[0];
    assert.ok(protocol && Number(protocol.minWriterVersion) >= 4, 'the writer version says writers must record change data');
    await lake.sql(`UPDATE t SET name = 'b'`);
    await assert.rejects(lake.sql(`SELECT * FROM table_changes('t', 1)`), (e: DeltaError) => e.code === 'DELTA_MISSING_CHANGE_DATA' && /version 1/.test(e.message));
    assert.deepEqual(await changes(lake, 2), ['1 a x update_preimage 3', '1 b x update_postimage 3']);
  } finally {
    await done();
  }
});

test('column mapping and the feed together: change files use physical names; reserved names are refused', async () => {
  const { lake, dir, done } = await lakeWith(`'delta.enableChangeDataFeed' = 'true', 'delta.columnMapping.mode' = 'name'`);
  try {
    await lake.sql(`INSERT INTO t VALUES (1, 'a', 'x')`);
    await lake.sql(`UPDATE t SET name = 'b'`);
    const [r] = await lake.sql(`SELECT id, name, grp, _change_type FROM table_changes('t', 0) ORDER BY _commit_version, _change_type`);
    assert.deepEqual(r.rows, [
      { id: 1, name: 'a', grp: 'x', _change_type: 'insert' },
      { id: 1, name: 'b', grp: 'x', _change_type: 'update_postimage' },
      { id: 1, name: 'a', grp: 'x', _change_type: 'update_preimage' },
    ]);
    const cdc = (await commit(dir, 2)).cdc[0];
    assert.match(String(cdc.path), /^_change_data\/col-[0-9a-f-]+=x\//);
    const [schema] = await lake.sql(`SELECT name FROM parquet_schema('${join(dir, 't', decodeURIComponent(String(cdc.path)))}') WHERE name <> 'duckdb_schema' ORDER BY name`);
    const names = schema.rows!.map((x) => String(x.name));
    assert.ok(names.includes('_change_type') && names.filter((n) => n.startsWith('col-')).length === 2, names.join(', '));
    await assert.rejects(
      lake.sql(`CREATE TABLE bad (id INT, _change_type STRING) USING delta TBLPROPERTIES ('delta.enableChangeDataFeed' = 'true')`),
      (e: DeltaError) => e.code === 'DELTA_CDC_RESERVED_COLUMN' && /_change_type/.test(e.message),
    );
  } finally {
    await done();
  }
});
