import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Lakehouse, SqlError } from '@loch/lakehouse';
import { withConnection } from '@loch/engine-node';
import type { Vector } from 'apache-arrow';

const module = new URL('./shares-fn.js', import.meta.url).href;
const schema = 'k string, j int, n long, total double, thread int';

/** A lake with `events`: 30 groups by (k, j), k NULL in some rows, v the row's number. */
async function lake() {
  const dir = await mkdtemp(join(tmpdir(), 'loch-udf-shares-'));
  const l = Lakehouse.open(dir);
  await l.sql(`CREATE TABLE events (k STRING, j INT, v DOUBLE) USING DELTA;
    INSERT INTO events SELECT CASE WHEN id % 13 = 0 THEN NULL ELSE 'g' || (id % 9) END, (id % 3)::INT, id FROM range(6000)`);
  return { l, done: () => rm(dir, { recursive: true, force: true }) };
}

const expected = (l: Lakehouse, from = 'events', v = 'v') => l.sql(`SELECT k, j, count(*) AS n, sum(${v}) AS total FROM ${from} GROUP BY k, j ORDER BY k, j`).then(([r]) => r.rows);
const keyed = (rows: readonly Record<string, unknown>[]) => rows.map(({ k, j, n, total }) => ({ k, j, n, total }));
/** How often the thread changes from one group to the next (in result order). */
const switches = (rows: readonly Record<string, unknown>[]) => rows.filter((r, i) => i > 0 && r.thread !== rows[i - 1].thread).length;

test('grouped map workers read their own shares: results equal SQL, several keys with a NULL key, in key order, a range of keys per worker, threads kept warm for the next query', async () => {
  const { l, done } = await lake();
  try {
    const want = await expected(l);
    assert.equal(want[0].k, null, 'the NULL key sorts first');
    const got = await l.read('events').groupBy('k', 'j').applyInArrow({ module, export: 'count' }, schema, { workers: 2 }).toRows();
    assert.deepEqual(keyed(got), want);
    // Each of the two workers read one range of keys: the thread changes once, in key order.
    assert.equal(new Set(got.map((r) => r.thread)).size, 2);
    assert.equal(switches(got), 1);
    // The next query of as many workers runs on the same (warm) threads.
    const again = await l.read('events').groupBy('k', 'j').applyInArrow({ module, export: 'count' }, schema, { workers: 2 }).toRows();
    assert.deepEqual(keyed(again), want);
    assert.deepEqual(new Set(again.map((r) => r.thread)), new Set(got.map((r) => r.thread)));
    // One worker reads it all; three split it in three ranges.
    const one = await l.read('events').groupBy('k', 'j').applyInArrow({ module, export: 'count' }, schema, { workers: 1 }).toRows();
    assert.deepEqual(keyed(one), want);
    const three = await l.read('events').groupBy('k', 'j').applyInArrow({ module, export: 'count' }, schema, { workers: 3 }).toRows();
    assert.deepEqual(keyed(three), want);
    assert.equal(switches(three), 2);
    // A key in Spark's SQL, planned as the calling session plans it (nvl is Spark's coalesce).
    const named = await l.read('events').groupBy("nvl(k, 'none')").applyInArrow({ module, export: 'count' }, 'k string, n long, total double, thread int', { workers: 2 }).toRows();
    const [byName] = await l.sql("SELECT count(*) AS n, sum(v) AS total FROM events GROUP BY coalesce(k, 'none') ORDER BY coalesce(k, 'none')");
    assert.deepEqual(named.map(({ n, total }) => ({ n, total })), byName.rows);
    assert.equal(switches(named), 1);
    // No rows: no groups.
    const none = await l.read('events').filter('v < 0').groupBy('k', 'j').applyInArrow({ module, export: 'count' }, schema, { workers: 2 }).toRows();
    assert.deepEqual(none, []);
  } finally {
    await done();
  }
});

