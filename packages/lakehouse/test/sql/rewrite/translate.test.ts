import assert from 'node:assert/strict';
import { test } from 'node:test';
import { translateSparkFunctions } from '../../../src/sql/rewrite/translate.js';
import { one, spark } from './spark.js';

test('untouched: strings, comments, qualified names, names not called, unknown functions', () => {
  const texts = [
    "SELECT 'nvl(a, b)', \"size(x)\", `explode(y)` FROM t -- nvl(a, b)\n/* size(x) */",
    'SELECT t.size(x), s.nvl(a, b), x.explode(arr), size, nvl FROM (SELECT 1 AS size, 2 AS nvl) t',
    'SELECT upper(name), my_udf(a, (b, c)), abs(-1)  ,  ifnull(a, b) FROM t WHERE x IN (1, 2)',
    'CREATE TABLE t (size INT, m MAP<STRING, INT>, a ARRAY<INT>) USING DELTA',
    'SELECT count(*) FILTER (WHERE x > 1) FROM t',
    'SELECT nvl(a',
    '',
  ];
  for (const text of texts) assert.equal(translateSparkFunctions(text), text.replace('"size(x)"', "'size(x)'"));
  // Around a rewrite every byte stays, in unknown functions too.
  assert.equal(translateSparkFunctions("SELECT  upper( nvl(a,b) ) ,'nvl(' -- c\nFROM t"), "SELECT  upper( coalesce(a, b) ) ,'nvl(' -- c\nFROM t");
  // A whole SELECT item keeps Spark's name for it: the call as written, the function in lower case.
  assert.equal(translateSparkFunctions('SELECT NVL(a, b), Nvl(c, d) AS x, 1 + nvl(e, f)'), 'SELECT coalesce(a, b) AS "nvl(a, b)", coalesce(c, d) AS x, 1 + coalesce(e, f)');
});

test('nested calls translate inside out; a line comment inside a rewritten call stays a comment', async () => {
  assert.deepEqual(await one(`SELECT nvl(collect_list(x), array(0)) AS a, nvl(nvl(NULL, NULL), size(array(1, 2))) AS b FROM VALUES (NULL), (NULL) AS v(x)`), { a: [], b: 2 });
  assert.deepEqual(await one(`SELECT greatest(1, element_at(nvl(NULL, array(3, 1)), 1)) AS a, upper(nvl(NULL, 'x')) AS b`), { a: 3, b: 'X' });
  assert.deepEqual(await one('SELECT nvl( -- the first\n NULL, -- the second\n 1) AS a'), { a: 1 });
});

test("DuckDB's own forms of shared names are left as DuckDB runs them", async () => {
  const duck = [
    "map(['a', 'b'], [1, 2])",
    "date_sub('day', DATE '2024-01-01', DATE '2024-03-01')",
    "date_add(DATE '2024-01-31', INTERVAL 1 MONTH)",
    'to_timestamp(1700000000)',
    'array_agg(x)',
  ];
  for (const call of duck) assert.equal(translateSparkFunctions(`SELECT ${call} FROM t`), `SELECT ${call} FROM t`);
  assert.deepEqual(await one(`SELECT datediff(DATE '2024-03-01', DATE '2024-01-01') AS b, array_agg(x) AS c FROM VALUES (1), (NULL) AS v(x)`), {
    b: 60,
    c: [1, null],
  });
  // Spark's to_timestamp of a number column: seconds since the epoch, as DuckDB's.
  const r = await one(`SELECT CAST(to_timestamp(n) AS VARCHAR) AS a, CAST(to_timestamp(s) AS VARCHAR) AS b FROM VALUES (0, '1970-01-02 00:00:00') AS v(n, s)`);
  assert.deepEqual(r, { a: '1970-01-01 00:00:00', b: '1970-01-02 00:00:00' });
});

// ---------------------------------------------------------------------------------------------
// The second batch: functions DuckDB lacks, names otherwise, or runs with other semantics. The
// expected values are the Spark SQL reference's examples (UTC where the reference shows another
// session time zone) unless a comment says otherwise.
// ---------------------------------------------------------------------------------------------

