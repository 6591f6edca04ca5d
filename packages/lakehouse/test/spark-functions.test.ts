import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { withConnection } from '@loch/engine-node';
import { translateSparkFunctions } from '../src/sql/spark-functions.js';

type Row = Record<string, unknown>;

/** Plain JS values: BIGINTs as numbers; dates and timestamps as DuckDB prints them. */
async function read(c: DuckDBConnection, sql: string): Promise<Row[]> {
  const r = await c.runAndReadAll(sql);
  const js = r.getRowObjectsJS();
  const json = r.getRowObjectsJson();
  const names = r.columnNames();
  const types = r.columnTypes().map((t) => t.toString());
  const plain = (v: unknown): unknown =>
    typeof v === 'bigint' ? Number(v) : Array.isArray(v) ? v.map(plain) : v !== null && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)])) : v;
  return js.map((row, i) => Object.fromEntries(names.map((n, j) => [n, /^(DATE|TIMESTAMP)/.test(types[j]) ? json[i][n] : plain(row[n])])));
}

/** Runs the Spark query, translated, after `setup` (DuckDB SQL) on the same connection. */
async function spark(sql: string, setup = ''): Promise<Row[]> {
  return withConnection(async (c) => {
    if (setup) await c.run(setup);
    return read(c, translateSparkFunctions(sql));
  });
}

/** The single row of a Spark query. */
async function one(sql: string, setup = ''): Promise<Row> {
  const rows = await spark(sql, setup);
  assert.equal(rows.length, 1, `one row from ${sql}`);
  return rows[0];
}

/** A DuckDB map as the JS client reads it: its entries in order. */
const map = (...entries: [unknown, unknown][]) => entries.map(([key, value]) => ({ key, value }));

const TABLE = `CREATE TEMP TABLE t AS SELECT * FROM (VALUES
  (1, [1, 2], MAP {'a': 1, 'b': 2}, TIMESTAMPTZ '2016-04-08 10:00:00+00', '2016-04-08', ['p', 'q'], 'x'),
  (2, [], MAP {'c': 3}, NULL, NULL, NULL, NULL),
  (3, NULL, NULL, NULL, '08/04/2016', []::VARCHAR[], 'z')
) v(id, arr, m, ts, s, sa, str)`;

const fails = (sql: string, message: RegExp) => assert.throws(() => translateSparkFunctions(sql), { code: 'LOCH_SQL_ERROR', message });

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
  for (const text of texts) assert.equal(translateSparkFunctions(text), text);
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

test('map() and array() take their elements; map_from_arrays, map_concat, map_entries', async () => {
  assert.deepEqual(await one(`SELECT map(1.0, '2', 3.0, '4') AS a, array(1, 2, 3) AS b, map() AS c, array() AS d`), {
    a: map([1, '2'], [3, '4']),
    b: [1, 2, 3],
    c: [],
    d: [],
  });
  // Spark docs: map_from_arrays(array(1.0, 3.0), array('2', '4')) -> {1.0:"2",3.0:"4"}
  assert.deepEqual(await one(`SELECT map_from_arrays(array(1.0, 3.0), array('2', '4')) AS a`), { a: map([1, '2'], [3, '4']) });
  // map_concat(map(1, 'a', 2, 'b'), map(3, 'c')) -> {1:"a",2:"b",3:"c"}; a NULL map makes NULL.
  assert.deepEqual(await one(`SELECT map_concat(map(1, 'a', 2, 'b'), map(3, 'c')) AS a, map_concat(map(1, 'a'), NULL) AS b, map_concat(m) AS c FROM t`, `CREATE TEMP TABLE t AS SELECT MAP {1: 'x'} AS m`), {
    a: map([1, 'a'], [2, 'b'], [3, 'c']),
    b: null,
    c: map([1, 'x']),
  });
  // DuckDB's map_entries already is Spark's: structs named key and value.
  assert.deepEqual(await one(`SELECT map_entries(map(1, 'a', 2, 'b')) AS a`), { a: [{ key: 1, value: 'a' }, { key: 2, value: 'b' }] });
  fails('SELECT map(1, 2, 3)', /^map\(\): expects key, value pairs, got 3 arguments$/);
});

test('transform_keys, transform_values, map_filter with (k, v) lambdas', async () => {
  // The Spark SQL reference's examples.
  assert.deepEqual(
    await one(`SELECT transform_keys(map_from_arrays(array(1, 2, 3), array(1, 2, 3)), (k, v) -> k + 1) AS a,
                      transform_keys(map_from_arrays(array(1, 2, 3), array(1, 2, 3)), (k, v) -> k + v) AS b`),
    { a: map([2, 1], [3, 2], [4, 3]), b: map([2, 1], [4, 2], [6, 3]) },
  );
  assert.deepEqual(
    await one(`SELECT transform_values(map_from_arrays(array(1, 2, 3), array(1, 2, 3)), (k, v) -> v + 1) AS a,
                      transform_values(map_from_arrays(array(1, 2, 3), array(1, 2, 3)), (K, V) -> k + v) AS b`),
    { a: map([1, 2], [2, 3], [3, 4]), b: map([1, 2], [2, 4], [3, 6]) },
  );
  assert.deepEqual(await one(`SELECT map_filter(map(1, 0, 2, 2, 3, -1), (k, v) -> k > v) AS a`), { a: map([1, 0], [3, -1]) });
  // On a column: NULL in, NULL out; struct values keep their fields (v.n is not the parameter v).
  assert.deepEqual(
    await spark(`SELECT id, transform_values(m, (k, v) -> concat(k, ':', v)) AS a, map_filter(m, (key, value) -> value > 1) AS b FROM t ORDER BY id`, TABLE),
    [
      { id: 1, a: map(['a', 'a:1'], ['b', 'b:2']), b: map(['b', 2]) },
      { id: 2, a: map(['c', 'c:3']), b: map(['c', 3]) },
      { id: 3, a: null, b: null },
    ],
  );
  assert.deepEqual(await one(`SELECT transform_values(map('a', named), (k, v) -> v.n + 1) AS a FROM s`, "CREATE TEMP TABLE s AS SELECT {'n': 41} AS named"), { a: map(['a', 42]) });
});

test('lambdas nest: inner lambdas get their own names and may rebind the outer parameters', async () => {
  assert.deepEqual(await one(`SELECT transform_values(map(1, map(2, 3)), (k, v) -> transform_values(v, (k, v2) -> k + v2)) AS a`), { a: map([1, map([2, 5])]) });
  assert.deepEqual(await one(`SELECT transform_values(map(1, array(1, 2)), (k, v) -> transform(v, k -> k * 10)) AS a`), { a: map([1, [10, 20]]) });
  assert.deepEqual(await one(`SELECT transform_values(map(1, array(1, 2)), (k, v) -> transform(v, x -> x + k)) AS a`), { a: map([1, [2, 3]]) });
  fails('SELECT transform_keys(m, k -> k)', /^transform_keys\(\): the lambda takes 2 parameters, got 1$/);
  fails('SELECT map_filter(m, true)', /^map_filter\(\): argument 2 must be a lambda \(a, b\) -> \.\.\.$/);
});

test('map_zip_with: both maps keys, the first map first, NULL for the side without the key', async () => {
  assert.deepEqual(await one(`SELECT map_zip_with(map(1, 'a', 2, 'b'), map(1, 'x', 2, 'y'), (k, v1, v2) -> concat(v1, v2)) AS a`), { a: map([1, 'ax'], [2, 'by']) });
  assert.deepEqual(await one(`SELECT map_zip_with(map('a', 1, 'b', 2), map('b', 3, 'c', 4), (k, v1, v2) -> coalesce(v1, 0) + coalesce(v2, 0)) AS a`), { a: map(['a', 1], ['b', 5], ['c', 4]) });
  assert.deepEqual(await one(`SELECT map_zip_with(map('b', 1), map('a', 2), (k, x, y) -> concat(k, nvl(x, 0), nvl(y, 0))) AS a, map_zip_with(map('a', 1), NULL, (k, x, y) -> x) AS b`), {
    a: map(['b', 'b10'], ['a', 'a02']),
    b: null,
  });
  fails('SELECT map_zip_with(a, b)', /^map_zip_with\(\): takes 3 arguments, got 2$/);
});

test('transform and filter: element lambdas, and the index counts from 0', async () => {
  assert.deepEqual(
    await one(`SELECT transform(array(1, 2, 3), x -> x + 1) AS a, transform(array(1, 2, 3), (x, i) -> x + i) AS b,
                      filter(array(1, 2, 3), x -> x % 2 == 1) AS c, filter(array(0, 2, 3), (x, i) -> x > i) AS d,
                      filter(array(0, null, 2, 3, null), x -> x IS NOT NULL) AS e`),
    { a: [2, 3, 4], b: [1, 3, 5], c: [1, 3], d: [2, 3], e: [0, 2, 3] },
  );
});

