import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DeltaError, loadSnapshot } from '@loch/delta';
import { DeltaTable } from '@loch/lakehouse';

async function tempTable(): Promise<{ dir: string; done: () => Promise<void> }> {
  const base = await mkdtemp(join(tmpdir(), 'loch-merge-'));
  return { dir: join(base, 't'), done: () => rm(base, { recursive: true, force: true }) };
}

test('the COVID-19 example from the Delta Lake 0.6.0 release: merge with schema evolution', async () => {
  const { dir, done } = await tempTable();
  try {
    const t = DeltaTable.forPath(dir);
    // A one-row table in the older schema of the Johns Hopkins daily reports ...
    await t.write([{ Province_State: 'Washington', Country_Region: 'US', Last_Update: '2020-03-21T10:00:00Z', Confirmed: 1376, Deaths: 74, Recovered: 0 }]);
    // ... merged with 40 rows in the newer schema, which adds FIPS, Admin2, Active, Combined_Key.
    const source = [
      { FIPS: 53000, Admin2: null, Province_State: 'Washington', Country_Region: 'US', Last_Update: '2020-03-22T10:00:00Z', Confirmed: 1793, Deaths: 94, Recovered: 0, Active: 1699, Combined_Key: 'Washington, US' },
      ...Array.from({ length: 39 }, (_, i) => ({
        FIPS: 1001 + i, Admin2: `County ${i}`, Province_State: `State ${i}`, Country_Region: 'US', Last_Update: '2020-03-22T10:00:00Z',
        Confirmed: i * 10, Deaths: i, Recovered: 0, Active: i * 9, Combined_Key: `County ${i}, State ${i}, US`,
      })),
    ];
    const result = await t
      .merge(source, 'target.Province_State = source.Province_State AND target.Country_Region = source.Country_Region')
      .whenMatchedUpdateAll()
      .whenNotMatchedInsertAll()
      .withSchemaEvolution()
      .execute();
    assert.equal(result.metrics.numTargetRowsInserted, 39);
    assert.equal(result.metrics.numTargetRowsUpdated, 1);
    assert.equal(result.metrics.numTargetRowsCopied, 0);
    assert.equal(result.metrics.numSourceRows, 40);
    assert.equal(result.metrics.numTargetFilesRemoved, 1);
    const snapshot = await loadSnapshot(t.engine, (await t.location()));
    assert.deepEqual(snapshot.schema.fields.map((f) => f.name), ['Province_State', 'Country_Region', 'Last_Update', 'Confirmed', 'Deaths', 'Recovered', 'FIPS', 'Admin2', 'Active', 'Combined_Key']);
    const rows = (await t.scan()).rows;
    assert.equal(rows.length, 40);
    const wa = rows.find((r) => r.Province_State === 'Washington')!;
    assert.equal(wa.Confirmed, 1793);
    assert.equal(wa.Combined_Key, 'Washington, US');
    const history = await t.history(1);
    assert.equal(history[0].operation, 'MERGE');
    assert.equal(history[0].operationMetrics.numTargetRowsInserted, '39');
  } finally {
    await done();
  }
});

for (const dv of [false, true]) {
  test(`merge clauses with conditions, by-source clauses and metrics (deletion vectors ${dv ? 'on' : 'off'})`, async () => {
    const { dir, done } = await tempTable();
    try {
      const t = await DeltaTable.create(dir, {
        schema: { id: 'long', grp: 'string', v: 'long' },
        partitionBy: ['grp'],
        configuration: dv ? { 'delta.enableDeletionVectors': 'true' } : {},
      });
      await t.write(`SELECT i AS id, 'g' || (i % 4) AS grp, i AS v FROM range(200) t(i)`);
      // Source: ids 150..249 with v = -id; 150..199 exist, 200..249 are new.
      const result = await t
        .merge(`SELECT i AS id, 'g' || (i % 4) AS grp, -i AS v FROM range(150, 250) t(i)`, 'target.id = source.id')
        .whenMatchedDelete({ condition: 'target.id % 10 = 0' })
        .whenMatchedUpdate({ set: { v: 'source.v' } })
        .whenNotMatchedInsert({ values: { id: 'source.id', grp: 'source.grp', v: 'source.v * 2' }, condition: 'source.id < 240' })
        .whenNotMatchedBySourceUpdate({ set: { v: '0' }, condition: 'target.id < 10' })
        .execute();
      const m = result.metrics;
      assert.equal(m.numSourceRows, 100);
      assert.equal(m.numTargetRowsMatchedDeleted, 5); // 150, 160, ..., 190
      assert.equal(m.numTargetRowsMatchedUpdated, 45);
      assert.equal(m.numTargetRowsInserted, 40); // 200..239
      assert.equal(m.numTargetRowsNotMatchedBySourceUpdated, 10);
      assert.equal(m.numTargetRowsDeleted, 5);
      assert.equal(m.numTargetRowsUpdated, 55);

      const rows = new Map((await t.scan()).rows.map((r) => [r.id as number, r]));
      assert.equal(rows.size, 200 - 5 + 40);
      for (let i = 0; i < 240; i++) {
        const r = rows.get(i);
        if (i >= 150 && i < 200 && i % 10 === 0) assert.equal(r, undefined, `row ${i} deleted`);
        else if (i >= 200) assert.equal(r?.v, -i * 2, `row ${i} inserted`);
        else if (i >= 150) assert.equal(r?.v, -i, `row ${i} updated`);
        else if (i < 10) assert.equal(r?.v, 0, `row ${i} updated by source`);
        else assert.equal(r?.v, i, `row ${i} unchanged`);
      }
      const snapshot = await loadSnapshot(t.engine, (await t.location()));
      assert.equal(snapshot.files.some((f) => f.deletionVector), dv, 'deletion vectors used exactly when enabled');
    } finally {
      await done();
    }
  });
}

