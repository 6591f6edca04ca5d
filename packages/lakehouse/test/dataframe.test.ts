import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Lakehouse } from '@loch/lakehouse';

async function lake() {
  const dir = await mkdtemp(join(tmpdir(), 'loch-df-'));
  const l = Lakehouse.open(dir);
  await l.table('sales').write(`SELECT i AS id, i % 3 AS store, (i % 7) * 1.5 AS amount FROM range(30) t(i)`);
  await l.table('sales').write(`SELECT 100 + i AS id, 1 AS store, 10.0 AS amount FROM range(5) t(i)`);
  await l.table('stores').write(`SELECT * FROM (VALUES (0, 'Oslo'), (1, 'Lima'), (2, 'Pune')) v(store, city)`);
  return { l, done: () => rm(dir, { recursive: true, force: true }) };
}

test('DataFrame: filter, select, withColumn, groupBy/agg, orderBy, limit', async () => {
  const { l, done } = await lake();
  try {
    const rows = await l
      .read('sales')
      .filter('amount > 0')
      .withColumn('doubled', 'amount * 2')
      .groupBy('store')
      .agg({ n: 'count(*)', total: 'sum(doubled)' })
      .orderBy('store')
      .toRows();
    const expected = await l.sql(`SELECT store, count(*) AS n, sum(amount * 2) AS total FROM sales WHERE amount > 0 GROUP BY store ORDER BY store`);
    assert.deepEqual(rows, expected[0].rows);
    const top = await l.read('sales').select('id', 'amount').orderBy('amount DESC', 'id').limit(3).toRows();
    assert.deepEqual(top.map((r) => r.id), [100, 101, 102]);
    const replaced = await l.read('sales').withColumn('amount', 'amount + 1').filter('id = 100').toRows();
    assert.equal(replaced[0].amount, '11.0'); // a decimal: exact, as a string
  } finally {
    await done();
  }
});

test('DataFrame: time travel, joins (condition, USING, semi, anti, hints), union and distinct', async () => {
  const { l, done } = await lake();
  try {
    assert.equal((await l.read('sales').asOf({ version: 0 }).toRows()).length, 30);
    assert.equal((await l.read('sales').toRows()).length, 35);
    const s = l.read('sales').as('s');
    const st = l.read('stores').as('st');
    const joined = await s.join(st, 's.store = st.store', 'inner', { hint: 'broadcast' }).filter("city = 'Lima'").toRows();
    assert.equal(joined.length, 15);
    const using = await l.read('sales').join(l.read('stores'), ['store']).select('id', 'city').toRows();
    assert.equal(using.length, 35);
    const semi = await l.read('stores').as('a').join(l.read('sales').filter('id >= 100').as('b'), 'a.store = b.store', 'semi').toRows();
    assert.deepEqual(semi.map((r) => r.city), ['Lima']);
    const anti = await l.read('stores').as('a').join(l.read('sales').filter('id >= 100').as('b'), 'a.store = b.store', 'anti').orderBy('store').toRows();
    assert.deepEqual(anti.map((r) => r.city), ['Oslo', 'Pune']);
    const both = l.read('stores').select('store').union(l.read('stores').select('store'));
    assert.equal((await both.toRows()).length, 6);
    assert.equal((await both.distinct().toRows()).length, 3);
    const plan = await s.join(st, 's.store = st.store', 'inner', { hint: 'broadcast' }).explain();
    assert.match(plan, /BROADCAST/);
    let rows = 0;
    for await (const batch of l.read('sales')) {
      assert.deepEqual(batch.schema.fields.map((f) => f.name), ['id', 'store', 'amount']);
      rows += batch.numRows;
    }
    assert.equal(rows, 35);
    const arrow = await l.read('stores').orderBy('store').toArrow();
    assert.equal(arrow.numRows, 3);
    assert.match(l.read('sales').filter('id > 3').toSql(), /WHERE id > 3/);
  } finally {
    await done();
  }
});

test('DataFrame: the same frame compiles to the same SQL, however many frames were made before', async () => {
  const { l, done } = await lake();
  try {
    const make = () =>
      l.query('SELECT * FROM sales').filter('id > 3').join(l.query('SELECT * FROM stores'), ['store']).groupBy('city').agg({ n: 'count(*)' }).orderBy('city');
    const first = make().toSql();
    for (let i = 0; i < 5; i++) l.read('sales').filter('id > 1').select('id').toSql();
    assert.equal(make().toSql(), first);
    // Frames that differ get different default names, so both sides of a join stay apart.
    assert.notEqual(l.query('SELECT 1 AS x').alias, l.query('SELECT 2 AS x').alias);
    assert.equal(l.read('sales').alias, 'sales');
    assert.deepEqual(await make().toRows(), (await l.sql('SELECT city, count(*) AS n FROM sales JOIN stores USING (store) WHERE id > 3 GROUP BY city ORDER BY city'))[0].rows);
  } finally {
    await done();
  }
});

test('DataFrame: batches carry the same values as toArrow, and a streamed SQL result is read once', async () => {
  const { l, done } = await lake();
  try {
    const df = l.read('sales').orderBy('id');
    const table = await df.toArrow();
    const streamed: unknown[] = [];
    for await (const batch of df) for (const row of batch) streamed.push(row.toJSON());
    assert.deepEqual(streamed, [...table].map((r) => r.toJSON()));
    const results = l.sqlStream('SELECT id FROM sales ORDER BY id; SELECT count(*) AS n FROM sales', { stream: true });
    const first = (await results.next()).value!;
    assert.throws(() => first.rows, (e: { code?: string }) => e.code === 'LOCH_RESULT_CLOSED');
    let n = 0;
    for await (const rows of first.stream!.rowBatches()) n += rows.length;
    assert.equal(n, 35);
    await assert.rejects(async () => {
      for await (const _ of first.stream!.rowBatches()) void _;
    }, (e: { code?: string }) => e.code === 'LOCH_RESULT_CLOSED');
    const second = (await results.next()).value!;
    assert.deepEqual(await second.stream!.toRows(), [{ n: 35 }]);
    await results.return(undefined);
  } finally {
    await done();
  }
});
