import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fails, one, spark } from './spark.js';

test('LIKE ALL / ANY / SOME over a list of patterns, NOT LIKE ALL, with NULLs as Spark answers', async () => {
  const rows = `CREATE TEMP TABLE c AS SELECT * FROM (VALUES ('google', '%oo%'), ('facebook', '%oo%'), ('linkedin', '%in')) v(company, pat)`;
  assert.deepEqual(await spark("SELECT company FROM c WHERE company LIKE ALL ('%oo%', '%go%') ORDER BY 1", rows), [{ company: 'google' }]);
  assert.deepEqual(await spark("SELECT company FROM c WHERE company NOT LIKE ALL ('%oo%', '%go%') ORDER BY 1", rows), [{ company: 'linkedin' }]);
  assert.deepEqual(await spark("SELECT company FROM c WHERE upper(company) LIKE ANY ('FA%', '%IN') ORDER BY 1", rows), [{ company: 'facebook' }, { company: 'linkedin' }]);
  assert.deepEqual(await one("SELECT 'abc' LIKE ALL ('a%', NULL) AS a, 'abc' LIKE SOME ('a%', NULL) AS b"), { a: null, b: true });
  fails("SELECT 'a' LIKE ALL ()", /needs at least one pattern/);
});

test('MINUS is EXCEPT; CROSS JOIN with ON is an inner join', async () => {
  assert.deepEqual(await spark('SELECT * FROM VALUES (1), (2) t(a) MINUS SELECT 2'), [{ a: 1 }]);
  assert.deepEqual(await spark('SELECT x.a, y.b FROM (SELECT 1 AS a UNION ALL SELECT 2) x CROSS JOIN (SELECT 2 AS b) y ON (x.a = y.b)'), [{ a: 2, b: 2 }]);
});

test("count of several expressions counts rows where none is NULL; lead / lag / nth_value / any_value take IGNORE NULLS after the call", async () => {
  const t = 'CREATE TEMP TABLE t AS SELECT * FROM (VALUES (1, 1), (1, NULL), (2, 2), (2, 2), (NULL, 3)) v(a, b)';
  assert.deepEqual(await one('SELECT count(a, b) AS n, count(DISTINCT a, b) AS d, count(DISTINCT 3, 2) AS k FROM t', t), { n: 3, d: 2, k: 1 });
  const v = 'CREATE TEMP TABLE v AS SELECT * FROM (VALUES (1, 10), (2, NULL), (3, 30)) x(id, v)';
  assert.deepEqual(await spark('SELECT id, lead(v) IGNORE NULLS OVER (ORDER BY id) AS l, any_value(v) OVER (ORDER BY id DESC ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) AS f FROM v ORDER BY id', v), [
    { id: 1, l: 30, f: 10 },
    { id: 2, l: 30, f: null },
    { id: 3, l: null, f: 30 },
  ]);
});

test('histogram_numeric: one exact bin per value when there are no more values than bins, NULL without values, refused otherwise', async () => {
  assert.deepEqual(await one('SELECT histogram_numeric(col, 3) AS h FROM VALUES (2), (1), (2) AS tab(col)'), { h: [{ x: 1, y: 1 }, { x: 2, y: 2 }] });
  assert.deepEqual(await one('SELECT histogram_numeric(col, 3) AS h FROM VALUES (CAST(NULL AS INT)) AS tab(col)'), { h: null });
  await assert.rejects(spark('SELECT histogram_numeric(col, 1) AS h FROM VALUES (1), (2) AS tab(col)'), /more distinct values than bins/);
});

test('INTERSECT before UNION / EXCEPT; interval literals and their text; BD literals with an exponent; ranking functions need ORDER BY', async () => {
  assert.deepEqual(await spark('SELECT * FROM VALUES (1), (2) t(a) EXCEPT SELECT 2 UNION ALL SELECT 1 INTERSECT SELECT 3 ORDER BY 1'), [{ a: 1 }]);
  assert.deepEqual(await one("SELECT CAST(INTERVAL '2-3' YEAR TO MONTH AS STRING) AS a, CAST(INTERVAL 3 DAYS 1 SECOND AS STRING) AS b, CAST(INTERVAL -'1 02:03:04.5' DAY TO SECOND AS STRING) AS c"), {
    a: "INTERVAL '2-3' YEAR TO MONTH",
    b: "INTERVAL '3 00:00:01' DAY TO SECOND",
    c: "INTERVAL '-1 02:03:04.5' DAY TO SECOND",
  });
  fails('SELECT INTERVAL 3 MONTH 1 HOUR', /cannot be mixed/);
  assert.deepEqual(await one('SELECT typeof(5e36BD) AS a, CAST(1.5E-3BD AS DOUBLE) AS b, typeof(1.5E-3BD) AS c'), { a: 'decimal(37,0)', b: 0.0015, c: 'decimal(4,4)' });
  fails('SELECT row_number() OVER (PARTITION BY a) FROM t', /needs a window with ORDER BY/);
  assert.deepEqual(await one('SELECT arrays_zip(array(1), NULL) IS NULL AS z'), { z: true });
});