test('a target row matched by several source rows is refused, and nothing is committed', async () => {
  const { dir, done } = await tempTable();
  try {
    const t = DeltaTable.forPath(dir);
    await t.write(`SELECT i AS id, i AS v FROM range(10) t(i)`);
    await assert.rejects(
      t.merge(`SELECT 3 AS id, 1 AS v UNION ALL SELECT 3, 2`, 'target.id = source.id').whenMatchedUpdate({ set: { v: 'source.v' } }).execute(),
      (e: DeltaError) => e.code === 'DELTA_MULTIPLE_SOURCE_ROW_MATCHING_TARGET_ROW' && /several source rows/.test(e.message),
    );
    assert.equal((await loadSnapshot(t.engine, (await t.location()))).version, 0);
    // An unconditional delete is allowed to match a row many times.
    const r = await t.merge(`SELECT 3 AS id UNION ALL SELECT 3`, 'target.id = source.id').whenMatchedDelete().execute();
    assert.equal(r.metrics.numTargetRowsDeleted, 1);
    assert.equal((await t.scan()).rows.length, 9);
  } finally {
    await done();
  }
});

test('insert-only merge rewrites no file; a merge that matches nothing commits nothing', async () => {
  const { dir, done } = await tempTable();
  try {
    const t = DeltaTable.forPath(dir);
    await t.write(`SELECT i AS id, i AS v FROM range(100) t(i)`);
    const before = await loadSnapshot(t.engine, (await t.location()));
    const r = await t.merge(`SELECT i AS id, 0 AS v FROM range(90, 110) t(i)`, 'target.id = source.id').whenNotMatchedInsertAll().execute();
    assert.equal(r.metrics.numTargetRowsInserted, 10);
    assert.equal(r.metrics.numTargetFilesRemoved, 0);
    const after = await loadSnapshot(t.engine, (await t.location()));
    assert.ok(before.files.every((f) => after.files.some((g) => g.path === f.path)), 'existing files untouched');
    const none = await t.merge(`SELECT 1000 AS id, 0 AS v`, 'target.id = source.id').whenMatchedUpdateAll().execute();
    assert.equal(none.version, undefined);
    assert.equal((await loadSnapshot(t.engine, (await t.location()))).version, after.version);
  } finally {
    await done();
  }
});

test("target files are pruned by the source's join keys before anything is read", async () => {
  const { dir, done } = await tempTable();
  try {
    const t = DeltaTable.forPath(dir);
    for (let k = 0; k < 5; k++) await t.write(`SELECT ${k * 1000} + i AS id, i AS v FROM range(1000) t(i)`);
    const r = await t.merge(`SELECT 2000 + i AS id, -1 AS v FROM range(10) t(i)`, 'target.id = source.id').whenMatchedUpdateAll().whenNotMatchedInsertAll().execute();
    assert.equal(r.metrics.numTargetFilesBeforeSkipping, 5);
    assert.equal(r.metrics.numTargetFilesAfterSkipping, 1);
    assert.equal(r.metrics.numTargetFilesRemoved, 1);
    assert.equal(r.metrics.numTargetRowsUpdated, 10);
    assert.equal(r.metrics.numTargetRowsCopied, 990);
    const rows = (await t.scan()).rows;
    assert.equal(rows.length, 5000);
    assert.equal(rows.filter((x) => x.v === -1).length, 10);
    // With many distinct keys the range (not the list) prunes; new keys past the end insert.
    const r2 = await t.merge(`SELECT 4500 + i AS id, -2 AS v FROM range(1000) t(i)`, 'source.id = target.id').whenMatchedUpdateAll().whenNotMatchedInsertAll().execute();
    assert.equal(r2.metrics.numTargetFilesAfterSkipping, 1);
    assert.equal(r2.metrics.numTargetRowsInserted, 500);
    assert.equal((await t.scan()).rows.length, 5500);
  } finally {
    await done();
  }
});
