import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './helpers.js';
import { get, post, sql } from './api.js';

test('a job runs its SQL on demand and on its schedule; each run is recorded with its outcome', async () => {
  const s = await startServer();
  try {
    await sql(s.url, 'CREATE TABLE src (x INT) USING DELTA; CREATE TABLE dst (n BIGINT) USING DELTA; INSERT INTO src VALUES (1), (2)');
    const saved = await post(`${s.url}/api/2.0/jobs`, { name: 'Roll up', sql: 'INSERT INTO dst SELECT count(*) FROM src' });
    assert.equal(saved.status, 200, JSON.stringify(saved.json));
    const run = await post(`${s.url}/api/2.0/jobs/roll-up/run-now?wait=true`, {});
    assert.equal(run.json.status, 'SUCCEEDED');
    assert.equal(run.json.attempts, 1);
    assert.match(run.json.summary, /1 row/);
    await post(`${s.url}/api/2.0/jobs`, { name: 'Roll up', sql: 'INSERT INTO dst SELECT count(*) FROM src', schedule: '*/1 * * * * *' });
    const end = Date.now() + 10_000;
    while ((await get(`${s.url}/api/2.0/jobs/roll-up/runs`)).json.runs.filter((r: any) => r.trigger === 'schedule' && r.status === 'SUCCEEDED').length < 1) {
      if (Date.now() > end) throw new Error('no scheduled run');
      await new Promise((r) => setTimeout(r, 200));
    }
    await post(`${s.url}/api/2.0/jobs`, { name: 'Roll up', sql: 'INSERT INTO dst SELECT count(*) FROM src' });
    await new Promise((r) => setTimeout(r, 1200));
    const runs = (await get(`${s.url}/api/2.0/jobs/roll-up/runs`)).json.runs;
    assert.ok(runs.every((r: any) => r.status !== 'RUNNING'));
    const n = (await sql(s.url, 'SELECT count(*) FROM dst')).result.data_array[0][0];
    assert.equal(Number(n), runs.length);
  } finally {
    await s.close();
  }
});

test('a failing job is retried as it says, then FAILED with the error; invalid jobs are refused', async () => {
  const s = await startServer();
  try {
    await post(`${s.url}/api/2.0/jobs`, { name: 'broken', sql: 'INSERT INTO nowhere VALUES (1)', retries: 2, retry_delay_seconds: 0 });
    const run = await post(`${s.url}/api/2.0/jobs/broken/run-now?wait=true`, {});
    assert.equal(run.json.status, 'FAILED');
    assert.equal(run.json.attempts, 3);
    assert.match(run.json.error, /nowhere/);
    const runs = (await get(`${s.url}/api/2.0/jobs/broken/runs`)).json.runs;
    assert.deepEqual(runs.map((r: any) => [r.status, r.attempts]), [['FAILED', 3]]);
    const bad = await post(`${s.url}/api/2.0/jobs`, { name: 'x', sql: 'SELECT 1', retries: 9 });
    assert.equal(bad.json.error_code, 'LOCH_JOB_INVALID');
    assert.match(bad.json.message, /retries: 9/);
    assert.equal((await post(`${s.url}/api/2.0/jobs/nope/run-now`, {})).status, 404);
  } finally {
    await s.close();
  }
});
