import assert from 'node:assert/strict';
import { test } from 'node:test';
import { spark, one, map, TABLE, fails } from './spark.js';

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
      g: ['2018-01-01 00:00:00+00', '2018-01-01 00:30:00+00', '2018-01-01 01:00:00+00'],
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
