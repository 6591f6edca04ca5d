import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Lakehouse, SqlError } from '@loch/lakehouse';
import { Float64, Int32, Struct, Field, Table, Utf8, tableFromArrays, vectorFromArray, type RecordBatch, type Vector } from 'apache-arrow';

const table = (columns: Record<string, Vector>) => new Table(columns);

async function lake() {
  const dir = await mkdtemp(join(tmpdir(), 'loch-udf-api-'));
  const l = Lakehouse.open(dir);
  // Three tickers with their own line (y = a + b x + noise), and a NULL ticker.
  await l.sql(`CREATE TABLE prices (ticker STRING, x DOUBLE, y DOUBLE) USING DELTA;
    INSERT INTO prices SELECT CASE id % 4 WHEN 0 THEN 'AAA' WHEN 1 THEN 'BBB' WHEN 2 THEN 'CCC' END, id / 10.0,
      (id % 4) + (id % 4 + 1) * (id / 10.0) + sin(id) FROM range(6000)`);
  return { l, done: () => rm(dir, { recursive: true, force: true }) };
}

/** One least-squares fit per group: the kind of function a grouped map is for. */
function ols(group: Table): Table {
  const x = group.getChild('x')!;
  const y = group.getChild('y')!;
  let sx = 0, sy = 0, sxx = 0, sxy = 0;
  const n = group.numRows;
  for (let i = 0; i < n; i++) {
    const a = x.get(i) as number;
    const b = y.get(i) as number;
    sx += a; sy += b; sxx += a * a; sxy += a * b;
  }
  const slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
  return table({ ticker: vectorFromArray([group.getChild('ticker')!.get(0)], new Utf8()), n: vectorFromArray([n], new Int32()), slope: vectorFromArray([slope], new Float64()), intercept: vectorFromArray([(sy - slope * sx) / n], new Float64()) });
}

async function rejects(p: Promise<unknown>, code: string, pattern: RegExp) {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof SqlError, String(e));
    assert.equal(e.code, code, e.message);
    assert.match(e.message, pattern);
    return true;
  });
}

async function resultTables(l: Lakehouse): Promise<number> {
  const [r] = await l.sql("SELECT count(*) AS n FROM duckdb_tables() WHERE schema_name = 'loch_udf'");
  return r.rows[0].n as number;
}

test('grouped map: one OLS fit per group equals the same fit in SQL; NULL keys form a group; results are a frame', async () => {
  const { l, done } = await lake();
  try {
    const fits = l.read('prices').groupBy('ticker').applyInArrow(ols, 'ticker string, n int, slope double, intercept double');
    const rows = await fits.orderBy('ticker').toRows();
    const [sql] = await l.sql('SELECT ticker, count(*)::INT AS n, regr_slope(y, x) AS slope, regr_intercept(y, x) AS intercept FROM prices GROUP BY ticker ORDER BY ticker');
    assert.equal(rows.length, 4);
    assert.equal(rows[0].ticker, null);
    rows.forEach((r, i) => {
      const s = sql.rows[i];
      assert.equal(r.ticker, s.ticker);
      assert.equal(r.n, s.n);
      assert.ok(Math.abs((r.slope as number) - (s.slope as number)) < 1e-9, `${r.slope} vs ${s.slope}`);
      assert.ok(Math.abs((r.intercept as number) - (s.intercept as number)) < 1e-6, `${r.intercept} vs ${s.intercept}`);
    });
    // A grouped map's result composes with the rest of the frame API and with joins.
    const steep = await fits.filter('slope > 1.5').join(l.read('prices').groupBy('ticker').agg({ m: 'max(x)' }).as('m'), ['ticker']).select('ticker', 'm').orderBy('ticker').toRows();
    assert.deepEqual(steep.map((r) => r.ticker), ['BBB', 'CCC']);
    // Keys by expression; a function may return no rows for a group (and groups come in key order).
    const seen: string[] = [];
    const some = await l.read('prices').groupBy('ticker IS NULL', 'ticker').applyInArrow((g: Table) => {
      const t = String(g.getChild('ticker')!.get(0));
      seen.push(t);
      return t === 'AAA' ? table({ t: vectorFromArray([] as string[], new Utf8()) }) : table({ t: vectorFromArray([t, t], new Utf8()) });
    }, 't string').toRows();
    assert.deepEqual(seen, ['AAA', 'BBB', 'CCC', 'null']);
    assert.equal(some.length, 6);
    // An empty frame has no groups: an empty result with the declared columns.
    const none = await l.read('prices').filter('x < 0').groupBy('ticker').applyInArrow(ols, 'ticker string, n int, slope double, intercept double').toArrow();
    assert.equal(none.numRows, 0);
    assert.deepEqual(none.schema.fields.map((f) => f.name), ['ticker', 'n', 'slope', 'intercept']);
    assert.equal(await resultTables(l), 0, 'result tables are dropped after the query');
  } finally {
    await done();
  }
});