test('grouped map workers: every column as SQL has it (a capital and a space in names, structs, lists, decimals, NULLs), groups of a double key with NULL and NaN and a string key in SQL\'s order', async () => {
  const { l, done } = await lake();
  try {
    const input = l.query(`SELECT CASE WHEN v % 7 = 0 THEN NULL WHEN v % 7 = 1 THEN 'NaN'::DOUBLE ELSE (v % 5)::DOUBLE END AS d, k AS \`K\`, j AS \`a b\`,
      {'x': v, 'y': k} AS s, [v, v + 1] AS l, (v / 8)::DECIMAL(12, 3) AS m, v FROM events`);
    const schema = 'd double, K string, `a b` int, s struct<x: double, y: string>, l array<double>, m decimal(12,3), v double, group_rows int';
    const [sql] = await l.sql(`SELECT *, CAST(count(*) OVER (PARTITION BY d, K) AS INT) AS group_rows FROM (${input.toSql()}) AS i ORDER BY d, K, v`);
    const canonical = (rows: readonly Record<string, unknown>[]) => rows.map((r) => JSON.stringify(r, (_, x) => (typeof x === 'bigint' ? String(x) : typeof x === 'number' && Number.isNaN(x) ? 'NaN' : x)));
    const byKey = (rows: readonly Record<string, unknown>[]) => canonical(rows.map((r) => ({ d: r.d, K: r.K })));
    for (const workers of [1, 2]) {
      const got = await input.groupBy('d', 'K').applyInArrow({ module, export: 'echo' }, schema, { workers }).toRows();
      // Groups in SQL's key order (rows within a group in no particular order).
      assert.deepEqual(byKey(got), byKey(sql.rows), `${workers} workers`);
      assert.deepEqual(canonical(got).sort(), canonical(sql.rows).sort(), `${workers} workers`);
    }
  } finally {
    await done();
  }
});

test('grouped map on the calling thread: every column as SQL has it, in key order; where DuckDB cannot hold the groups at once, the rows sorted by key instead', async () => {
  const { l, done } = await lake();
  try {
    // A session variable keeps the input on the calling thread.
    const input = l.query(`SELECT CASE WHEN v % 7 = 0 THEN NULL ELSE (v % 5)::DOUBLE END AS d, k AS \`K\`, {'x': v, 'y': k} AS s, [v, v + 1] AS l, v FROM events WHERE getvariable('loch_test_unset') IS NULL`);
    const schema = 'd double, K string, s struct<x: double, y: string>, l array<double>, v double, group_rows int';
    const [sql] = await l.sql(`SELECT *, CAST(count(*) OVER (PARTITION BY d, K) AS INT) AS group_rows FROM (${input.toSql()}) AS i ORDER BY d, K, v`);
    const canonical = (rows: readonly Record<string, unknown>[]) => rows.map((r) => JSON.stringify(r, (_, x) => (typeof x === 'bigint' ? String(x) : x)));
    const byKey = (rows: readonly Record<string, unknown>[]) => canonical(rows.map((r) => ({ d: r.d, K: r.K })));
    const module = await import('./shares-fn.js');
    for (const fn of [{ module: new URL('./shares-fn.js', import.meta.url).href, export: 'echo' }, module.echo]) {
      const got = await input.groupBy('d', 'K').applyInArrow(fn, schema, { workers: 2 }).toRows();
      assert.deepEqual(byKey(got), byKey(sql.rows));
      assert.deepEqual(canonical(got).sort(), canonical(sql.rows).sort());
    }
    // 4M rows in 10 groups: DuckDB cannot hold their lists in 48 MB, but can sort the rows (spilling).
    const big = l.query("SELECT id % 10 AS k, id::DOUBLE AS v FROM range(4000000) WHERE getvariable('loch_test_unset') IS NULL");
    const limit = await withConnection(async (c) => (await c.runAndReadAll("SELECT current_setting('memory_limit')")).getRows()[0][0] as string);
    await withConnection((c) => c.run("SET memory_limit = '48MB'"));
    try {
      await assert.rejects(l.query(`SELECT k, list(v) FROM (${big.toSql()}) GROUP BY k`).toRows(), /Out of Memory/);
      const sums = await big.groupBy('k').applyInArrow(module.count, 'k long, n long, total double, thread int').toRows();
      assert.deepEqual(sums.map(({ k, n, total }) => ({ k, n, total })), Array.from({ length: 10 }, (_, k) => ({ k, n: 400_000, total: 400_000 * k + (10 * 399_999 * 400_000) / 2 })));
    } finally {
      await withConnection((c) => c.run(`SET memory_limit = '${limit}'`));
    }
  } finally {
    await done();
  }
});