test('collect_list and collect_set skip NULLs, are empty for a group of NULLs, and work as window functions', async () => {
  const set = (await one(`SELECT collect_list(col) AS l, collect_set(col) AS s FROM VALUES (1), (2), (NULL), (1) AS tab(col)`)) as { l: number[]; s: number[] };
  assert.deepEqual(set.l, [1, 2, 1]);
  assert.deepEqual([...set.s].sort(), [1, 2]);
  assert.deepEqual(
    await spark(`SELECT g, collect_list(x) AS l, collect_set(x) AS s FROM VALUES (1, NULL), (1, NULL), (2, 'b') AS v(g, x) GROUP BY g ORDER BY g`),
    [
      { g: 1, l: [], s: [] },
      { g: 2, l: ['b'], s: ['b'] },
    ],
  );
  assert.deepEqual(await one(`SELECT collect_list(x) AS l FROM VALUES (1) AS v(x) WHERE x > 1`), { l: [] });
  // Followed by OVER (...), OVER name and FILTER (WHERE ...): the wrapper goes around all of it.
  assert.deepEqual(
    await spark(`SELECT x, collect_list(x) OVER (ORDER BY o) AS l, collect_set(x) OVER (ORDER BY o) AS s, collect_list(x) OVER w AS n
                 FROM VALUES (1, NULL), (2, 'a'), (3, 'a'), (4, NULL) AS v(o, x) WINDOW w AS (ORDER BY o ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) ORDER BY o`),
    [
      { x: null, l: [], s: [], n: [] },
      { x: 'a', l: ['a'], s: ['a'], n: ['a'] },
      { x: 'a', l: ['a', 'a'], s: ['a'], n: ['a', 'a'] },
      { x: null, l: ['a', 'a'], s: ['a'], n: ['a'] },
    ],
  );
  const filtered = (await one(`SELECT collect_list(x) FILTER (WHERE x > 1) AS l, collect_list(DISTINCT x) AS d FROM VALUES (1), (2), (2), (NULL) AS v(x)`)) as { l: number[]; d: number[] };
  assert.deepEqual(filtered.l, [2, 2]);
  assert.deepEqual([...filtered.d].sort(), [1, 2]);
  fails('SELECT collect_list(a, b) FROM t', /^collect_list\(\): takes 1 argument, got 2$/);
});

test('explode, explode_outer, posexplode, posexplode_outer in a SELECT list', async () => {
  assert.deepEqual(await spark('SELECT explode(array(10, 20))'), [{ col: 10 }, { col: 20 }]);
  assert.deepEqual(await spark('SELECT posexplode(array(10, 20))'), [
    { pos: 0, col: 10 },
    { pos: 1, col: 20 },
  ]);
  assert.deepEqual(await spark("SELECT explode(map('a', 1, 'b', 2))"), [
    { key: 'a', value: 1 },
    { key: 'b', value: 2 },
  ]);
  assert.deepEqual(await spark("SELECT posexplode(map('a', 1, 'b', 2)) AS (p, k, v)"), [
    { p: 0, k: 'a', v: 1 },
    { p: 1, k: 'b', v: 2 },
  ]);
  assert.deepEqual(await spark('SELECT explode_outer(array()) AS x, 1 AS y'), [{ x: null, y: 1 }]);
  assert.deepEqual(await spark('SELECT id, explode(arr) FROM t ORDER BY id', TABLE), [
    { id: 1, col: 1 },
    { id: 1, col: 2 },
  ]);
  assert.deepEqual(await spark('SELECT id, explode_outer(arr) x FROM t ORDER BY id, x', TABLE), [
    { id: 1, x: 1 },
    { id: 1, x: 2 },
    { id: 2, x: null },
    { id: 3, x: null },
  ]);
  assert.deepEqual(await spark('SELECT DISTINCT id, posexplode_outer(arr) AS (p, x) FROM t ORDER BY id, p', TABLE), [
    { id: 1, p: 0, x: 1 },
    { id: 1, p: 1, x: 2 },
    { id: 2, p: null, x: null },
    { id: 3, p: null, x: null },
  ]);
  // A map column cannot be told from an array: DuckDB refuses it rather than mistranslating; map_concat(m) marks it.
  await assert.rejects(spark('SELECT explode(m) FROM t', TABLE), /UNNEST\(\) can only be applied to lists/);
  assert.deepEqual(await spark('SELECT id, explode(map_concat(m)) FROM t WHERE id = 1', TABLE), [
    { id: 1, key: 'a', value: 1 },
    { id: 1, key: 'b', value: 2 },
  ]);
  fails('SELECT explode(a) + 1 FROM t', /^explode\(\): must be a whole SELECT item, a FROM item or in LATERAL VIEW$/);
  fails('SELECT nvl(explode(a), 1) FROM t', /^explode\(\): must be a whole SELECT item/);
  fails('SELECT * FROM t WHERE explode(a) > 1', /^explode\(\): must be a whole SELECT item/);
  fails('SELECT posexplode(a) AS x FROM t', /^posexplode\(\): makes 2 columns \(pos, col\) but 1 alias was given$/);
});

test('LATERAL VIEW [OUTER] and generators in FROM', async () => {
  assert.deepEqual(await spark('SELECT id, x FROM t LATERAL VIEW explode(arr) v AS x ORDER BY id, x', TABLE), [
    { id: 1, x: 1 },
    { id: 1, x: 2 },
  ]);
  assert.deepEqual(await spark('SELECT id, v.x FROM t LATERAL VIEW OUTER explode(arr) v AS x ORDER BY id, x', TABLE), [
    { id: 1, x: 1 },
    { id: 1, x: 2 },
    { id: 2, x: null },
    { id: 3, x: null },
  ]);
  assert.deepEqual(
    await spark(`SELECT id, p, c, k FROM t LATERAL VIEW posexplode(arr) e AS p, c LATERAL VIEW explode(array('k')) f k WHERE id > 0 ORDER BY id, p`, TABLE),
    [
      { id: 1, p: 0, c: 1, k: 'k' },
      { id: 1, p: 1, c: 2, k: 'k' },
    ],
  );
  assert.deepEqual(await spark('SELECT id, e.col FROM t LATERAL VIEW explode(arr) e WHERE id = 1 ORDER BY col', TABLE), [
    { id: 1, col: 1 },
    { id: 1, col: 2 },
  ]);
  assert.deepEqual(await spark('SELECT * FROM explode(array(1, 2)) AS e(n)'), [{ n: 1 }, { n: 2 }]);
  assert.deepEqual(await spark('SELECT id, c FROM t, explode(t.arr) AS e(c) ORDER BY id, c', TABLE), [
    { id: 1, c: 1 },
    { id: 1, c: 2 },
  ]);
  fails('SELECT * FROM t LATERAL VIEW stack(2, a, b) v AS a', /^LATERAL VIEW stack\(\): only explode, explode_outer, posexplode, posexplode_outer and json_tuple can be translated$/);
  fails('SELECT * FROM t LATERAL VIEW explode(m) v AS a, b, c', /^explode\(\): makes 1 column \(col\) but 3 aliases were given$/);
});

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

test('size: arrays and maps, -1 for NULL (Spark 3 with ANSI off)', async () => {
  assert.deepEqual(await one(`SELECT size(array('b', 'd', 'c', 'a')) AS a, size(map('a', 1, 'b', 2)) AS b, size(NULL) AS c, cardinality(array()) AS d`), { a: 4, b: 2, c: -1, d: 0 });
  // Columns: the type decides, in DuckDB, whether a map or an array is counted.
  assert.deepEqual(await spark('SELECT id, size(arr) AS a, size(m) AS b, size(sa) AS c FROM t ORDER BY id', TABLE), [
    { id: 1, a: 2, b: 2, c: 2 },
    { id: 2, a: 0, b: 1, c: -1 },
    { id: 3, a: -1, b: -1, c: 0 },
  ]);
  assert.deepEqual(await one('SELECT size(x) AS a, size(y) AS b FROM s', "CREATE TEMP TABLE s AS SELECT [{'a': [1]}, NULL] AS x, MAP {[1]: {'b': 2}} AS y"), { a: 2, b: 1 });
});

