/// <reference types="node" />
/**
 * Optimistic transactions over MemoryStorage: put-if-absent commits, retries past winners that do
 * not conflict, table creation races, idempotent (appId, version) writes, the retry limit, and
 * what commitInfo records.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DeltaError,
  LOCH_ENGINE_INFO,
  MemoryStorage,
  Transaction,
  commitFileName,
  defaultJsonHandler,
  isDeltaError,
  listLog,
  loadSnapshot,
  parseJsonLog,
  type AddFile,
  type DeltaErrorCode,
  type Engine,
  type Metadata,
  type Protocol,
  type Snapshot,
  type StorageHandler,
} from '../src/index.js';

const noSleep = async () => undefined;

function memEngine(storage: StorageHandler = new MemoryStorage()): Engine {
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

function metadata(configuration: Record<string, string> = {}, partitionColumns: string[] = ['day']): Metadata {
  return {
    id: 'tbl-1',
    format: { provider: 'parquet', options: {} },
    schemaString: JSON.stringify({
      type: 'struct',
      fields: [
        { name: 'id', type: 'long', nullable: true, metadata: {} },
        { name: 'day', type: 'string', nullable: true, metadata: {} },
      ],
    }),
    partitionColumns,
    configuration,
    createdTime: 1_700_000_000_000,
  };
}

function addFile(path: string, day = 'a', dataChange = true): AddFile {
  return { path, partitionValues: { day }, size: 10, modificationTime: 1_700_000_000_000, dataChange };
}

async function createTable(engine: Engine, root: string): Promise<Snapshot> {
  const r = await new Transaction(engine, root, undefined, { sleep: noSleep }).updateProtocol(PROTOCOL).updateMetadata(metadata()).commit({ name: 'CREATE TABLE' });
  assert.equal(r.kind, 'committed');
  return loadSnapshot(engine, root);
}

async function rejectsWith(p: Promise<unknown>, code: DeltaErrorCode, ...patterns: RegExp[]): Promise<DeltaError> {
  let caught: unknown;
  try {
    await p;
  } catch (e) {
    caught = e;
  }
  assert.ok(caught !== undefined, `expected ${code}, but it succeeded`);
  assert.ok(isDeltaError(caught), `expected DeltaError ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  for (const re of patterns) assert.match(caught.message, re);
  return caught;
}

async function versions(engine: Engine, root: string): Promise<number[]> {
  const { commits } = await listLog(engine.storage, `${root}_delta_log/`);
  return [...commits.keys()].sort((a, b) => a - b);
}

async function readCommit(engine: Engine, root: string, v: number) {
  const path = `${root}_delta_log/${commitFileName(v)}`;
  return parseJsonLog(new TextDecoder().decode(await engine.storage.read(path)), path);
}

test('two blind appends from the same read version both commit, the loser retrying at the next version', async () => {
  const engine = memEngine();
  const root = 'mem:///blind/';
  const s0 = await createTable(engine, root);
  const t1 = new Transaction(engine, root, s0, { sleep: noSleep }).addFiles([addFile('a1.parquet')]);
  const t2 = new Transaction(engine, root, s0, { sleep: noSleep }).addFiles([addFile('a2.parquet')]);
  const r1 = await t1.commit({ name: 'WRITE' });
  const r2 = await t2.commit({ name: 'WRITE' });
  assert.equal(r1.kind, 'committed');
  assert.equal(r2.kind, 'committed');
  if (r1.kind !== 'committed' || r2.kind !== 'committed') return;
  assert.equal(r1.version, 1);
  assert.equal(r1.attempts, 1);
  assert.equal(r2.version, 2);
  assert.equal(r2.attempts, 2);
  // Both record the version they read, not the one they landed on.
  assert.equal(r2.commitInfo.readVersion, 0);
  assert.deepEqual(await versions(engine, root), [0, 1, 2]);
  const s = await loadSnapshot(engine, root);
  assert.equal(s.version, 2);
  assert.deepEqual(s.files.map((f) => f.path).sort(), ['a1.parquet', 'a2.parquet']);
  // The retried commit holds exactly the loser's actions.
  const c2 = await readCommit(engine, root, 2);
  assert.deepEqual(c2.adds.map((a) => a.path), ['a2.parquet']);
});

test('a transaction retries past several winners at once and lands after the last', async () => {
  const engine = memEngine();
  const root = 'mem:///many/';
  const s0 = await createTable(engine, root);
  const slow = new Transaction(engine, root, s0, { sleep: noSleep }).addFiles([addFile('slow.parquet')]);
  for (let i = 1; i <= 4; i++) {
    const s = await loadSnapshot(engine, root);
    const r = await new Transaction(engine, root, s, { sleep: noSleep }).addFiles([addFile(`w${i}.parquet`)]).commit({ name: 'WRITE' });
    assert.equal(r.kind === 'committed' && r.version, i);
  }
  const r = await slow.commit({ name: 'WRITE' });
  assert.equal(r.kind, 'committed');
  if (r.kind !== 'committed') return;
  assert.equal(r.version, 5);
  assert.equal(r.attempts, 2, 'one listing finds every winner');
  assert.deepEqual(await versions(engine, root), [0, 1, 2, 3, 4, 5]);
  assert.equal((await loadSnapshot(engine, root)).files.length, 5);
});

test('every winner is checked, not only the first: a metadata change two versions later still conflicts', async () => {
  const engine = memEngine();
  const root = 'mem:///second-winner/';
  const s0 = await createTable(engine, root);
  const loser = new Transaction(engine, root, s0, { sleep: noSleep }).addFiles([addFile('x.parquet')]);
  await new Transaction(engine, root, s0, { sleep: noSleep }).addFiles([addFile('w1.parquet')]).commit({ name: 'WRITE' });
  const s1 = await loadSnapshot(engine, root);
  await new Transaction(engine, root, s1, { sleep: noSleep }).updateMetadata(metadata({ 'delta.appendOnly': 'true' })).commit({ name: 'SET TBLPROPERTIES' });
  await rejectsWith(loser.commit({ name: 'WRITE' }), 'DELTA_METADATA_CHANGED', /second-winner/, /version 2/, /SET TBLPROPERTIES/);
  assert.deepEqual(await versions(engine, root), [0, 1, 2], 'the loser wrote nothing');
});

test('a concurrent create of the same table fails with DELTA_TABLE_ALREADY_EXISTS', async () => {
  const engine = memEngine();
  const root = 'mem:///created-twice/';
  const a = new Transaction(engine, root, undefined, { sleep: noSleep }).updateProtocol(PROTOCOL).updateMetadata(metadata());
  const b = new Transaction(engine, root, undefined, { sleep: noSleep }).updateProtocol(PROTOCOL).updateMetadata({ ...metadata(), id: 'other' });
  const ra = await a.commit({ name: 'CREATE TABLE' });
  assert.equal(ra.kind === 'committed' && ra.version, 0);
  await rejectsWith(b.commit({ name: 'CREATE TABLE' }), 'DELTA_TABLE_ALREADY_EXISTS', /created-twice/, /version 0/);
  assert.deepEqual(await versions(engine, root), [0]);
  assert.equal((await loadSnapshot(engine, root)).metadata.id, 'tbl-1', 'the first creator won');
});

test('creating a table without protocol or metadata is refused before anything is written', async () => {
  const engine = memEngine();
  const root = 'mem:///incomplete/';
  await rejectsWith(new Transaction(engine, root, undefined).updateMetadata(metadata()).commit({ name: 'CREATE TABLE' }), 'DELTA_INVALID_ARGUMENT', /incomplete/);
  assert.deepEqual(await versions(engine, root), []);
});

test('an idempotent write whose (appId, version) the snapshot already has is skipped', async () => {
  const engine = memEngine();
  const root = 'mem:///idem/';
  const s0 = await createTable(engine, root);
  const first = await new Transaction(engine, root, s0, { txn: { appId: 'app', version: 3 }, sleep: noSleep }).addFiles([addFile('p1.parquet')]).commit({ name: 'WRITE' });
  assert.equal(first.kind, 'committed');
  const s1 = await loadSnapshot(engine, root);
  assert.equal(s1.txns.get('app')?.version, 3);
  for (const v of [3, 2]) {
    const again = await new Transaction(engine, root, s1, { txn: { appId: 'app', version: v }, sleep: noSleep }).addFiles([addFile(`dup${v}.parquet`)]).commit({ name: 'WRITE' });
    assert.deepEqual(again, { kind: 'skipped', reason: 'txn-already-committed', appId: 'app', committedVersion: 3 });
  }
  assert.deepEqual(await versions(engine, root), [0, 1], 'a skipped commit writes nothing');
  // A later version of the same application, or another application, commits.
  const next = await new Transaction(engine, root, s1, { txn: { appId: 'app', version: 4 }, sleep: noSleep }).addFiles([addFile('p2.parquet')]).commit({ name: 'WRITE' });
  assert.equal(next.kind === 'committed' && next.version, 2);
  const s2 = await loadSnapshot(engine, root);
  const other = await new Transaction(engine, root, s2, { txn: { appId: 'other', version: 3 }, sleep: noSleep }).addFiles([addFile('o.parquet')]).commit({ name: 'WRITE' });
  assert.equal(other.kind === 'committed' && other.version, 3);
  const s3 = await loadSnapshot(engine, root);
  assert.equal(s3.txns.get('app')?.version, 4);
  assert.equal(s3.txns.get('other')?.version, 3);
  assert.deepEqual(s3.files.map((f) => f.path).sort(), ['o.parquet', 'p1.parquet', 'p2.parquet']);
});

/** Storage where another writer always takes the version a commit wants, just before it. */
class AlwaysBeaten extends MemoryStorage {
  attempts = 0;
  enabled = false;
  override async putIfAbsent(path: string, data: Uint8Array): Promise<void> {
    if (this.enabled && /\d{20}\.json$/.test(path)) {
      this.attempts++;
      const winner = [
        { commitInfo: { timestamp: 1, operation: 'WRITE', isBlindAppend: true } },
        { add: { path: `winner-${this.attempts}.parquet`, partitionValues: { day: 'z' }, size: 1, modificationTime: 1, dataChange: true } },
      ];
      await super.putIfAbsent(path, new TextEncoder().encode(winner.map((a) => JSON.stringify(a)).join('\n')));
    }
    return super.putIfAbsent(path, data);
  }
}

