import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Lakehouse, SqlError } from '@loch/lakehouse';
import { Float64, makeData, makeVector, vectorFromArray, type RecordBatch, type Vector } from 'apache-arrow';

async function lake() {
  const dir = await mkdtemp(join(tmpdir(), 'loch-udf-'));
  const l = Lakehouse.open(dir);
  await l.sql(`CREATE TABLE t (id BIGINT, x DOUBLE, s STRING, p STRUCT<a: INT, b: STRING>) USING DELTA;
    INSERT INTO t VALUES (1, 1.5, 'a', named_struct('a', 1, 'b', 'one')), (2, 2.5, NULL, NULL), (3, NULL, 'c', named_struct('a', 3, 'b', NULL))`);
  return { l, done: () => rm(dir, { recursive: true, force: true }) };
}

/** x + 1 over an Arrow vector, NULL staying NULL. */
const plusOne = (x: Vector) => Array.from({ length: x.length }, (_, i) => (x.isValid(i) ? Number(x.get(i)) + 1 : null));

async function rejects(p: Promise<unknown>, code: string, pattern: RegExp) {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof SqlError, String(e));
    assert.equal(e.code, code, e.message);
    assert.match(e.message, pattern);
    return true;
  });
}

test('scalar UDF: SQL and DataFrame expressions, NULLs, several columns, strings and structs', async () => {
  const { l, done } = await lake();
  try {
    const plus = l.udf.register('plus_one', plusOne, { returns: 'double' });
    l.udf.register('shout', (s: Vector) => s.toArray().map((v: string | null) => (v === null ? null : `${v.toUpperCase()}!`)), { returns: 'string' });
    l.udf.register('add', (a: Vector, b: Vector) => Float64Array.from({ length: a.length }, (_, i) => Number(a.get(i)) + Number(b.get(i) ?? 0)), { returns: 'double', args: ['double', 'double'] });
    l.udf.register('describe_p', (p: Vector) => Array.from({ length: p.length }, (_, i) => {
      const v = p.get(i) as { a: number; b: string | null } | null;
      return v === null ? null : { label: `${v.a}:${v.b ?? '-'}`, twice: v.a * 2 };
    }), { returns: 'struct<label: string, twice: int>' });
    const [r] = await l.sql('SELECT id, plus_one(x) AS y, shout(s) AS s2, add(id, x) AS z, describe_p(p) AS d FROM t ORDER BY id');
    assert.deepEqual(r.rows, [
      { id: 1, y: 2.5, s2: 'A!', z: 2.5, d: { label: '1:one', twice: 2 } },
      { id: 2, y: 3.5, s2: null, z: 4.5, d: null },
      { id: 3, y: null, s2: 'C!', z: 3, d: { label: '3:-', twice: 6 } },
    ]);
    // Combinable with other expressions, in SQL and in DataFrames, through the helper register returns.
    const df = await l.read('t').withColumn('y', `${plus('x')} * 2`).filter(`${plus('id')} > 2`).select('id', 'y').orderBy('id').toRows();
    assert.deepEqual(df, [{ id: 2, y: 7 }, { id: 3, y: null }]);
    assert.equal(l.udf.call('plus_one', 'x'), 'plus_one(x)');
    // Many batches: the function is called per DuckDB chunk, results in order.
    const [big] = await l.sql('SELECT count(*) AS n, sum(plus_one(i)) AS s FROM (SELECT id::DOUBLE AS i FROM range(100000))');
    assert.deepEqual(big.rows, [{ n: 100000, s: 5000050000 }]);
    const arrow = await l.read('t').select(`${plus('x')} AS y`).toArrow();
    assert.equal(String(arrow.schema.fields[0].type), 'Float64');
  } finally {
    await done();
  }
});

