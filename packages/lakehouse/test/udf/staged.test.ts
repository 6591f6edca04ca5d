import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Lakehouse, SqlError } from '@loch/lakehouse';
import type { Vector } from 'apache-arrow';

/**
 * Vectorized scalar UDFs run as a stage of their own (the default; `loch.udf.staged` = false opts out): the function sees batches of up to
 * maxRecordsPerBatch rows (Spark's 10,000 by default) gathered across DuckDB's 2,048-row chunks;
 * called as a DuckDB scalar function (the fallback), it sees each chunk. The batch sizes a
 * function records tell which path a query took.
 */
async function lake() {
  const dir = await mkdtemp(join(tmpdir(), 'loch-staged-'));
  const l = Lakehouse.open(dir, { conf: { 'loch.udf.staged': 'true' } });
  await l.sql(`CREATE TABLE t (id BIGINT, x DOUBLE, s STRING, d DATE) USING DELTA;
    INSERT INTO t SELECT id, CASE WHEN id % 5 = 0 THEN NULL ELSE id / 2 END, 'row ' || id, DATE '2024-01-01' + (id % 30)::INT FROM range(30000)`);
  const seen: number[] = [];
  // x + 1, NULL staying NULL; records each batch's size.
  const plus = l.udf.register('plus_one', (x: Vector) => {
    seen.push(x.length);
    return Array.from({ length: x.length }, (_, i) => (x.isValid(i) ? (x.get(i) as number) + 1 : null));
  }, { returns: 'double', args: ['double'] });
  l.udf.register('is_even', (x: Vector) => {
    seen.push(x.length);
    return Array.from({ length: x.length }, (_, i) => (x.isValid(i) ? Number(x.get(i)) % 2 === 0 : null));
  }, { returns: 'boolean', args: ['long'] });
  return { l, seen, plus, done: () => rm(dir, { recursive: true, force: true }) };
}

const staged = (seen: readonly number[], rows: number) => seen.length > 0 && seen.every((n) => n <= 10_000) && Math.max(...seen) > 2048 && seen.reduce((a, b) => a + b, 0) === rows;
const chunked = (seen: readonly number[]) => seen.length > 0 && Math.max(...seen) <= 2048;

test('staged UDF calls: select list, WHERE, nested in expressions, aggregates, GROUP BY and ORDER BY; NULLs; names; row order', async () => {
  const { l, seen, done } = await lake();
  try {
    // In the select list, unaliased (the column keeps the call's name), over rows in their order.
    const [r1] = await l.sql('SELECT id, plus_one(x) FROM t');
    assert.deepEqual(r1.columns.map((c) => c.name), ['id', 'plus_one(x)']);
    assert.equal(r1.rows.length, 30000);
    assert.ok(r1.rows.every((row, i) => row.id === i && row['plus_one(x)'] === (i % 5 === 0 ? null : i / 2 + 1)));
    assert.ok(staged(seen, 30000), `batches ${seen.join(',')}`);

    // In WHERE: the conjunct without a UDF runs first, so the function sees only the rows it keeps.
    seen.length = 0;
    const [r2] = await l.sql('SELECT t.id, d FROM t WHERE t.id >= 20000 AND is_even(id) AND plus_one(x) > 10005 ORDER BY id');
    assert.deepEqual(r2.rows.slice(0, 3), [{ id: 20012, d: '2024-01-03' }, { id: 20014, d: '2024-01-05' }, { id: 20016, d: '2024-01-07' }]);
    assert.ok(staged(seen, 2 * 10000), `batches ${seen.join(',')}`);

    // Nested in expressions and aggregates, one call for the same call written twice, GROUP BY and ORDER BY a call.
    seen.length = 0;
    const [r3] = await l.sql(`SELECT is_even(id) AS even, count(*) AS n, sum(plus_one(x) * 2) AS s, count(plus_one(x)) AS valid
      FROM t GROUP BY is_even(id) ORDER BY is_even(id)`);
    const ids = Array.from({ length: 30000 }, (_, i) => i);
    const sumFor = (even: boolean) => ids.filter((i) => i % 2 === (even ? 0 : 1) && i % 5 !== 0).reduce((a, i) => a + (i / 2 + 1) * 2, 0);
    assert.deepEqual(r3.rows, [
      { even: false, n: 15000, s: sumFor(false), valid: 12000 },
      { even: true, n: 15000, s: sumFor(true), valid: 12000 },
    ]);
    assert.equal(seen.reduce((a, b) => a + b, 0), 2 * 30000);

    // A subquery's UDF column read by the query around it, and `*` around it.
    const [r4] = await l.sql('SELECT * FROM (SELECT id, plus_one(id) AS y FROM t WHERE id < 3) ORDER BY id');
    assert.deepEqual(r4.rows, [{ id: 0, y: 1 }, { id: 1, y: 2 }, { id: 2, y: 3 }]);
    const [r5] = await l.sql('SELECT *, plus_one(x) AS y FROM t WHERE id IN (4, 5) ORDER BY id');
    assert.deepEqual(r5.columns.map((c) => c.name), ['id', 'x', 's', 'd', 'y']);
    assert.deepEqual(r5.rows.map((r) => [r.id, r.y]), [[4, 3], [5, null]]);
  } finally {
    await done();
  }
});