test('array_contains, element_at, sort_array, array_join, concat_ws', async () => {
  assert.deepEqual(
    await one(`SELECT array_contains(array(1, 2, 3), 2) AS a, array_contains(array(1, NULL), 3) AS b, array_contains(array(1), 3) AS c,
                      array_contains(array(1, NULL), 1) AS d, array_contains(NULL, 1) AS e`),
    { a: true, b: null, c: false, d: true, e: null },
  );
  assert.deepEqual(await one(`SELECT element_at(array(1, 2, 3), 2) AS a, element_at(array(1, 2, 3), -1) AS b, element_at(array(1, 2, 3), 5) AS c, element_at(map(1, 'a', 2, 'b'), 2) AS d, element_at(map(1, 'a'), 3) AS e`), {
    a: 2,
    b: 3,
    c: null,
    d: 'b',
    e: null,
  });
  assert.deepEqual(await one(`SELECT sort_array(array('b', 'd', null, 'c', 'a'), true) AS a, sort_array(array('b', 'd', null, 'c', 'a'), false) AS b, sort_array(array(3, 1, 2)) AS c`), {
    a: [null, 'a', 'b', 'c', 'd'],
    b: ['d', 'c', 'b', 'a', null],
    c: [1, 2, 3],
  });
  fails('SELECT sort_array(a, asc) FROM t', /^sort_array\(\): the sort order must be the literal true or false$/);
  assert.deepEqual(
    await one(`SELECT array_join(array('hello', 'world'), ' ') AS a, array_join(array('hello', null ,'world'), ' ') AS b,
                      array_join(array('hello', null ,'world'), ' ', ',') AS c, array_join(NULL, ',') AS d, array_join(array('a'), nvl(NULL, NULL)) AS e`),
    { a: 'hello world', b: 'hello world', c: 'hello , world', d: null, e: null },
  );
  assert.deepEqual(
    await one(`SELECT concat_ws(' ', 'Spark', 'SQL') AS a, concat_ws('s') AS b, concat_ws('/', 'foo', null, 'bar') AS c, concat_ws(null, 'Spark', 'SQL') AS d,
                      concat_ws(',', array('a', 'b'), 'c', array()) AS e, concat_ws('-', 1, 2.5) AS f`),
    { a: 'Spark SQL', b: '', c: 'foo/bar', d: null, e: 'a,b,c', f: '1-2.5' },
  );
  // Columns holding arrays join their elements; NULL strings and arrays are skipped.
  assert.deepEqual(await spark(`SELECT id, concat_ws('-', sa, str, 'k') AS c FROM t ORDER BY id`, TABLE), [
    { id: 1, c: 'p-q-x-k' },
    { id: 2, c: 'k' },
    { id: 3, c: 'z-k' },
  ]);
  fails('SELECT element_at(a)', /^element_at\(\): takes 2 arguments, got 1$/);
  fails('SELECT array_join(a)', /^array_join\(\): takes 2 to 3 arguments, got 1$/);
});

test('datediff, date_add, date_sub, add_months: days and months on dates', async () => {
  // Spark docs' examples.
  assert.deepEqual(
    await one(`SELECT datediff('2009-07-31', '2009-07-30') AS a, datediff('2009-07-30', '2009-07-31') AS b, date_add('2016-07-30', 1) AS c,
                      date_sub('2016-07-30', 1) AS d, add_months('2016-08-31', 1) AS e, add_months('2016-02-29', 1) AS f`),
    { a: 1, b: -1, c: '2016-07-31', d: '2016-07-29', e: '2016-09-30', f: '2016-03-29' },
  );
  // Timestamps count by their date; bad strings are NULL.
  assert.deepEqual(await one(`SELECT datediff(TIMESTAMP '2020-03-01 23:59:00', '2020-02-28 00:01:00') AS a, date_add(TIMESTAMP '2020-12-31 12:00:00', 2) AS b, date_sub('nope', 1) AS c`), {
    a: 2,
    b: '2021-01-02',
    c: null,
  });
  fails('SELECT datediff(a)', /^datediff\(\): takes 2 to 3 arguments, got 1$/);
});

test('to_date, to_timestamp, unix_timestamp, from_unixtime with Spark patterns (session time zone UTC)', async () => {
  assert.deepEqual(
    await one(`SELECT to_date('2009-07-30 04:17:52') AS a, to_date('2016-12-31', 'yyyy-MM-dd') AS b, to_timestamp('2016-12-31 00:12:00') AS c,
                      to_timestamp('2016-12-31', 'yyyy-MM-dd') AS d, to_date('31/12/2016', 'dd/MM/yyyy') AS e, to_date('2016-12-31', 'dd/MM/yyyy') AS f`),
    { a: '2009-07-30', b: '2016-12-31', c: '2016-12-31 00:12:00+00', d: '2016-12-31 00:00:00+00', e: '2016-12-31', f: null },
  );
  // Spark's docs show 1460098800 and 1969-12-31 16:00:00 in America/Los_Angeles; these are the UTC answers.
  assert.deepEqual(
    await one(`SELECT unix_timestamp('2016-04-08', 'yyyy-MM-dd') AS a, unix_timestamp('2016-04-08 00:00:01') AS b, from_unixtime(0, 'yyyy-MM-dd HH:mm:ss') AS c,
                      from_unixtime(1460073600) AS d, from_unixtime(NULL) AS e`),
    { a: 1460073600, b: 1460073601, c: '1970-01-01 00:00:00', d: '2016-04-08 00:00:00', e: null },
  );
  const now = (await one('SELECT unix_timestamp() AS n')) as { n: number };
  assert.ok(Math.abs(now.n - Date.now() / 1000) < 60);
  // Strings are parsed with the pattern; timestamps and dates are taken as they are.
  assert.deepEqual(
    await spark(`SELECT id, unix_timestamp(ts) AS a, to_date(ts, 'yyyy') AS b, to_timestamp(s, 'yyyy-MM-dd') AS c, to_date(s, 'dd/MM/yyyy') AS d FROM t ORDER BY id`, TABLE),
    [
      { id: 1, a: 1460109600, b: '2016-04-08', c: '2016-04-08 00:00:00+00', d: null },
      { id: 2, a: null, b: null, c: null, d: null },
      { id: 3, a: null, b: null, c: null, d: '2016-04-08' },
    ],
  );
  // Fractions, quoted literals, offsets: an ISO instant ending in Z, and in +HH:MM.
  assert.deepEqual(
    await one(`SELECT to_timestamp('2020-01-01T10:00:00.123Z', 'yyyy-MM-dd''T''HH:mm:ss.SSSXXX') AS a, to_timestamp('2020-01-01 10:00:00.123456 +05:30', 'yyyy-MM-dd HH:mm:ss.SSSSSS xxx') AS b,
                      to_timestamp('Jan 5 2020 3PM', 'MMM d yyyy ha') AS c, to_timestamp('2020 day 005', 'yyyy ''day'' DDD') AS d`),
    { a: '2020-01-01 10:00:00.123+00', b: '2020-01-01 04:30:00.123456+00', c: '2020-01-05 15:00:00+00', d: '2020-01-05 00:00:00+00' },
  );
  fails("SELECT to_date(s, 'yyyy-MM-dd XXX HH')", /^to_date\(\): the offset 'XXX' must end the datetime pattern 'yyyy-MM-dd XXX HH' to be parsed$/);
  fails('SELECT unix_timestamp(1, 2, 3)', /^unix_timestamp\(\): takes 0 to 2 arguments, got 3$/);
});

test('date_format: Spark pattern letters, quotes and % in DuckDB strftime', async () => {
  const ts = `TIMESTAMP '2016-04-08 13:05:09.123456'`;
  assert.deepEqual(
    await one(`SELECT date_format('2016-04-08', 'y') AS a, date_format(${ts}, 'yyyy-MM-dd''T''HH:mm:ss.SSSXXX') AS b,
                      date_format(${ts}, 'EEE, d MMM yy h:m:s a') AS c, date_format(${ts}, 'EEEE MMMM D DDD H') AS d,
                      date_format(${ts}, 'yyyy%MM ''it''''s'' '''' SSSSSS') AS e, date_format(${ts}, 'Z x xx xxx X VV') AS f, date_format(NULL, 'yyyy') AS g`),
    {
      a: '2016',
      b: '2016-04-08T13:05:09.123Z',
      c: 'Fri, 8 Apr 16 1:5:9 PM',
      d: 'Friday April 99 099 13',
      e: "2016%04 it's ' 123456",
      f: '+0000 +00 +0000 +00:00 Z UTC',
      g: null,
    },
  );
  // Offsets in another session time zone (Spark formats in the session's zone too).
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  try {
    await c.run("SET TimeZone = 'Asia/Kolkata'");
    const sql = translateSparkFunctions(`SELECT date_format(TIMESTAMP '2016-04-08 13:05:09', 'HH:mm Z|x|xx|xxx|X|XX|XXX|VV') AS a, date_format(from_unixtime(0), 'HH:mm') AS b`);
    assert.deepEqual(await read(c, sql), [{ a: '13:05 +0530|+0530|+0530|+05:30|+0530|+0530|+05:30|Asia/Kolkata', b: '05:30' }]);
  } finally {
    c.closeSync();
  }
});

