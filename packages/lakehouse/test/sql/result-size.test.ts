/**
 * Which query results are known to be small from the parse tree (then read materialized, in one
 * DuckDB call), and that such a query returns the same rows either way.
 */
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { withConnection } from '@loch/engine-node';
import { Lakehouse } from '@loch/lakehouse';
import { serializeSql } from '../../src/planner/duck-json.js';
import { groupKeyRefs, isSmallResult, smallGroups } from '../../src/sql/plan/result-size.js';

test('small results: aggregates without GROUP BY and small constant LIMITs; anything else streams', async () => {
  const small = (sql: string) => withConnection(async (c) => isSmallResult(await serializeSql(c, sql)));
  for (const sql of [
    'SELECT count(*) FROM t',
    'SELECT count(*) AS n, sum(x) + 1 AS s, 2 AS k FROM t WHERE y > 3',
    'SELECT CASE WHEN max(x) > 1 THEN 1 ELSE 0 END, CAST(avg(x) AS INTEGER) FROM t JOIN u ON t.a = u.a',
    'SELECT max(x) FROM t HAVING max(x) > 0',
    'SELECT * FROM t LIMIT 10',
    'SELECT * FROM t ORDER BY x LIMIT 10000',
  ]) {
    assert.equal(await small(sql), true, sql);
  }
  for (const sql of [
    'SELECT * FROM t',
    'SELECT x, count(*) FROM t GROUP BY x',
    'SELECT count(*) FROM t GROUP BY ALL',
    'SELECT 1 FROM t',
    'SELECT x, max(x) FROM t',
    'SELECT sum(x) OVER () FROM t',
    'SELECT (SELECT max(x) FROM u) FROM t',
    'SELECT * FROM t LIMIT 10001',
    'SELECT count(*) FROM t UNION ALL SELECT count(*) FROM u',
    'not sql at all',
  ]) {
    assert.equal(await small(sql), false, sql);
  }
  assert.equal(isSmallResult(undefined), false);
});

test('a small result reads the same rows as a streamed one', async () => {
  const lake = Lakehouse.open(join(await mkdtemp(join(tmpdir(), 'loch-result-size-')), 'lake'));
  await lake.table('t').write(`SELECT i AS x, i % 3 AS g FROM range(5000) r(i)`);
  const [agg] = await lake.sql('SELECT count(*) AS n, sum(x) AS s, max(x) - min(x) AS spread FROM t WHERE g = 1');
  assert.deepEqual(agg.rows, [{ n: 1667, s: 4167500, spread: 4998 }]);
  const [limited] = await lake.sql('SELECT x FROM t ORDER BY x DESC LIMIT 3');
  assert.deepEqual(limited.rows, [{ x: 4999 }, { x: 4998 }, { x: 4997 }]);
  const [streamed] = await lake.sql('SELECT g, count(*) AS n FROM t GROUP BY g ORDER BY g');
  assert.deepEqual(streamed.rows, [{ g: 0, n: 1667 }, { g: 1, n: 1667 }, { g: 2, n: 1666 }]);
  // A failing small query still fails as DuckDB says.
  await assert.rejects(lake.sql('SELECT count(nope) FROM t'), /nope/);
});

test('GROUP BY keys from Delta references joined at the top level bound the groups; anything else does not', async () => {
  const refs = (sql: string) => withConnection(async (c) => groupKeyRefs(await serializeSql(c, sql), '__loch_ref_'));
  assert.deepEqual(await refs('SELECT d.month, sum(f.x) FROM __loch_ref_0 f JOIN __loch_ref_1 d ON f.k = d.k GROUP BY d.month'), [1]);
  assert.deepEqual(await refs('SELECT s.city, i.cat, count(*) FROM __loch_ref_0 f JOIN __loch_ref_1 i ON f.a = i.a JOIN __loch_ref_2 s ON f.b = s.b GROUP BY s.city, i.cat, s.region'), [2, 1]);
  for (const sql of [
    'SELECT month, sum(x) FROM __loch_ref_0 f JOIN __loch_ref_1 d ON f.k = d.k GROUP BY month',
    'SELECT d.month FROM __loch_ref_0 f JOIN (SELECT * FROM __loch_ref_1) d ON f.k = d.k GROUP BY d.month',
    'SELECT d.m FROM __loch_ref_0 f JOIN __loch_ref_1 d ON f.k = d.k GROUP BY ROLLUP (d.m, f.k)',
    'SELECT upper(d.m) FROM __loch_ref_1 d GROUP BY upper(d.m)',
    'SELECT d.m FROM __loch_ref_1 d GROUP BY ALL',
    'SELECT count(*) FROM __loch_ref_1 d',
  ]) {
    assert.equal(await refs(sql), undefined, sql);
  }
  assert.equal(smallGroups([100, 730]), true);
  assert.equal(smallGroups([10_000, 730]), false);
  assert.equal(smallGroups([]), true);
});

test('a GROUP BY over a small dimension reads the same rows as a streamed one', async () => {
  const lake = Lakehouse.open(join(await mkdtemp(join(tmpdir(), 'loch-result-groups-')), 'lake'));
  await lake.table('f').write(`SELECT i % 50 AS k, i AS x FROM range(20000) r(i)`);
  await lake.table('d').write(`SELECT i AS k, 'g' || (i % 4) AS g FROM range(50) r(i)`);
  const [r] = await lake.sql('SELECT d.g, count(*) AS n, sum(f.x) AS s FROM f JOIN d ON f.k = d.k GROUP BY d.g ORDER BY d.g');
  assert.deepEqual(r.rows.map((row) => [row.g, row.n]), [['g0', 5200], ['g1', 5200], ['g2', 4800], ['g3', 4800]]);
});
