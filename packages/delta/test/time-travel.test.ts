/// <reference types="node" />
/**
 * Timestamp time travel: the latest commit at or before T, with file times made monotonic and
 * in-commit timestamps used where commits carry them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { commitTimes, resolveTimestamp, toEpochMillis } from '../src/snapshot/time-travel.js';
import { loadLogState, loadSnapshot } from '../src/snapshot/builder.js';
import {
  add,
  commitInfo,
  createTable,
  deleteCommit,
  linearCheckpointActions,
  linearTable,
  memTable,
  rejectsWith,
  throwsWith,
  writeClassicCheckpoint,
  writeCommit,
} from './support/mem-table.js';

const T0 = Date.UTC(2024, 0, 15, 12, 0, 0); // 2024-01-15T12:00:00Z

test('toEpochMillis: Dates, numbers and strings in several forms', () => {
  assert.equal(toEpochMillis(new Date(T0)), T0);
  assert.equal(toEpochMillis(T0), T0);
  assert.equal(toEpochMillis('2024-01-15T12:00:00Z'), T0);
  assert.equal(toEpochMillis('2024-01-15 12:00:00'), T0, 'no zone means UTC');
  assert.equal(toEpochMillis('  2024-01-15 12:00:00  '), T0);
  assert.equal(toEpochMillis('2024-01-15T12:00:00.250Z'), T0 + 250);
  assert.equal(toEpochMillis('2024-01-15T14:00:00+02:00'), T0);
  assert.equal(toEpochMillis('2024-01-15T07:30:00-0430'), T0);
  assert.equal(toEpochMillis('2024-01-15'), Date.UTC(2024, 0, 15));
  throwsWith(() => toEpochMillis('yesterday'), 'DELTA_INVALID_ARGUMENT', /yesterday/);
  throwsWith(() => toEpochMillis(new Date('not a date')), 'DELTA_INVALID_ARGUMENT');
  throwsWith(() => toEpochMillis(NaN), 'DELTA_INVALID_ARGUMENT');
  throwsWith(() => toEpochMillis(Infinity), 'DELTA_INVALID_ARGUMENT');
  throwsWith(() => toEpochMillis('2024-13-45 00:00:00'), 'DELTA_INVALID_ARGUMENT');
  throwsWith(() => toEpochMillis('2024-01-15 25:00:00'), 'DELTA_INVALID_ARGUMENT');
});

test('timestamp: an exact commit time reads that version', async () => {
  const t = memTable();
  await linearTable(t, 4, { baseTime: T0, step: 60_000 });
  for (let v = 0; v < 4; v++) {
    assert.equal(await resolveTimestamp(t.engine, t.root, T0 + v * 60_000), v);
    const s = await loadSnapshot(t.engine, t.root, { timestamp: new Date(T0 + v * 60_000) });
    assert.equal(s.version, v);
    assert.equal(s.timestamp, T0 + v * 60_000);
  }
});

test('timestamp: between two commits reads the earlier one', async () => {
  const t = memTable();
  await linearTable(t, 4, { baseTime: T0, step: 60_000 });
  assert.equal(await resolveTimestamp(t.engine, t.root, T0 + 1), 0);
  assert.equal(await resolveTimestamp(t.engine, t.root, T0 + 60_000 - 1), 0);
  assert.equal(await resolveTimestamp(t.engine, t.root, T0 + 90_000), 1);
  assert.equal(await resolveTimestamp(t.engine, t.root, '2024-01-15 12:02:30'), 2);
  assert.equal(await resolveTimestamp(t.engine, t.root, '2024-01-15T14:02:59.999+02:00'), 2);
  const s = await loadSnapshot(t.engine, t.root, { timestamp: '2024-01-15T12:01:30Z' });
  assert.equal(s.version, 1);
  assert.deepEqual(s.files.map((f) => f.path), ['f1.parquet']);
});

test('timestamp: before the first commit fails with DELTA_TIMESTAMP_OUT_OF_RANGE', async () => {
  const t = memTable();
  await linearTable(t, 3, { baseTime: T0, step: 60_000 });
  await rejectsWith(
    loadSnapshot(t.engine, t.root, { timestamp: T0 - 1 }),
    'DELTA_TIMESTAMP_OUT_OF_RANGE',
    /before the earliest available version 0/,
    /2024-01-15T11:59:59\.999Z/,
  );
  await rejectsWith(loadSnapshot(t.engine, t.root, { timestamp: '2000-01-01' }), 'DELTA_TIMESTAMP_OUT_OF_RANGE');
});

test('timestamp: after the last commit fails, naming the latest version', async () => {
  const t = memTable();
  await linearTable(t, 3, { baseTime: T0, step: 60_000 });
  await rejectsWith(
    loadSnapshot(t.engine, t.root, { timestamp: T0 + 120_001 }),
    'DELTA_TIMESTAMP_OUT_OF_RANGE',
    /after the latest version 2/,
  );
  await rejectsWith(loadLogState(t.engine, t.root, { timestamp: '2099-01-01' }), 'DELTA_TIMESTAMP_OUT_OF_RANGE');
});

test('timestamp: an unparseable timestamp is an invalid argument', async () => {
  const t = memTable();
  await linearTable(t, 2);
  await rejectsWith(loadSnapshot(t.engine, t.root, { timestamp: 'last tuesday' }), 'DELTA_INVALID_ARGUMENT', /last tuesday/);
  // An invalid Date must not quietly read version 0.
  await rejectsWith(loadSnapshot(t.engine, t.root, { timestamp: new Date('garbage') }), 'DELTA_INVALID_ARGUMENT');
  await rejectsWith(loadSnapshot(t.engine, t.root, { timestamp: Number.NaN }), 'DELTA_INVALID_ARGUMENT');
});

test('timestamp on a table with no log fails with DELTA_TABLE_NOT_FOUND', async () => {
  const t = memTable();
  await rejectsWith(loadSnapshot(t.engine, t.root, { timestamp: T0 }), 'DELTA_TABLE_NOT_FOUND');
});

test('non-monotonic file times are adjusted to be strictly increasing', async () => {
  const t = memTable();
  // v1 and v2 have times before v0 (clock skew, copied files); v3 is far later.
  await linearTable(t, 4, { mtimes: [T0, T0 - 5_000, T0 - 10_000, T0 + 60_000] });
  const times = await commitTimes(t.engine, t.root);
  assert.deepEqual(
    times.map((c) => [c.version, c.timestamp]),
    [
      [0, T0],
      [1, T0 + 1],
      [2, T0 + 2],
      [3, T0 + 60_000],
    ],
  );
  assert.equal(await resolveTimestamp(t.engine, t.root, T0), 0);
  assert.equal(await resolveTimestamp(t.engine, t.root, T0 + 1), 1);
  assert.equal(await resolveTimestamp(t.engine, t.root, T0 + 2), 2);
  assert.equal(await resolveTimestamp(t.engine, t.root, T0 + 30_000), 2);
  assert.equal(await resolveTimestamp(t.engine, t.root, T0 + 60_000), 3);
  // The raw time of v2 is before every adjusted time: out of range, not version 2.
  await rejectsWith(resolveTimestamp(t.engine, t.root, T0 - 10_000), 'DELTA_TIMESTAMP_OUT_OF_RANGE');
});

test('equal file times are made strictly increasing too', async () => {
  const t = memTable();
  await linearTable(t, 3, { mtimes: [T0, T0, T0] });
  const times = await commitTimes(t.engine, t.root);
  assert.deepEqual(times.map((c) => c.timestamp), [T0, T0 + 1, T0 + 2]);
  assert.equal(await resolveTimestamp(t.engine, t.root, T0), 0);
});

test('in-commit timestamps are used instead of file times when commits carry them', async () => {
  const t = memTable();
  const ict = (v: number) => T0 + v * 3_600_000; // one hour apart
  // File times are unrelated to the commit times (a copied table): all the same, far in the future.
  const mtime = T0 + 1_000 * 3_600_000;
  await writeCommit(
    t,
    0,
    [
      commitInfo('CREATE TABLE', { inCommitTimestamp: ict(0) }),
      { protocol: { minReaderVersion: 3, minWriterVersion: 7, readerFeatures: [], writerFeatures: ['inCommitTimestamp'] } },
      {
        metaData: {
          id: 'x',
          format: { provider: 'parquet', options: {} },
          schemaString: '{"type":"struct","fields":[{"name":"id","type":"long","nullable":true,"metadata":{}}]}',
          partitionColumns: [],
          configuration: { 'delta.enableInCommitTimestamps': 'true' },
        },
      },
    ],
    mtime,
  );
  for (let v = 1; v < 5; v++) {
    await writeCommit(t, v, [commitInfo('WRITE', { inCommitTimestamp: ict(v) }), add(`f${v}.parquet`)], mtime);
  }
  const times = await commitTimes(t.engine, t.root);
  assert.deepEqual(times.map((c) => c.timestamp), [0, 1, 2, 3, 4].map(ict));
  assert.equal(await resolveTimestamp(t.engine, t.root, ict(2)), 2);
  assert.equal(await resolveTimestamp(t.engine, t.root, ict(2) + 1_800_000), 2);
  assert.equal(await resolveTimestamp(t.engine, t.root, ict(4)), 4);
  await rejectsWith(resolveTimestamp(t.engine, t.root, ict(0) - 1), 'DELTA_TIMESTAMP_OUT_OF_RANGE');
  await rejectsWith(resolveTimestamp(t.engine, t.root, ict(4) + 1), 'DELTA_TIMESTAMP_OUT_OF_RANGE');
  const s = await loadSnapshot(t.engine, t.root, { timestamp: ict(3) + 5 });
  assert.equal(s.version, 3);
  assert.equal(s.timestamp, ict(3), 'the snapshot reports its in-commit timestamp');
});

test('in-commit timestamps enabled partway: earlier commits keep their file times', async () => {
  const t = memTable();
  // v0..v3 without ICT (file times T0 + v min), v4..v7 with ICT (T0 + 1h + v min).
  await linearTable(t, 4, { baseTime: T0, step: 60_000 });
  const ict = (v: number) => T0 + 3_600_000 + v * 60_000;
  for (let v = 4; v < 8; v++) {
    await writeCommit(t, v, [commitInfo('WRITE', { inCommitTimestamp: ict(v) }), add(`f${v}.parquet`)], T0 - 1);
  }
  const times = await commitTimes(t.engine, t.root);
  assert.deepEqual(
    times.map((c) => c.timestamp),
    [T0, T0 + 60_000, T0 + 120_000, T0 + 180_000, ict(4), ict(5), ict(6), ict(7)],
  );
  assert.equal(await resolveTimestamp(t.engine, t.root, T0 + 200_000), 3);
  assert.equal(await resolveTimestamp(t.engine, t.root, ict(5)), 5);
});

test('timestamp time travel after log cleanup: before the earliest retained commit is out of range', async () => {
  const t = memTable();
  await linearTable(t, 8, { baseTime: T0, step: 60_000 });
  await writeClassicCheckpoint(t, 4, linearCheckpointActions(4));
  for (let v = 0; v < 4; v++) await deleteCommit(t, v);
  await rejectsWith(loadSnapshot(t.engine, t.root, { timestamp: T0 + 60_000 }), 'DELTA_TIMESTAMP_OUT_OF_RANGE', /version 4/);
  const s = await loadSnapshot(t.engine, t.root, { timestamp: T0 + 4 * 60_000 + 10 });
  assert.equal(s.version, 4);
  assert.equal(s.files.length, 4);
});

test('timestamp time travel to a retained commit that cannot be rebuilt fails clearly', async () => {
  // Cleanup interrupted: commits 2 and 3 survived, but 0 and 1 are gone, and the first
  // checkpoint is at 4. Versions 2 and 3 cannot be read; the error says which can.
  const t = memTable();
  await linearTable(t, 8, { baseTime: T0, step: 60_000 });
  await writeClassicCheckpoint(t, 4, linearCheckpointActions(4));
  await deleteCommit(t, 0);
  await deleteCommit(t, 1);
  await rejectsWith(
    loadSnapshot(t.engine, t.root, { timestamp: T0 + 2 * 60_000 }),
    'DELTA_VERSION_NOT_FOUND',
    /version 2 can no longer be read/,
    /earliest available version is 4/,
  );
  const s = await loadSnapshot(t.engine, t.root, { timestamp: T0 + 5 * 60_000 });
  assert.equal(s.version, 5);
});

test('a snapshot reports the time of its newest commit', async () => {
  const t = memTable();
  await createTable(t, [], T0);
  await writeCommit(t, 1, [add('a.parquet')], T0 + 5_000);
  const s = await loadSnapshot(t.engine, t.root);
  assert.equal(s.timestamp, T0 + 5_000);
});