test('scalar UDF errors: wrong length, wrong type, a throwing function; nothing written', async () => {
  const { l, done } = await lake();
  try {
    l.udf.register('short_result', () => [1], { returns: 'double' });
    l.udf.register('text_result', (x: Vector) => Array.from({ length: x.length }, () => 'a'), { returns: 'double' });
    l.udf.register('arrow_text', (s: Vector) => s, { returns: 'double' });
    l.udf.register('boom', () => {
      throw new Error('kaboom');
    }, { returns: 'double' });
    await rejects(l.sql('SELECT short_result(x) FROM t'), 'LOCH_UDF_RESULT_LENGTH', /UDF short_result returned 1 values for 3 rows.*SELECT short_result\(x\) FROM t/);
    await rejects(l.sql('SELECT text_result(x) FROM t'), 'LOCH_UDF_RESULT_TYPE', /UDF text_result .*declared type double.*string 'a'/);
    await rejects(l.sql('SELECT arrow_text(s) FROM t'), 'LOCH_UDF_RESULT_TYPE', /UDF arrow_text returned an Arrow Utf8 vector; declared double/);
    await rejects(l.sql('SELECT 1; SELECT boom(x) FROM t'), 'LOCH_UDF_FAILED', /statement 2: UDF boom failed: kaboom/);
    await rejects(l.read('t').withColumn('y', 'boom(x)').toRows(), 'LOCH_UDF_FAILED', /UDF boom failed: kaboom/);
    await rejects(l.sql('INSERT INTO t SELECT id + 10, boom(x), s, p FROM t'), 'LOCH_UDF_FAILED', /UDF boom failed: kaboom.*INSERT INTO t/);
    assert.deepEqual((await l.sql('SELECT count(*) AS n FROM t'))[0].rows, [{ n: 3 }]);
    assert.equal((await l.table('t').history()).length, 2);
    assert.throws(() => l.udf.register('bad name', plusOne, { returns: 'double' }), /LOCH_UDF_INVALID|plain SQL name/);
    assert.throws(() => l.udf.register('f', plusOne, { returns: 'no_such_type' }), (e: unknown) => e instanceof SqlError && e.code === 'LOCH_UDF_INVALID');
  } finally {
    await done();
  }
});

test('scalar UDF columns in bulk: NULLs across many chunks in and out, each fixed width, dates; kept vectors keep their values', async () => {
  const { l, done } = await lake();
  try {
    // Arrow vectors of doubles in (NULL every 7th row), an Arrow vector with the same NULLs out.
    const kept: Vector[] = [];
    l.udf.register('half', (x: Vector) => {
      kept.push(x);
      return makeVector(makeData({ type: new Float64(), length: x.length, nullCount: x.nullCount, nullBitmap: x.data[0].nullBitmap, data: Float64Array.from(x.toArray() as Float64Array, (v) => v / 2) }));
    }, { returns: 'double' });
    const src = 'SELECT CASE WHEN id % 7 = 0 THEN NULL ELSE id::DOUBLE END AS x FROM range(10000)';
    const valid = Array.from({ length: 10000 }, (_, i) => i).filter((i) => i % 7 !== 0);
    const expected = [{ n: valid.length, s: valid.reduce((a, b) => a + b, 0) / 2, nulls: 10000 - valid.length }];
    // Both paths: a stage of its own (one batch of the 10,000 rows), a DuckDB scalar function (a call per 2,048-row chunk).
    for (const [staged, calls] of [['true', 1], ['false', 5]] as const) {
      kept.length = 0;
      const [, r] = await l.sql(`SET loch.udf.staged = ${staged}; SELECT count(half(x)) AS n, sum(half(x)) AS s, count(*) FILTER (WHERE half(x) IS NULL) AS nulls FROM (${src})`);
      assert.deepEqual(r.rows, expected, staged);
      // Vectors a function kept still hold their batch's values once the query is over.
      assert.ok(kept.length >= calls, `staged=${staged}: ${kept.length} calls`);
      const first = kept.find((v) => v.length > 0 && v.get(1) === 1)!;
      assert.deepEqual([first.get(0), first.get(1), first.get(7), first.nullCount > 0], [null, 1, null, true], staged);
      const last = kept.find((v) => v.length > 0 && v.get(v.length - 1) === 9999)!;
      assert.deepEqual([last.get(last.length - 2), last.nullCount > 0], [9998, true], staged);
    }
    // A slice of a longer Arrow vector (its data at an offset, NULLs included) goes back as the slice's values.
    l.udf.register('half_of_slice', (x: Vector) => {
      const halves = Array.from({ length: x.length }, (_, i) => (x.isValid(i) ? Number(x.get(i)) / 2 : null));
      return vectorFromArray([...halves.map(() => -1), ...halves], new Float64()).slice(x.length);
    }, { returns: 'double' });
    const [sliced] = await l.sql(`SELECT count(half_of_slice(x)) AS n, sum(half_of_slice(x)) AS s, count(*) FILTER (WHERE half_of_slice(x) IS NULL) AS nulls FROM (${src})`);
    assert.deepEqual(sliced.rows, expected);
    // Each fixed-width type in as Arrow's own array, typed arrays of the declared width out.
    const widths = [['tinyint', 'byte', Int8Array], ['smallint', 'short', Int16Array], ['int', 'integer', Int32Array], ['bigint', 'long', BigInt64Array], ['float', 'float', Float32Array]] as const;
    for (const [duck, spark, array] of widths) {
      l.udf.register(`same_${spark}`, (x: Vector) => {
        assert.ok(x.data[0].values instanceof array, `${spark} arrives as ${array.name}`);
        return (x.data[0].values as InstanceType<typeof array>).slice(0, x.length);
      }, { returns: spark });
      const [w] = await l.sql(`SELECT sum(same_${spark}(v)) AS s, count(same_${spark}(v)) AS n FROM (SELECT (id % 100)::${duck} AS v FROM range(5000))`);
      assert.deepEqual(w.rows, [{ s: 50 * 99 * 50, n: 5000 }], spark);
    }
    // Dates and timestamps arrive as Arrow dates (days) and timestamps (microseconds).
    l.udf.register('day_of', (d: Vector) => Array.from({ length: d.length }, (_, i) => (d.isValid(i) ? new Date(d.get(i) as number).toISOString().slice(0, 10) : null)), { returns: 'string' });
    l.udf.register('ts_of', (t: Vector) => Array.from({ length: t.length }, (_, i) => (t.isValid(i) ? new Date(t.get(i) as number).toISOString() : null)), { returns: 'string' });
    const [d] = await l.sql(`SELECT day_of(DATE '2024-02-29') AS d, day_of(NULL::DATE) AS n, ts_of(TIMESTAMP '2024-02-29 12:34:56') AS t`);
    assert.deepEqual(d.rows, [{ d: '2024-02-29', n: null, t: '2024-02-29T12:34:56.000Z' }]);
  } finally {
    await done();
  }
});

