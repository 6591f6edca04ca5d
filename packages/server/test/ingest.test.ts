import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './helpers.js';
import { get, post, sql } from './api.js';

const ndjson = (rows: object[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

test('ingest appends NDJSON and JSON arrays in one commit each; the table is made by the first', async () => {
  const s = await startServer();
  try {
    const lines = ndjson([{ id: 1, kind: 'play' }, { id: 2, kind: 'pause' }]);
    const a = await post(`${s.url}/api/2.0/ingest/events`, lines, { 'content-type': 'application/x-ndjson' });
    assert.equal(a.status, 200, JSON.stringify(a.json));
    assert.deepEqual(a.json, { table: 'events', status: 'COMMITTED', num_rows: 2, version: 0 });
    const b = await post(`${s.url}/api/2.0/ingest/events`, [{ id: 3, kind: 'stop' }]);
    assert.equal(b.json.version, 1);
    const r = await sql(s.url, 'SELECT count(*) AS n, max(id) AS m FROM events');
    assert.deepEqual(r.result.data_array, [['3', '3']]);
    const history = await get(`${s.url}/api/2.0/lake/tables/events/history`);
    assert.deepEqual(history.json.history.map((h: any) => h.version), [1, 0]);
  } finally {
    await s.close();
  }
});

test('an Idempotency-Key lands a retried request once, also after a restart of the server', async () => {
  const s = await startServer();
  try {
    await sql(s.url, 'CREATE SCHEMA qos; CREATE TABLE qos.player_events (id BIGINT, kind STRING) USING DELTA');
    const body = ndjson([{ id: 1, kind: 'play' }, { id: 2, kind: 'stop' }]);
    const headers = { 'content-type': 'application/x-ndjson', 'idempotency-key': 'batch-0001' };
    const first = await post(`${s.url}/api/2.0/ingest/qos.player_events`, body, headers);
    assert.equal(first.json.status, 'COMMITTED');
    const retries = await Promise.all([1, 2, 3].map(() => post(`${s.url}/api/2.0/ingest/qos.player_events`, body, headers)));
    for (const r of retries) assert.deepEqual(r.json, { table: 'qos.player_events', status: 'DUPLICATE', num_rows: 0 });
    const other = await post(`${s.url}/api/2.0/ingest/qos.player_events`, body, { ...headers, 'idempotency-key': 'batch-0002' });
    assert.equal(other.json.status, 'COMMITTED');
    const r = await sql(s.url, 'SELECT count(*) FROM qos.player_events');
    assert.deepEqual(r.result.data_array, [['4']]);
  } finally {
    await s.server.stop();
  }
  const { createServer } = await import('../src/index.js');
  const again = createServer({ lake: s.server.lake.dir, port: 0 });
  const url = await again.start();
  try {
    const body = ndjson([{ id: 1, kind: 'play' }, { id: 2, kind: 'stop' }]);
    const retry = await post(`${url}/api/2.0/ingest/qos.player_events`, body, { 'content-type': 'application/x-ndjson', 'idempotency-key': 'batch-0001' });
    assert.equal(retry.json.status, 'DUPLICATE');
  } finally {
    await again.stop();
    await s.close().catch(() => undefined);
  }
});

test('ingest enforces the schema with the errors of writes and refuses bad names and bodies', async () => {
  const s = await startServer();
  try {
    await sql(s.url, 'CREATE TABLE strict_t (id BIGINT NOT NULL, kind STRING) USING DELTA');
    const wrongType = await post(`${s.url}/api/2.0/ingest/strict_t`, [{ id: 'not a number', kind: 'x' }]);
    assert.equal(wrongType.status, 400, JSON.stringify(wrongType.json));
    assert.match(wrongType.json.error_code, /^(DELTA|LOCH)_/);
    const extra = await post(`${s.url}/api/2.0/ingest/strict_t`, [{ id: 1, kind: 'x', surprise: true }]);
    assert.equal(extra.status, 400);
    assert.match(extra.json.message, /surprise/);
    const nullId = await post(`${s.url}/api/2.0/ingest/strict_t`, [{ id: null, kind: 'x' }]);
    assert.equal(nullId.status, 400);
    assert.match(nullId.json.message, /id/);
    for (const name of ['..%2F..%2Fetc', 'a.b.c.d', '%2Ftmp%2Fx']) {
      const r = await post(`${s.url}/api/2.0/ingest/${name}`, [{ id: 1 }]);
      assert.equal(r.status, 400, name);
      assert.equal(r.json.error_code, 'INVALID_PARAMETER_VALUE');
    }
    const badLine = await post(`${s.url}/api/2.0/ingest/strict_t`, '{"id": 1}\n{oops\n', { 'content-type': 'application/x-ndjson' });
    assert.equal(badLine.status, 400);
    assert.match(badLine.json.message, /line 2/);
    const r = await sql(s.url, 'SELECT count(*) FROM strict_t');
    assert.deepEqual(r.result.data_array, [['0']]);
  } finally {
    await s.close();
  }
});

test('NDJSON goes to DuckDB as it came: the same types as parsed rows, exact big integers, the same schema errors', async () => {
  const s = await startServer();
  const nd = { 'content-type': 'application/x-ndjson' };
  try {
    const row = { id: 1, at: '2026-12-07T07:00:00Z', kind: 'play', ratio: 0.5, ok: true, tags: ['a'] };
    assert.equal((await post(`${s.url}/api/2.0/ingest/via_lines`, ndjson([row]), nd)).json.num_rows, 1);
    assert.equal((await post(`${s.url}/api/2.0/ingest/via_array`, [row])).json.num_rows, 1);
    const columns = async (t: string) => (await get(`${s.url}/api/2.1/unity-catalog/tables/default.${t}`)).json.columns.map((c: any) => `${c.name} ${c.type_text}`);
    assert.deepEqual(await columns('via_lines'), await columns('via_array'));
    assert.ok((await columns('via_lines')).includes('at TIMESTAMP'), 'an instant, as for parsed rows');
    await post(`${s.url}/api/2.0/ingest/big`, '{"id": 9007199254740993}\n{"id": 2}\n', nd);
    assert.deepEqual((await sql(s.url, 'SELECT CAST(max(id) AS STRING) FROM big')).result.data_array, [['9007199254740993']]);

    await sql(s.url, 'CREATE TABLE strict_t (id BIGINT NOT NULL, kind STRING) USING DELTA');
    const wrongType = await post(`${s.url}/api/2.0/ingest/strict_t`, ndjson([{ id: 'not a number', kind: 'x' }]), nd);
    assert.equal(wrongType.status, 400, JSON.stringify(wrongType.json));
    assert.match(wrongType.json.error_code, /^(DELTA|LOCH)_/);
    const extra = await post(`${s.url}/api/2.0/ingest/strict_t`, ndjson([{ id: 1, kind: 'x' }, { id: 2, kind: 'y', surprise: true }]), nd);
    assert.equal(extra.status, 400);
    assert.match(extra.json.message, /surprise/);
    const nullId = await post(`${s.url}/api/2.0/ingest/strict_t`, ndjson([{ id: 1, kind: 'x' }, { id: null, kind: 'x' }]), nd);
    assert.equal(nullId.status, 400);
    assert.match(nullId.json.message, /id/);
    const notObject = await post(`${s.url}/api/2.0/ingest/strict_t`, '{"id": 1}\n[1, 2]\n', nd);
    assert.equal(notObject.status, 400);
    assert.match(notObject.json.message, /event 2 is not a JSON object/);
    const empty = await post(`${s.url}/api/2.0/ingest/strict_t`, '\n  \n', nd);
    assert.deepEqual(empty.json, { table: 'strict_t', status: 'EMPTY', num_rows: 0 });
    const ok = await post(`${s.url}/api/2.0/ingest/strict_t`, '{"id": 1, "kind": "x"}\r\n\r\n{"id": 2}\n', nd);
    assert.equal(ok.json.num_rows, 2, JSON.stringify(ok.json));
    assert.deepEqual((await sql(s.url, 'SELECT count(*), count(kind) FROM strict_t')).result.data_array, [['2', '1']]);
  } finally {
    await s.close();
  }
});