test('grouped map workers: struct keys split by their sort keys, in key order', async () => {
  const { l, done } = await lake();
  try {
    const input = l.query("SELECT {'b': j, 'a': k} AS s, v FROM events");
    const got = await input.groupBy('s').applyInArrow({ module, export: 'count' }, 's struct<b: int, a: string>, n long, total double, thread int', { workers: 2 }).toRows();
    const [want] = await l.sql("SELECT {'b': j, 'a': k} AS s, count(*) AS n, sum(v) AS total FROM events GROUP BY s ORDER BY s");
    assert.deepEqual(got.map(({ s, n, total }) => ({ s, n, total })), want.rows);
    assert.equal(switches(got), 1);
  } finally {
    await done();
  }
});

test('grouped map input only the calling session can run is read on the calling thread: a user function, random()', async () => {
  const { l, done } = await lake();
  try {
    l.udf.register('twice', (x: Vector) => Array.from({ length: x.length }, (_, i) => Number(x.get(i)) * 2), { returns: 'double', args: ['double'] });
    const got = await l.query('SELECT k, j, twice(v) AS v FROM events').groupBy('k', 'j').applyInArrow({ module, export: 'count' }, schema, { workers: 2 }).toRows();
    assert.deepEqual(keyed(got), await expected(l, 'events', '2 * v'));
    // The calling thread hands its one run of groups (fewer rows than a run) to one worker.
    assert.equal(switches(got), 0);
    const random = await l.query('SELECT k, j, v, random() AS r FROM events').groupBy('k', 'j').applyInArrow({ module, export: 'count' }, 'k string, j int, n long, total double, r double, thread int', { workers: 2 }).toRows();
    assert.deepEqual(keyed(random), await expected(l));
    assert.equal(switches(random), 0);
  } finally {
    await done();
  }
});

test('grouped map workers: a failing group fails the query naming the function and group, nothing left behind; a failing read fails as the query does', async () => {
  const { l, done } = await lake();
  try {
    await assert.rejects(l.read('events').groupBy('k', 'j').applyInArrow({ module, export: 'failOn' }, schema, { workers: 2 }).toRows(), (e: unknown) => {
      assert.ok(e instanceof SqlError, String(e));
      assert.equal(e.code, 'LOCH_UDF_FAILED');
      assert.match(e.message, /applyInArrow function .*shares-fn.js#failOn failed on the group k = g7, j = \d: no g7/);
      return true;
    });
    const [r] = await l.sql("SELECT count(*) AS n FROM duckdb_tables() WHERE schema_name = 'loch_udf'");
    assert.equal(r.rows[0].n, 0);
    const bad = "SELECT k, j, v, CASE WHEN v = 5990 THEN error('bad row 5990') END AS bad FROM events";
    const plain = await l.query(bad).toRows().then(() => undefined, (e: unknown) => e as SqlError);
    assert.ok(plain instanceof SqlError);
    await assert.rejects(l.query(bad).groupBy('k', 'j').applyInArrow({ module, export: 'count' }, schema, { workers: 2 }).toRows(), (e: unknown) => {
      assert.ok(e instanceof SqlError, String(e));
      assert.equal(e.code, plain.code);
      assert.equal(e.message, plain.message);
      return true;
    });
  } finally {
    await done();
  }
});
