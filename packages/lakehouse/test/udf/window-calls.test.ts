import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rewriteWindowedAggregates } from '../../src/udf/window-calls.js';

const rw = (sql: string) => rewriteWindowedAggregates(sql, new Set(['f']), (n) => `__agg_${n}`);

test('windowed aggregate UDF calls become the function over each argument\'s list over the window', () => {
  assert.equal(rw('SELECT f(a, g(b, c)) OVER (PARTITION BY k ORDER BY t) FROM x'), 'SELECT __agg_f(list(a) OVER (PARTITION BY k ORDER BY t), list(g(b, c)) OVER (PARTITION BY k ORDER BY t)) FROM x');
  assert.equal(rw('SELECT F(a) OVER w FROM x WINDOW w AS (ORDER BY t)'), 'SELECT __agg_f(list(a) OVER w) FROM x WINDOW w AS (ORDER BY t)');
  // Not windowed, another function, a qualified name: as written.
  for (const sql of ['SELECT f(a) FROM x', 'SELECT g(a) OVER () FROM x', 'SELECT s.f(a) OVER () FROM x', "SELECT 'f(a) over ()'"]) assert.equal(rw(sql), sql);
});
