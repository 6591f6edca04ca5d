import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DeltaError, loadSnapshot } from '@loch/delta';
import { DeltaTable } from '@loch/lakehouse';

async function table(dv: boolean) {
  const base = await mkdtemp(join(tmpdir(), 'loch-dml-'));
  const t = await DeltaTable.create(join(base, 't'), {
    schema: { id: 'long', grp: 'string', v: 'double' },
    partitionBy: ['grp'],
    configuration: dv ? { 'delta.enableDeletionVectors': 'true' } : {},
  });
  await t.write(`SELECT i AS id, 'g' || (i % 3) AS grp, i * 1.0 AS v FROM range(300) t(i)`);
  return { t, base, done: () => rm(base, { recursive: true, force: true }) };
}

for (const dv of [false, true]) {
  const mode = dv ? 'deletion vectors' : 'copy-on-write';
  test(`DELETE and UPDATE (${mode})`, async () => {
    const { t, base, done } = await table(dv);
    try {
      const del = await t.delete('id % 10 = 0');
      assert.equal(del.metrics.numDeletedRows, 30);
      assert.equal(del.metrics.numCopiedRows, dv ? 0 : 270);
      assert.equal(del.metrics.numDeletionVectorsAdded, dv ? 3 : 0);
      const upd = await t.update({ v: 'v + 1000' }, 'id < 20');
      assert.equal(upd.metrics.numUpdatedRows, 18);
      const rows = (await t.scan()).rows;
      assert.equal(rows.length, 270);
      assert.ok(rows.every((r) => (r.id as number) % 10 !== 0));
      for (const r of rows) assert.equal(r.v, (r.id as number) < 20 ? (r.id as number) + 1000 : r.id);
      // A partition's worth of deletes drops whole files, with or without deletion vectors.
      const g1 = await t.delete("grp = 'g1'");
      assert.equal(g1.metrics.numAddedFiles, 0);
      assert.equal((await t.scan()).rows.length, 270 - 90);
      const history = await t.history();
      assert.deepEqual(history.slice(0, 3).map((h) => h.operation), ['DELETE', 'UPDATE', 'DELETE']);
      assert.equal(history[2].operationParameters.predicate, '["id % 10 = 0"]');
      const snapshot = await loadSnapshot(t.engine, (await t.location()));
      assert.equal(snapshot.files.some((f) => f.deletionVector), dv);
      if (dv) assert.ok((await readdir(join(base, 't'))).some((f) => f.startsWith('deletion_vector_')));
    } finally {
      await done();
    }
  });
}

test('a DELETE that matches nothing commits nothing; bad predicates and columns are named', async () => {
  const { t, done } = await table(false);
  try {
    const r = await t.delete('id > 100000');
    assert.equal(r.version, undefined);
    assert.equal((await loadSnapshot(t.engine, (await t.location()))).version, 1);
    await assert.rejects(t.delete('nope = 1'), (e: DeltaError) => e.code === 'DELTA_INVALID_ARGUMENT' && /nope/.test(e.message));
    await assert.rejects(t.update({ nope: '1' }, 'id = 1'), (e: DeltaError) => e.code === 'DELTA_COLUMN_NOT_FOUND' && /nope/.test(e.message));
  } finally {
    await done();
  }
});

test('append-only tables refuse DELETE and UPDATE', async () => {
  const base = await mkdtemp(join(tmpdir(), 'loch-dml-'));
  try {
    const t = await DeltaTable.create(join(base, 't'), { schema: { id: 'long' }, configuration: { 'delta.appendOnly': 'true' } });
    await t.write([{ id: 1 }]);
    await assert.rejects(t.delete('id = 1'), (e: DeltaError) => e.code === 'DELTA_APPEND_ONLY');
    await assert.rejects(t.update({ id: '2' }), (e: DeltaError) => e.code === 'DELTA_APPEND_ONLY');
  } finally {
    await rm(base, { recursive: true, force: true });
  }
});