test('iterator UDF: setup once per query, one result per batch; aggregate UDF in GROUP BY and agg()', async () => {
  const { l, done } = await lake();
  try {
    let setups = 0;
    l.udf.register('scaled', function* (batches: Iterable<Vector[]>) {
      setups++; // e.g. loading a model
      const k = 10;
      for (const [x] of batches) yield Array.from({ length: x.length }, (_, i) => (x.isValid(i) ? (x.get(i) as number) * k : null));
    }, { returns: 'double' });
    const [r] = await l.sql('SELECT id, scaled(x) AS z FROM t ORDER BY id');
    assert.deepEqual(r.rows.map((row) => row.z), [15, 25, null]);
    assert.equal(setups, 1);
    const [big] = await l.sql('SELECT sum(scaled(id::DOUBLE)) AS s FROM range(10000)');
    assert.deepEqual(big.rows, [{ s: 499950000 }]);
    assert.equal(setups, 2);

    const mean = l.udf.register('mean_of', (x: Vector) => {
      let s = 0;
      let n = 0;
      for (let i = 0; i < x.length; i++) if (x.isValid(i)) (s += x.get(i) as number), n++;
      return n === 0 ? null : s / n;
    }, { returns: 'double', kind: 'aggregate', args: ['double'] });
    const [g] = await l.sql('SELECT id % 2 AS k, mean_of(x) AS m, avg(x) AS a FROM t GROUP BY 1 ORDER BY 1');
    assert.deepEqual(g.rows, [{ k: 0, m: 2.5, a: 2.5 }, { k: 1, m: 1.5, a: 1.5 }]);
    const agg = await l.read('t').groupBy('s IS NULL').agg({ m: mean('x'), n: 'count(*)' }).orderBy('n').toRows();
    assert.deepEqual(agg.map((row) => row.m), [2.5, 1.5]);
    const [whole] = await l.sql('SELECT mean_of(x) AS m FROM t');
    assert.deepEqual(whole.rows, [{ m: 2 }]);
    // Over windows: partitions, running frames, and beside the built-in aggregate over the same window.
    const [w] = await l.sql(`SELECT id, mean_of(x) OVER (PARTITION BY id % 2) AS p, mean_of(x) OVER (ORDER BY id) AS running,
      avg(x) OVER (ORDER BY id) AS builtin FROM t ORDER BY id`);
    assert.deepEqual(w.rows, [
      { id: 1, p: 1.5, running: 1.5, builtin: 1.5 },
      { id: 2, p: 2.5, running: 2, builtin: 2 },
      { id: 3, p: 1.5, running: 2, builtin: 2 },
    ]);
  } finally {
    await done();
  }
});

