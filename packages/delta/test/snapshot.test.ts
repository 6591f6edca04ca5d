/// <reference types="node" />
/** Snapshot state: protocol/metadata, files, txns and domains reconciled across commits. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadLogState, loadSnapshot } from '../src/snapshot/builder.js';
import { snapshotSize, findField } from '../src/snapshot/snapshot.js';
import {
  add,
  commitInfo,
  createTable,
  domain,
  fileNames,
  linearCheckpointActions,
  linearTable,
  memTable,
  metaData,
  protocol,
  rejectsWith,
  remove,
  txn,
  writeClassicCheckpoint,
  writeCommit,
} from './support/mem-table.js';

test('a table without a protocol action fails with DELTA_MISSING_PROTOCOL', async () => {
  const t = memTable('mem:///noproto/');
  await writeCommit(t, 0, [commitInfo('CREATE'), metaData()]);
  await writeCommit(t, 1, [add('a.parquet')]);
  await rejectsWith(loadSnapshot(t.engine, t.root), 'DELTA_MISSING_PROTOCOL', /noproto/, /version 1/);
  // The log-level view still works.
  const ls = await loadLogState(t.engine, t.root);
  assert.equal(ls.state.protocol, undefined);
  assert.deepEqual(fileNames(ls.state.files), ['a.parquet']);
});

test('a table without a metaData action fails with DELTA_MISSING_METADATA', async () => {
  const t = memTable('mem:///nometa/');
  await writeCommit(t, 0, [commitInfo('CREATE'), protocol()]);
  await rejectsWith(loadSnapshot(t.engine, t.root), 'DELTA_MISSING_METADATA', /nometa/, /version 0/);
});

test('metaData without a usable schemaString fails with DELTA_INVALID_SCHEMA', async () => {
  const t = memTable();
  await writeCommit(t, 0, [protocol(), { metaData: { id: 'x', format: { provider: 'parquet' }, partitionColumns: [], configuration: {} } }]);
  await rejectsWith(loadSnapshot(t.engine, t.root), 'DELTA_INVALID_SCHEMA', /schemaString/);
  const u = memTable();
  await writeCommit(u, 0, [protocol(), { metaData: { id: 'x', format: { provider: 'parquet' }, schemaString: '{not json', partitionColumns: [] } }]);
  await rejectsWith(loadSnapshot(u.engine, u.root), 'DELTA_INVALID_SCHEMA');
});

test('the latest protocol and metadata win', async () => {
  const t = memTable();
  await createTable(t);
  await writeCommit(t, 1, [add('a.parquet')]);
  await writeCommit(t, 2, [
    metaData({ id: 'table-id', fields: [{ name: 'id', type: 'long' }, { name: 'part', type: 'string' }, { name: 'extra', type: 'double' }], configuration: { 'delta.appendOnly': 'true' } }),
  ]);
  await writeCommit(t, 3, [protocol(1, 4)]);
  await writeCommit(t, 4, [add('b.parquet')]);
  const s = await loadSnapshot(t.engine, t.root);
  assert.equal(s.protocol.minWriterVersion, 4);
  assert.deepEqual(s.schema.fields.map((f) => f.name), ['id', 'part', 'extra']);
  assert.deepEqual(s.metadata.configuration, { 'delta.appendOnly': 'true' });
  assert.ok(findField(s.schema, 'EXTRA'), 'findField is case-insensitive');
  // Time travel sees the older ones.
  const s1 = await loadSnapshot(t.engine, t.root, { version: 1 });
  assert.equal(s1.protocol.minWriterVersion, 2);
  assert.deepEqual(s1.schema.fields.map((f) => f.name), ['id', 'part']);
  const s2 = await loadSnapshot(t.engine, t.root, { version: 2 });
  assert.equal(s2.protocol.minWriterVersion, 2);
  assert.equal(s2.schema.fields.length, 3);
});

test('metaData defaults: missing partitionColumns and configuration become empty', async () => {
  const t = memTable();
  await writeCommit(t, 0, [
    protocol(),
    { metaData: { id: 'x', format: { provider: 'parquet' }, schemaString: '{"type":"struct","fields":[]}' } },
  ]);
  const s = await loadSnapshot(t.engine, t.root);
  assert.deepEqual(s.partitionColumns, []);
  assert.deepEqual(s.metadata.configuration, {});
  assert.equal(s.columnMapping, 'none');
});

test('files: adds, removes, re-adds across commits', async () => {
  const t = memTable();
  await createTable(t, [add('a.parquet', { size: 10 }), add('b.parquet', { size: 20 })]);
  await writeCommit(t, 1, [remove('a.parquet'), add('c.parquet', { size: 30 })]);
  await writeCommit(t, 2, [add('a.parquet', { size: 11 })]); // re-added
  await writeCommit(t, 3, [remove('b.parquet')]);
  const s = await loadSnapshot(t.engine, t.root);
  assert.deepEqual(fileNames(s.files), ['a.parquet', 'c.parquet']);
  assert.equal(s.files.find((f) => f.path === 'a.parquet')?.size, 11, 'the newest add wins');
  assert.deepEqual(s.tombstones.map((r) => r.path), ['b.parquet']);
  assert.deepEqual(snapshotSize(s), { numFiles: 2, sizeInBytes: 41 });
  const s1 = await loadSnapshot(t.engine, t.root, { version: 1 });
  assert.deepEqual(fileNames(s1.files), ['b.parquet', 'c.parquet']);
  assert.deepEqual(s1.tombstones.map((r) => r.path), ['a.parquet']);
});

test('files: the same file named in different path forms is one file', async () => {
  const t = memTable('file:///data/my%20table/');
  await createTable(t, [add('part%3D1/a%20b.parquet'), add('c.parquet')]);
  // Removed by absolute URL (both file URL spellings) and by escaped/unescaped relative path.
  await writeCommit(t, 1, [remove('file:///data/my%20table/part%3D1/a%20b.parquet')]);
  let s = await loadSnapshot(t.engine, t.root);
  assert.deepEqual(fileNames(s.files), ['c.parquet']);
  await writeCommit(t, 2, [add('file:/data/my%20table/d.parquet')]);
  await writeCommit(t, 3, [remove('d.parquet')]);
  s = await loadSnapshot(t.engine, t.root);
  assert.deepEqual(fileNames(s.files), ['c.parquet']);
  // Files with different names stay apart.
  await writeCommit(t, 4, [add('x%2520y.parquet'), add('x%20y.parquet')]);
  s = await loadSnapshot(t.engine, t.root);
  assert.equal(s.files.length, 3);
});

test('txn: the latest version per application wins', async () => {
  const t = memTable();
  await createTable(t, [txn('app-a', 1)]);
  await writeCommit(t, 1, [txn('app-b', 10), add('x.parquet')]);
  await writeCommit(t, 2, [txn('app-a', 2)]);
  await writeCommit(t, 3, [txn('app-a', 3), txn('app-c', 0)]);
  const s = await loadSnapshot(t.engine, t.root);
  assert.deepEqual(
    [...s.txns.entries()].map(([k, v]) => [k, v.version]).sort(),
    [
      ['app-a', 3],
      ['app-b', 10],
      ['app-c', 0],
    ],
  );
  const s2 = await loadSnapshot(t.engine, t.root, { version: 2 });
  assert.equal(s2.txns.get('app-a')?.version, 2);
  assert.equal(s2.txns.has('app-c'), false);
});

test('txn versions written as strings (some writers do) come back as numbers', async () => {
  const t = memTable();
  await createTable(t, [{ txn: { appId: 'app', version: '7' } }]);
  const s = await loadSnapshot(t.engine, t.root);
  assert.equal(s.txns.get('app')?.version, 7);
});

test('domainMetadata: latest per domain wins, and a removed domain disappears', async () => {
  const t = memTable();
  await createTable(t, [domain('delta.clustering', '{"clusteringColumns":[["id"]]}'), domain('user.a', '{"v":1}')]);
  await writeCommit(t, 1, [domain('user.a', '{"v":2}'), domain('user.b', '{"v":1}')]);
  await writeCommit(t, 2, [domain('user.b', '{"v":1}', true)]);
  let s = await loadSnapshot(t.engine, t.root);
  assert.deepEqual([...s.domains.keys()].sort(), ['delta.clustering', 'user.a']);
  assert.equal(s.domains.get('user.a')?.configuration, '{"v":2}');
  const s1 = await loadSnapshot(t.engine, t.root, { version: 1 });
  assert.deepEqual([...s1.domains.keys()].sort(), ['delta.clustering', 'user.a', 'user.b']);
  // Re-adding a removed domain brings it back.
  await writeCommit(t, 3, [domain('user.b', '{"v":3}')]);
  s = await loadSnapshot(t.engine, t.root);
  assert.equal(s.domains.get('user.b')?.configuration, '{"v":3}');
});

test('cdc and unknown actions are ignored by replay', async () => {
  const t = memTable();
  await createTable(t);
  await writeCommit(t, 1, [
    { cdc: { path: '_change_data/x.parquet', partitionValues: {}, size: 1, dataChange: false } },
    { someFutureAction: { a: 1 } },
    add('a.parquet'),
  ]);
  const s = await loadSnapshot(t.engine, t.root);
  assert.deepEqual(fileNames(s.files), ['a.parquet']);
});

test('loadLogState gives the commits newest first', async () => {
  const t = memTable();
  await createTable(t);
  await writeCommit(t, 1, [commitInfo('ONE'), add('a.parquet')]);
  await writeCommit(t, 2, [commitInfo('TWO'), add('b.parquet')]);
  const ls = await loadLogState(t.engine, t.root);
  assert.deepEqual(ls.commitsNewestFirst.map((c) => c.commitInfo?.operation), ['TWO', 'ONE', 'CREATE TABLE']);
  assert.equal(ls.state.latestCommitInfo?.operation, 'TWO');
  await rejectsWith(loadLogState(t.engine, t.root, { version: 1, timestamp: 0 }), 'DELTA_INVALID_ARGUMENT');
});

test('snapshots are reused while the log is unchanged, and rebuilt when it changes', async () => {
  const t = memTable('mem:///cached/');
  await createTable(t);
  await writeCommit(t, 1, [add('a.parquet')]);
  const first = await loadSnapshot(t.engine, t.root);
  assert.equal(await loadSnapshot(t.engine, t.root), first, 'same log files, same snapshot');
  // Time travel has entries of its own and does not evict the latest.
  const v0 = await loadSnapshot(t.engine, t.root, { version: 0 });
  assert.equal(v0.files.length, 0);
  assert.equal(await loadSnapshot(t.engine, t.root), first);
  // A new commit: a new snapshot with it.
  await writeCommit(t, 2, [add('b.parquet')]);
  const second = await loadSnapshot(t.engine, t.root);
  assert.notEqual(second, first);
  assert.deepEqual(fileNames(second.files), ['a.parquet', 'b.parquet']);
  // A commit file replaced behind our back (not something Delta does, but a restore from backup
  // could): its size differs, so the log is read again.
  await t.storage.put(`${t.root}_delta_log/00000000000000000002.json`, new TextEncoder().encode(`${JSON.stringify(add('c.parquet'))}\n${JSON.stringify(add('d.parquet'))}\n`));
  assert.deepEqual(fileNames((await loadSnapshot(t.engine, t.root)).files), ['a.parquet', 'c.parquet', 'd.parquet']);
  // Another engine builds its own.
  const other = memTable('mem:///cached/');
  await createTable(other);
  await writeCommit(other, 1, [add('z.parquet')]);
  assert.deepEqual(fileNames((await loadSnapshot(other.engine, other.root)).files), ['z.parquet']);
});

test('the latest version again: one listing from the version read last, newer commits and checkpoints found, a table made again seen as new', async () => {
  const t = memTable('mem:///latest/');
  await linearTable(t, 3);
  const lists: (string | undefined)[] = [];
  const reads: string[] = [];
  const storage = new Proxy(t.storage, {
    get(target, prop) {
      if (prop === 'list') return (dir: string, from?: string) => (lists.push(from), target.list(dir, from));
      if (prop === 'read') return (path: string) => (reads.push(path), target.read(path));
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  const engine = { ...t.engine, storage };
  const first = await loadSnapshot(engine, t.root);
  lists.length = 0;
  reads.length = 0;
  assert.equal(await loadSnapshot(engine, t.root), first, 'unchanged: the same snapshot');
  assert.deepEqual(lists, ['00000000000000000002'], 'one listing, from the version read last');
  assert.deepEqual(reads, [], 'no _last_checkpoint, no commit read');

  // Newer commits and a checkpoint among them: found from that one listing.
  await writeCommit(t, 3, [add('f3.parquet')]);
  await writeClassicCheckpoint(t, 3, linearCheckpointActions(3));
  await writeCommit(t, 4, [remove('f1.parquet')]);
  lists.length = 0;
  const later = await loadSnapshot(engine, t.root);
  assert.deepEqual(lists, ['00000000000000000002']);
  assert.equal(later.version, 4);
  assert.equal(later.segment.checkpoint?.version, 3);
  assert.deepEqual(fileNames(later.files), ['f2.parquet', 'f3.parquet']);
  assert.deepEqual(fileNames((await loadSnapshot(engine, t.root)).files), ['f2.parquet', 'f3.parquet']);

  // The table dropped and made again with as many versions: its files differ, so it is read anew.
  await t.storage.deletePrefix(t.root);
  await linearTable(t, 5, { baseTime: 9_000_000 });
  const again = await loadSnapshot(engine, t.root);
  assert.equal(again.version, 4);
  assert.deepEqual(fileNames(again.files), ['f1.parquet', 'f2.parquet', 'f3.parquet', 'f4.parquet']);
  // Dropped for good: not found, not the snapshot from before.
  await t.storage.deletePrefix(t.root);
  await rejectsWith(loadSnapshot(engine, t.root), 'DELTA_TABLE_NOT_FOUND');
});
