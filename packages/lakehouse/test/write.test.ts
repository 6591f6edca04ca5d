/**
 * Creating tables and appending to them on a real directory: the protocol a new table gets, what
 * the create and write commits record, exact round trips of rows, SQL, Arrow and Parquet/CSV/JSON
 * files, per-file statistics checked against the files themselves, and partition directories for
 * awkward values.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tableFromArrays } from 'apache-arrow';
import { loadSnapshot, type StructType } from '@loch/delta';
import { withConnection, sqlString } from '@loch/engine-node';
import { DeltaTable, Lakehouse, type Row } from '@loch/lakehouse';
import {
  assertContiguous,
  commitActions,
  commitInfoOf,
  commitVersions,
  dataFilePath,
  exists,
  listTree,
  parquetFilesOnDisk,
  rejectsWith,
  sortRows,
  tempDir,
} from './support/fs-table.js';
import { validateStats } from './support/stats-validator.js';

async function table(t: { after: (fn: () => Promise<void>) => void }, prefix?: string) {
  const { dir, cleanup } = await tempDir(prefix);
  t.after(cleanup);
  return dir;
}

const f = (name: string, type: StructType['fields'][number]['type'], nullable = true, metadata: Record<string, unknown> = {}) => ({ name, type, nullable, metadata });
const p = (name: 'string' | 'long' | 'integer' | 'double' | 'float' | 'boolean' | 'date' | 'timestamp' | 'timestamp_ntz' | 'binary' | 'short' | 'byte') => ({ kind: 'primitive' as const, name });

// ---- create ----------------------------------------------------------------------------------

test('create: a plain table gets protocol (1, 2), its schema, partitioning and properties, at version 0', async (t) => {
  const dir = await table(t);
  const tbl = await DeltaTable.create(dir, {
    schema: { id: 'long not null', day: 'string', amount: 'decimal(10,2)' },
    partitionBy: ['day'],
    configuration: { 'delta.appendOnly': 'false', 'custom.key': 'v' },
    description: 'sales',
  });
  const d = await tbl.detail();
  assert.equal(d.version, 0);
  assert.deepEqual(d.protocol, { minReaderVersion: 1, minWriterVersion: 2 });
  assert.deepEqual(d.partitionColumns, ['day']);
  assert.deepEqual(d.configuration, { 'delta.appendOnly': 'false', 'custom.key': 'v' });
  assert.deepEqual(d.schema, {
    type: 'struct',
    fields: [
      { name: 'id', type: 'long', nullable: false, metadata: {} },
      { name: 'day', type: 'string', nullable: true, metadata: {} },
      { name: 'amount', type: 'decimal(10,2)', nullable: true, metadata: {} },
    ],
  });
  assert.equal(d.numFiles, 0);
  assert.deepEqual(await commitVersions(dir), [0]);
  const actions = await commitActions(dir, 0);
  assert.ok(actions[0].commitInfo, 'commitInfo comes first');
  assert.equal(actions.filter((a) => a.protocol).length, 1);
  assert.equal(actions.filter((a) => a.metaData).length, 1);
  const ci = actions[0].commitInfo;
  assert.equal(ci.operation, 'CREATE TABLE');
  assert.equal(ci.readVersion, undefined);
  assert.equal(ci.engineInfo, 'Loch/0.1.0');
  assert.deepEqual(ci.operationParameters, {
    isManaged: 'false',
    description: 'sales',
    partitionBy: '["day"]',
    properties: '{"delta.appendOnly":"false","custom.key":"v"}',
  });
  const md = actions.find((a) => a.metaData)!.metaData;
  assert.equal(md.description, 'sales');
  assert.deepEqual((md.format as { provider: string }).provider, 'parquet');
  assert.match(String(md.id), /^[0-9a-f-]{36}$/);
  // The empty table scans to no rows.
  assert.deepEqual((await tbl.scan()).rows, []);
});

test('create: a timestamp_ntz column (even nested) needs table features (3, 7) with timestampNtz', async (t) => {
  const top = await DeltaTable.create(await table(t), { schema: { id: 'long', at: 'timestamp_ntz' } });
  const pt = (await top.detail()).protocol;
  assert.equal(pt.minReaderVersion, 3);
  assert.equal(pt.minWriterVersion, 7);
  assert.deepEqual(pt.readerFeatures, ['timestampNtz']);
  assert.ok(pt.writerFeatures?.includes('timestampNtz'));

  const nested = await DeltaTable.create(await table(t), {
    schema: { kind: 'struct', fields: [f('id', p('long')), f('s', { kind: 'struct', fields: [f('at', p('timestamp_ntz'))] })] },
  });
  const pn = (await nested.detail()).protocol;
  assert.deepEqual([pn.minReaderVersion, pn.minWriterVersion], [3, 7]);
  assert.deepEqual(pn.readerFeatures, ['timestampNtz']);

  // A timestamp with time zone is a legacy type.
  const tz = await DeltaTable.create(await table(t), { schema: { id: 'long', at: 'timestamp' } });
  assert.deepEqual((await tz.detail()).protocol, { minReaderVersion: 1, minWriterVersion: 2 });

  // With timestamp_ntz and a CHECK constraint, both are listed as features.
  const both = await DeltaTable.create(await table(t), { schema: { id: 'long', at: 'timestamp_ntz' }, configuration: { 'delta.constraints.pos': 'id > 0' } });
  const pb = (await both.detail()).protocol;
  assert.ok(pb.writerFeatures?.includes('checkConstraints'), JSON.stringify(pb));
  assert.ok(pb.writerFeatures?.includes('timestampNtz'), JSON.stringify(pb));
});

test('create: a CHECK constraint property needs writer version 3', async (t) => {
  const tbl = await DeltaTable.create(await table(t), { schema: { id: 'long', amount: 'double' }, configuration: { 'delta.constraints.positive': 'amount > 0' } });
  assert.deepEqual((await tbl.detail()).protocol, { minReaderVersion: 1, minWriterVersion: 3 });
});

test('create: refuses an existing table (unless ifNotExists), unknown partition columns and duplicate columns', async (t) => {
  const dir = await table(t);
  await DeltaTable.create(dir, { schema: { id: 'long' } });
  await rejectsWith(DeltaTable.create(dir, { schema: { id: 'long' } }), 'DELTA_TABLE_ALREADY_EXISTS', new RegExp(dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  await DeltaTable.create(dir, { schema: { other: 'string' }, ifNotExists: true });
  assert.deepEqual(await commitVersions(dir), [0]);

  const d2 = await table(t);
  await rejectsWith(DeltaTable.create(d2, { schema: { id: 'long' }, partitionBy: ['nope'] }), 'DELTA_COLUMN_NOT_FOUND', /nope/);
  await rejectsWith(DeltaTable.create(d2, { schema: { kind: 'struct', fields: [f('id', p('long')), f('ID', p('long'))] } }), 'DELTA_INVALID_SCHEMA', /ID|id/);
  assert.deepEqual(await commitVersions(d2), [], 'refused creates write no commit');
});

// ---- append round trips ------------------------------------------------------------------------

const ROUND_TRIP_SCHEMA: StructType = {
  kind: 'struct',
  fields: [
    f('id', p('long')),
    f('i', p('integer')),
    f('x', p('double')),
    f('s', p('string')),
    f('flag', p('boolean')),
    f('d', p('date')),
    f('ts', p('timestamp')),
    f('ntz', p('timestamp_ntz')),
    f('dec', { kind: 'decimal', precision: 12, scale: 3 }),
    f('st', { kind: 'struct', fields: [f('a', p('long')), f('b', p('string'))] }),
    f('tags', { kind: 'array', elementType: p('string'), containsNull: true }),
    f('m', { kind: 'map', keyType: p('string'), valueType: p('long'), valueContainsNull: true }),
  ],
};

const ROUND_TRIP_ROWS: Row[] = [
  {
    id: 1,
    i: -5,
    x: 1.25,
    s: 'héllo "quoted" \n line; 日本',
    flag: true,
    d: '2024-02-29',
    ts: '2024-01-01T12:34:56.123456Z',
    ntz: '1969-12-31T23:59:59.999500',
    dec: '-12345.678',
    st: { a: 7, b: 'inner' },
    tags: ['a', null, ''],
    m: { k: 1, j: null },
  },
  { id: 2, i: null, x: null, s: null, flag: null, d: null, ts: null, ntz: null, dec: null, st: null, tags: null, m: null },
  { id: 3, i: 2147483647, x: -0.5, s: '', flag: false, d: '1900-01-01', ts: '1970-01-01T00:00:00.000000Z', ntz: '2262-04-11T23:47:16.854775', dec: '999999999.999', st: { a: null, b: null }, tags: [], m: {} },
];

test('append: JavaScript rows of every kind round-trip exactly through scan', async (t) => {
  const dir = await table(t);
  const tbl = await DeltaTable.create(dir, { schema: ROUND_TRIP_SCHEMA });
  const r = await tbl.write(ROUND_TRIP_ROWS);
  assert.equal(r.kind, 'committed');
  assert.deepEqual(sortRows((await tbl.scan()).rows), sortRows(ROUND_TRIP_ROWS));
  await validateStats(await tbl.snapshot());
});

test('append: SQL, Arrow and Parquet/CSV/JSON files append what they hold, exactly', async (t) => {
  const dir = await table(t);
  const src = await table(t, 'loch-src-');
  const tbl = await DeltaTable.create(dir, { schema: { id: 'long', name: 'string', v: 'double' } });
  await tbl.write(`SELECT i::BIGINT AS id, 'sql-' || i AS name, i / 4 AS v FROM range(3) t(i)`);
  await tbl.write(tableFromArrays({ id: BigInt64Array.from([10n, 11n, 12n]), name: ['arrow', null, 'ärrow'], v: Float64Array.from([1.5, -2.25, 1e300]) }));
  const pq = join(src, 'in.parquet');
  await withConnection((c) => c.run(`COPY (SELECT 20::BIGINT AS id, 'parquet' AS name, 0.125::DOUBLE AS v UNION ALL SELECT 21, NULL, NULL) TO ${sqlString(pq)} (FORMAT parquet)`));
  await tbl.write({ path: pq });
  await writeFile(join(src, 'in.csv'), 'id,name,v\n30,csv,3.5\n31,"with, comma",-1\n');
  await tbl.write({ path: join(src, 'in.csv') });
  await writeFile(join(src, 'in.json'), '{"id":40,"name":"json","v":0.5}\n{"id":41,"name":null,"v":null}\n');
  await tbl.write({ path: join(src, 'in.json') });
  // Columns in another order and a subset of the columns: by name, missing ones null.
  await tbl.write(`SELECT 'reordered' AS name, 50::BIGINT AS id`);
  const expected: Row[] = [
    { id: 0, name: 'sql-0', v: 0 },
    { id: 1, name: 'sql-1', v: 0.25 },
    { id: 2, name: 'sql-2', v: 0.5 },
    { id: 10, name: 'arrow', v: 1.5 },
    { id: 11, name: null, v: -2.25 },
    { id: 12, name: 'ärrow', v: 1e300 },
    { id: 20, name: 'parquet', v: 0.125 },
    { id: 21, name: null, v: null },
    { id: 30, name: 'csv', v: 3.5 },
    { id: 31, name: 'with, comma', v: -1 },
    { id: 40, name: 'json', v: 0.5 },
    { id: 41, name: null, v: null },
    { id: 50, name: 'reordered', v: null },
  ];
  assert.deepEqual(sortRows((await tbl.scan()).rows), sortRows(expected));
  assertContiguous(await commitVersions(dir));
  assert.deepEqual(await commitVersions(dir), [0, 1, 2, 3, 4, 5, 6]);
  // The source files were read, not moved into the table.
  assert.ok(await exists(pq));
  const snap = await tbl.snapshot();
  for (const a of snap.files) assert.ok(!a.path.includes('in.parquet'));
  await validateStats(snap);
});

test('append: a write that creates the table takes the data schema, partitioning and properties', async (t) => {
  const dir = await table(t);
  const tbl = DeltaTable.forPath(dir);
  const r = await tbl.write(tableFromArrays({ id: Int32Array.from([1, 2]), name: ['a', 'b'] }), { partitionBy: ['name'], configuration: { 'k': 'v' } });
  assert.equal(r.kind === 'committed' && r.version, 0);
  const d = await tbl.detail();
  assert.deepEqual(d.partitionColumns, ['name']);
  assert.deepEqual(d.configuration, { k: 'v' });
  const fields = (d.schema as { fields: { name: string; type: string }[] }).fields;
  assert.deepEqual(fields.map((x) => x.name), ['id', 'name']);
  assert.ok(['integer', 'long'].includes(fields[0].type), fields[0].type);
  assert.equal(fields[1].type, 'string');
  const actions = await commitActions(dir, 0);
  assert.ok(actions.some((a) => a.protocol) && actions.some((a) => a.metaData) && actions.some((a) => a.add));
  assert.deepEqual(sortRows((await tbl.scan()).rows), [{ id: 1, name: 'a' }, { id: 2, name: 'b' }]);
});

test('append: commitInfo of a write names the mode and counts files, rows and bytes exactly', async (t) => {
  const dir = await table(t);
  const tbl = await DeltaTable.create(dir, { schema: { id: 'long', day: 'string' }, partitionBy: ['day'] });
  const r = await tbl.write(`SELECT i::BIGINT AS id, 'd' || (i % 3) AS day FROM range(30) t(i)`, { userMetadata: 'batch-7' });
  assert.equal(r.kind, 'committed');
  const ci = await commitInfoOf(dir, 1);
  const adds = (await commitActions(dir, 1)).filter((a) => a.add).map((a) => a.add);
  assert.equal(ci.operation, 'WRITE');
  assert.deepEqual(ci.operationParameters, { mode: 'Append', partitionBy: '["day"]' });
  assert.equal(ci.readVersion, 0);
  assert.equal(ci.isolationLevel, 'WriteSerializable');
  assert.equal(ci.isBlindAppend, true);
  assert.equal(ci.userMetadata, 'batch-7');
  assert.equal(ci.engineInfo, 'Loch/0.1.0');
  assert.equal(typeof ci.txnId, 'string');
  const m = ci.operationMetrics as Record<string, string>;
  assert.equal(m.numFiles, String(adds.length));
  assert.equal(adds.length, 3);
  assert.equal(m.numOutputRows, '30');
  assert.equal(m.numOutputBytes, String(adds.reduce((n, a) => n + (a.size as number), 0)));
  for (const v of Object.values(m)) assert.equal(typeof v, 'string');
  for (const a of adds) {
    assert.equal(a.dataChange, true);
    assert.equal(typeof a.modificationTime, 'number');
    assert.ok(await exists(dataFilePath((await tbl.location()), a.path as string)), `${String(a.path)} exists`);
  }
  // history reads the same.
  const [h] = await tbl.history(1);
  assert.equal(h.version, 1);
  assert.equal(h.operation, 'WRITE');
  assert.equal(h.userMetadata, 'batch-7');
});

test('append: an idempotent write with an already-committed (appId, version) is skipped and writes nothing', async (t) => {
  const dir = await table(t);
  const tbl = await DeltaTable.create(dir, { schema: { id: 'long' } });
  const first = await tbl.write([{ id: 1 }], { txn: { appId: 'loader', version: 5 } });
  assert.equal(first.kind, 'committed');
  const filesBefore = await parquetFilesOnDisk(dir);
  for (const v of [5, 4]) {
    const again = await tbl.write([{ id: 2 }], { txn: { appId: 'loader', version: v } });
    assert.deepEqual(again, { kind: 'skipped', reason: 'txn-already-committed', appId: 'loader', committedVersion: 5 });
  }
  assert.deepEqual(await parquetFilesOnDisk(dir), filesBefore, 'a skipped write leaves no data file');
  assert.deepEqual(await commitVersions(dir), [0, 1]);
  const next = await tbl.write([{ id: 3 }], { txn: { appId: 'loader', version: 6 } });
  assert.equal(next.kind, 'committed');
  const txns = (await commitActions(dir, 2)).filter((a) => a.txn).map((a) => a.txn);
  assert.equal(txns.length, 1);
  assert.equal(txns[0].appId, 'loader');
  assert.equal(txns[0].version, 6);
  assert.deepEqual(sortRows((await tbl.scan()).rows), [{ id: 1 }, { id: 3 }]);
});

// ---- statistics ---------------------------------------------------------------------------------

test('stats: numRecords, exact nullCount and tight min/max for every indexed column of every file', async (t) => {
  const dir = await table(t);
  const tbl = await DeltaTable.create(dir, {
    schema: {
      kind: 'struct',
      fields: [
        f('id', p('long')),
        f('small', p('short')),
        f('tiny', p('byte')),
        f('i', p('integer')),
        f('x', p('double')),
        f('fl', p('float')),
        f('s', p('string')),
        f('long_s', p('string')),
        f('flag', p('boolean')),
        f('bin', p('binary')),
        f('d', p('date')),
        f('ts', p('timestamp')),
        f('ntz', p('timestamp_ntz')),
        f('dec', { kind: 'decimal', precision: 20, scale: 4 }),
        f('nest', { kind: 'struct', fields: [f('a', p('long')), f('deeper', { kind: 'struct', fields: [f('z', p('string'))] })] }),
        f('arr', { kind: 'array', elementType: p('long'), containsNull: true }),
        f('grp', p('string')),
      ],
    },
    partitionBy: ['grp'],
  });
  // Several files per partition (a small target size), values with microseconds on both sides of
  // the epoch, long and multi-byte strings, nulls everywhere.
  await tbl.write(
    `SELECT
       CASE WHEN i % 11 = 0 THEN NULL ELSE i * 37 - 500 END::BIGINT AS id,
       (i % 300 - 150)::SMALLINT AS small,
       (i % 200 - 100)::TINYINT AS tiny,
       CASE WHEN i % 13 = 0 THEN NULL ELSE (i * 7919) % 100003 - 50000 END::INTEGER AS i,
       CASE WHEN i % 17 = 0 THEN NULL ELSE (i * 1.37) - 700.5 END::DOUBLE AS x,
       ((i % 100) / 3.0)::FLOAT AS fl,
       CASE WHEN i % 5 = 0 THEN NULL ELSE 'k' || lpad(((i * 31) % 997)::VARCHAR, 4, '0') END AS s,
       CASE WHEN i % 7 = 0 THEN NULL ELSE repeat('é', 20) || 'ü' || repeat('x', 15) || ((i * 13) % 101)::VARCHAR END AS long_s,
       i % 2 = 0 AS flag,
       encode('b' || i::VARCHAR) AS bin,
       (DATE '1969-12-25' + (i % 40)::INTEGER) AS d,
       (TIMESTAMPTZ '1969-12-31 23:59:59+00' + to_microseconds(i * 1234567 + 1)) AS ts,
       CASE WHEN i % 3 = 0 THEN NULL ELSE TIMESTAMP '1969-12-31 23:59:59.9995' + to_microseconds(i * 333 - 2000) END AS ntz,
       ((i * 12345.6789) - 1000000)::DECIMAL(20,4) AS dec,
       CASE WHEN i % 19 = 0 THEN NULL ELSE {'a': CASE WHEN i % 4 = 0 THEN NULL ELSE i END, 'deeper': {'z': 'z' || (i % 10)::VARCHAR}} END AS nest,
       [i, NULL] AS arr,
       'g' || (i % 3)::VARCHAR AS grp
     FROM range(3000) t(i)`,
  );
  const snap = await tbl.snapshot();
  assert.ok(snap.files.length >= 3);
  const report = await validateStats(snap);
  assert.equal(report.files, snap.files.length);
  assert.ok(report.columnsChecked >= snap.files.length * 15, JSON.stringify(report));
  // Long strings are truncated to 32 characters; the max carries the tie breaker.
  const stats = JSON.parse(snap.files[0].stats!) as { minValues: Record<string, unknown>; maxValues: Record<string, unknown> };
  assert.equal(Array.from(stats.minValues.long_s as string).length, 32);
  assert.ok((stats.maxValues.long_s as string).endsWith('\uffff'));
  assert.equal(stats.minValues.flag, undefined, 'booleans get only null counts');
  assert.equal(stats.minValues.bin, undefined, 'binaries get only null counts');

});

test('stats: a write split into many small files gives each file the stats of its own rows', async (t) => {
  const dir = await table(t);
  const tbl = await DeltaTable.create(dir, { schema: { id: 'long', s: 'string', ts: 'timestamp' } });
  await tbl.write(
    `SELECT i::BIGINT AS id, md5(i::VARCHAR) AS s, TIMESTAMPTZ '2020-01-01 00:00:00+00' + to_microseconds(i * 7777) AS ts FROM range(300000) t(i)`,
    { targetFileSize: 64 * 1024 },
  );
  const snap = await tbl.snapshot();
  assert.ok(snap.files.length > 1, `expected several files, got ${snap.files.length}`);
  await validateStats(snap);
  const total = snap.files.reduce((n, a) => n + (JSON.parse(a.stats!) as { numRecords: number }).numRecords, 0);
  assert.equal(total, 300000);
});

test('stats: a column holding NaN gets no min/max that would exclude it; all-null columns get only nullCount', async (t) => {
  const dir = await table(t);
  const tbl = await DeltaTable.create(dir, { schema: { id: 'long', x: 'double', empty: 'string' } });
  await tbl.write(`SELECT i::BIGINT AS id, CASE WHEN i = 3 THEN 'NaN'::DOUBLE ELSE i::DOUBLE END AS x, NULL::VARCHAR AS empty FROM range(10) t(i)`);
  const snap = await tbl.snapshot();
  await validateStats(snap);
  const s = JSON.parse(snap.files[0].stats!) as { minValues?: Record<string, unknown>; maxValues?: Record<string, unknown>; nullCount: Record<string, number> };
  assert.equal(s.nullCount.empty, 10);
  assert.equal(s.minValues?.empty, undefined);
  // With NaN in the file, a max of 9 would let a reader skip the file for `x > 100` or `isnan(x)`.
  assert.equal(s.maxValues?.x, undefined);
  const rows = (await tbl.scan({ where: 'isnan(x)' })).rows;
  assert.deepEqual(rows.map((r) => r.id), [3]);
});

test('stats: delta.dataSkippingNumIndexedCols limits which leaf columns are indexed', async (t) => {
  const dir = await table(t);
  const tbl = await DeltaTable.create(dir, {
    schema: { kind: 'struct', fields: [f('a', p('long')), f('n', { kind: 'struct', fields: [f('b', p('long')), f('c', p('long'))] }), f('d', p('long'))] },
    configuration: { 'delta.dataSkippingNumIndexedCols': '2' },
  });
  await tbl.write(`SELECT i AS a, {'b': i * 2, 'c': i * 3} AS n, i * 4 AS d FROM range(5) t(i)`);
  const snap = await tbl.snapshot();
  await validateStats(snap, snap.files, { indexed: ['a', 'n.b'] });
});

// ---- partition values ---------------------------------------------------------------------------

test('partitions: awkward string values round-trip; add paths are URI-escaped; empty and null are the null partition', async (t) => {
  const dir = await table(t);
  const tbl = await DeltaTable.create(dir, { schema: { id: 'long', p: 'string' }, partitionBy: ['p'] });
  const values: (string | null)[] = ['a b', 'x/y', 'k=v', '50%', '%20', 'c:d', 'ünï🙂', "q'uote", '#hash', '?q', 'tab\there', '{br}[x]', 'plain', '', null, '__HIVE_DEFAULT_PARTITION__x'];
  const rows = values.map((v, i) => ({ id: i, p: v }));
  await tbl.write(rows);
  const expectedRows = rows.map((r) => ({ id: r.id, p: r.p === '' ? null : r.p }));
  assert.deepEqual(sortRows((await tbl.scan()).rows), sortRows(expectedRows));

  const snap = await tbl.snapshot();
  const byValue = new Map<string | null, string[]>();
  for (const a of snap.files) {
    // Only URI-safe characters in the path: everything else escaped.
    assert.match(a.path, /^[A-Za-z0-9\-_.~!*'()%=/]+$/, `unescaped character in ${a.path}`);
    const local = dataFilePath(snap.tableRoot, a.path);
    assert.ok(await exists(local), `${a.path} does not name a file on disk (${local})`);
    const v = a.partitionValues.p;
    byValue.set(v, [...(byValue.get(v) ?? []), a.path]);
  }
  // Each non-null value its own partition; '' and null share the default partition.
  for (const v of values) if (v !== null && v !== '') assert.equal(byValue.get(v)?.length, 1, `partition ${JSON.stringify(v)}`);
  assert.equal(byValue.get(null)?.length, 1, 'empty string and null land in one null partition');
  assert.ok(byValue.get(null)![0].startsWith('p=__HIVE_DEFAULT_PARTITION__/'), byValue.get(null)![0]);
  assert.equal(byValue.has(''), false);
  // Scans filtered on the partition value find exactly their rows.
  for (const [i, v] of values.entries()) {
    if (v === null || v === '') continue;
    const got = (await tbl.scan({ where: `p = ${sqlString(v)}` })).rows;
    assert.deepEqual(got, [{ id: i, p: v }], `where p = ${v}`);
  }
  assert.deepEqual(sortRows((await tbl.scan({ where: 'p IS NULL' })).rows).map((r) => r.id), [13, 14]);
  // A reader that knows nothing about this writer agrees: a fresh engine-level snapshot.
  const fresh = await loadSnapshot(tbl.engine, (await tbl.location()));
  assert.deepEqual(fresh.files.map((a) => a.path).sort(), snap.files.map((a) => a.path).sort());
  await validateStats(snap);
});

test('partitions: typed partition columns (int, date, timestamp, boolean, decimal) serialize as Delta strings and round-trip', async (t) => {
  const dir = await table(t);
  const tbl = await DeltaTable.create(dir, {
    schema: { id: 'long', n: 'integer', d: 'date', ts: 'timestamp', b: 'boolean', dec: 'decimal(6,2)' },
    partitionBy: ['n', 'd', 'ts', 'b', 'dec'],
  });
  const rows: Row[] = [
    { id: 1, n: -3, d: '2024-02-29', ts: '2024-01-02T03:04:05.123456Z', b: true, dec: '12.50' },
    { id: 2, n: null, d: null, ts: null, b: null, dec: null },
    { id: 3, n: 0, d: '1969-07-20', ts: '1970-01-01T00:00:00.000000Z', b: false, dec: '-0.01' },
  ];
  await tbl.write(rows);
  assert.deepEqual(sortRows((await tbl.scan()).rows), sortRows(rows));
  const snap = await tbl.snapshot();
  const pv = snap.files.map((a) => a.partitionValues).sort((x, y) => String(x.n).localeCompare(String(y.n)));
  assert.deepEqual(
    pv.find((x) => x.n === '-3'),
    { n: '-3', d: '2024-02-29', ts: '2024-01-02 03:04:05.123456', b: 'true', dec: '12.50' },
  );
  assert.deepEqual(pv.find((x) => x.n === null), { n: null, d: null, ts: null, b: null, dec: null });
  assert.match(pv.find((x) => x.n === '0')?.ts ?? '', /^1970-01-01 00:00:00(\.0+)?$/);
  for (const a of snap.files) assert.ok(await exists(dataFilePath(snap.tableRoot, a.path)));
});

test('a write leaves only its own files: nothing under _delta_log but commits, no temporary files', async (t) => {
  const dir = await table(t);
  const tbl = await DeltaTable.create(dir, { schema: { id: 'long', day: 'string' }, partitionBy: ['day'] });
  await tbl.write(`SELECT i::BIGINT AS id, 'd' || (i % 4) AS day FROM range(100) t(i)`);
  const tree = await listTree(dir);
  const log = tree.filter((x) => x.startsWith('_delta_log/'));
  assert.deepEqual(log, ['_delta_log/00000000000000000000.json', '_delta_log/00000000000000000001.json']);
  const onDisk = await parquetFilesOnDisk(dir);
  const inLog = (await tbl.snapshot()).files.map((a) => decodeURIComponent(a.path)).sort();
  assert.deepEqual(onDisk, inLog);
});

test('append: map values keep exactly their own keys, whatever keys other rows have', async (t) => {
  const dir = await table(t);
  const tbl = await DeltaTable.create(dir, {
    schema: {
      kind: 'struct',
      fields: [
        f('id', p('long')),
        f('m', { kind: 'map', keyType: p('string'), valueType: p('long'), valueContainsNull: true }),
        f('nested', { kind: 'struct', fields: [f('mm', { kind: 'map', keyType: p('string'), valueType: p('string'), valueContainsNull: true })] }),
      ],
    },
  });
  const rows: Row[] = [
    { id: 1, m: { a: 1 }, nested: { mm: { x: 'y' } } },
    { id: 2, m: { b: 2, c: null }, nested: { mm: {} } },
    { id: 3, m: {}, nested: null },
    { id: 4, m: null, nested: { mm: null } },
  ];
  await tbl.write(rows);
  assert.deepEqual(sortRows((await tbl.scan()).rows), sortRows(rows));
});

test('NDJSON text is written as the same row objects would be: same schema, exact big integers, maps kept as maps, errors coded', async (t) => {
  const dir = await table(t);
  const rows = [{ id: 1, at: '2026-12-07T07:00:00Z', kind: 'play' }, { id: 2, at: '2026-12-07T08:00:00Z', kind: null, extra: 1.5 }];
  const lines = DeltaTable.forPath(join(dir, 'lines'));
  const objects = DeltaTable.forPath(join(dir, 'objects'));
  const r = await lines.write({ ndjson: Buffer.from(rows.map((x) => JSON.stringify(x)).join('\n') + '\n') });
  assert.equal(r.kind === 'committed' && r.metrics.numOutputRows, 2);
  await objects.write(rows);
  assert.deepEqual((await lines.detail()).schema, (await objects.detail()).schema);
  assert.deepEqual(sortRows([...(await lines.scan()).rows]), sortRows([...(await objects.scan()).rows]));
  await lines.write({ ndjson: '{"id": 9007199254740993, "at": null}' });
  assert.ok((await lines.scan({ where: 'id > 9007199254740992' })).rows.some((x) => String(x.id) === '9007199254740993'));
  await rejectsWith(lines.write({ ndjson: '{"id": "x"}\n' }), 'DELTA_SCHEMA_MISMATCH', /id/);
  await rejectsWith(lines.write({ ndjson: '{"id": 1}\n[1]\n' }), 'DELTA_SCHEMA_MISMATCH', /cannot read the rows/);
  await rejectsWith(lines.write({ ndjson: ' \n' }), 'DELTA_INVALID_ARGUMENT', /empty/);
  // A map column travels as JSON text (see prepareSource): those lines are parsed as rows.
  const lake = Lakehouse.open(join(dir, 'lake'));
  await lake.sql('CREATE TABLE maps (id BIGINT, m MAP<STRING, BIGINT>) USING DELTA; CREATE TABLE maps2 (id BIGINT, m MAP<STRING, BIGINT>) USING DELTA');
  await lake.table('maps').write({ ndjson: '{"id": 1, "m": {"a": 1}}\n{"id": 2, "m": {"b": 2}}' });
  await lake.table('maps2').write([{ id: 1, m: { a: 1 } }, { id: 2, m: { b: 2 } }]);
  assert.deepEqual(sortRows([...(await lake.table('maps').scan()).rows]), sortRows([...(await lake.table('maps2').scan()).rows]));
});