test('UDFs belong to their lake: the same name in two lakes runs each lake its own function', async () => {
  const a = await lake();
  const b = await lake();
  try {
    a.l.udf.register('f', (x: Vector) => Array.from({ length: x.length }, () => 'a'), { returns: 'string' });
    b.l.udf.register('f', (x: Vector) => Array.from({ length: x.length }, () => 'b'), { returns: 'string' });
    const [ra, rb] = await Promise.all([a.l.sql('SELECT DISTINCT f(id) AS v FROM t'), b.l.sql('SELECT DISTINCT f(id) AS v FROM t')]);
    assert.deepEqual([ra[0].rows, rb[0].rows], [[{ v: 'a' }], [{ v: 'b' }]]);
  } finally {
    await a.done();
    await b.done();
  }
});

test('registerModule: a module\'s functions made with defineUdf, by their export names', async () => {
  const { l, done } = await lake();
  try {
    const names = await l.udf.registerModule(new URL('./fns-module.js', import.meta.url).href);
    assert.deepEqual(names.sort(), ['total', 'twice']);
    const [r] = await l.sql('SELECT sum(twice(x)) AS a, total(x) AS b FROM t');
    assert.deepEqual(r.rows, [{ a: 8, b: 4 }]);
  } finally {
    await done();
  }
});

test('spark.sql.execution.arrow.maxRecordsPerBatch bounds the batches UDFs see: SET in SQL, the lake\'s conf, a frame\'s conf; results joined in order', async () => {
  const { l, done } = await lake();
  try {
    const seen: number[] = [];
    l.udf.register('plus_one_sized', (x: Vector) => {
      seen.push(x.length);
      return Float64Array.from(x.toArray() as Float64Array, (v) => v + 1);
    }, { returns: 'double', args: ['double'] });
    // Arrow results with NULLs, joined across slices.
    l.udf.register('odd_or_null', (x: Vector) => vectorFromArray(Array.from({ length: x.length }, (_, i) => ((x.get(i) as number) % 2 === 1 ? x.get(i) as number : null)), new Float64()), { returns: 'double', args: ['double'] });
    l.udf.register('scaled_sized', function* (batches: Iterable<Vector[]>) {
      for (const [x] of batches) {
        seen.push(x.length);
        yield Array.from({ length: x.length }, (_, i) => (x.get(i) as number) * 10);
      }
    }, { returns: 'double', args: ['double'] });
    const query = 'SELECT sum(plus_one_sized(x)) AS s, count(odd_or_null(x)) AS odd, sum(scaled_sized(x)) AS t FROM (SELECT id::DOUBLE AS x FROM range(5000))';
    const [, r] = await l.sql(`SET spark.sql.execution.arrow.maxRecordsPerBatch = 300; ${query}`);
    assert.deepEqual(r.rows, [{ s: 12502500, odd: 2500, t: 124975000 }]);
    assert.ok(seen.length > 2 * Math.ceil(5000 / 2048), `batches: ${seen.join(',')}`);
    assert.ok(Math.max(...seen) <= 300, `largest batch ${Math.max(...seen)}`);
    assert.equal(seen.reduce((a, b) => a + b, 0), 2 * 5000);
    // Without the setting, Spark's default (10,000): staged, the scalar call sees the 5,000 rows in one batch...
    seen.length = 0;
    await l.sql(`SET loch.udf.staged = true; ${query}`);
    assert.equal(Math.max(...seen), 5000);
    // ...and called as a DuckDB scalar function, each DuckDB chunk whole.
    seen.length = 0;
    await l.sql(`SET loch.udf.staged = false; ${query}`);
    assert.equal(Math.max(...seen), 2048);
    await assert.rejects(l.sql(`SET spark.sql.execution.arrow.maxRecordsPerBatch = lots; ${query}`), (e: unknown) => e instanceof SqlError && e.code === 'LOCH_UDF_INVALID' && /maxRecordsPerBatch must be a whole number of rows, got 'lots'/.test(e.message));

    // The lake's conf: SQL sessions and DataFrames (mapInArrow too); a frame's conf over it.
    const small = Lakehouse.open(l.dir, { conf: { 'spark.sql.execution.arrow.maxRecordsPerBatch': '100' } });
    small.udf.register('plus_one_sized', (x: Vector) => {
      seen.push(x.length);
      return Float64Array.from(x.toArray() as Float64Array, (v) => v + 1);
    }, { returns: 'double', args: ['double'] });
    seen.length = 0;
    await small.sql('SELECT sum(plus_one_sized(id::DOUBLE)) AS s FROM range(1000)');
    assert.equal(Math.max(...seen), 100);
    const frame = small.query('SELECT id::DOUBLE AS x FROM range(1000)');
    const mapSizes: number[] = [];
    const sizes = async function* (batches: AsyncIterable<RecordBatch>) {
      for await (const b of batches) {
        mapSizes.push(b.numRows);
        yield b;
      }
    };
    assert.deepEqual(await frame.mapInArrow(sizes, 'x double').agg({ n: 'count(*)' }).toRows(), [{ n: 1000 }]);
    assert.equal(Math.max(...mapSizes), 100);
    mapSizes.length = 0;
    await frame.withConf({ 'spark.sql.execution.arrow.maxRecordsPerBatch': '250' }).mapInArrow(sizes, 'x double').toRows();
    assert.equal(Math.max(...mapSizes), 250);
    seen.length = 0;
    await frame.withConf({ 'spark.sql.execution.arrow.maxRecordsPerBatch': '0' }).select('plus_one_sized(x) AS y').toRows();
    assert.equal(Math.max(...seen), 1000 > 2048 ? 2048 : 1000);
  } finally {
    await done();
  }
});

