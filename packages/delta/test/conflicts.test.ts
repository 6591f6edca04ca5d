/// <reference types="node" />
/**
 * Conflict detection between two transactions that read the same version: the second to commit
 * meets the first's commit and either retries (no conflict) or fails with the code of Delta's
 * rule that applies, in a message naming the table and what clashed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DeltaError,
  MemoryStorage,
  Transaction,
  defaultJsonHandler,
  emptyLogFileActions,
  findConflict,
  isDeltaError,
  listLog,
  loadSnapshot,
  type AddFile,
  type DeltaErrorCode,
  type Engine,
  type IsolationLevel,
  type LogFileActions,
  type Metadata,
  type Protocol,
  type RemoveFile,
  type Snapshot,
  type TransactionFootprint,
} from '../src/index.js';

const noSleep = async () => undefined;

function memEngine(): Engine {
  const storage = new MemoryStorage();
  return {
    storage,
    json: defaultJsonHandler(storage),
    parquet: {
      readCheckpointActions: async () => {
        throw new Error('no parquet');
      },
    },
  };
}

const PROTOCOL: Protocol = { minReaderVersion: 1, minWriterVersion: 2 };

function metadata(configuration: Record<string, string> = {}): Metadata {
  return {
    id: 'tbl',
    format: { provider: 'parquet', options: {} },
    schemaString: JSON.stringify({
      type: 'struct',
      fields: [
        { name: 'id', type: 'long', nullable: true, metadata: {} },
        { name: 'day', type: 'string', nullable: true, metadata: {} },
      ],
    }),
    partitionColumns: ['day'],
    configuration,
    createdTime: 1_700_000_000_000,
  };
}

function addFile(path: string, day: string, dataChange = true): AddFile {
  return { path, partitionValues: { day }, size: 10, modificationTime: 1_700_000_000_000, dataChange };
}

function removeOf(a: AddFile, dataChange = true): RemoveFile {
  return { path: a.path, deletionTimestamp: 1_700_000_000_001, dataChange, partitionValues: a.partitionValues, size: a.size };
}

const inDay = (day: string) => (a: AddFile) => a.partitionValues.day === day;

interface Fixture {
  engine: Engine;
  root: string;
  /** The version both transactions read: files a1 (day a) and b1 (day b). */
  snapshot: Snapshot;
  a1: AddFile;
  b1: AddFile;
  tx(options?: { isolationLevel?: IsolationLevel; txn?: { appId: string; version: number } }): Transaction;
}

async function fixture(name: string): Promise<Fixture> {
  const engine = memEngine();
  const root = `mem:///${name}/`;
  await new Transaction(engine, root, undefined).updateProtocol(PROTOCOL).updateMetadata(metadata()).commit({ name: 'CREATE TABLE' });
  const a1 = addFile('day=a/a1.parquet', 'a');
  const b1 = addFile('day=b/b1.parquet', 'b');
  await new Transaction(engine, root, await loadSnapshot(engine, root)).addFiles([a1, b1]).commit({ name: 'WRITE' });
  const snapshot = await loadSnapshot(engine, root);
  assert.equal(snapshot.version, 1);
  return {
    engine,
    root,
    snapshot,
    a1,
    b1,
    tx: (options = {}) => new Transaction(engine, root, snapshot, { ...options, sleep: noSleep }),
  };
}