test('mapInArrow: batches in, any number of batches out; struct columns in and out; streamed as batches', async () => {
  const { l, done } = await lake();
  try {
    await l.sql(`CREATE TABLE people (id BIGINT, who STRUCT<name: STRING, age: INT>) USING DELTA;
      INSERT INTO people VALUES (1, named_struct('name', 'ann', 'age', 30)), (2, NULL), (3, named_struct('name', 'bo', 'age', NULL))`);
    const tagged = l.read('people').mapInArrow(async function* tag(batches: AsyncIterable<RecordBatch>) {
      for await (const b of batches) {
        const who = b.getChild('who')!;
        const out = Array.from({ length: b.numRows }, (_, i) => {
          const w = who.get(i) as { name: string; age: number | null } | null;
          return w === null ? null : { label: `${w.name.toUpperCase()}`, older: w.age === null ? null : w.age + 1 };
        });
        yield table({ id: b.getChild('id')!, tag: vectorFromArray(out, new Struct([new Field('label', new Utf8()), new Field('older', new Int32())])) });
      }
    }, 'id long, tag struct<label: string, older: int>');
    assert.deepEqual(await tagged.orderBy('id').toRows(), [
      { id: 1, tag: { label: 'ANN', older: 31 } },
      { id: 2, tag: null },
      { id: 3, tag: { label: 'BO', older: null } },
    ]);
    // Many input batches; the function splits and merges them freely.
    let inputs = 0;
    const evens = l.read('prices').mapInArrow(async function* (batches: AsyncIterable<RecordBatch>) {
      const kept: number[] = [];
      for await (const b of batches) {
        inputs++;
        const x = b.getChild('x')!;
        for (let i = 0; i < b.numRows; i++) if ((x.get(i) as number) * 10 % 2 === 0) kept.push(x.get(i) as number);
      }
      yield tableFromArrays({ x: Float64Array.from(kept.slice(0, 1000)) });
      yield tableFromArrays({ x: Float64Array.from(kept.slice(1000)) });
    }, 'x double');
    const [count] = await evens.agg({ n: 'count(*)', s: 'sum(x)' }).toRows().then((r) => r);
    assert.equal(count.n, 3000);
    assert.ok(inputs >= 2);
    let batches = 0;
    for await (const b of evens) batches += b.numRows > 0 ? 1 : 0;
    assert.ok(batches >= 1);
  } finally {
    await done();
  }
});

