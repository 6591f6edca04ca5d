import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './helpers.js';

test('the server binds 127.0.0.1 by default, answers MLflow JSON, and stops cleanly', async () => {
  const s = await startServer();
  try {
    assert.match(s.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const created = await s.call('POST', 'experiments/create', { name: 'skeleton' });
    assert.equal(created.status, 200);
    const got = await s.call('GET', 'experiments/get', { experiment_id: created.json.experiment_id });
    assert.equal(got.json.experiment.name, 'skeleton');
    const ajax = await fetch(`${s.url}/ajax-api/2.0/mlflow/experiments/get?experiment_id=0`);
    assert.equal(((await ajax.json()) as any).experiment.name, 'Default');
    const missing = await s.call('GET', 'experiments/get', { experiment_id: '999' });
    assert.equal(missing.status, 404);
    assert.equal(missing.json.error_code, 'RESOURCE_DOES_NOT_EXIST');
    const noRoute = await s.call('GET', 'no/such/endpoint');
    assert.equal(noRoute.status, 404);
    assert.equal(noRoute.json.error_code, 'ENDPOINT_NOT_FOUND');
    const malformed = await fetch(`${s.url}/api/2.0/mlflow/experiments/create`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":' });
    assert.equal(malformed.status, 400);
    assert.equal(((await malformed.json()) as any).error_code, 'BAD_REQUEST');
  } finally {
    await s.close();
  }
  await s.server.closed;
});

test('a server started with a token refuses requests without it', async () => {
  const s = await startServer({ token: 'sesame' });
  try {
    const r = await fetch(`${s.url}/api/2.0/mlflow/experiments/get?experiment_id=0`);
    assert.equal(r.status, 401);
    assert.equal(((await r.json()) as any).error_code, 'UNAUTHENTICATED');
    const ok = await fetch(`${s.url}/api/2.0/mlflow/experiments/get?experiment_id=0`, { headers: { authorization: 'Bearer sesame' } });
    assert.equal(ok.status, 200);
  } finally {
    await s.close();
  }
});

test('modules mount their routes on the same app', async () => {
  const s = await startServer({ modules: [{ name: 'hello', register: (app, ctx) => void app.get('/hello', async () => ({ lake: ctx.lake.dir })) }] });
  try {
    const r = await fetch(`${s.url}/hello`);
    assert.equal(((await r.json()) as any).lake, s.server.lake.dir);
  } finally {
    await s.close();
  }
});

test("bare NaN and Infinity, as Python's json writes them, are read as MLflow's NaN and Infinity", async () => {
  const s = await startServer();
  try {
    const { json } = await s.call('POST', 'runs/create', { experiment_id: '0' });
    const id = json.run.info.run_id;
    const body = `{"run_id": "${id}", "metrics": [{"key": "a", "value": NaN, "timestamp": 1, "step": 0}, {"key": "b", "value": -Infinity, "timestamp": 1, "step": 0}], "tags": [{"key": "t", "value": "NaN stays text"}]}`;
    const r = await fetch(`${s.url}/api/2.0/mlflow/runs/log-batch`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    assert.equal(r.status, 200, await r.text());
    const run = (await s.call('GET', 'runs/get', { run_id: id })).json.run;
    assert.deepEqual(Object.fromEntries(run.data.metrics.map((m: any) => [m.key, m.value])), { a: 'NaN', b: '-Infinity' });
    assert.equal(run.data.tags.find((t: any) => t.key === 't').value, 'NaN stays text');
  } finally {
    await s.close();
  }
});