test('a commit that keeps losing gives up with DELTA_MAX_COMMIT_RETRIES_EXCEEDED after maxRetries retries', async () => {
  const storage = new AlwaysBeaten();
  const engine = memEngine(storage);
  const root = 'mem:///busy/';
  const s0 = await createTable(engine, root);
  storage.enabled = true;
  const sleeps: number[] = [];
  const tx = new Transaction(engine, root, s0, { maxRetries: 3, sleep: async (ms) => void sleeps.push(ms) }).addFiles([addFile('mine.parquet')]);
  const e = await rejectsWith(tx.commit({ name: 'WRITE' }), 'DELTA_MAX_COMMIT_RETRIES_EXCEEDED', /busy/, /4 attempts/);
  assert.match(e.message, /version 4/, e.message);
  assert.equal(storage.attempts, 4, 'first try plus three retries');
  assert.equal(sleeps.length, 3, 'backs off between attempts');
  assert.ok(sleeps.every((ms) => ms >= 0 && ms <= 1000));
  storage.enabled = false;
  const s = await loadSnapshot(engine, root);
  assert.equal(s.version, 4);
  assert.ok(!s.files.some((f) => f.path === 'mine.parquet'), 'the given-up commit is nowhere');
});

test('maxRetries 0 fails at the first lost race', async () => {
  const storage = new AlwaysBeaten();
  const engine = memEngine(storage);
  const root = 'mem:///no-retry/';
  const s0 = await createTable(engine, root);
  storage.enabled = true;
  await rejectsWith(new Transaction(engine, root, s0, { maxRetries: 0, sleep: noSleep }).addFiles([addFile('m.parquet')]).commit({ name: 'WRITE' }), 'DELTA_MAX_COMMIT_RETRIES_EXCEEDED', /no-retry/);
  assert.equal(storage.attempts, 1);
});

