import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeltaTable, Lakehouse } from '@loch/lakehouse/core';
import { TrackingStore } from '../src/index.js';

async function withLake(fn: (lake: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'loch-storage-'));
  try {
    await fn(join(dir, 'lake'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('requests that arrive together share one Delta commit', () =>
  withLake(async (lake) => {
    const store = await TrackingStore.open(lake);
    const { run } = (await store.call('POST', 'runs/create', {})) as any;
    const metrics = DeltaTable.forPath(join(lake, 'mlflow.db', 'metrics'));
    const before = (await metrics.snapshot()).version;
    await Promise.all(Array.from({ length: 50 }, (_, step) => store.call('POST', 'runs/log-metric', { run_id: run.info.run_id, key: 'm', value: step, timestamp: 1, step })));
    const commits = (await metrics.snapshot()).version - before;
    assert.ok(commits >= 1 && commits <= 2, `50 concurrent requests took ${commits} commits`);
    const history = (await store.call('GET', 'metrics/get-history', { run_id: run.info.run_id, metric_key: 'm' })) as any;
    assert.equal(history.metrics.length, 50);
    const [last] = (await metrics.history(1));
    assert.equal(last.operation, 'WRITE');
    assert.equal(last.isBlindAppend, true);
    await store.close();
  }));

test('the store compacts and checkpoints its tables as they grow, and nothing is lost', () =>
  withLake(async (lake) => {
    const store = await TrackingStore.open(lake, { maintenance: { compactAfterFiles: 8 } });
    const { run } = (await store.call('POST', 'runs/create', {})) as any;
    for (let step = 0; step < 40; step++) await store.call('POST', 'runs/log-metric', { run_id: run.info.run_id, key: 'm', value: step, timestamp: 1, step });
    for (let i = 0; i < 20; i++) await store.call('POST', 'runs/set-tag', { run_id: run.info.run_id, key: 'same', value: String(i) });
    await store.close();
    const metrics = DeltaTable.forPath(join(lake, 'mlflow.db', 'metrics'));
    const snapshot = await metrics.snapshot();
    assert.ok(snapshot.files.length <= 8, `${snapshot.files.length} files after 40 appends`);
    assert.ok((await metrics.history()).some((h) => h.operation === 'OPTIMIZE'));
    assert.ok((await readdir(join(lake, 'mlflow.db', 'metrics', '_delta_log'))).some((f) => f.endsWith('.checkpoint.parquet')));
    const [rows] = await Lakehouse.open(lake).sql("SELECT count(*) AS n, sum(value) AS total FROM mlflow.metrics");
    assert.deepEqual(rows.rows, [{ n: 40, total: 780 }]);
    const [tags] = await Lakehouse.open(lake).sql("SELECT value FROM mlflow.tags WHERE key = 'same'");
    assert.deepEqual(tags.rows, [{ value: '19' }], 'a replaced tag leaves one row');
    const reopened = await TrackingStore.open(lake);
    const got = (await reopened.call('GET', 'runs/get', { run_id: run.info.run_id })) as any;
    assert.deepEqual(got.run.data.metrics, [{ key: 'm', value: 39, timestamp: 1, step: 39 }]);
    await reopened.close();
  }));

test('two stores on one lake (two processes) see what the other wrote after a refresh', () =>
  withLake(async (lake) => {
    const a = await TrackingStore.open(lake);
    const b = await TrackingStore.open(lake);
    const { run } = (await a.call('POST', 'runs/create', { run_name: 'from-a' })) as any;
    await a.call('POST', 'runs/log-metric', { run_id: run.info.run_id, key: 'm', value: 1, timestamp: 1 });
    // b has not read it yet: a request naming it makes b read the changed tables.
    const got = (await b.call('GET', 'runs/get', { run_id: run.info.run_id })) as any;
    assert.equal(got.run.info.run_name, 'from-a');
    await b.call('POST', 'runs/log-metric', { run_id: run.info.run_id, key: 'm', value: 2, timestamp: 2 });
    await b.call('POST', 'runs/update', { run_id: run.info.run_id, status: 'FINISHED' });
    assert.equal(await a.refresh(), true);
    const seen = (await a.call('POST', 'runs/search', { experiment_ids: ['0'], filter: 'metrics.m = 2' })) as any;
    assert.equal(seen.runs[0].info.status, 'FINISHED');
    await Promise.all([a.close(), b.close()]);
  }));
