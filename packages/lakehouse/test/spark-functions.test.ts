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
  fails('SELECT * FROM t LATERAL VIEW json_tuple(j, "a") v AS a', /^LATERAL VIEW json_tuple\(\): only explode, explode_outer, posexplode and posexplode_outer can be translated$/);
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
  fails('SELECT datediff(a)', /^datediff\(\): takes 2 arguments, got 1$/);
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
