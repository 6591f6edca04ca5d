import assert from 'node:assert/strict';
import { test } from 'node:test';
import { spark, one, fails } from './spark.js';

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

test("skewness and kurtosis are Spark's population moments, NULL without spread; corr NULL rather than NaN; typeof in Spark's names", async () => {
  const r = await one('SELECT skewness(x) AS s, kurtosis(x) AS k, skewness(y) AS z FROM VALUES (1, 5), (2, 5), (2, 5), (9, 5) AS t(x, y)');
  assert.ok(Math.abs((r.s as number) - 1.097025449363867) < 1e-9, String(r.s));
  assert.ok(Math.abs((r.k as number) - -0.7055324211778702) < 1e-9, String(r.k));
  assert.equal(r.z, null);
  assert.deepEqual(await one('SELECT corr(x, y) AS c FROM VALUES (1, 5), (2, 5) AS t(x, y)'), { c: null });
  assert.deepEqual(await one("SELECT typeof(1) AS a, typeof('x') AS b, typeof(array(array(1L))) AS c, typeof(CAST(1 AS DECIMAL(3,1))) AS d"), { a: 'int', b: 'string', c: 'array<array<bigint>>', d: 'decimal(3,1)' });
});
