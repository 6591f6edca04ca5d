import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fails, map, one, spark } from './spark.js';

test('nvl, nvl2; ifnull and instr are DuckDB own', async () => {
  // Spark docs: nvl(NULL, array('2')) -> ["2"]; nvl2(NULL, 2, 1) -> 1; instr('SparkSQL', 'SQL') -> 6.
  assert.deepEqual(await one(`SELECT nvl(NULL, array('2')) AS a, nvl2(NULL, 2, 1) AS b, nvl2(0, 2, 1) AS c, ifnull(NULL, array('2')) AS d, instr('SparkSQL', 'SQL') AS e`), {
    a: ['2'],
    b: 1,
    c: 2,
    d: ['2'],
    e: 6,
  });
  fails('SELECT nvl(1)', /^nvl\(\): takes 2 arguments, got 1$/);
  fails('SELECT nvl2(1, 2)', /^nvl2\(\): takes 3 arguments, got 2$/);
});

test('log is the natural logarithm, NULL where undefined; pmod, bround, nanvl, isnull, zeroifnull, rand, randn, monotonically_increasing_id', async () => {
  assert.deepEqual(
    await one(`SELECT log(10, 100) AS a, log(exp(1)) AS b, ln(1) AS c, log10(10) AS d, log2(2) AS e, log(0) AS f, ln(-1) AS g, log(10, 0) AS h`),
    { a: 2, b: 1, c: 0, d: 1, e: 1, f: null, g: null, h: null },
  );
  assert.deepEqual(
    await one(`SELECT pmod(10, 3) AS a, pmod(-10, 3) AS b, pmod(7, -3) AS c, bround(2.5, 0) AS d, bround(25, -1) AS e, nanvl(CAST('NaN' AS DOUBLE), 123) AS f,
                      isnull(1) AS g, isnotnull(1) AS h, zeroifnull(NULL) AS i, nullifzero(0) AS j`),
    { a: 1, b: 2, c: 1, d: 2, e: 20, f: 123, g: false, h: true, i: 0, j: null },
  );
  assert.deepEqual(await one(`SELECT rand() < 1 AS a, random() >= 0 AS b, randn() IS NOT NULL AS c, spark_partition_id() AS d`), { a: true, b: true, c: true, d: 0 });
  assert.deepEqual(await spark(`SELECT monotonically_increasing_id() AS id, x FROM VALUES ('a'), ('b') AS t(x) ORDER BY id`), [
    { id: 0, x: 'a' },
    { id: 1, x: 'b' },
  ]);
  fails('SELECT rand(42)', /^rand\(\): a seed cannot be translated/);
});

test("CAST: Spark's type names, fractions truncated to integers, timestamps to strings without an offset", async () => {
  assert.deepEqual(
    await one(`SELECT CAST(2.7 AS INT) AS a, CAST(-2.7 AS INT) AS b, CAST('1.5' AS INT) AS c, CAST(' 12 ' AS INT) AS d, CAST('abc' AS INT) AS e, CAST('7' AS BIGINT) AS f,
                      CAST(x AS INT) AS g, CAST(y AS LONG) AS h, CAST(z AS SHORT) AS i, CAST(s AS BYTE) AS j, TRY_CAST(s AS INT) AS k, CAST(w AS BIGINT) AS l, CAST(b AS INT) AS m FROM s`,
      "CREATE TEMP TABLE s AS SELECT 2.7::DOUBLE AS x, -2.5::DECIMAL(5,2) AS y, 3.99::FLOAT AS z, '-9.9' AS s, 2.99999999999999999999::DECIMAL(38,20) AS w, true AS b"),
    { a: 2, b: -2, c: 1, d: 12, e: null, f: 7, g: 2, h: -2, i: 3, j: -9, k: -9, l: 2, m: 1 },
  );
  assert.deepEqual(
    await one(`SELECT CAST('1.5' AS DECIMAL) AS a, typeof(CAST(1 AS DECIMAL)) AS b, CAST('2020-01-01T10:00:00+02:00' AS TIMESTAMP) AS c, CAST('2020-01-01 10:00:00' AS TIMESTAMP_NTZ) AS d,
                      CAST(array(1, 2) AS ARRAY<STRING>) AS e, CAST(map('a', 1) AS MAP<STRING, BIGINT>) AS f, CAST(named_struct('a', 1) AS STRUCT<a: STRING>) AS g`),
    { a: 2, b: 'decimal(10,0)', c: '2020-01-01 08:00:00+00', d: '2020-01-01 10:00:00', e: ['1', '2'], f: map(['a', 1]), g: { a: '1' } },
  );
  assert.deepEqual(
    await one(`SELECT CAST(ts AS STRING) AS a, CAST(ts AS VARCHAR) AS b, CAST(d AS STRING) AS c, CAST(x AS STRING) AS e FROM s`,
      "CREATE TEMP TABLE s AS SELECT TIMESTAMPTZ '2020-01-01 10:00:00.5+00' AS ts, DATE '2020-01-01' AS d, 42 AS x"),
    { a: '2020-01-01 10:00:00.5', b: '2020-01-01 10:00:00.5', c: '2020-01-01', e: '42' },
  );
  // A whole SELECT item keeps Spark's name for the cast.
  assert.deepEqual(Object.keys(await one('SELECT CAST(x AS LONG), cast(x AS string) FROM VALUES (1) AS v(x)')), ['CAST(x AS LONG)', 'CAST(x AS string)']);
});
