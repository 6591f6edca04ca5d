import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Lakehouse } from '@loch/lakehouse';
import type { Vector } from 'apache-arrow';
import { plansMade } from '../../src/udf/plan-cache.js';

/**
 * The staged path's plans are cached per connection (udf/plan-cache.ts). plansMade() counts the
 * plans made afresh, so a hit is a run that adds none; the batch sizes a function records tell
 * which path ran (staged: batches over 2,048 rows; the DuckDB scalar function path: chunks).
 */
async function lake() {
  const dir = await mkdtemp(join(tmpdir(), 'loch-plan-cache-'));
  const l = Lakehouse.open(dir, { conf: { 'loch.udf.staged': 'true' } });
  const seen: number[] = [];
  const plus = (k: number) => (x: Vector) => {
    seen.push(x.length);
    return Array.from({ length: x.length }, (_, i) => (x.isValid(i) ? Number(x.get(i)) + k : null));
  };
  l.udf.register('plus_k', plus(1), { returns: 'double', args: ['double'] });
  return { l, seen, plus, done: () => rm(dir, { recursive: true, force: true }) };
}

const ids = (n: number) => Array.from({ length: n }, (_, i) => i);

test('a repeated staged query reuses its plan, with the same results; a UDF registered again under its name misses and gives its own results', async () => {
  const { l, seen, plus, done } = await lake();
  try {
    const q = 'SELECT id, plus_k(id / 2) AS y FROM range(5000) AS r(id) ORDER BY id';
    const [first] = await l.sql(q);
    assert.deepEqual(first.rows, ids(5000).map((i) => ({ id: i, y: i / 2 + 1 })));
    assert.ok(Math.max(...seen) > 2048, `staged batches ${seen.join(',')}`);
    const before = plansMade();
    seen.length = 0;
    const [again] = await l.sql(q);
    assert.equal(plansMade(), before, 'the second run plans nothing');
    assert.deepEqual(again.rows, first.rows);
    assert.ok(Math.max(...seen) > 2048, `still staged: ${seen.join(',')}`);

    l.udf.register('plus_k', plus(10), { returns: 'double', args: ['double'] });
    const [other] = await l.sql(q);
    assert.equal(plansMade(), before + 1, 'a new function under the same name plans afresh');
    assert.deepEqual(other.rows, ids(5000).map((i) => ({ id: i, y: i / 2 + 10 })));
  } finally {
    await done();
  }
});

test('a TEMP view redefined between two runs of the same text: a column of another type, then a string column', async () => {
  const { l, seen, done } = await lake();
  try {
    // A TEMP view lives as long as its session, one `sql` call: each run defines it, then queries it.
    const q = 'SELECT k, plus_k(x) AS y FROM v ORDER BY x';
    const run = async (view: string, query = q) => (await l.sql(`CREATE OR REPLACE TEMPORARY VIEW v AS ${view} FROM range(3000) AS r(id); ${query}`)).at(-1)!.rows;
    assert.deepEqual(await run('SELECT CAST(id AS INT) AS k, CAST(id AS DOUBLE) AS x'), ids(3000).map((i) => ({ k: i, y: i + 1 })));
    assert.ok(Math.max(...seen) > 2048, `staged batches ${seen.join(',')}`);
    let before = plansMade();
    assert.deepEqual(await run('SELECT CAST(id AS INT) AS k, CAST(id AS DOUBLE) AS x'), ids(3000).map((i) => ({ k: i, y: i + 1 })));
    assert.equal(plansMade(), before, 'the same view: a hit');

    // k becomes a double: the cached stage 1 still binds, its result types differ, so the plan is made again.
    assert.deepEqual(await run('SELECT CAST(id AS DOUBLE) + 0.5 AS k, CAST(id AS DOUBLE) AS x'), ids(3000).map((i) => ({ k: i + 0.5, y: i + 1 })));
    assert.equal(plansMade(), before + 1);

    // k becomes a string, which the staged path does not pass: the query keeps the scalar function path.
    seen.length = 0;
    assert.deepEqual(await run(`SELECT 'k' || id AS k, CAST(id AS DOUBLE) AS x`), ids(3000).map((i) => ({ k: `k${i}`, y: i + 1 })));
    assert.equal(plansMade(), before + 2);
    assert.ok(Math.max(...seen) <= 2048, `scalar function path: ${seen.join(',')}`);

    // x is cast to the double plus_k declares, which would hide its becoming a string: a hit binds the
    // probe again, plans afresh, and the string is refused as on the scalar function path.
    const q2 = 'SELECT k, plus_k(x) AS y FROM v ORDER BY k';
    assert.deepEqual(await run('SELECT CAST(id AS INT) AS k, CAST(id AS INT) AS x', q2), ids(3000).map((i) => ({ k: i, y: i + 1 })));
    await assert.rejects(run('SELECT CAST(id AS INT) AS k, CAST(id AS VARCHAR) AS x', q2), /plus_k/);

    // A view that gains a column read by `*`: the same text plans afresh and returns it.
    const star = 'SELECT *, plus_k(x) AS y FROM v ORDER BY x';
    before = plansMade();
    assert.deepEqual((await run('SELECT CAST(id AS INT) AS k, CAST(id AS DOUBLE) AS x', star)).slice(0, 2), [{ k: 0, x: 0, y: 1 }, { k: 1, x: 1, y: 2 }]);
    assert.deepEqual((await run('SELECT CAST(id AS INT) AS k, CAST(id AS DOUBLE) AS x, id * 2 AS z', star)).slice(0, 2), [{ k: 0, x: 0, z: 0, y: 1 }, { k: 1, x: 1, z: 2, y: 2 }]);
    assert.equal(plansMade(), before + 2);
  } finally {
    await done();
  }
});

test('a query that does not stage stays correct when repeated, and its answer is cached too', async () => {
  const { l, seen, done } = await lake();
  try {
    // A string column of the FROM read after the call keeps the scalar function path.
    const q = `SELECT s, plus_k(id) AS y FROM (SELECT 'r' || id AS s, id FROM range(3000) AS r(id)) AS f ORDER BY id`;
    const expected = ids(3000).map((i) => ({ s: `r${i}`, y: i + 1 }));
    const [first] = await l.sql(q);
    assert.deepEqual(first.rows, expected);
    const before = plansMade();
    seen.length = 0;
    const [again] = await l.sql(q);
    assert.equal(plansMade(), before, 'the "does not stage" answer is reused');
    assert.deepEqual(again.rows, expected);
    assert.ok(Math.max(...seen) <= 2048, `scalar function path: ${seen.join(',')}`);
  } finally {
    await done();
  }
});