test('storage failures other than a lost race are not retried', async () => {
  class Broken extends MemoryStorage {
    calls = 0;
    override async putIfAbsent(path: string, data: Uint8Array): Promise<void> {
      if (/00000000000000000001\.json$/.test(path)) {
        this.calls++;
        throw new DeltaError('DELTA_IO_ERROR', 'disk on fire');
      }
      return super.putIfAbsent(path, data);
    }
  }
  const storage = new Broken();
  const engine = memEngine(storage);
  const root = 'mem:///broken/';
  const s0 = await createTable(engine, root);
  await rejectsWith(new Transaction(engine, root, s0, { sleep: noSleep }).addFiles([addFile('m.parquet')]).commit({ name: 'WRITE' }), 'DELTA_IO_ERROR', /disk on fire/);
  assert.equal(storage.calls, 1);
});

test('commitInfo records the operation, string parameters and metrics, read version, isolation, blind append, engine and txnId', async () => {
  const engine = memEngine();
  const root = 'mem:///info/';
  const s0 = await createTable(engine, root);
  const clockValue = 1_712_345_678_901;
  const tx = new Transaction(engine, root, s0, { clock: () => clockValue, txnId: 'txn-42', sleep: noSleep }).addFiles([addFile('i.parquet')]);
  const r = await tx.commit({
    name: 'WRITE',
    parameters: { mode: 'Append', partitionBy: ['day'], overwrite: false, n: 3, skipped: undefined },
    metrics: { numFiles: 1, numOutputRows: 5n, numOutputBytes: 1234 },
    userMetadata: 'nightly load',
  });
  assert.equal(r.kind, 'committed');
  if (r.kind !== 'committed') return;
  const expected = {
    timestamp: clockValue,
    operation: 'WRITE',
    operationParameters: { mode: 'Append', partitionBy: '["day"]', overwrite: 'false', n: '3' },
    readVersion: 0,
    isolationLevel: 'WriteSerializable',
    isBlindAppend: true,
    operationMetrics: { numFiles: '1', numOutputRows: '5', numOutputBytes: '1234' },
    userMetadata: 'nightly load',
    engineInfo: LOCH_ENGINE_INFO,
    txnId: 'txn-42',
  };
  assert.deepEqual(r.commitInfo, expected);
  // The file says the same, with commitInfo as its first line.
  const path = `${root}_delta_log/${commitFileName(1)}`;
  const text = new TextDecoder().decode(await engine.storage.read(path));
  const lines = text.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(Object.keys(lines[0]), ['commitInfo']);
  assert.deepEqual(lines[0].commitInfo, expected);
  for (const v of Object.values(expected.operationParameters)) assert.equal(typeof v, 'string');
  for (const v of Object.values(expected.operationMetrics)) assert.equal(typeof v, 'string');
  assert.equal(LOCH_ENGINE_INFO, 'Loch/0.1.0');
});

