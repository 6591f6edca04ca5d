import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './helpers.js';
import { get, post, sql } from './api.js';

test('a statement runs synchronously: manifest with Spark types, rows as strings in JSON_ARRAY', async () => {
  const s = await startServer();
  try {
    await sql(s.url, 'CREATE TABLE events (id BIGINT, kind STRING, price DECIMAL(10,2), at TIMESTAMP) USING DELTA');
    const ins = await sql(s.url, "INSERT INTO events VALUES (1, 'play', 1.50, TIMESTAMP '2026-01-01 10:00:00'), (2, 'stop', NULL, NULL)");
    assert.equal(ins.status.state, 'SUCCEEDED');
    assert.match(ins.result.summary, /2 rows/);
    const r = await sql(s.url, 'SELECT id, kind, price FROM events ORDER BY id');
    assert.equal(r.status.state, 'SUCCEEDED');
    assert.match(r.statement_id, /^[0-9a-f-]{36}$/);
    assert.deepEqual(r.manifest.schema.columns.map((c: any) => [c.name, c.type_name, c.type_text]), [
      ['id', 'LONG', 'BIGINT'],
      ['kind', 'STRING', 'STRING'],
      ['price', 'DECIMAL', 'DECIMAL(10,2)'],
    ]);
    assert.equal(r.manifest.format, 'JSON_ARRAY');
    assert.equal(r.manifest.total_row_count, 2);
    assert.deepEqual(r.result.data_array, [['1', 'play', '1.50'], ['2', 'stop', null]]);
    const again = await get(`${s.url}/api/2.0/sql/statements/${r.statement_id}`);
    assert.deepEqual(again.json.result.data_array, r.result.data_array);
  } finally {
    await s.close();
  }
});

test('parameters bind :name markers as typed literals; strings cannot break out of their quotes', async () => {
  const s = await startServer();
  try {
    const r = await sql(s.url, "SELECT :n + 1 AS n1, :s AS s, ':x' AS lit, 2::int AS cast", {
      parameters: [{ name: 'n', value: '41', type: 'INT' }, { name: 's', value: "it's'; DROP TABLE x; --" }],
    });
    assert.deepEqual(r.result.data_array, [['42', "it's'; DROP TABLE x; --", ':x', '2']]);
    const missing = await post(`${s.url}/api/2.0/sql/statements`, { statement: 'SELECT :nope' });
    assert.equal(missing.status, 400);
    assert.equal(missing.json.error_code, 'INVALID_PARAMETER_VALUE');
    assert.match(missing.json.message, /:nope/);
  } finally {
    await s.close();
  }
});

test("a failing statement is FAILED with the code loch sql prints; a bad request is a 400 naming the field", async () => {
  const s = await startServer();
  try {
    const r = await sql(s.url, 'SELECT * FROM no_such_table');
    assert.equal(r.status.state, 'FAILED');
    assert.match(r.status.error.error_code, /^(LOCH|DELTA)_/);
    assert.match(r.status.error.message, /no_such_table/);
    const empty = await post(`${s.url}/api/2.0/sql/statements`, { statement: '  ' });
    assert.equal(empty.status, 400);
    assert.match(empty.json.message, /statement/);
    const wait = await post(`${s.url}/api/2.0/sql/statements`, { statement: 'SELECT 1', wait_timeout: '3s' });
    assert.equal(wait.status, 400);
    assert.match(wait.json.message, /wait_timeout/);
    const unknown = await get(`${s.url}/api/2.0/sql/statements/nope`);
    assert.equal(unknown.status, 404);
    assert.equal(unknown.json.error_code, 'RESOURCE_DOES_NOT_EXIST');
  } finally {
    await s.close();
  }
});

test('wait_timeout 0s answers at once; the statement is polled until it succeeds; results come in chunks', async () => {
  const s = await startServer({ modules: [] });
  try {
    const first = await post(`${s.url}/api/2.0/sql/statements`, { statement: 'SELECT id AS i FROM range(25000)', wait_timeout: '0s' });
    assert.equal(first.status, 200);
    assert.ok(['PENDING', 'RUNNING', 'SUCCEEDED'].includes(first.json.status.state));
    let r = first.json;
    for (let i = 0; i < 200 && r.status.state !== 'SUCCEEDED'; i++) {
      await new Promise((res) => setTimeout(res, 50));
      r = (await get(`${s.url}/api/2.0/sql/statements/${first.json.statement_id}`)).json;
    }
    assert.equal(r.status.state, 'SUCCEEDED');
    assert.equal(r.manifest.total_row_count, 25000);
    assert.equal(r.manifest.total_chunk_count, 3);
    assert.equal(r.result.row_count, 10000);
    assert.equal(r.result.next_chunk_index, 1);
    const last = await get(`${s.url}${r.result.next_chunk_internal_link.replace(/\/1$/, '/2')}`);
    assert.equal(last.json.chunk_index, 2);
    assert.equal(last.json.row_offset, 20000);
    assert.equal(last.json.data_array.length, 5000);
    assert.equal(last.json.data_array[4999][0], '24999');
    assert.equal(last.json.next_chunk_index, undefined);
    const limited = await sql(s.url, 'SELECT id AS i FROM range(100)', { row_limit: 10 });
    assert.equal(limited.manifest.total_row_count, 10);
    assert.equal(limited.manifest.truncated, true);
  } finally {
    await s.close();
  }
});