test('cogroup applyInArrow: both frames\' groups by key, an empty table where one side lacks the key (an as-of join per key)', async () => {
  const { l, done } = await lake();
  try {
    await l.sql(`CREATE TABLE trades (k STRING, t INT, qty INT) USING DELTA; INSERT INTO trades VALUES ('a', 5, 1), ('a', 12, 2), ('b', 3, 3), ('d', 1, 9);
      CREATE TABLE quotes (sym STRING, t INT, px DOUBLE) USING DELTA; INSERT INTO quotes VALUES ('a', 1, 10.0), ('a', 10, 11.0), ('b', 4, 20.0), ('c', 1, 30.0)`);
    const asOf = (trades: Table, quotes: Table): Table => {
      const k: string[] = [], t: number[] = [], px: (number | null)[] = [];
      for (let i = 0; i < trades.numRows; i++) {
        const at = trades.getChild('t')!.get(i) as number;
        let best: number | null = null, bestT = -Infinity;
        for (let j = 0; j < quotes.numRows; j++) {
          const qt = quotes.getChild('t')!.get(j) as number;
          if (qt <= at && qt > bestT) (bestT = qt), (best = quotes.getChild('px')!.get(j) as number);
        }
        k.push(trades.getChild('k')!.get(i) as string), t.push(at), px.push(best);
      }
      return table({ k: vectorFromArray(k, new Utf8()), t: vectorFromArray(t, new Int32()), px: vectorFromArray(px, new Float64()) });
    };
    const joined = await l.read('trades').groupBy('k').cogroup(l.read('quotes').groupBy('sym')).applyInArrow(asOf, 'k string, t int, px double').orderBy('k', 't').toRows();
    assert.deepEqual(joined, [
      { k: 'a', t: 5, px: 10 },
      { k: 'a', t: 12, px: 11 },
      { k: 'b', t: 3, px: null },
      { k: 'd', t: 1, px: null },
    ]);
    const sizes: string[] = [];
    await l.read('trades').groupBy('k').cogroup(l.read('quotes').groupBy('sym')).applyInArrow((a: Table, b: Table) => {
      sizes.push(`${a.numRows}/${b.numRows}`);
      assert.deepEqual(b.schema.fields.map((f) => f.name), ['sym', 't', 'px']);
      return tableFromArrays({ n: Int32Array.of(a.numRows) });
    }, 'n int').toRows();
    assert.deepEqual(sizes, ['2/2', '1/1', '0/1', '1/0']);
  } finally {
    await done();
  }
});

test('function API errors: missing columns, wrong types, a throwing function; nothing left behind', async () => {
  const { l, done } = await lake();
  try {
    const grouped = l.read('prices').groupBy('ticker');
    await rejects(grouped.applyInArrow(() => tableFromArrays({ z: [1] }), 'ticker string').toRows(), 'LOCH_UDF_SCHEMA_MISMATCH', /applyInArrow function .* returned columns \(z\); the declared schema \(ticker string\) needs ticker/);
    await rejects(grouped.applyInArrow(function fit() {
      return tableFromArrays({ ticker: Float64Array.of(1) });
    }, 'ticker string').toRows(), 'LOCH_UDF_SCHEMA_MISMATCH', /applyInArrow function fit: column ticker .*Float64.*declared string/);
    await rejects(grouped.applyInArrow(function fit() {
      throw new Error('singular matrix');
    }, 'ticker string').toRows(), 'LOCH_UDF_FAILED', /applyInArrow function fit failed on the group ticker = null: singular matrix/);
    await rejects(grouped.applyInArrow(() => 42 as unknown as Table, 'ticker string').toRows(), 'LOCH_UDF_RESULT_TYPE', /returned number; expected an Arrow Table/);
    await rejects(l.read('prices').mapInArrow(async function* boom() {
      yield* [];
      throw new Error('bad batch');
    }, 'x double').toRows(), 'LOCH_UDF_FAILED', /mapInArrow function boom failed: bad batch/);
    assert.equal(await resultTables(l), 0);
  } finally {
    await done();
  }
});