test('commitInfo of a create has no readVersion; a reading transaction is not a blind append; txnIds differ by default', async () => {
  const engine = memEngine();
  const root = 'mem:///info2/';
  await createTable(engine, root);
  const c0 = await readCommit(engine, root, 0);
  assert.equal(c0.commitInfo?.operation, 'CREATE TABLE');
  assert.equal(c0.commitInfo?.readVersion, undefined);
  assert.equal(c0.commitInfo?.isolationLevel, 'WriteSerializable');
  assert.equal(typeof c0.commitInfo?.txnId, 'string');
  assert.ok(c0.protocol && c0.metaData, 'a create writes protocol and metadata');

  const s0 = await loadSnapshot(engine, root);
  const r1 = await new Transaction(engine, root, s0, { isolationLevel: 'Serializable', sleep: noSleep })
    .readFiles([], (a) => a.partitionValues.day === 'a')
    .addFiles([addFile('r.parquet')])
    .commit({ name: 'UPDATE' });
  assert.equal(r1.kind, 'committed');
  if (r1.kind !== 'committed') return;
  assert.equal(r1.commitInfo.isBlindAppend, false);
  assert.equal(r1.commitInfo.isolationLevel, 'Serializable');
  assert.notEqual(r1.commitInfo.txnId, c0.commitInfo?.txnId);
  // Removing, overwriting everything, or adding dataChange=false files is not a blind append either.
  const s1 = await loadSnapshot(engine, root);
  const r2 = await new Transaction(engine, root, s1, { sleep: noSleep }).addFiles([addFile('c.parquet', 'a', false)]).commit({ name: 'OPTIMIZE' });
  assert.equal(r2.kind === 'committed' && r2.commitInfo.isBlindAppend, false);
  const s2 = await loadSnapshot(engine, root);
  const r3 = await new Transaction(engine, root, s2, { sleep: noSleep }).readWholeTable().addFiles([addFile('o.parquet')]).commit({ name: 'WRITE' });
  assert.equal(r3.kind === 'committed' && r3.commitInfo.isBlindAppend, false);
  // The operation may say explicitly.
  const s3 = await loadSnapshot(engine, root);
  const r4 = await new Transaction(engine, root, s3, { sleep: noSleep }).addFiles([addFile('e.parquet')]).commit({ name: 'WRITE', isBlindAppend: false });
  assert.equal(r4.kind === 'committed' && r4.commitInfo.isBlindAppend, false);
});