async function rejectsWith(p: Promise<unknown>, code: DeltaErrorCode, ...patterns: RegExp[]): Promise<DeltaError> {
  let caught: unknown;
  try {
    await p;
  } catch (e) {
    caught = e;
  }
  assert.ok(caught !== undefined, `expected ${code}, but it committed`);
  assert.ok(isDeltaError(caught), `expected DeltaError ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  for (const re of patterns) assert.match(caught.message, re);
  return caught;
}

async function commitsTo(p: Promise<Awaited<ReturnType<Transaction['commit']>>>, version: number): Promise<void> {
  const r = await p;
  assert.equal(r.kind, 'committed');
  assert.equal(r.kind === 'committed' && r.version, version);
}

async function latest(f: Fixture): Promise<number> {
  const { commits } = await listLog(f.engine.storage, `${f.root}_delta_log/`);
  return Math.max(...commits.keys());
}

test('winner changed the metadata: DELTA_METADATA_CHANGED naming the table, version and operation', async () => {
  const f = await fixture('meta');
  const loser = f.tx().addFiles([addFile('day=a/x.parquet', 'a')]);
  await commitsTo(f.tx().updateMetadata(metadata({ 'delta.appendOnly': 'true' })).commit({ name: 'SET TBLPROPERTIES' }), 2);
  await rejectsWith(loser.commit({ name: 'WRITE' }), 'DELTA_METADATA_CHANGED', /mem:\/\/\/meta/, /version 2/, /SET TBLPROPERTIES/, /metadata/);
  assert.equal(await latest(f), 2);
});

test('winner changed the protocol: DELTA_PROTOCOL_CHANGED', async () => {
  const f = await fixture('proto');
  const loser = f.tx().addFiles([addFile('day=a/x.parquet', 'a')]);
  await commitsTo(f.tx().updateProtocol({ minReaderVersion: 1, minWriterVersion: 3 }).commit({ name: 'UPGRADE PROTOCOL' }), 2);
  await rejectsWith(loser.commit({ name: 'WRITE' }), 'DELTA_PROTOCOL_CHANGED', /mem:\/\/\/proto/, /version 2/, /protocol/);
});

test("both commit for application 'app': DELTA_CONCURRENT_TRANSACTION; another application id does not clash", async () => {
  const f = await fixture('app');
  const loser = f.tx({ txn: { appId: 'app', version: 2 } }).addFiles([addFile('day=a/x.parquet', 'a')]);
  const unrelated = f.tx({ txn: { appId: 'other-app', version: 1 } }).addFiles([addFile('day=a/y.parquet', 'a')]);
  await commitsTo(f.tx({ txn: { appId: 'app', version: 1 } }).addFiles([addFile('day=a/w.parquet', 'a')]).commit({ name: 'WRITE' }), 2);
  await rejectsWith(loser.commit({ name: 'WRITE' }), 'DELTA_CONCURRENT_TRANSACTION', /mem:\/\/\/app/, /'app'/, /version 2/);
  await commitsTo(unrelated.commit({ name: 'WRITE' }), 3);
});

test("reader of day='a' vs a winner's non-blind add in day='a': DELTA_CONCURRENT_APPEND naming the file", async () => {
  const f = await fixture('append');
  const loser = f.tx().readFiles([f.a1], inDay('a')).removeFiles([removeOf(f.a1)]).addFiles([addFile('day=a/rewritten.parquet', 'a')]);
  // The winner read something (day='c'), so its commit is not a blind append.
  const winner = f.tx().readFiles([], inDay('c')).addFiles([addFile('day=a/new.parquet', 'a')]);
  await commitsTo(winner.commit({ name: 'MERGE' }), 2);
  await rejectsWith(loser.commit({ name: 'UPDATE' }), 'DELTA_CONCURRENT_APPEND', /mem:\/\/\/append/, /day=a\/new\.parquet/, /version 2/, /MERGE/);
});

test("reader of day='a' vs a winner's non-blind add in day='b': no conflict, the loser retries", async () => {
  const f = await fixture('other-partition');
  const loser = f.tx().readFiles([f.a1], inDay('a')).removeFiles([removeOf(f.a1)]).addFiles([addFile('day=a/rewritten.parquet', 'a')]);
  await commitsTo(f.tx().readFiles([], inDay('c')).addFiles([addFile('day=b/new.parquet', 'b')]).commit({ name: 'MERGE' }), 2);
  await commitsTo(loser.commit({ name: 'UPDATE' }), 3);
  const s = await loadSnapshot(f.engine, f.root);
  assert.deepEqual(s.files.map((x) => x.path).sort(), ['day=a/rewritten.parquet', 'day=b/b1.parquet', 'day=b/new.parquet']);
});

test('WriteSerializable: a blind append into the read partition does not conflict; Serializable: DELTA_CONCURRENT_APPEND', async () => {
  const f = await fixture('isolation');
  const ws = f.tx({ isolationLevel: 'WriteSerializable' }).readFiles([f.a1], inDay('a')).removeFiles([removeOf(f.a1)]).addFiles([addFile('day=a/ws.parquet', 'a')]);
  const ser = f.tx({ isolationLevel: 'Serializable' }).readFiles([f.a1], inDay('a')).removeFiles([removeOf(f.a1)]).addFiles([addFile('day=a/ser.parquet', 'a')]);
  const blind = f.tx().addFiles([addFile('day=a/blind.parquet', 'a')]);
  await commitsTo(blind.commit({ name: 'WRITE' }), 2);
  await rejectsWith(ser.commit({ name: 'UPDATE' }), 'DELTA_CONCURRENT_APPEND', /mem:\/\/\/isolation/, /day=a\/blind\.parquet/);
  await commitsTo(ws.commit({ name: 'UPDATE' }), 3);
  const s = await loadSnapshot(f.engine, f.root);
  assert.deepEqual(s.files.map((x) => x.path).sort(), ['day=a/blind.parquet', 'day=a/ws.parquet', 'day=b/b1.parquet']);
});

test('WriteSerializable: a transaction that changes the metadata does conflict with a blind append it would have read', async () => {
  // An overwrite that replaces the schema must not leave behind a file appended under the old one.
  const f = await fixture('overwrite-schema');
  const all = f.snapshot.files;
  const overwrite = f
    .tx()
    .readWholeTable()
    .readFiles(all, () => true)
    .updateMetadata({ ...metadata(), schemaString: JSON.stringify({ type: 'struct', fields: [{ name: 'id', type: 'string', nullable: true, metadata: {} }, { name: 'day', type: 'string', nullable: true, metadata: {} }] }) })
    .removeFiles(all.map((a) => removeOf(a)))
    .addFiles([addFile('day=a/replaced.parquet', 'a')]);
  await commitsTo(f.tx().addFiles([addFile('day=b/late.parquet', 'b')]).commit({ name: 'WRITE' }), 2);
  await rejectsWith(overwrite.commit({ name: 'WRITE' }), 'DELTA_CONCURRENT_APPEND', /day=b\/late\.parquet/);
});

test('a whole-table reader (overwrite) conflicts with any non-blind add, but not with a blind one under WriteSerializable', async () => {
  const f = await fixture('whole');
  const all = f.snapshot.files;
  const overwrite1 = f.tx().readWholeTable().readFiles(all, () => true).removeFiles(all.map((a) => removeOf(a))).addFiles([addFile('day=z/o1.parquet', 'z')]);
  const overwrite2 = f.tx().readWholeTable().readFiles(all, () => true).removeFiles(all.map((a) => removeOf(a))).addFiles([addFile('day=z/o2.parquet', 'z')]);
  await commitsTo(f.tx().addFiles([addFile('day=q/blind.parquet', 'q')]).commit({ name: 'WRITE' }), 2);
  await commitsTo(overwrite1.commit({ name: 'WRITE' }), 3);
  // overwrite2 now meets overwrite1's commit, which removed the files it read.
  await rejectsWith(overwrite2.commit({ name: 'WRITE' }), 'DELTA_CONCURRENT_APPEND', /day=z\/o1\.parquet/, /version 3/);
});

test('winner removed a file this transaction read: DELTA_CONCURRENT_DELETE_READ naming the file', async () => {
  const f = await fixture('delete-read');
  const reader = f.tx().readFiles([f.a1]).addFiles([addFile('day=c/derived.parquet', 'c')]);
  await commitsTo(f.tx().readFiles([f.a1]).removeFiles([removeOf(f.a1)]).commit({ name: 'DELETE' }), 2);
  await rejectsWith(reader.commit({ name: 'INSERT' }), 'DELTA_CONCURRENT_DELETE_READ', /mem:\/\/\/delete-read/, /day=a\/a1\.parquet/, /version 2/, /DELETE/);
});

test('a compaction (dataChange=false) that removed a read file also fails the reader with DELTA_CONCURRENT_DELETE_READ', async () => {
  const f = await fixture('compaction');
  const reader = f.tx().readFiles([f.b1]).addFiles([addFile('day=c/derived.parquet', 'c')]);
  await commitsTo(
    f.tx().readFiles([f.b1]).removeFiles([removeOf(f.b1, false)]).addFiles([addFile('day=b/compacted.parquet', 'b', false)]).commit({ name: 'OPTIMIZE' }),
    2,
  );
  await rejectsWith(reader.commit({ name: 'INSERT' }), 'DELTA_CONCURRENT_DELETE_READ', /day=b\/b1\.parquet/);
});

test('winner removed a file this transaction did not read: no conflict', async () => {
  const f = await fixture('delete-other');
  const reader = f.tx().readFiles([f.a1], inDay('a')).removeFiles([removeOf(f.a1)]);
  await commitsTo(f.tx().readFiles([f.b1], inDay('b')).removeFiles([removeOf(f.b1)]).commit({ name: 'DELETE' }), 2);
  await commitsTo(reader.commit({ name: 'DELETE' }), 3);
  assert.deepEqual((await loadSnapshot(f.engine, f.root)).files, []);
});

test('both remove the same file: DELTA_CONCURRENT_DELETE_DELETE naming it', async () => {
  const f = await fixture('delete-delete');
  const second = f.tx().removeFiles([removeOf(f.a1)]);
  await commitsTo(f.tx().removeFiles([removeOf(f.a1)]).commit({ name: 'DELETE' }), 2);
  await rejectsWith(second.commit({ name: 'DELETE' }), 'DELTA_CONCURRENT_DELETE_DELETE', /mem:\/\/\/delete-delete/, /day=a\/a1\.parquet/, /version 2/);
});

test('removes are matched on the canonical path: an escaped or absolute spelling is the same file', async () => {
  const f = await fixture('canonical');
  const spaced = addFile('day=a/has%20space.parquet', 'a');
  await commitsTo(f.tx().addFiles([spaced]).commit({ name: 'WRITE' }), 2);
  const s2 = await loadSnapshot(f.engine, f.root);
  const second = new Transaction(f.engine, f.root, s2, { sleep: noSleep }).removeFiles([{ path: 'mem:///canonical/day=a/has space.parquet', dataChange: true }]);
  await commitsTo(new Transaction(f.engine, f.root, s2, { sleep: noSleep }).removeFiles([removeOf(spaced)]).commit({ name: 'DELETE' }), 3);
  await rejectsWith(second.commit({ name: 'DELETE' }), 'DELTA_CONCURRENT_DELETE_DELETE', /mem:\/\/\/canonical/, /has%20space|has space/);
});

test('both change the same domain: DELTA_CONCURRENT_DOMAIN_METADATA; different domains do not clash', async () => {
  const f = await fixture('domains');
  const same = f.tx().setDomainMetadata({ domain: 'd1', configuration: '{}', removed: false });
  const other = f.tx().setDomainMetadata({ domain: 'd2', configuration: '{}', removed: false });
  await commitsTo(f.tx().setDomainMetadata({ domain: 'd1', configuration: '{"x":1}', removed: false }).commit({ name: 'DOMAIN' }), 2);
  await rejectsWith(same.commit({ name: 'DOMAIN' }), 'DELTA_CONCURRENT_DOMAIN_METADATA', /'d1'/, /domains/);
  await commitsTo(other.commit({ name: 'DOMAIN' }), 3);
});

test('blind appends against a reader of an untouched partition, and two blind appends, all commit in order', async () => {
  const f = await fixture('mix');
  const txs = [
    f.tx().addFiles([addFile('day=a/1.parquet', 'a')]),
    f.tx().readFiles([f.b1], inDay('b')).removeFiles([removeOf(f.b1)]).addFiles([addFile('day=b/2.parquet', 'b')]),
    f.tx().addFiles([addFile('day=c/3.parquet', 'c')]),
    f.tx({ isolationLevel: 'Serializable' }).addFiles([addFile('day=d/4.parquet', 'd')]),
  ];
  const got: number[] = [];
  for (const t of txs) {
    const r = await t.commit({ name: 'WRITE' });
    assert.equal(r.kind, 'committed');
    if (r.kind === 'committed') got.push(r.version);
  }
  assert.deepEqual(got, [2, 3, 4, 5]);
  const s = await loadSnapshot(f.engine, f.root);
  assert.deepEqual(s.files.map((x) => x.path).sort(), ['day=a/1.parquet', 'day=a/a1.parquet', 'day=b/2.parquet', 'day=c/3.parquet', 'day=d/4.parquet']);
});

// ---- the pure rule function ------------------------------------------------------------------

function footprint(over: Partial<TransactionFootprint> = {}): TransactionFootprint {
  return {
    tableRoot: 'mem:///pure/',
    table: 'mem:///pure',
    readVersion: 3,
    isolationLevel: 'WriteSerializable',
    readWholeTable: false,
    readPredicates: [],
    readFileKeys: new Set(),
    removedFileKeys: new Set(),
    appIds: new Set(),
    domains: new Set(),
    changesMetadata: false,
    changesProtocol: false,
    ...over,
  };
}

function winner(build: (w: LogFileActions) => void): LogFileActions {
  const w = emptyLogFileActions('mem:///pure/_delta_log/00000000000000000004.json');
  build(w);
  return w;
}

test('findConflict: a winner without commitInfo is not taken for a blind append', () => {
  const w = winner((x) => x.adds.push(addFile('day=a/n.parquet', 'a')));
  const e = findConflict(footprint({ readPredicates: [inDay('a')] }), w, 4);
  assert.ok(e instanceof DeltaError);
  assert.equal(e.code, 'DELTA_CONCURRENT_APPEND');
  assert.match(e.message, /mem:\/\/\/pure/);
  assert.match(e.message, /version 4/);
});

test('findConflict: dataChange=false adds never conflict with readers; nothing read means no append conflict', () => {
  const compacted = winner((x) => x.adds.push(addFile('day=a/c.parquet', 'a', false)));
  assert.equal(findConflict(footprint({ readWholeTable: true, isolationLevel: 'Serializable' }), compacted, 4), undefined);
  const plain = winner((x) => x.adds.push(addFile('day=a/p.parquet', 'a')));
  assert.equal(findConflict(footprint(), plain, 4), undefined);
});

test('findConflict: a creator meeting any version 0 fails with DELTA_TABLE_ALREADY_EXISTS', () => {
  const e = findConflict(footprint({ readVersion: -1 }), winner(() => undefined), 0);
  assert.equal(e?.code, 'DELTA_TABLE_ALREADY_EXISTS');
  assert.match(e?.message ?? '', /mem:\/\/\/pure/);
});

test('findConflict: protocol is checked before metadata, metadata before everything else', () => {
  const w = winner((x) => {
    x.protocol = PROTOCOL;
    x.metaData = metadata();
    x.adds.push(addFile('day=a/p.parquet', 'a'));
  });
  assert.equal(findConflict(footprint({ readWholeTable: true }), w, 4)?.code, 'DELTA_PROTOCOL_CHANGED');
  const m = winner((x) => {
    x.metaData = metadata();
    x.adds.push(addFile('day=a/p.parquet', 'a'));
  });
  assert.equal(findConflict(footprint({ readWholeTable: true }), m, 4)?.code, 'DELTA_METADATA_CHANGED');
});