test('datetime patterns: letters without a DuckDB equivalent and patterns not literal are errors', () => {
  fails("SELECT date_format(ts, 'yyyy QQ')", /^date_format\(\): the datetime pattern 'yyyy QQ' uses 'QQ', which DuckDB has no equivalent for$/);
  fails("SELECT date_format(ts, 'yyyy-MM-dd SS')", /uses 'SS', which DuckDB has no equivalent for/);
  fails("SELECT to_timestamp(s, 'yyyy[-MM]')", /^to_timestamp\(\): the datetime pattern 'yyyy\[-MM\]' uses '\[' \(an optional section or a reserved character\)/);
  fails("SELECT date_format(ts, 'yyyy ''open')", /^date_format\(\): the datetime pattern 'yyyy 'open' has an unclosed quote$/);
  fails('SELECT date_format(ts, fmt) FROM t', /^date_format\(\): the datetime pattern must be a string literal \(a pattern computed at run time cannot be translated\)$/);
  fails("SELECT to_date(s, concat('yyyy', '-MM')) FROM t", /^to_date\(\): the datetime pattern must be a string literal/);
  fails('SELECT from_unixtime(n, "yyyy") FROM t', /^from_unixtime\(\): the datetime pattern must be a string literal/);
});

test("DuckDB's own forms of shared names are left as DuckDB runs them", async () => {
  const duck = [
    "map(['a', 'b'], [1, 2])",
    "datediff('day', DATE '2024-01-01', DATE '2024-03-01')",
    "date_sub('day', DATE '2024-01-01', DATE '2024-03-01')",
    "date_add(DATE '2024-01-31', INTERVAL 1 MONTH)",
    'to_timestamp(1700000000)',
    'array_agg(x)',
  ];
  for (const call of duck) assert.equal(translateSparkFunctions(`SELECT ${call} FROM t`), `SELECT ${call} FROM t`);
  assert.deepEqual(await one(`SELECT datediff('day', DATE '2024-01-01', DATE '2024-03-01') AS a, datediff(DATE '2024-03-01', DATE '2024-01-01') AS b, array_agg(x) AS c FROM VALUES (1), (NULL) AS v(x)`), {
    a: 60,
    b: 60,
    c: [1, null],
  });
  // Spark's to_timestamp of a number column: seconds since the epoch, as DuckDB's.
  const r = await one(`SELECT CAST(to_timestamp(n) AS VARCHAR) AS a, CAST(to_timestamp(s) AS VARCHAR) AS b FROM VALUES (0, '1970-01-02 00:00:00') AS v(n, s)`);
  assert.deepEqual(r, { a: '1970-01-01 00:00:00+00', b: '1970-01-02 00:00:00+00' });
});

// ---------------------------------------------------------------------------------------------
// The second batch: functions DuckDB lacks, names otherwise, or runs with other semantics. The
// expected values are the Spark SQL reference's examples (UTC where the reference shows another
// session time zone) unless a comment says otherwise.
// ---------------------------------------------------------------------------------------------

test('regexp_replace: every match, $n groups, Spark string escapes, from a position', async () => {
  // Spark reads '\\d' as the regex \d; DuckDB would read both backslashes.
  assert.deepEqual(
    await one(String.raw`SELECT regexp_replace('100-200', '(\\d+)', 'num') AS a, regexp_replace('100-200', '(\\d+)-(\\d+)', '$2-$1') AS b,
                                regexp_replace('a.b.c', '\\.', '\\$') AS c, regexp_replace('aaa', 'a', 'b', 2) AS d, regexp_replace('abc', '^', 'x', 2) AS e,
                                regexp_replace('abc', 'c', 'x', 9) AS f, regexp_replace('2-1', r'(\d)-(\d)', '$2$10') AS g, regexp_replace(NULL, 'a', 'b') AS h`),
    { a: 'num-num', b: '200-100', c: 'a$b$c', d: 'abb', e: 'axbc', f: 'abc', g: '120', h: null },
  );
  // A replacement computed at run time is read as Java reads it too.
  assert.deepEqual(
    await spark(String.raw`SELECT regexp_replace('a-b', '(a)-(b)', r) AS x FROM VALUES ('$2+$1'), ('\$1'), ('\\'), ('$0!') AS v(r)`),
    [{ x: 'b+a' }, { x: '$1' }, { x: '\\' }, { x: 'a-b!' }],
  );
  fails("SELECT regexp_replace(s, '(a)', '${name}')", /^regexp_replace\(\): a '\$' in the replacement must be followed by a group number/);
  fails("SELECT regexp_replace(s, '(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)', '$10')", /^regexp_replace\(\): the group reference \$10 cannot be translated/);
  fails('SELECT regexp_replace(s, r, x, p) FROM t', /^regexp_replace\(\): the position must be a positive integer literal$/);
});

test('regexp_extract(_all) default to group 1; regexp_like, rlike, regexp and the RLIKE / REGEXP operators find a match anywhere', async () => {
  assert.deepEqual(
    await one(String.raw`SELECT regexp_extract('100-200', '(\\d+)-(\\d+)', 1) AS a, regexp_extract('100-200', '(\\d+)-(\\d+)') AS b, regexp_extract('foo', '(\\d+)') AS c,
                                regexp_extract_all('100-200, 300-400', '(\\d+)-(\\d+)') AS d, regexp_extract_all('100-200, 300-400', '(\\d+)-(\\d+)', 2) AS e`),
    { a: '100', b: '100', c: '', d: ['100', '300'], e: ['200', '400'] },
  );
  assert.deepEqual(
    await one(String.raw`SELECT regexp_like('%SystemDrive%/Users/John', '%SystemDrive%/Users.*') AS a, rlike('abc', 'b') AS b, regexp('abc', '^b') AS c,
                                'abc' RLIKE 'b' AS d, 'abc' NOT RLIKE '^b' AS e, 'xyz' REGEXP r'y\w' AS f, 'a' || chr(10) || 'b' RLIKE 'a$' AS g, NULL RLIKE 'a' AS h`),
    { a: true, b: true, c: false, d: true, e: true, f: true, g: false, h: null },
  );
  assert.deepEqual(await spark("SELECT s FROM VALUES ('apple'), ('pear'), ('plum') AS v(s) WHERE s RLIKE 'p.*e' ORDER BY s"), [{ s: 'apple' }, { s: 'pear' }]);
  // A column named regexp is not the operator; RLIKE with a computed pattern is refused.
  assert.equal(translateSparkFunctions('SELECT regexp FROM t'), 'SELECT regexp FROM t');
  fails('SELECT s RLIKE p FROM t', /^RLIKE\(\): the regular expression must be a string literal/);
});

test('split: a regular expression, and a limit keeps the rest of the string in the last piece', async () => {
  assert.deepEqual(
    await one(String.raw`SELECT split('oneAtwoBthreeC', '[ABC]') AS a, split('oneAtwoBthreeC', '[ABC]', -1) AS b, split('oneAtwoBthreeC', '[ABC]', 2) AS c,
                                split('a.b.c', '\\.') AS d, split('a.b', '.') AS e, split('a,b,c', ',', 1) AS f, split(NULL, ',') AS g`),
    { a: ['one', 'two', 'three', ''], b: ['one', 'two', 'three', ''], c: ['one', 'twoBthreeC'], d: ['a', 'b', 'c'], e: ['', '', '', ''], f: ['a,b,c'], g: null },
  );
  assert.deepEqual(await spark("SELECT split(s, ', *', n) AS p FROM VALUES ('a, b,c', 2), ('a,b', 0), ('a', 3) AS v(s, n)"), [{ p: ['a', 'b,c'] }, { p: ['a', 'b'] }, { p: ['a'] }]);
});

test('concat is NULL with a NULL argument; initcap, locate / position, substring_index', async () => {
  assert.deepEqual(
    await one(`SELECT concat('Spark', 'SQL') AS a, concat(array(1, 2, 3), array(4, 5), array(6)) AS b, concat('a', NULL) AS c, concat() AS d, concat(array(1), NULL) AS e, concat(1, 2) AS f`),
    { a: 'SparkSQL', b: [1, 2, 3, 4, 5, 6], c: null, d: '', e: null, f: '12' },
  );
  assert.deepEqual(await one(`SELECT initcap('sPark sql') AS a, initcap('hello  wORLD-x') AS b, initcap(NULL) AS c`), { a: 'Spark Sql', b: 'Hello  World-x', c: null });
  assert.deepEqual(
    await one(`SELECT locate('bar', 'foobarbar') AS a, locate('bar', 'foobarbar', 5) AS b, position('bar', 'foobarbar') AS c, position('bar', 'foobarbar', 5) AS d,
                      position('bar' IN 'foobarbar') AS e, locate('bar', 'foobarbar', 0) AS f, locate('', 'abc', 2) AS g, locate('x', 'abc', NULL) AS h, locate(NULL, 'abc', 1) AS i, locate('z', 'abc') AS j`),
    { a: 4, b: 7, c: 4, d: 7, e: 4, f: 0, g: 1, h: 0, i: null, j: 0 },
  );
  assert.deepEqual(
    await one(`SELECT substring_index('www.apache.org', '.', 2) AS a, substring_index('www.apache.org', '.', -2) AS b, substring_index('www.apache.org', '.', 0) AS c,
                      substring_index('www.apache.org', '', 1) AS d, substring_index('www.apache.org', '-', 3) AS e, substring_index('a.b', '.', NULL) AS f`),
    { a: 'www.apache', b: 'apache.org', c: '', d: '', e: 'www.apache.org', f: null },
  );
});

test('left, right, lpad, rpad, substring, replace: Spark reads lengths, positions and pads its own way', async () => {
  assert.deepEqual(
    await one(`SELECT left('Spark SQL', 3) AS a, right('Spark SQL', 3) AS b, left('abc', -1) AS c, right('abc', -1) AS d, left(NULL, -1) AS e`),
    { a: 'Spa', b: 'SQL', c: '', d: '', e: null },
  );
  assert.deepEqual(
    await one(`SELECT lpad('hi', 5, '??') AS a, lpad('hi', 1, '??') AS b, lpad('hi', 5) AS c, rpad('hi', 5, '??') AS d, rpad('hi', 1, '??') AS e, rpad('hi', 5) AS f,
                      lpad('hi', 5, '') AS g, rpad('hi', 1, '') AS h`),
    { a: '???hi', b: 'h', c: '   hi', d: 'hi???', e: 'h', f: 'hi   ', g: 'hi', h: 'h' },
  );
  assert.deepEqual(
    await one(`SELECT substr('Spark SQL', 5) AS a, substr('Spark SQL', -3) AS b, substr('Spark SQL', 5, 1) AS c, substring('Spark SQL', 0, 3) AS d, substr('Spark SQL', 2, -1) AS e,
                      substr('Spark SQL' FROM 5 FOR 1) AS f, substring('abcd', -5, 3) AS g, substring('abcd' FROM -6 FOR 4) AS h, substring('abcd', NULL, 1) AS i`),
    { a: 'k SQL', b: 'SQL', c: 'k', d: 'Spa', e: '', f: 'k', g: 'ab', h: 'ab', i: null },
  );
  assert.deepEqual(await one(`SELECT replace('ABCabc', 'abc', 'DEF') AS a, replace('ABCabc', 'abc') AS b`), { a: 'ABCDEF', b: 'ABC' });
});

test('format_number, format_string / printf with Java formats, unbase64, sha, sha2', async () => {
  // Java's DecimalFormat rounds half to even: 2.665 -> 2.66 (a decimal), 0.125 -> 0.12 (a double).
  assert.deepEqual(
    await one(`SELECT format_number(12332.123456, 4) AS a, format_number(2.665, 2) AS b, format_number(12345, 0) AS c, format_number(-1234.5, 1) AS d,
                      format_number(CAST(0.125 AS DOUBLE), 2) AS e, format_number(NULL, 2) AS f, format_number(1, -1) AS g`),
    { a: '12,332.1235', b: '2.66', c: '12,345', d: '-1,234.5', e: '0.12', f: null, g: null },
  );
  assert.deepEqual(
    await one(`SELECT format_string('Hello World %d %s', 100, 'days') AS a, printf('%s|%d|%5s|%-5s|%05d', NULL, NULL, NULL, 'ab', 42) AS b,
                      format_string('%b %B %b %b', true, false, NULL, 'x') AS c, format_string('%2$s %1$s %<s', 'a', 'b') AS d, printf('%.2f%%', 12.345) AS e,
                      format_string('%,d %x %X %o %e %c', 1234567, 255, 255, 8, 1234.5, 65) AS f, format_string('%S|%n', 'up') AS g, format_string('plain') AS h`),
    { a: 'Hello World 100 days', b: 'null|null| null|ab   |00042', c: 'true FALSE false true', d: 'b a a', e: '12.35%', f: '1,234,567 ff FF 10 1.234500e+03 A', g: 'UP|\n', h: 'plain' },
  );
  assert.deepEqual(
    await one(`SELECT base64('Spark SQL') AS a, CAST(unbase64('U3BhcmsgU1FM') AS VARCHAR) AS b, sha2('Spark', 256) AS c, sha2('Spark', 0) AS d, sha('Spark') AS e, sha2('Spark', 100) AS f`),
    {
      a: 'U3BhcmsgU1FM',
      b: 'Spark SQL',
      c: '529bc3b07127ecb7e53a4dcf1991d9152c24537d919178022b2c42657f79a26b',
      d: '529bc3b07127ecb7e53a4dcf1991d9152c24537d919178022b2c42657f79a26b',
      e: '85f5955f4b27a9a4c2aab6ffe5d7189fc298b92c',
      f: null,
    },
  );
  fails("SELECT format_number(x, '#,###.##')", /^format_number\(\): a format pattern cannot be translated/);
  fails('SELECT format_number(x, d) FROM t', /^format_number\(\): the number of decimal places must be an integer literal$/);
  fails("SELECT format_string('%d %d', 1)", /^format_string\(\): the format '%d %d' needs argument 3, which was not given$/);
  fails("SELECT printf('%g', 1.5)", /^printf\(\): the specifier '%g' cannot be translated$/);
  fails('SELECT printf(fmt, 1) FROM t', /^printf\(\): the format must be a string literal$/);
  fails("SELECT sha2('a', 512)", /^sha2\(\): SHA-512 cannot be translated \(DuckDB has SHA-256 only\)$/);
});

test('dayofweek counts from Sunday = 1, weekday from Monday = 0; date parts of strings; EXTRACT / date_part fields', async () => {
  assert.deepEqual(
    await one(`SELECT dayofweek('2009-07-30') AS a, weekday('2009-07-30') AS b, dayofmonth('2009-07-30') AS c, year('2016-07-30') AS d, month('2016-07-30') AS e,
                      quarter('2016-08-31') AS f, dayofyear('2016-04-09') AS g, weekofyear('2008-02-20') AS h, hour('2009-07-30 12:58:59') AS i,
                      minute('2009-07-30 12:58:59') AS j, second('2009-07-30 12:58:59') AS k, last_day('2009-01-12') AS l, day('2009-07-30') AS m`),
    { a: 5, b: 3, c: 30, d: 2016, e: 7, f: 3, g: 100, h: 8, i: 12, j: 58, k: 59, l: '2009-01-31', m: 30 },
  );
  // Columns: a Sunday, and a timestamp read in the session time zone.
  assert.deepEqual(await one(`SELECT dayofweek(d) AS a, weekday(d) AS b, dayofweek(ts) AS c, weekday(ts) AS e, year(d) AS f FROM s`, "CREATE TEMP TABLE s AS SELECT DATE '2009-07-26' AS d, TIMESTAMPTZ '2009-07-25 23:00:00+00' AS ts"), {
    a: 1,
    b: 6,
    c: 7,
    e: 5,
    f: 2009,
  });
  assert.deepEqual(
    await one(`SELECT extract(DOW FROM DATE '2009-07-30') AS a, extract(SECOND FROM TIMESTAMP '2019-10-01 00:00:01.000001') AS b, date_part('dayofweek', DATE '2009-07-30') AS c,
                      date_part('SECONDS', TIMESTAMP '2019-10-01 00:00:01.000001') AS d, extract(YEAR FROM DATE '2019-10-01') AS e, date_part('YEAR', TIMESTAMP '2019-08-12 01:00:00.123456') AS f,
                      date_part('week', TIMESTAMP '2019-08-12 01:00:00.123456') AS g, date_part('doy', DATE '2019-08-12') AS h, extract(DOW_ISO FROM DATE '2009-07-26') AS i, extract(MINUTE FROM '2019-10-01 00:05:00') AS j`),
    { a: 5, b: 1.000001, c: 5, d: 1.000001, e: 2019, f: 2019, g: 33, h: 224, i: 7, j: 5 },
  );
});

test('date_trunc and trunc with Spark unit names, months_between, next_day', async () => {
  assert.deepEqual(
    await one(`SELECT date_trunc('YEAR', '2015-03-05T09:32:05.359') AS a, date_trunc('MM', '2015-03-05T09:32:05.359') AS b, date_trunc('DD', '2015-03-05T09:32:05.359') AS c,
                      date_trunc('HOUR', '2015-03-05T09:32:05.359') AS d, date_trunc('MILLISECOND', '2015-03-05T09:32:05.123456') AS e, date_trunc('nope', '2015-03-05') AS f`),
    { a: '2015-01-01 00:00:00+00', b: '2015-03-01 00:00:00+00', c: '2015-03-05 00:00:00+00', d: '2015-03-05 09:00:00+00', e: '2015-03-05 09:32:05.123+00', f: null },
  );
  assert.deepEqual(await spark(`SELECT date_trunc(u, TIMESTAMP '2015-03-05 09:32:05') AS t FROM VALUES ('yy'), ('Q'), ('Week'), ('mon') AS v(u)`), [
    { t: '2015-01-01 00:00:00+00' },
    { t: null },
    { t: '2015-03-02 00:00:00+00' },
    { t: '2015-03-01 00:00:00+00' },
  ]);
  assert.deepEqual(
    await one(`SELECT trunc('2019-08-04', 'week') AS a, trunc('2019-08-04', 'quarter') AS b, trunc('2009-02-12', 'MM') AS c, trunc('2015-10-27', 'YEAR') AS d, trunc('2015-10-27', 'DD') AS e`),
    { a: '2019-07-29', b: '2019-07-01', c: '2009-02-01', d: '2015-01-01', e: null },
  );
  assert.deepEqual(
    await one(`SELECT months_between('1997-02-28 10:30:00', '1996-10-30') AS a, months_between('1997-02-28 10:30:00', '1996-10-30', false) AS b,
                      months_between('2020-03-31', '2020-02-29') AS c, months_between('2020-03-15 10:00:00', '2020-02-15 23:00:00') AS d, months_between(NULL, '2020-01-01') AS e`),
    { a: 3.94959677, b: 3.9495967741935485, c: 1, d: 1, e: null },
  );
  assert.deepEqual(
    await one(`SELECT next_day('2015-01-14', 'TU') AS a, next_day('2015-01-14', 'wednesday') AS b, next_day('2015-01-14', 'xx') AS c, next_day(DATE '2015-01-17', d) AS e FROM VALUES ('Sun') AS v(d)`),
    { a: '2015-01-20', b: '2015-01-21', c: null, e: '2015-01-18' },
  );
});

test('epoch conversions, from_utc_timestamp / to_utc_timestamp, make_timestamp with a time zone', async () => {
  assert.deepEqual(
    await one(`SELECT timestamp_seconds(1230219000) AS a, timestamp_seconds(1230219000.123) AS b, timestamp_millis(1230219000123) AS c, timestamp_micros(1230219000123123) AS d`),
    { a: '2008-12-25 15:30:00+00', b: '2008-12-25 15:30:00.123+00', c: '2008-12-25 15:30:00.123+00', d: '2008-12-25 15:30:00.123123+00' },
  );
  // Before 1970 the units are floored, as Spark does.
  assert.deepEqual(
    await one(`SELECT unix_seconds(TIMESTAMP '1970-01-01 00:00:01') AS a, unix_millis(TIMESTAMP '1970-01-01 00:00:01') AS b, unix_micros(TIMESTAMP '1970-01-01 00:00:01') AS c,
                      unix_date(DATE '1970-01-02') AS d, date_from_unix_date(1) AS e, unix_seconds('1969-12-31 23:59:59.5') AS f, unix_millis(TIMESTAMP '1969-12-31 23:59:59.9995') AS g`),
    { a: 1, b: 1000, c: 1000000, d: 1, e: '1970-01-02', f: -1, g: -1 },
  );
  assert.deepEqual(await one(`SELECT from_utc_timestamp('2016-08-31', 'Asia/Seoul') AS a, to_utc_timestamp('2016-08-31', 'Asia/Seoul') AS b`), {
    a: '2016-08-31 09:00:00+00',
    b: '2016-08-30 15:00:00+00',
  });
  assert.deepEqual(await one(`SELECT make_timestamp(2014, 12, 28, 6, 30, 45.887, 'CET') AS a, make_timestamp(2014, 12, 28, 6, 30, 45.887) AS b`), {
    a: '2014-12-28 05:30:45.887+00',
    b: '2014-12-28 06:30:45.887',
  });
});

test('timestampadd / dateadd / date_add and timestampdiff / datediff / date_diff with a unit keyword', async () => {
  assert.deepEqual(
    await one(`SELECT timestampadd(HOUR, 8, TIMESTAMP '2022-02-11 20:30:00') AS a, timestampadd(MONTH, -1, TIMESTAMP '2022-03-31 00:00:00') AS b, timestampadd(SECOND, 58, DATE '2022-02-28') AS c,
                      dateadd(YEAR, 1, DATE '2022-02-15') AS d, date_add(MICROSECOND, 5, TIMESTAMP '2022-02-15 00:00:00') AS e, dateadd(QUARTER, 1, '2022-11-30') AS f, timestampadd(week, 2, DATE '2022-02-15') AS g`),
    {
      a: '2022-02-12 04:30:00+00',
      b: '2022-02-28 00:00:00+00',
      c: '2022-02-28 00:00:58+00',
      d: '2023-02-15 00:00:00+00',
      e: '2022-02-15 00:00:00.000005+00',
      f: '2023-02-28 00:00:00+00',
      g: '2022-03-01 00:00:00+00',
    },
  );
  // Whole units elapsed (Databricks' examples), where DuckDB's date_diff counts boundaries crossed.
  assert.deepEqual(
    await one(`SELECT timestampdiff(HOUR, TIMESTAMP '2022-02-11 20:30:00', TIMESTAMP '2022-02-12 04:30:00') AS a, timestampdiff(MONTH, TIMESTAMP '2022-01-01 00:00:00', TIMESTAMP '2022-03-28 00:00:00') AS b,
                      timestampdiff(YEAR, DATE '2022-01-01', DATE '2021-01-01') AS c, timestampdiff(SECOND, DATE '2022-01-01', TIMESTAMP '2021-12-31 23:59:50') AS d,
                      datediff(MONTH, TIMESTAMP '2021-02-28 12:00:00', TIMESTAMP '2021-03-28 11:59:59') AS e, datediff(MONTH, TIMESTAMP '2021-02-28 12:00:00', TIMESTAMP '2021-03-28 12:00:00') AS f,
                      datediff(YEAR, DATE '2021-01-01', DATE '1900-03-28') AS g, date_diff(DAY, TIMESTAMP '2024-01-01 23:00', TIMESTAMP '2024-01-02 01:00') AS h,
                      datediff(year, DATE '2023-12-31', DATE '2024-01-01') AS i, timestampdiff(MONTH, DATE '2024-01-31', DATE '2024-02-29') AS j, date_diff(DATE '2009-07-31', DATE '2009-07-30') AS k,
                      timestampdiff(QUARTER, TIMESTAMP '2021-01-31 12:00:00', TIMESTAMP '2021-05-01 00:00:00') AS l, timestampdiff(QUARTER, TIMESTAMP '2021-01-31 12:00:00', TIMESTAMP '2021-05-01 12:00:00') AS m`),
    { a: 8, b: 2, c: -1, d: -10, e: 0, f: 1, g: -120, h: 0, i: 0, j: 0, k: 1, l: 0, m: 1 },
  );
  // Databricks' two-argument dateadd is date_add.
  assert.deepEqual(await one(`SELECT dateadd('2016-07-30', 1) AS a`), { a: '2016-07-31' });
  // A quoted unit is DuckDB's syntax (Spark rejects it): DuckDB's own answer, boundaries crossed.
  assert.deepEqual(await one(`SELECT datediff('year', DATE '2023-12-31', DATE '2024-01-01') AS a`), { a: 1 });
  fails('SELECT timestampadd(FORTNIGHT, 1, ts) FROM t', /^timestampadd\(\): the unit must be one of YEAR, QUARTER, MONTH/);
  fails('SELECT timestampdiff(DAYOFYEAR, a, b) FROM t', /^timestampdiff\(\): DAYOFYEAR is not a unit to count$/);
});

test('array_position, array_remove, array_distinct, array_union, array_intersect, array_except, arrays_overlap: Spark keeps order and one NULL', async () => {
  assert.deepEqual(
    await one(`SELECT array_position(array(312, 773, 708, 708), 708) AS a, array_position(array(312, 773, 708, 708), 414) AS b, array_position(array(1, NULL), NULL) AS c,
                      array_remove(array(1, 2, 3, null, 3), 3) AS d, array_remove(array(1, 2), NULL) AS e, array_distinct(array(1, 2, 3, null, 3)) AS f, array_distinct(array(3, NULL, 1, NULL, 3)) AS g`),
    { a: 3, b: 0, c: null, d: [1, 2, null], e: null, f: [1, 2, 3, null], g: [3, null, 1] },
  );
  assert.deepEqual(
    await one(`SELECT array_union(array(1, 2, 3), array(1, 3, 5)) AS a, array_intersect(array(1, 2, 3), array(1, 3, 5)) AS b, array_except(array(1, 2, 3), array(1, 3, 5)) AS c,
                      array_intersect(array(1, NULL, 2, 1), array(NULL, 1)) AS d, array_union(array(1), NULL) AS e, array_except(array(NULL, 2, 2), array(3)) AS f, array_union(array(3, 1), array(2, 1)) AS g`),
    { a: [1, 2, 3, 5], b: [1, 3], c: [2], d: [1, null], e: null, f: [null, 2], g: [3, 1, 2] },
  );
  assert.deepEqual(
    await one(`SELECT arrays_overlap(array(1, 2, 3), array(3, 4, 5)) AS a, arrays_overlap(array(1, NULL), array(2)) AS b, arrays_overlap(array(1), array(2)) AS c,
                      arrays_overlap(array(), array(NULL)) AS d, arrays_overlap(NULL, array(1)) AS e`),
    { a: true, b: null, c: false, d: false, e: null },
  );
});

test('arrays_zip, array_max / array_min, array_repeat, flatten, slice', async () => {
  assert.deepEqual(await one(`SELECT arrays_zip(array(1, 2, 3), array(2, 3, 4)) AS a, arrays_zip(array(1, 2), array(2, 3), array(3, 4)) AS b`), {
    a: [{ '0': 1, '1': 2 }, { '0': 2, '1': 3 }, { '0': 3, '1': 4 }],
    b: [{ '0': 1, '1': 2, '2': 3 }, { '0': 2, '1': 3, '2': 4 }],
  });
  // Fields named after the columns; the shorter array is padded with NULLs.
  assert.deepEqual(await one(`SELECT arrays_zip(x, t.y) AS a FROM VALUES ([1, 2], ['a']) AS t(x, y)`), { a: [{ x: 1, y: 'a' }, { x: 2, y: null }] });
  assert.deepEqual(
    await one(`SELECT array_max(array(1, 20, null, 3)) AS a, array_min(array(1, 20, null, 3)) AS b, array_repeat('123', 2) AS c, array_repeat(1, -1) AS d,
                      flatten(array(array(1, 2), array(3, 4))) AS e, flatten(array(array(1, 2), NULL)) AS f`),
    { a: 20, b: 1, c: ['123', '123'], d: [], e: [1, 2, 3, 4], f: null },
  );
  assert.deepEqual(
    await one(`SELECT slice(array(1, 2, 3, 4), 2, 2) AS a, slice(array(1, 2, 3, 4), -2, 2) AS b, slice(array(1, 2, 3, 4), -5, 2) AS c, slice(array(1, 2, 3, 4), 4, 9) AS d,
                      slice(array(1, 2, 3, 4), 9, 1) AS e, slice(array(1, 2, 3, 4), -4, 9) AS f, slice(array(1), NULL, 1) AS g`),
    { a: [2, 3], b: [3, 4], c: [], d: [4], e: [], f: [1, 2, 3, 4], g: null },
  );
});

test('sequence: integers and dates by 1 or -1, or by an interval from the start (month ends clamp)', async () => {
  assert.deepEqual(
    await one(`SELECT sequence(1, 5) AS a, sequence(5, 1) AS b, sequence(1, 10, 3) AS c, sequence(DATE '2018-01-01', DATE '2018-03-01', INTERVAL 1 MONTH) AS d,
                      sequence(DATE '2018-01-31', DATE '2018-05-31', INTERVAL 1 MONTH) AS e, sequence(DATE '2018-01-03', DATE '2018-01-01') AS f,
                      sequence(TIMESTAMP '2018-01-01 00:00:00', TIMESTAMP '2018-01-01 01:00:00', INTERVAL 30 MINUTE) AS g, sequence(DATE '2018-03-01', DATE '2018-01-01', INTERVAL '-1' MONTH) AS h`),
    {
      a: [1, 2, 3, 4, 5],
      b: [5, 4, 3, 2, 1],
      c: [1, 4, 7, 10],
      d: ['2018-01-01', '2018-02-01', '2018-03-01'],
      e: ['2018-01-31', '2018-02-28', '2018-03-31', '2018-04-30', '2018-05-31'],
      f: ['2018-01-03', '2018-01-02', '2018-01-01'],
      g: ['2018-01-01 00:00:00', '2018-01-01 00:30:00', '2018-01-01 01:00:00'],
      h: ['2018-03-01', '2018-02-01', '2018-01-01'],
    },
  );
  assert.deepEqual(await spark(`SELECT explode(sequence(s, e)) AS d FROM VALUES (DATE '2020-02-28', DATE '2020-03-01') AS v(s, e)`), [{ d: '2020-02-28' }, { d: '2020-02-29' }, { d: '2020-03-01' }]);
});

test('exists / forall with three-valued logic, aggregate / reduce, zip_with', async () => {
  assert.deepEqual(
    await one(`SELECT exists(array(1, 2, 3), x -> x % 2 == 0) AS a, exists(array(1, 2, 3), x -> x % 2 == 10) AS b, exists(array(1, null, 3), x -> x % 2 == 0) AS c,
                      exists(array(0, null, 2, 3, null), x -> x IS NULL) AS d, exists(array(1, 2, 3), x -> x IS NULL) AS e, exists(NULL, x -> true) AS f`),
    { a: true, b: false, c: null, d: true, e: false, f: null },
  );
  assert.deepEqual(
    await one(`SELECT forall(array(1, 2, 3), x -> x % 2 == 0) AS a, forall(array(2, 4, 8), x -> x % 2 == 0) AS b, forall(array(1, null, 3), x -> x % 2 == 0) AS c,
                      forall(array(2, null, 8), x -> x % 2 == 0) AS d, forall(array(), x -> false) AS e`),
    { a: false, b: true, c: false, d: null, e: true },
  );
  assert.deepEqual(
    await one(`SELECT aggregate(array(1, 2, 3), 0, (acc, x) -> acc + x) AS a, aggregate(array(1, 2, 3), 0, (acc, x) -> acc + x, acc -> acc * 10) AS b,
                      reduce(array(1, 2, 3), 0, (acc, x) -> acc + x) AS c, aggregate(array(), 5, (acc, x) -> acc + x) AS d`),
    { a: 6, b: 60, c: 6, d: 5 },
  );
  assert.deepEqual(
    await one(`SELECT zip_with(array(1, 2), array(3, 4), (x, y) -> x + y) AS a, zip_with(array('a', 'b', 'c'), array('d', 'e', 'f'), (x, y) -> concat(x, y)) AS b,
                      zip_with(array(1), array(1, 2), (x, y) -> coalesce(x, 0) + y) AS c, zip_with(array(1), NULL, (x, y) -> x) AS d`),
    { a: [4, 6], b: ['ad', 'be', 'cf'], c: [2, 2], d: null },
  );
  // Spark lambdas see the columns around them.
  assert.deepEqual(await one(`SELECT exists(arr, x -> x > k) AS a, aggregate(arr, k, (acc, x) -> acc + x) AS b FROM VALUES (array(1, 5), 3) AS v(arr, k)`), { a: true, b: 9 });
  fails('SELECT forall(a, (x, i) -> x > i) FROM t', /^forall\(\): the lambda takes 1 parameters, got 2$/);
});

test('named_struct, struct field names, map_contains_key, str_to_map', async () => {
  assert.deepEqual(
    await one(`SELECT named_struct('a', 1, 'b', 2, 'c', 3) AS a, struct(1, 2, 3) AS b, struct(x, t.y AS z, x + 1) AS c FROM VALUES (5, 6) AS t(x, y)`),
    { a: { a: 1, b: 2, c: 3 }, b: { col1: 1, col2: 2, col3: 3 }, c: { x: 5, z: 6, col3: 6 } },
  );
  assert.deepEqual(await one(`SELECT map_contains_key(map(1, 'a', 2, 'b'), 1) AS a, map_contains_key(map(1, 'a', 2, 'b'), 3) AS b`), { a: true, b: false });
  assert.deepEqual(
    await one(`SELECT str_to_map('a:1,b:2,c:3', ',', ':') AS a, str_to_map('a') AS b, str_to_map('a=1;b=2=3', ';', '=') AS c, str_to_map('k1-1|k2-2', '[|]', '-') AS d`),
    { a: map(['a', '1'], ['b', '2'], ['c', '3']), b: map(['a', null]), c: map(['a', '1'], ['b', '2=3']), d: map(['k1', '1'], ['k2', '2']) },
  );
  fails("SELECT named_struct('a')", /^named_struct\(\): expects name, value pairs, got 1 arguments$/);
  fails('SELECT named_struct(n, 1) FROM t', /^named_struct\(\): field names must be string literals$/);
});

test('get_json_object, to_json without NULL fields; from_json and timestamps in to_json are refused', async () => {
  assert.deepEqual(
    await one(`SELECT get_json_object('{"a":"b"}', '$.a') AS a, get_json_object('{"a":{"b":[1, {"c": "x"}]}}', '$.a.b[1].c') AS b, get_json_object('not json', '$.a') AS c,
                      get_json_object('{"a b":1}', '$[''a b'']') AS d, get_json_object('{"a":{"x":1}}', '$.a') AS e, get_json_object('{"a":null}', '$.a') AS f, get_json_object('{"a":1}', 'a') AS g`),
    { a: 'b', b: 'x', c: null, d: '1', e: '{"x":1}', f: null, g: null },
  );
  assert.deepEqual(
    await one(`SELECT to_json(named_struct('a', 1, 'b', 2)) AS a, to_json(array(named_struct('a', 1, 'b', 2))) AS b, to_json(map('a', named_struct('b', 1))) AS c,
                      to_json(named_struct('a', 1, 'b', NULL)) AS d, to_json(named_struct('a', NULL, 'b', named_struct('c', NULL, 'd', 'x,"c":null'), 'e', NULL)) AS e, to_json(map('a', NULL)) AS f`),
    { a: '{"a":1,"b":2}', b: '[{"a":1,"b":2}]', c: '{"a":{"b":1}}', d: '{"a":1}', e: '{"b":{"d":"x,\\"c\\":null"}}', f: '{"a":null}' },
  );
  await assert.rejects(spark(`SELECT to_json(named_struct('t', TIMESTAMP '2020-01-01 00:00:00')) AS a`), /to_json\(\): timestamps cannot be translated/);
  fails("SELECT from_json(j, 'a INT') FROM t", /^from_json\(\): cannot be translated/);
  fails("SELECT to_json(s, map('timestampFormat', 'dd/MM/yyyy')) FROM t", /^to_json\(\): options cannot be translated$/);
  fails("SELECT get_json_object(j, '$.a[*]') FROM t", /^get_json_object\(\): a wildcard in the JSON path cannot be translated$/);
});

test('json_tuple: one row of fields as a SELECT item, a FROM item or in LATERAL VIEW', async () => {
  assert.deepEqual(await spark(`SELECT json_tuple('{"a":1, "b":2}', 'a', 'b')`), [{ c0: '1', c1: '2' }]);
  assert.deepEqual(await spark(`SELECT json_tuple(j, 'a', 'b') AS (x, y), 1 AS k FROM VALUES ('{"a":"s","b":{"c":2}}'), ('not json') AS v(j)`), [
    { x: 's', y: '{"c":2}', k: 1 },
    { x: null, y: null, k: 1 },
  ]);
  assert.deepEqual(await spark(`SELECT t.id, v.a, v.z FROM VALUES (1, '{"a":1}') AS t(id, j) LATERAL VIEW json_tuple(j, 'a', 'z') v AS a, z`), [{ id: 1, a: '1', z: null }]);
  assert.deepEqual(await spark(`SELECT * FROM json_tuple('{"a":1}', 'a')`), [{ c0: '1' }]);
  fails(`SELECT json_tuple(j, 'a') AS (x, y) FROM t`, /^json_tuple\(\): makes 1 column but 2 aliases were given$/);
  fails('SELECT json_tuple(j, k) FROM t', /^json_tuple\(\): field names must be string literals/);
});

test('percentile_approx, percentile, first / last with ignoreNulls, every / some / any', async () => {
  assert.deepEqual(
    await one(`SELECT percentile_approx(col, array(0.5, 0.4, 0.1), 100) AS a, percentile_approx(col, 0.5, 100) AS b, approx_percentile(col, 0.9) AS c FROM VALUES (0), (1), (2), (10) AS tab(col)`),
    { a: [1, 1, 0], b: 1, c: 10 },
  );
  assert.deepEqual(await one(`SELECT percentile(col, 0.3) AS a, percentile(col, array(0.25, 0.75)) AS b FROM VALUES (0), (10) AS tab(col)`), { a: 3, b: [2.5, 7.5] });
  assert.deepEqual(
    await one(`SELECT first(col) AS a, first(col, true) AS b, last(col) AS c, last(col, true) AS d, first_value(col) AS e, last_value(col, true) AS f,
                      first(col) IGNORE NULLS AS g, last(col) IGNORE NULLS AS h FROM VALUES (NULL), (5), (20), (NULL) AS tab(col)`),
    { a: null, b: 5, c: null, d: 20, e: null, f: 20, g: 5, h: 20 },
  );
  assert.deepEqual(
    await spark(`SELECT o, first_value(col, true) OVER (ORDER BY o) AS a, last(col) IGNORE NULLS OVER (ORDER BY o) AS b, first(col) OVER (ORDER BY o) AS c
                 FROM VALUES (1, NULL), (2, 5), (3, NULL), (4, 20) AS tab(o, col) ORDER BY o`),
    [
      { o: 1, a: null, b: null, c: null },
      { o: 2, a: 5, b: 5, c: null },
      { o: 3, a: 5, b: 5, c: null },
      { o: 4, a: 5, b: 20, c: null },
    ],
  );
  assert.deepEqual(await one(`SELECT every(col) AS a, some(col) AS b, any(col) AS c FROM VALUES (true), (false), (false) AS tab(col)`), { a: false, b: true, c: true });
  fails('SELECT percentile(x, 0.5, f) FROM t', /^percentile\(\): the frequency argument cannot be translated$/);
  fails('SELECT first(x, y) FROM t', /^first\(\): ignoreNulls must be the literal true or false$/);
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
    { a: 2, b: 'DECIMAL(10,0)', c: '2020-01-01 08:00:00+00', d: '2020-01-01 10:00:00', e: ['1', '2'], f: map(['a', 1]), g: { a: '1' } },
  );
  assert.deepEqual(
    await one(`SELECT CAST(ts AS STRING) AS a, CAST(ts AS VARCHAR) AS b, CAST(d AS STRING) AS c, CAST(x AS STRING) AS e FROM s`,
      "CREATE TEMP TABLE s AS SELECT TIMESTAMPTZ '2020-01-01 10:00:00.5+00' AS ts, DATE '2020-01-01' AS d, 42 AS x"),
    { a: '2020-01-01 10:00:00.5', b: '2020-01-01 10:00:00.5+00', c: '2020-01-01', e: '42' },
  );
  // A whole SELECT item keeps Spark's name for the cast.
  assert.deepEqual(Object.keys(await one('SELECT CAST(x AS LONG), cast(x AS string) FROM VALUES (1) AS v(x)')), ['CAST(x AS LONG)', 'CAST(x AS string)']);
});