test('staged UDF calls from DataFrames, streamed results, and batches bounded by maxRecordsPerBatch', async () => {
  const { l, seen, plus, done } = await lake();
  try {
    const rows = await l.read('t').select('id', 'x').withColumn('y', plus('x')).filter('id < 4').orderBy('id').toRows();
    assert.deepEqual(rows, [{ id: 0, x: null, y: null }, { id: 1, x: 0.5, y: 1.5 }, { id: 2, x: 1, y: 2 }, { id: 3, x: 1.5, y: 2.5 }]);
    assert.ok(staged(seen, 30000), `batches ${seen.join(',')}`);

    // Read as a stream, batch by batch.
    seen.length = 0;
    let n = 0;
    let sum = 0;
    for await (const b of l.query('SELECT id, plus_one(id) AS y FROM range(50000)')) {
      n += b.numRows;
      sum += (b.getChild('y')!.toArray() as Float64Array).reduce((a, v) => a + v, 0);
    }
    assert.deepEqual([n, sum], [50000, (50000 * 50001) / 2]);
    assert.ok(staged(seen, 50000), `batches ${seen.join(',')}`);

    // The batch bound splits DuckDB's chunks; results come back in order.
    seen.length = 0;
    const [, r] = await l.sql('SET spark.sql.execution.arrow.maxRecordsPerBatch = 700; SELECT count(*) AS n, sum(plus_one(id) * id) AS s FROM range(5000)');
    const ids = Array.from({ length: 5000 }, (_, i) => i);
    assert.deepEqual(r.rows, [{ n: 5000, s: ids.reduce((a, i) => a + (i + 1) * i, 0) }]);
    assert.ok(Math.max(...seen) === 700 && seen.reduce((a, b) => a + b, 0) === 5000, `batches ${seen.join(',')}`);
  } finally {
    await done();
  }
});

test('staged batches across chunks of any size: a partial chunk mid-result, its rows and NULLs in place, passed-through columns too', async () => {
  const { l, seen, done } = await lake();
  try {
    // UNION ALL materializes as chunks of 1,000, 2,048 and 953 rows: batches span the partial chunk, whose rows sit apart from the next chunk's in stage 2's lists.
    const q = `SELECT k, plus_one(v) AS y, k * 2 AS k2 FROM (
      SELECT id AS k, CASE WHEN id % 9 = 4 THEN NULL ELSE id::DOUBLE END AS v FROM range(1000)
      UNION ALL SELECT 1000 + id, CASE WHEN id % 11 = 3 THEN NULL ELSE id::DOUBLE END FROM range(3001))`;
    const expected = Array.from({ length: 4001 }, (_, k) => {
      const v = k < 1000 ? (k % 9 === 4 ? null : k) : ((k - 1000) % 11 === 3 ? null : k - 1000);
      return { k, y: v === null ? null : v + 1, k2: 2 * k };
    });
    for (const bound of ['10000', '700', '64']) {
      seen.length = 0;
      const [, r] = await l.sql(`SET spark.sql.execution.arrow.maxRecordsPerBatch = ${bound}; ${q}`);
      assert.deepEqual(r.rows, expected, `maxRecordsPerBatch ${bound}`);
      assert.equal(seen.reduce((a, b) => a + b, 0), 4001);
      assert.equal(Math.max(...seen), Math.min(Number(bound), 4001), `batches ${seen.join(',')}`);
    }
  } finally {
    await done();
  }
});