test("DuckDB's own forms of the second batch's names are left as DuckDB runs them", async () => {
  const duck = [
    "position('a' IN 'abc')",
    "substring(s, 2, 3)",
    "substr(s, 2)",
    'trunc(2.75)',
    'trunc(2.75, 1)',
    'reduce([1, 2], lambda a, b: a + b)',
    "date_trunc('month', ts)",
    'date_part(part, ts)',
    "date_part('year', ts)",
    'extract(year FROM ts)',
    'CAST(x AS INTEGER[])',
    'CAST(x AS MAP(VARCHAR, INTEGER))',
    'CAST(x AS STRUCT(a INTEGER))',
    "CAST('7' AS BIGINT)",
    'CAST(1 AS INT)',
    'random()',
    "replace(s, 'a', 'b')",
    'year(d)',
    '* REPLACE (a + 1 AS a, b AS c)',
    '* REPLACE (a AS b)',
  ];
  for (const call of duck) assert.equal(translateSparkFunctions(`SELECT ${call} AS c FROM t`), `SELECT ${call} AS c FROM t`);
  for (const where of ['WHERE EXISTS (SELECT 1, 2)', 'WHERE x = ANY (SELECT 1)', 'WHERE x > SOME (SELECT 1)']) assert.equal(translateSparkFunctions(`SELECT 1 FROM t ${where}`), `SELECT 1 FROM t ${where}`);
  // Types and tables named like functions.
  const statements = ['CREATE TEMP TABLE s (m MAP(VARCHAR, INTEGER), st STRUCT(a INTEGER, b VARCHAR[]), d DECIMAL(10, 2))', 'INSERT INTO first (a) VALUES (1)', 'CREATE TABLE split (a INT) USING DELTA'];
  for (const text of statements) assert.equal(translateSparkFunctions(text), text);
  assert.deepEqual(await one(`SELECT reduce([1, 2, 3], lambda a, b: a + b) AS a, trunc(2.75) AS b, position('b' IN 'abc') AS c, CAST(NULL AS MAP(VARCHAR, INT)) AS d`), { a: 6, b: 2, c: 2, d: null });
});

test('Spark syntax outside calls: typed number literals, SELECT * EXCEPT, LEFT SEMI / ANTI JOIN', async () => {
  assert.deepEqual(await one('SELECT 100L AS a, 1.5D AS b, 2BD AS c, 7S AS d, typeof(3Y) AS e, typeof(100L) AS f, typeof(1.50BD) AS g'), { a: 100, b: 1.5, c: 2, d: 7, e: 'tinyint', f: 'bigint', g: 'decimal(3,2)' });
  // A space makes it an alias, as in Spark too.
  assert.deepEqual(await one('SELECT 100 L'), { L: 100 });
  assert.deepEqual(await one('SELECT * EXCEPT (b) FROM (SELECT 1 AS a, 2 AS b, 3 AS c)'), { a: 1, c: 3 });
  assert.deepEqual(await spark('SELECT * FROM (SELECT 1 AS a) EXCEPT (SELECT 2)'), [{ a: 1 }]);
  assert.deepEqual(await spark('SELECT x.a FROM (SELECT 1 AS a UNION ALL SELECT 2) x LEFT ANTI JOIN (SELECT 2 AS a) y ON x.a = y.a'), [{ a: 1 }]);
});

test("count(*) is named count(1), as Spark names it; other counts keep DuckDB's name, which is Spark's", async () => {
  assert.deepEqual(await one('SELECT count(*), count(x), count(DISTINCT x), count(*) AS n FROM VALUES (1), (1), (NULL) AS v(x)'), {
    'count(1)': 3,
    'count(x)': 2,
    'count(DISTINCT x)': 1,
    n: 3,
  });
  // Window and FILTER forms are left as written.
  assert.equal(translateSparkFunctions('SELECT count(*) OVER () FROM t'), 'SELECT count(*) OVER () FROM t');
});
