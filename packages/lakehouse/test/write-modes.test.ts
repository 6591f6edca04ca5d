/**
 * Write modes and schema handling: overwrite, replaceWhere (whole partitions, and a data
 * predicate that splits files so that rows are copied), errorIfExists, ignore; schema mismatches
 * named by column and types; mergeSchema (top-level and nested), overwriteSchema.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DeltaTable, type Row } from '@loch/lakehouse';
import {
  commitActions,
  commitInfoOf,
  commitVersions,
  listTree,
  parquetFilesOnDisk,
  rejectsWith,
  sortRows,
  tempDir,
} from './support/fs-table.js';
import { validateStats } from './support/stats-validator.js';

async function table(t: { after: (fn: () => Promise<void>) => void }) {
  const { dir, cleanup } = await tempDir();
  t.after(cleanup);
  return dir;
}

const ids = (rows: readonly Row[]) => rows.map((r) => Number(r.id)).sort((a, b) => a - b);

async function salesTable(dir: string): Promise<DeltaTable> {
  const tbl = await DeltaTable.create(dir, { schema: { id: 'long', day: 'string', amount: 'long' }, partitionBy: ['day'] });
  // day a: ids 0..4, day b: ids 5..9; one file per partition.
  await tbl.write(`SELECT i::BIGINT AS id, CASE WHEN i < 5 THEN 'a' ELSE 'b' END AS day, (i * 10)::BIGINT AS amount FROM range(10) t(i)`);
  return tbl;
}

test('overwrite: replaces every row with a remove for each old file; the old version stays readable', async (t) => {
  const dir = await table(t);
  const tbl = await salesTable(dir);
  const before = await tbl.snapshot();
  const r = await tbl.write(`SELECT 100::BIGINT AS id, 'z' AS day, 1::BIGINT AS amount`, { mode: 'overwrite' });
  assert.equal(r.kind, 'committed');
  if (r.kind !== 'committed') return;
  assert.equal(r.version, 2);
  assert.deepEqual((await tbl.scan()).rows, [{ id: 100, day: 'z', amount: 1 }]);
  const actions = await commitActions(dir, 2);
  const removes = actions.filter((a) => a.remove).map((a) => a.remove);
  assert.deepEqual(removes.map((x) => x.path).sort(), before.files.map((f) => f.path).sort());
  for (const rm of removes) {
    assert.equal(rm.dataChange, true);
    assert.equal(typeof rm.deletionTimestamp, 'number');
    assert.equal(rm.extendedFileMetadata, true);
    assert.ok(typeof rm.size === 'number' && rm.partitionValues);
  }
  const ci = await commitInfoOf(dir, 2);
  assert.equal((ci.operationParameters as Record<string, string>).mode, 'Overwrite');
  assert.equal(ci.isBlindAppend, false);
  assert.equal(ci.readVersion, 1);
  const m = ci.operationMetrics as Record<string, string>;
  assert.equal(m.numRemovedFiles, String(before.files.length));
  assert.equal(m.numOutputRows, '1');
  // Time travel still sees the replaced rows; their files were not deleted.
  assert.deepEqual(ids((await tbl.scan({ version: 1 })).rows), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.equal((await parquetFilesOnDisk(dir)).length, before.files.length + 1);
});

test('replaceWhere on a partition: only that partition is replaced; metrics count deleted rows', async (t) => {
  const dir = await table(t);
  const tbl = await salesTable(dir);
  const r = await tbl.write(`SELECT 100::BIGINT AS id, 'a' AS day, 7::BIGINT AS amount UNION ALL SELECT 101, 'a', 8`, { mode: 'overwrite', replaceWhere: "day = 'a'" });
  assert.equal(r.kind, 'committed');
  assert.deepEqual(ids((await tbl.scan()).rows), [5, 6, 7, 8, 9, 100, 101]);
  const ci = await commitInfoOf(dir, 2);
  assert.deepEqual(ci.operationParameters, { mode: 'Overwrite', partitionBy: '["day"]', predicate: '["day = \'a\'"]' });
  const m = ci.operationMetrics as Record<string, string>;
  assert.equal(m.numDeletedRows, '5');
  assert.equal(m.numCopiedRows, '0');
  assert.equal(m.numRemovedFiles, '1');
  assert.equal(m.numOutputRows, '2');
  const actions = await commitActions(dir, 2);
  const removed = actions.filter((a) => a.remove).map((a) => a.remove);
  assert.deepEqual(removed.map((x) => (x.partitionValues as Record<string, string>).day), ['a']);
});

test('replaceWhere with a data predicate that splits a file: unmatched rows are copied into a new file', async (t) => {
  const dir = await table(t);
  const tbl = await salesTable(dir);
  const r = await tbl.write(`SELECT 200::BIGINT AS id, 'b' AS day, 2::BIGINT AS amount`, { mode: 'overwrite', replaceWhere: 'id >= 7' });
  assert.equal(r.kind, 'committed');
  if (r.kind !== 'committed') return;
  assert.deepEqual(sortRows((await tbl.scan()).rows), sortRows([
    { id: 0, day: 'a', amount: 0 },
    { id: 1, day: 'a', amount: 10 },
    { id: 2, day: 'a', amount: 20 },
    { id: 3, day: 'a', amount: 30 },
    { id: 4, day: 'a', amount: 40 },
    { id: 5, day: 'b', amount: 50 },
    { id: 6, day: 'b', amount: 60 },
    { id: 200, day: 'b', amount: 2 },
  ]));
  assert.equal(r.metrics.numDeletedRows, 3);
  assert.equal(r.metrics.numCopiedRows, 2);
  assert.equal(r.metrics.numRemovedFiles, 1, 'only the day=b file had matching rows');
  const ci = await commitInfoOf(dir, 2);
  const m = ci.operationMetrics as Record<string, string>;
  assert.equal(m.numDeletedRows, '3');
  assert.equal(m.numCopiedRows, '2');
  const actions = await commitActions(dir, 2);
  const adds = actions.filter((a) => a.add).map((a) => a.add);
  assert.equal(adds.length, 2, 'the new data and the copied rows');
  assert.equal(m.numAddedFiles, '2');
  assert.equal(m.numAddedBytes, String(adds.reduce((n, a) => n + (a.size as number), 0)));
  // The copied file carries correct stats for what it holds.
  await validateStats(await tbl.snapshot());
});

test('replaceWhere: data outside the predicate is refused with DELTA_REPLACE_WHERE_MISMATCH, leaving no file and no commit', async (t) => {
  const dir = await table(t);
  const tbl = await salesTable(dir);
  const tree = await listTree(dir);
  await rejectsWith(
    tbl.write(`SELECT 300::BIGINT AS id, 'b' AS day, 1::BIGINT AS amount UNION ALL SELECT 301, 'a', 1`, { mode: 'overwrite', replaceWhere: "day = 'a'" }),
    'DELTA_REPLACE_WHERE_MISMATCH',
    /day = 'a'/,
  );
  assert.deepEqual(await listTree(dir), tree);
  await rejectsWith(tbl.write([{ id: 1, day: 'a', amount: 1 }], { replaceWhere: "day = 'a'" }), 'DELTA_INVALID_ARGUMENT', /replaceWhere/);
  assert.deepEqual(await listTree(dir), tree);
  assert.deepEqual(await commitVersions(dir), [0, 1]);
});

test('errorIfExists fails on an existing table and creates a new one; ignore does nothing on an existing table', async (t) => {
  const dir = await table(t);
  const tbl = await salesTable(dir);
  const tree = await listTree(dir);
  await rejectsWith(tbl.write([{ id: 1, day: 'a', amount: 1 }], { mode: 'errorIfExists' }), 'DELTA_TABLE_ALREADY_EXISTS', /already exists/, /version 1/);
  const ignored = await tbl.write([{ id: 1, day: 'a', amount: 1 }], { mode: 'ignore' });
  assert.deepEqual(ignored, { kind: 'ignored', reason: 'table-exists', version: 1 });
  assert.deepEqual(await listTree(dir), tree, 'neither wrote a file');

  const fresh = DeltaTable.forPath(await table(t));
  const r1 = await fresh.write([{ id: 1 }], { mode: 'errorIfExists' });
  assert.equal(r1.kind === 'committed' && r1.version, 0);
  const other = DeltaTable.forPath(await table(t));
  const r2 = await other.write([{ id: 2 }], { mode: 'ignore' });
  assert.equal(r2.kind === 'committed' && r2.version, 0);
  assert.deepEqual((await other.scan()).rows, [{ id: 2 }]);
});

test('schema mismatch: the error names the column and both types; an unknown column is named; nothing is written', async (t) => {
  const dir = await table(t);
  const tbl = await DeltaTable.create(dir, { schema: { id: 'long', name: 'string', s: { type: 'struct', fields: [{ name: 'x', type: 'integer', nullable: true, metadata: {} }] } } });
  await tbl.write(`SELECT 1::BIGINT AS id, 'a' AS name, {'x': 1} AS s`);
  const tree = await listTree(dir);
  await rejectsWith(tbl.write(`SELECT 2::BIGINT AS id, [1, 2] AS name`), 'DELTA_SCHEMA_MISMATCH', /'name'/, /string/, /array<integer>/);
  await rejectsWith(tbl.write(`SELECT 'text' AS id`), 'DELTA_SCHEMA_MISMATCH', /'id'/, /long/, /string/);
  await rejectsWith(tbl.write(`SELECT 3::BIGINT AS id, {'x': 'not a number'} AS s`), 'DELTA_SCHEMA_MISMATCH', /'s\.x'/, /integer/, /string/);
  await rejectsWith(tbl.write(`SELECT 4::BIGINT AS id, true AS extra`), 'DELTA_SCHEMA_MISMATCH', /'extra'/, /boolean/, /mergeSchema/);
  await rejectsWith(tbl.write(`SELECT 5::BIGINT AS id, {'x': 1, 'y': 2} AS s`), 'DELTA_SCHEMA_MISMATCH', /'s\.y'/);
  // A value that does not fit its column is a mismatch too.
  await rejectsWith(tbl.write([{ id: 'not-a-number', name: 'x' }]), 'DELTA_SCHEMA_MISMATCH');
  assert.deepEqual(await listTree(dir), tree);
  assert.deepEqual(await commitVersions(dir), [0, 1]);
});

test('mergeSchema adds new top-level and nested struct fields; old rows read them as null', async (t) => {
  const dir = await table(t);
  const tbl = DeltaTable.forPath(dir);
  await tbl.write(`SELECT 1::BIGINT AS id, {'a': 1::INTEGER} AS s`);
  const proto = (await tbl.detail()).protocol;
  const r = await tbl.write(`SELECT 2::BIGINT AS id, {'a': 2::INTEGER, 'b': 'x'} AS s, 'new' AS c`, { mergeSchema: true });
  assert.equal(r.kind, 'committed');
  const d = await tbl.detail();
  assert.deepEqual(d.schema, {
    type: 'struct',
    fields: [
      { name: 'id', type: 'long', nullable: true, metadata: {} },
      {
        name: 's',
        type: { type: 'struct', fields: [{ name: 'a', type: 'integer', nullable: true, metadata: {} }, { name: 'b', type: 'string', nullable: true, metadata: {} }] },
        nullable: true,
        metadata: {},
      },
      { name: 'c', type: 'string', nullable: true, metadata: {} },
    ],
  });
  assert.deepEqual(d.protocol, proto, 'new columns need no new protocol');
  assert.deepEqual(sortRows((await tbl.scan()).rows), [
    { id: 1, s: { a: 1, b: null }, c: null },
    { id: 2, s: { a: 2, b: 'x' }, c: 'new' },
  ]);
  const actions = await commitActions(dir, 1);
  assert.ok(actions.some((a) => a.metaData), 'the schema change is in the same commit as the data');
  // Writing data that lacks the new columns still works.
  await tbl.write(`SELECT 3::BIGINT AS id`);
  assert.deepEqual((await tbl.scan({ where: 'id = 3' })).rows, [{ id: 3, s: null, c: null }]);
  // A write that merges nothing does not rewrite the metadata.
  await tbl.write(`SELECT 4::BIGINT AS id, 'y' AS c`, { mergeSchema: true });
  assert.ok(!(await commitActions(dir, 3)).some((a) => a.metaData));
});

test('overwriteSchema replaces schema and partitioning with the data\'s', async (t) => {
  const dir = await table(t);
  const tbl = await salesTable(dir);
  await rejectsWith(tbl.write(`SELECT 'x' AS code`, { mode: 'overwrite' }), 'DELTA_SCHEMA_MISMATCH', /'code'/);
  const r = await tbl.write(`SELECT 'x' AS code, 1::INTEGER AS n`, { mode: 'overwrite', overwriteSchema: true, partitionBy: ['n'] });
  assert.equal(r.kind, 'committed');
  const d = await tbl.detail();
  assert.deepEqual(d.partitionColumns, ['n']);
  assert.deepEqual((d.schema as { fields: { name: string }[] }).fields.map((x) => x.name), ['code', 'n']);
  assert.deepEqual((await tbl.scan()).rows, [{ code: 'x', n: 1 }]);
  assert.deepEqual(ids((await tbl.scan({ version: 1 })).rows), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
});

test('partitionBy that differs from the table\'s is refused naming both', async (t) => {
  const dir = await table(t);
  const tbl = await salesTable(dir);
  await rejectsWith(tbl.write([{ id: 1, day: 'a', amount: 1 }], { partitionBy: ['amount'] }), 'DELTA_SCHEMA_MISMATCH', /\[day\]/, /\[amount\]/);
});