test('a running statement is cancelled: CANCELED, and its result never appears', async () => {
  const s = await startServer();
  try {
    const slow = 'SELECT count(*) AS n FROM range(400000000) a WHERE a.id % 7 = 3';
    const first = await post(`${s.url}/api/2.0/sql/statements`, { statement: slow, wait_timeout: '0s' });
    const id = first.json.statement_id;
    const cancel = await post(`${s.url}/api/2.0/sql/statements/${id}/cancel`, {});
    assert.equal(cancel.status, 200);
    const r = (await get(`${s.url}/api/2.0/sql/statements/${id}`)).json;
    assert.equal(r.status.state, 'CANCELED');
    assert.equal(r.result, undefined);
    const onTimeout = await post(`${s.url}/api/2.0/sql/statements`, { statement: slow, wait_timeout: '5s', on_wait_timeout: 'CANCEL' });
    assert.ok(['CANCELED', 'SUCCEEDED'].includes(onTimeout.json.status.state));
  } finally {
    await s.close();
  }
});

test('format ARROW_STREAM gives each chunk as a base64 Arrow IPC stream with the Delta types', async () => {
  const s = await startServer();
  try {
    const r = await sql(s.url, "SELECT id, CAST(id AS DECIMAL(10,2)) AS d, 'x' || id AS t FROM range(3)", { format: 'ARROW_STREAM' });
    assert.equal(r.manifest.format, 'ARROW_STREAM');
    assert.equal(r.result.data_array, undefined);
    const { tableFromIPC } = await import('apache-arrow');
    const table = tableFromIPC(Buffer.from(r.result.attachment, 'base64'));
    assert.equal(table.numRows, 3);
    assert.deepEqual(table.schema.fields.map((f) => f.name), ['id', 'd', 't']);
    assert.equal(String(table.getChild('t')!.get(2)), 'x2');
    const bad = await post(`${s.url}/api/2.0/sql/statements`, { statement: 'SELECT 1', format: 'CSV' });
    assert.equal(bad.status, 400);
    assert.match(bad.json.message, /format: 'CSV'/);
  } finally {
    await s.close();
  }
});

test('cancel interrupts DuckDB: a query that would run for hours stops, and the server can close', { timeout: 120_000 }, async () => {
  const s = await startServer();
  let closed = false;
  try {
    // 10^12 rows joined and hashed: hours of work, unless DuckDB is interrupted.
    const endless = 'SELECT sum(hash(a.id * 1000003 + b.id)) AS h FROM range(1000000) a(id), range(1000000) b(id)';
    const first = await post(`${s.url}/api/2.0/sql/statements`, { statement: endless, wait_timeout: '0s' });
    const id = first.json.statement_id;
    let r = first.json;
    for (let i = 0; i < 100 && r.status.state === 'PENDING'; i++) {
      await new Promise((res) => setTimeout(res, 20));
      r = (await get(`${s.url}/api/2.0/sql/statements/${id}`)).json;
    }
    assert.equal(r.status.state, 'RUNNING');
    // Let DuckDB get well into it.
    await new Promise((res) => setTimeout(res, 500));
    assert.equal((await get(`${s.url}/api/2.0/sql/statements/${id}`)).json.status.state, 'RUNNING');
    assert.equal((await post(`${s.url}/api/2.0/sql/statements/${id}/cancel`, {})).status, 200);
    assert.equal((await get(`${s.url}/api/2.0/sql/statements/${id}`)).json.status.state, 'CANCELED');
    // The server goes on answering queries.
    assert.deepEqual((await sql(s.url, 'SELECT 41 + 1 AS n')).result.data_array, [['42']]);
    // Stopping waits for every statement whose run has not settled, the cancelled one included:
    // it returns only because DuckDB stopped executing the query.
    await s.close();
    closed = true;
  } finally {
    if (!closed) await s.close();
  }
});

test('a script cancelled in its first statement starts none of the others; a write interrupted before its commit leaves the table as it was', { timeout: 120_000 }, async () => {
  const s = await startServer();
  try {
    await sql(s.url, 'CREATE TABLE t (h BIGINT) USING DELTA');
    const script = 'INSERT INTO t SELECT hash(a.id * 1000003 + b.id) FROM range(1000000) a(id), range(1000000) b(id) WHERE a.id = b.id + 1 OR a.id * b.id = 7; INSERT INTO t VALUES (1)';
    const first = await post(`${s.url}/api/2.0/sql/statements`, { statement: script, wait_timeout: '0s' });
    await new Promise((res) => setTimeout(res, 700));
    await post(`${s.url}/api/2.0/sql/statements/${first.json.statement_id}/cancel`, {});
    const history = await sql(s.url, 'DESCRIBE HISTORY t');
    assert.equal(history.manifest.total_row_count, 1, 'only CREATE TABLE was committed');
    assert.deepEqual((await sql(s.url, 'SELECT count(*) AS n FROM t')).result.data_array, [['0']]);
  } finally {
    await s.close();
  }
});
