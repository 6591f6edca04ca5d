import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Lakehouse } from '@loch/lakehouse';
import { startServer } from './helpers.js';
import { post } from './api.js';

test('requests that change data or configuration are recorded in console.audit: who, what, when, from where', async () => {
  const s = await startServer({ token: 'sesame' });
  const auth = { authorization: 'Bearer sesame' };
  try {
    await post(`${s.url}/api/2.0/sql/statements`, { statement: 'CREATE TABLE t (x INT) USING DELTA', wait_timeout: '30s' }, auth);
    await post(`${s.url}/api/2.0/ingest/t`, [{ x: 1 }], { ...auth, 'idempotency-key': 'k-1' });
    const refused = await post(`${s.url}/api/2.0/sql/statements`, { statement: 'DROP TABLE t' });
    assert.equal(refused.status, 401);
    await fetch(`${s.url}/api/2.0/dashboards`, { headers: auth });
  } finally {
    await s.server.stop();
  }
  const [r] = await Lakehouse.open(s.server.lake.dir).sql('SELECT principal, method, path, status, remote, detail, requested_at IS NOT NULL AS timed FROM console.audit ORDER BY requested_at, path');
  assert.deepEqual(r.rows, [
    { principal: 'token', method: 'POST', path: '/api/2.0/sql/statements', status: 200, remote: '127.0.0.1', detail: 'CREATE TABLE t (x INT) USING DELTA', timed: true },
    { principal: 'token', method: 'POST', path: '/api/2.0/ingest/t', status: 200, remote: '127.0.0.1', detail: 'Idempotency-Key: k-1', timed: true },
    { principal: 'refused', method: 'POST', path: '/api/2.0/sql/statements', status: 401, remote: '127.0.0.1', detail: null, timed: true },
  ]);
  const [t] = await Lakehouse.open(s.server.lake.dir).sql('SELECT count(*) AS n FROM t');
  assert.equal(Number(t.rows[0].n), 1, 'the refused DROP ran nothing');
  await s.close().catch(() => undefined);
});
