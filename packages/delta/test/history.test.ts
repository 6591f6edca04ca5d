/// <reference types="node" />
/** DESCRIBE HISTORY: commitInfo per version, newest first. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tableHistory } from '../src/snapshot/history.js';
import {
  add,
  commitInfo,
  createTable,
  deleteCommit,
  linearCheckpointActions,
  linearTable,
  memTable,
  rejectsWith,
  writeClassicCheckpoint,
  writeCommit,
} from './support/mem-table.js';

const T0 = Date.UTC(2024, 5, 1);

test('history lists every commit newest first, with its commitInfo', async () => {
  const t = memTable();
  await linearTable(t, 4, { baseTime: T0, step: 1_000 });
  const h = await tableHistory(t.engine, t.root);
  assert.deepEqual(h.map((e) => e.version), [3, 2, 1, 0]);
  assert.deepEqual(h.map((e) => e.operation), ['WRITE', 'WRITE', 'WRITE', 'CREATE TABLE']);
  assert.deepEqual(h.map((e) => e.timestamp), [T0 + 3_000, T0 + 2_000, T0 + 1_000, T0]);
  assert.deepEqual(h.map((e) => e.readVersion), [2, 1, 0, null]);
  assert.equal(h[0].commitInfo?.operation, 'WRITE');
});

test('history limit bounds the entries, keeping the newest', async () => {
  const t = memTable();
  await linearTable(t, 6);
  assert.deepEqual((await tableHistory(t.engine, t.root, 2)).map((e) => e.version), [5, 4]);
  assert.deepEqual((await tableHistory(t.engine, t.root, 1)).map((e) => e.version), [5]);
  assert.deepEqual((await tableHistory(t.engine, t.root, 0)).map((e) => e.version), []);
  assert.deepEqual((await tableHistory(t.engine, t.root, 100)).map((e) => e.version), [5, 4, 3, 2, 1, 0]);
});

test('history fields come from commitInfo; a commit without one has nulls', async () => {
  const t = memTable();
  await createTable(t, [], T0);
  await writeCommit(
    t,
    1,
    [
      commitInfo('MERGE', {
        operationParameters: { predicate: '["id = 1"]' },
        operationMetrics: { numTargetRowsUpdated: '3' },
        isolationLevel: 'Serializable',
        isBlindAppend: false,
        engineInfo: 'Apache-Spark/3.5.0 Delta-Lake/3.1.0',
        userMetadata: 'nightly',
        readVersion: 0,
      }),
      add('a.parquet'),
    ],
    T0 + 10,
  );
  await writeCommit(t, 2, [add('b.parquet')], T0 + 20);
  const [v2, v1] = await tableHistory(t.engine, t.root);
  assert.equal(v2.version, 2);
  assert.equal(v2.operation, null);
  assert.equal(v2.commitInfo, null);
  assert.deepEqual(v2.operationParameters, {});
  assert.equal(v2.timestamp, T0 + 20);
  assert.equal(v1.operation, 'MERGE');
  assert.deepEqual(v1.operationParameters, { predicate: '["id = 1"]' });
  assert.deepEqual(v1.operationMetrics, { numTargetRowsUpdated: '3' });
  assert.equal(v1.isolationLevel, 'Serializable');
  assert.equal(v1.isBlindAppend, false);
  assert.equal(v1.engineInfo, 'Apache-Spark/3.5.0 Delta-Lake/3.1.0');
  assert.equal(v1.userMetadata, 'nightly');
  assert.equal(v1.readVersion, 0);
});

test('history timestamps are monotonic and use in-commit timestamps', async () => {
  const t = memTable();
  await linearTable(t, 3, { mtimes: [T0, T0 - 50, T0 + 100] });
  await writeCommit(t, 3, [commitInfo('WRITE', { inCommitTimestamp: T0 + 5_000 }), add('x.parquet')], T0);
  const h = await tableHistory(t.engine, t.root);
  assert.deepEqual(h.map((e) => [e.version, e.timestamp]), [
    [3, T0 + 5_000],
    [2, T0 + 100],
    [1, T0 + 1],
    [0, T0],
  ]);
});

test('history after log cleanup lists the commits that are left', async () => {
  const t = memTable();
  await linearTable(t, 6);
  await writeClassicCheckpoint(t, 3, linearCheckpointActions(3));
  for (let v = 0; v < 3; v++) await deleteCommit(t, v);
  assert.deepEqual((await tableHistory(t.engine, t.root)).map((e) => e.version), [5, 4, 3]);
});

test('history of a missing table fails with DELTA_TABLE_NOT_FOUND', async () => {
  await rejectsWith(tableHistory(memTable().engine, 'mem:///none/'), 'DELTA_TABLE_NOT_FOUND');
});