test('iterator UDF cleanup: after its last batch the code after its loop and its finally run; on a failed query its finally runs', async () => {
  const { l, done } = await lake();
  try {
    const log: string[] = [];
    l.udf.register('tracked', function* (batches: Iterable<Vector[]>) {
      log.push('setup');
      let rows = 0;
      try {
        for (const [x] of batches) {
          rows += x.length;
          yield Float64Array.from(x.toArray() as Float64Array, (v) => v * 2);
        }
        log.push(`end after ${rows}`);
      } finally {
        log.push('finally');
      }
    }, { returns: 'double', args: ['double'] });
    const [r] = await l.sql('SELECT sum(tracked(id::DOUBLE)) AS s FROM range(10000)');
    assert.deepEqual(r.rows, [{ s: 99990000 }]);
    assert.deepEqual(log, ['setup', 'end after 10000', 'finally']);

    // A DataFrame, and a write to a Delta table.
    log.length = 0;
    assert.equal((await l.read('t').withColumn('z', 'tracked(x)').toRows()).length, 3);
    await l.sql('CREATE TABLE doubled (z DOUBLE) USING DELTA; INSERT INTO doubled SELECT tracked(x) FROM t');
    assert.deepEqual(log, ['setup', 'end after 3', 'finally', 'setup', 'end after 3', 'finally']);

    // Another function fails mid-query: the generator is returned from (finally, not the code after its loop).
    l.udf.register('fails_late', (x: Vector) => {
      if ((x.get(0) as number) >= 4096) throw new Error('late failure');
      return x;
    }, { returns: 'double', args: ['double'] });
    log.length = 0;
    // (As DuckDB scalar functions, called chunk by chunk: staged, fails_late would fail before tracked's first batch.)
    await assert.rejects(l.sql('SET loch.udf.staged = false; SELECT sum(tracked(id::DOUBLE) + fails_late(id::DOUBLE)) FROM range(10000)'), /UDF fails_late failed: late failure/);
    assert.deepEqual(log, ['setup', 'finally']);

    // Cleanup that fails fails the statement, naming the function.
    l.udf.register('bad_cleanup', function* (batches: Iterable<Vector[]>) {
      for (const [x] of batches) yield x;
      throw new Error('could not release the model');
    }, { returns: 'double', args: ['double'] });
    await assert.rejects(l.sql('SELECT sum(bad_cleanup(id::DOUBLE)) FROM range(100)'), (e: unknown) => e instanceof SqlError && e.code === 'LOCH_UDF_FAILED' && /UDF bad_cleanup failed after its last batch: could not release the model/.test(e.message));
  } finally {
    await done();
  }
});