test("DuckDB's own forms of the second batch's names are left as DuckDB runs them", async () => {
  const duck = [
    "position('a' IN 'abc')",
    "substring(s, 2, 3)",
    "substr(s, 2)",
    'trunc(2.75)',
    'trunc(2.75, 1)',
    'reduce([1, 2], lambda a, b: a + b)',
    "datediff('month', DATE '2024-01-31', DATE '2024-02-29')",
    "date_diff('year', a, b)",
    "date_trunc('month', ts)",
    'date_part(part, ts)',
    "date_part('year', ts)",
    'extract(year FROM ts)',
    'CAST(x AS VARCHAR)',
    'CAST(x AS INTEGER[])',
    'CAST(x AS MAP(VARCHAR, INTEGER))',
    'CAST(x AS STRUCT(a INTEGER))',
    "CAST('7' AS BIGINT)",
    'CAST(1 AS INT)',
    'random()',
    "lpad(s, 5, 'x')",
    "replace(s, 'a', 'b')",
    'left(s, 2)',
    'make_timestamp(2024, 1, 2, 3, 4, 5)',
    'year(d)',
    'any_value(x)',
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
  assert.deepEqual(await one('SELECT 100L AS a, 1.5D AS b, 2BD AS c, 7S AS d, typeof(3Y) AS e, typeof(100L) AS f, typeof(1.50BD) AS g'), { a: 100, b: 1.5, c: 2, d: 7, e: 'TINYINT', f: 'BIGINT', g: 'DECIMAL(3,2)' });
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
