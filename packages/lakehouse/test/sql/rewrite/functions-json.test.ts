import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fails, one, spark } from './spark.js';

test('get_json_object, to_json without NULL fields; from_json and timestamps in to_json are refused', async () => {
  assert.deepEqual(
    await one(`SELECT get_json_object('{"a":"b"}', '$.a') AS a, get_json_object('{"a":{"b":[1, {"c": "x"}]}}', '$.a.b[1].c') AS b, get_json_object('not json', '$.a') AS c,
                      get_json_object('{"a b":1}', "$['a b']") AS d, get_json_object('{"a":{"x":1}}', '$.a') AS e, get_json_object('{"a":null}', '$.a') AS f, get_json_object('{"a":1}', 'a') AS g`),
    { a: 'b', b: 'x', c: null, d: '1', e: '{"x":1}', f: null, g: null },
  );
  assert.deepEqual(
    await one(`SELECT to_json(named_struct('a', 1, 'b', 2)) AS a, to_json(array(named_struct('a', 1, 'b', 2))) AS b, to_json(map('a', named_struct('b', 1))) AS c,
                      to_json(named_struct('a', 1, 'b', NULL)) AS d, to_json(named_struct('a', NULL, 'b', named_struct('c', NULL, 'd', 'x,"c":null'), 'e', NULL)) AS e, to_json(map('a', NULL)) AS f`),
    { a: '{"a":1,"b":2}', b: '[{"a":1,"b":2}]', c: '{"a":{"b":1}}', d: '{"a":1}', e: '{"b":{"d":"x,\\"c\\":null"}}', f: '{"a":null}' },
  );
  await assert.rejects(spark(`SELECT to_json(named_struct('t', TIMESTAMP '2020-01-01 00:00:00')) AS a`), /to_json\(\): timestamps cannot be translated/);
  fails("SELECT from_json(j, 'a INT', map('mode', 'FAILFAST')) FROM t", /^from_json\(\): options cannot be translated/);
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

test('from_json with a DDL or type schema, schema_of_json of a literal, json_object_keys and json_array_length NULL for what is not an object / array', async () => {
  assert.deepEqual(await one(`SELECT from_json('{"a":1, "b":"x"}', 'a INT, b STRING') AS s, from_json('[1, 2, null]', 'array<int>') AS a, from_json('{"a": 1}', 'array<struct<a:int>>') AS o, from_json('not json', 'a INT') AS bad`), {
    s: { a: 1, b: 'x' },
    a: [1, 2, null],
    o: [{ a: 1 }],
    bad: null,
  });
  assert.deepEqual(await one(`SELECT schema_of_json('{"c2":[1], "c1":0.5}') AS s, from_json('{"c1":[1, 2]}', schema_of_json('{"c1":[0]}')) AS v`), { s: 'STRUCT<c1: DOUBLE, c2: ARRAY<BIGINT>>', v: { c1: [1, 2] } });
  assert.deepEqual(await one(`SELECT json_object_keys('{"k": 1, "l": {"m": 2}}') AS k, json_object_keys('[1]') AS n, json_object_keys('{bad') AS b, json_array_length('[1, [2, 3]]') AS l, json_array_length('{}') AS m`), { k: ['k', 'l'], n: null, b: null, l: 2, m: null });
});