test('a retried commit keeps its txnId and read version and records txn, domain, remove and add actions', async () => {
  const engine = memEngine();
  const root = 'mem:///retry-body/';
  const s0 = await createTable(engine, root);
  const seed = await new Transaction(engine, root, s0, { sleep: noSleep }).addFiles([addFile('old.parquet', 'b')]).commit({ name: 'WRITE' });
  assert.equal(seed.kind, 'committed');
  const s1 = await loadSnapshot(engine, root);
  const tx = new Transaction(engine, root, s1, { txn: { appId: 'job', version: 7 }, txnId: 'fixed', clock: () => 5_000, sleep: noSleep })
    .setDomainMetadata({ domain: 'my.domain', configuration: '{"k":1}', removed: false })
    .removeFiles([{ path: 'old.parquet', deletionTimestamp: 5_000, dataChange: true }])
    .addFiles([addFile('new.parquet', 'b')]);
  // A blind append into another partition wins version 2 first.
  await new Transaction(engine, root, s1, { sleep: noSleep }).addFiles([addFile('other.parquet', 'c')]).commit({ name: 'WRITE' });
  const r = await tx.commit({ name: 'MERGE' });
  assert.equal(r.kind, 'committed');
  if (r.kind !== 'committed') return;
  assert.equal(r.version, 3);
  const c3 = await readCommit(engine, root, 3);
  assert.equal(c3.commitInfo?.txnId, 'fixed');
  assert.equal(c3.commitInfo?.readVersion, 1);
  assert.deepEqual(c3.txns.map((t) => [t.appId, t.version, t.lastUpdated]), [['job', 7, 5_000]]);
  assert.deepEqual(c3.domainMetadata.map((d) => d.domain), ['my.domain']);
  assert.deepEqual(c3.removes.map((x) => x.path), ['old.parquet']);
  assert.deepEqual(c3.adds.map((x) => x.path), ['new.parquet']);
  const s = await loadSnapshot(engine, root);
  assert.deepEqual(s.files.map((f) => f.path).sort(), ['new.parquet', 'other.parquet']);
  assert.equal(s.txns.get('job')?.version, 7);
  assert.equal(s.domains.get('my.domain')?.configuration, '{"k":1}');
});

test('a transaction refuses a table whose writer features it cannot write, naming the feature', async () => {
  const engine = memEngine();
  const root = 'mem:///cdf/';
  const r = await new Transaction(engine, root, undefined, { sleep: noSleep })
    .updateProtocol({ minReaderVersion: 1, minWriterVersion: 2 })
    .updateMetadata(metadata())
    .commit({ name: 'CREATE TABLE' });
  assert.equal(r.kind, 'committed');
  const s0 = await loadSnapshot(engine, root);
  assert.throws(
    () => new Transaction(engine, root, s0).updateProtocol({ minReaderVersion: 1, minWriterVersion: 7, writerFeatures: ['identityColumns'] }),
    (e: unknown) => isDeltaError(e, 'DELTA_UNSUPPORTED_WRITER_FEATURE') && /identityColumns/.test(e.message) && /cdf/.test(e.message),
  );
});