test('staged UDF failures name the function and fail the statement; the session goes on', async () => {
  const { l, done } = await lake();
  try {
    l.udf.register('boom', (x: Vector) => {
      if (x.length > 0) throw new RangeError('out of range');
      return x;
    }, { returns: 'double' });
    l.udf.register('short', () => new Float64Array(3), { returns: 'double' });
    l.udf.register('words', (x: Vector) => Array.from({ length: x.length }, () => 'no'), { returns: 'long' });
    const fails = async (sql: string, code: string, pattern: RegExp) => {
      await assert.rejects(l.sql(sql), (e: unknown) => {
        assert.ok(e instanceof SqlError, String(e));
        assert.equal(e.code, code, e.message);
        assert.match(e.message, pattern);
        return true;
      });
    };
    await fails('SELECT id, boom(x) FROM t', 'LOCH_UDF_FAILED', /UDF boom failed: RangeError: out of range \(in statement: SELECT id, boom\(x\) FROM t\)/);
    await fails('SELECT sum(short(x)) FROM t', 'LOCH_UDF_RESULT_LENGTH', /UDF short returned 3 values for 10000 rows/);
    await fails('SELECT words(id) FROM t', 'LOCH_UDF_RESULT_TYPE', /UDF words returned a value not of its declared type long/);
    // Nothing half-done: a write through a failing function leaves the table as it was, and the session runs on.
    await l.sql('CREATE TABLE out (y DOUBLE) USING DELTA');
    await assert.rejects(l.sql('INSERT INTO out SELECT boom(x) FROM t'), /UDF boom failed/);
    const [r] = await l.sql('SELECT count(*) AS n FROM out');
    assert.deepEqual(r.rows, [{ n: 0 }]);
    const [ok] = await l.sql('SELECT plus_one(x) AS y FROM t WHERE id = 1');
    assert.deepEqual(ok.rows, [{ y: 1.5 }]);
  } finally {
    await done();
  }
});

test('queries the staged path does not take keep the DuckDB scalar function path, with the same results', async () => {
  const { l, seen, done } = await lake();
  try {
    const cases: [string, number][] = [
      // A string column read after the call.
      ['SELECT s, plus_one(x) AS y FROM t WHERE id = 3', 1],
      // A join.
      ['SELECT a.id, plus_one(b.x) AS y FROM t a JOIN t b ON a.id = b.id WHERE a.id = 3', 1],
      // A UDF over another UDF's result.
      ['SELECT plus_one(plus_one(x)) AS y FROM t WHERE id = 3', 1],
      // A LIMIT over the calls (called chunk by chunk, DuckDB stops at the limit; stage 1 would run the whole FROM).
      ['SELECT plus_one(x) AS y FROM t WHERE id >= 3 ORDER BY id LIMIT 1', 1],
      // Turned off.
      ['SET loch.udf.staged = false; SELECT plus_one(x) AS y FROM t WHERE id = 3', 1],
    ];
    for (const [sql, n] of cases) {
      seen.length = 0;
      const results = await l.sql(sql);
      const r = results[results.length - 1];
      assert.equal(r.rows.length, n, sql);
      const y = r.rows[0].y as number;
      assert.ok(y === 2.5 || y === 3.5, `${sql}: ${y}`);
      assert.ok(chunked(seen), `${sql}: batches ${seen.join(',')}`);
    }
    // A function that is not deterministic: each call written is a call made, staged too.
    let draws = 0;
    l.udf.register('draw', (x: Vector) => Float64Array.from({ length: x.length }, () => ++draws), { returns: 'double', deterministic: false });
    const [d] = await l.sql('SELECT draw(id) AS a, draw(id) AS b FROM t WHERE id < 5000');
    assert.ok(d.rows.every((r) => r.a !== r.b));
    assert.equal(draws, 10000);

    // The same query staged and not: the same rows.
    const q = 'SELECT id, plus_one(x) AS y, is_even(id) AS e FROM t WHERE id % 7 = 1 ORDER BY id';
    const [a] = await l.sql(q);
    const [, b] = await l.sql(`SET loch.udf.staged = false; ${q}`);
    assert.deepEqual(a.rows, b.rows);
  } finally {
    await done();
  }
});

test('loch.udf.staged picks the path, unset the staged one; a value other than true or false is refused', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'loch-staged-default-'));
  try {
    const l = Lakehouse.open(dir);
    const seen: number[] = [];
    l.udf.register('twice', (x: Vector) => {
      seen.push(x.length);
      return Float64Array.from({ length: x.length }, (_, i) => 2 * (x.get(i) as number));
    }, { returns: 'double', args: ['double'] });
    const q = 'SELECT sum(twice(id::DOUBLE)) AS s FROM range(30000)';
    const [unset] = await l.sql(q);
    assert.deepEqual(unset.rows, [{ s: 30000 * 29999 }]);
    assert.ok(staged(seen, 30000), `batches ${seen.join(',')}`);
    seen.length = 0;
    const [, on] = await l.sql(`SET loch.udf.staged = TRUE ; ${q}`);
    assert.deepEqual(on.rows, unset.rows);
    assert.ok(staged(seen, 30000), `batches ${seen.join(',')}`);
    seen.length = 0;
    const [, off] = await l.sql(`SET loch.udf.staged = false; ${q}`);
    assert.deepEqual(off.rows, unset.rows);
    assert.ok(chunked(seen), `batches ${seen.join(',')}`);
    await assert.rejects(l.sql(`SET loch.udf.staged = maybe; ${q}`), (e: unknown) => {
      assert.ok(e instanceof SqlError, String(e));
      assert.equal(e.code, 'LOCH_UDF_INVALID');
      assert.match(e.message, /loch\.udf\.staged must be true or false, got 'maybe'/);
      return true;
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