test('grouped map on worker threads: a function by module and export, groups spread over workers, results in key order', async () => {
  const { l, done } = await lake();
  try {
    const module = new URL('./ols-fn.js', import.meta.url).href;
    const input = l.query("SELECT coalesce(ticker, 'none') AS k, x, y FROM prices");
    const schema = 'k string, n int, slope double, intercept double';
    const inWorkers = await input.groupBy('k').applyInArrow({ module, export: 'ols' }, schema, { workers: 2 }).toRows();
    const { ols: local } = (await import(module)) as { ols: (t: Table) => Table };
    const onCaller = await input.groupBy('k').applyInArrow(local, schema).toRows();
    // Rows within a group come in no particular order, so sums may differ in their last bits.
    const close = (a: typeof onCaller, b: typeof onCaller) => {
      assert.deepEqual(a.map((r) => [r.k, r.n]), b.map((r) => [r.k, r.n]));
      a.forEach((r, i) => assert.ok(Math.abs((r.slope as number) - (b[i].slope as number)) < 1e-9));
    };
    close(inWorkers, onCaller);
    assert.deepEqual(inWorkers.map((r) => r.k), ['AAA', 'BBB', 'CCC', 'none']);
    const viaConf = await input.withConf({ 'loch.udf.workers': '1' }).groupBy('k').applyInArrow({ module, export: 'ols' }, schema).toRows();
    close(viaConf, onCaller);
    const bad = l.query("SELECT CASE WHEN ticker = 'BBB' THEN 'bad' ELSE ticker END AS k, x, y FROM prices");
    await rejects(bad.groupBy('k').applyInArrow({ module, export: 'picky' }, schema, { workers: 2 }).toRows(), 'LOCH_UDF_FAILED', /applyInArrow function .*ols-fn.js#picky failed on the group k = bad: cannot fit bad/);
    await rejects(bad.groupBy('k').applyInArrow({ module, export: 'nope' }, schema).toRows(), 'LOCH_UDF_FAILED', /no exported function 'nope'/);
    assert.equal(await resultTables(l), 0);
  } finally {
    await done();
  }
});

test('grouped map over groups larger than a DuckDB chunk, many to a worker task: each group whole, string and integer keys with NULLs, as SQL counts them', async () => {
  const { l, done } = await lake();
  try {
    const module = new URL('./ols-fn.js', import.meta.url).href;
    // 24 groups of about 5,000 rows (DuckDB hands over 2,048 at a time); a NULL key is a group of its own.
    const input = l.query("SELECT CASE WHEN id % 11 = 0 THEN NULL ELSE 'g' || (id % 7) END AS k, (id % 3)::INT AS j, id::DOUBLE AS x FROM range(120000)");
    const schema = 'k string, j int, n int, uniform boolean';
    const expected = await input.groupBy('k', 'j').agg({ n: 'count(*)' }).orderBy('k', 'j').toRows();
    assert.equal(expected.length, 24);
    const { summary } = (await import(module)) as { summary: (t: Table) => Table };
    for (const [how, fn, options] of [['caller', summary, {}], ['workers', { module, export: 'summary' }, { workers: 2 }]] as const) {
      const got = await input.groupBy('k', 'j').applyInArrow(fn, schema, options).orderBy('k', 'j').toRows();
      assert.ok(got.every((r) => r.uniform === true), `${how}: a group with rows of another group`);
      assert.deepEqual(got.map(({ k, j, n }) => ({ k, j, n })), expected, how);
    }
    // A key that is an expression, not a column.
    const parity = await input.groupBy('j % 2').applyInArrow((g: Table) => tableFromArrays({ n: Int32Array.of(g.numRows) }), 'n int').orderBy('n').toRows();
    assert.deepEqual(parity.map((r) => r.n), [40000, 80000]);
    // Decimal keys (a value is several words of Arrow's buffer).
    const byDecimal = await input.groupBy('CAST(j + 0.5 AS DECIMAL(10,2))').applyInArrow((g: Table) => tableFromArrays({ n: Int32Array.of(g.numRows) }), 'n int').toRows();
    assert.deepEqual(byDecimal.map((r) => r.n), [40000, 40000, 40000]);
  } finally {
    await done();
  }
});
