/**
 * Partition pruning and data skipping end to end: tables written by Loch (several files with
 * disjoint ranges) and Spark's golden data-skipping tables. Every scan with `where` must return
 * exactly the rows DuckDB returns filtering every file; the metrics must show what was pruned.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { formatPredicate, loadSnapshot, type StructType } from '@loch/delta';
import { withConnection } from '@loch/engine-node';
import { DeltaTable, type Row, type ScanMetrics } from '@loch/lakehouse';
import { wherePredicate } from '../src/planner/index.js';
import { sortedCanonical } from './compare.js';
import { goldenCases } from './golden.js';

/** Rows of `write` k: ids [100k, 100k + 100), two partitions, one day per write. */
const batch = (k: number) => `
  SELECT i AS id,
         CASE WHEN i % 2 = 0 THEN 'NL' ELSE 'BE' END AS country,
         CAST(DATE '2024-01-01' + CAST(i // 100 AS INTEGER) AS DATE) AS day,
         TIMESTAMPTZ '2024-01-01 00:00:00+00' + to_seconds(CAST(i AS BIGINT)) + to_microseconds(CAST(i % 7 AS BIGINT)) AS ts,
         CAST(i / 4 AS DECIMAL(10, 2)) AS amount,
         'customer-' || repeat('x', 30) || lpad(CAST(i AS VARCHAR), 5, '0') AS long_name,
         'n' || lpad(CAST(i AS VARCHAR), 5, '0') AS short_name,
         CASE WHEN i % 10 = 0 THEN NULL ELSE CAST(i * 1.5 AS DOUBLE) END AS score,
         CASE WHEN ${k} = 3 THEN NULL ELSE 'v' || (i % 3) END AS maybe
  FROM range(${k * 100}, ${(k + 1) * 100}) t(i)`;

async function withTable<T>(fn: (t: DeltaTable, dir: string) => Promise<T>, configuration: Record<string, string> = {}): Promise<T> {
  const base = await mkdtemp(join(tmpdir(), 'loch-skipping-'));
  try {
    const t = DeltaTable.forPath(join(base, 't'));
    for (let k = 0; k < 4; k++) {
      await t.write(batch(k), { partitionBy: ['country'], configuration: { 'delta.checkpointInterval': '2', ...configuration } });
    }
    return await fn(t, join(base, 't'));
  } finally {
    await rm(base, { recursive: true, force: true });
  }
}

type Expect = Partial<Pick<ScanMetrics, 'filesScanned' | 'filesPrunedByPartition' | 'filesPrunedByStats'>> & { rows?: number };

/** Scans with and without pruning; the rows must be the same. Returns the pruned scan's metrics. */
async function check(t: DeltaTable, where: string, expect: Expect = {}): Promise<ScanMetrics> {
  const pruned = await t.scan({ where });
  const full = await t.scan({ where, prune: false });
  assert.deepEqual(sortedCanonical(pruned.rows), sortedCanonical(full.rows), `rows differ for: ${where}`);
  const m = pruned.metrics;
  assert.equal(full.metrics.filesScanned, full.metrics.filesTotal, where);
  assert.equal(m.filesTotal, m.filesScanned + m.filesPrunedByPartition + m.filesPrunedByStats + m.filesPrunedByDynamicFilter, where);
  assert.equal(m.filesPrunedByDynamicFilter, 0);
  for (const k of ['filesScanned', 'filesPrunedByPartition', 'filesPrunedByStats'] as const) {
    if (expect[k] !== undefined) assert.equal(m[k], expect[k], `${k} for: ${where}`);
  }
  if (expect.rows !== undefined) assert.equal(pruned.rows.length, expect.rows, `rows for: ${where}`);
  return m;
}

test('Loch-written table: partition pruning and stats skipping return the same rows, with metrics', async () => {
  await withTable(async (t, dir) => {
    const snapshot = await t.snapshot();
    assert.equal(snapshot.files.length, 8);
    // Stats came from a checkpoint for most files (checkpointInterval 2).
    assert.ok((await readdir(join(dir, '_delta_log'))).some((f) => f.endsWith('.checkpoint.parquet')));

    const all = await t.scan();
    assert.equal(all.rows.length, 400);
    assert.deepEqual(
      [all.metrics.filesTotal, all.metrics.filesScanned, all.metrics.filesPrunedByPartition, all.metrics.filesPrunedByStats, all.metrics.rowsScanned],
      [8, 8, 0, 0, 400],
    );

    await check(t, "country = 'NL'", { filesScanned: 4, filesPrunedByPartition: 4, filesPrunedByStats: 0, rows: 200 });
    await check(t, "COUNTRY IN ('BE')", { filesPrunedByPartition: 4 });
    await check(t, "country <> 'NL' AND country <> 'BE'", { filesScanned: 0, rows: 0 });
    const m = await check(t, 'id < 100', { filesScanned: 2, filesPrunedByStats: 6, rows: 100 });
    assert.equal(m.rowsScanned, 100);
    assert.equal(m.bytesScanned, (await t.snapshot()).files.filter((f) => JSON.parse(f.stats!).maxValues.id < 100).reduce((n, f) => n + f.size, 0));
    await check(t, "id = 150 AND country = 'BE'", { filesScanned: 1, filesPrunedByPartition: 4, filesPrunedByStats: 3, rows: 0 });
    await check(t, 'id = 151', { filesScanned: 2, rows: 1 });
    await check(t, 'id IN (5, 305)', { filesScanned: 4, rows: 2 });
    await check(t, 'id NOT IN (5, 305)', { filesScanned: 8, rows: 398 });
    await check(t, 'id BETWEEN 120 AND 180', { filesScanned: 2, rows: 61 });
    await check(t, 'NOT (id BETWEEN 0 AND 299)', { filesScanned: 2, rows: 100 });
    await check(t, 'id > 350 OR id < 10', { filesScanned: 4 });
    await check(t, 't.id >= 399', { filesScanned: 1, rows: 1 });
    await check(t, "day = '2024-01-02'", { filesScanned: 2, filesPrunedByStats: 6, rows: 100 });
    await check(t, "day >= DATE '2024-01-03' + INTERVAL 1 DAY", { filesScanned: 2, rows: 100 });
    await check(t, "day < '2024-01-02' AND country = 'NL'", { filesScanned: 1, filesPrunedByPartition: 4, filesPrunedByStats: 3 });
    // Timestamps: written with microseconds, kept in stats to the millisecond.
    await check(t, "ts = TIMESTAMPTZ '2024-01-01 00:01:40.000002+00'", { filesScanned: 1, rows: 1 });
    await check(t, "ts > '2024-01-01 00:06:38.999999'", { filesScanned: 1, rows: 1 });
    await check(t, "ts >= TIMESTAMP '2024-01-01 00:03:20'", { filesScanned: 4, rows: 200 });
    // 00:00 UTC: no row is before it, but the first file's min (00:00:00.000) is kept within a millisecond.
    await check(t, "ts < '2024-01-01 02:00:00+02'", { filesScanned: 1, rows: 0 });
    // Decimals, exactly.
    await check(t, 'amount BETWEEN 10 AND 20', { filesScanned: 2 });
    await check(t, 'amount > 99.75', { filesScanned: 0, rows: 0 });
    await check(t, 'amount >= 99.75', { filesScanned: 1, rows: 1 });
    await check(t, "amount = '50.25'", { filesScanned: 2, rows: 1 }); // i = 201; the NL file of write 2 spans 50.0 .. 74.5
    // Long strings: stats keep a 32-character prefix, which every row shares: nothing to skip.
    await check(t, `long_name = 'customer-${'x'.repeat(30)}00150'`, { filesScanned: 8, rows: 1 });
    await check(t, `long_name > 'customer-${'x'.repeat(30)}00150'`, { filesScanned: 8, rows: 249 });
    await check(t, "long_name < 'customer-'", { filesScanned: 0, rows: 0 });
    await check(t, "short_name = 'n00150'", { filesScanned: 2, rows: 1 }); // both files of write 1 span it
    await check(t, "short_name LIKE 'n001%'", { filesScanned: 2, rows: 100 });
    await check(t, "starts_with(short_name, 'n003')", { filesScanned: 2, rows: 100 });
    await check(t, "short_name NOT LIKE 'n%'", { filesScanned: 0, rows: 0 });
    await check(t, "short_name LIKE '%150'", { filesScanned: 8, rows: 1 });
    // Nulls.
    await check(t, 'maybe IS NULL', { filesScanned: 2, rows: 100 });
    await check(t, 'maybe IS NOT NULL', { filesScanned: 6, rows: 300 });
    await check(t, "maybe = 'v1'", { filesScanned: 6 });
    await check(t, 'NOT (maybe IS NULL)', { filesScanned: 6 });
    await check(t, 'score IS NULL', { rows: 40 });
    await check(t, 'score < 10', { filesScanned: 2 });
    await check(t, 'score > 1000'); // doubles may hold NaN above max: no upward skipping
    // Not modelled: nothing pruned, rows still right.
    await check(t, 'id + 1 = 10', { filesScanned: 8, rows: 1 });
    await check(t, 'abs(id) = 10', { filesScanned: 8, rows: 1 });
    await check(t, "lower(country) = 'nl'", { filesScanned: 8, rows: 200 });
    await check(t, 'id = 10 OR score = 4.5', { filesScanned: 2 });
    await check(t, 'true', { filesScanned: 8, rows: 400 });
    await check(t, 'false', { filesScanned: 0, rows: 0 });
    await check(t, 'NULL', { filesScanned: 0, rows: 0 });
    await check(t, "id = CAST('7' AS BIGINT)", { filesScanned: 2, rows: 1 });
    await check(t, 'id > 9223372036854775807', { filesScanned: 0, rows: 0 });

    // Limits and projections still apply on top.
    const limited = await t.scan({ where: 'id >= 300', columns: ['id'], limit: 3 });
    assert.equal(limited.rows.length, 3);
    assert.deepEqual(Object.keys(limited.rows[0]), ['id']);
    assert.equal(limited.metrics.filesScanned, 2);

    // A predicate DuckDB rejects still fails with the coded error, pruning or not.
    await assert.rejects(t.scan({ where: 'nope = 1' }), /nope/);
    await assert.rejects(t.scan({ where: 'id = = 1' }), /cannot apply/);
  });
});

test('deletion vectors: stats stay bounds (tightBounds false); rowsScanned leaves deleted rows out', async () => {
  await withTable(async (t) => {
    await t.delete('id % 10 = 1');
    const snapshot = await t.snapshot();
    assert.ok(snapshot.files.some((f) => f.deletionVector));
    const m = await check(t, 'id < 100', { filesScanned: 2, rows: 90 });
    assert.equal(m.rowsScanned, 90);
    await check(t, 'id = 11', { filesScanned: 2, rows: 0 });
    await check(t, 'maybe IS NULL', { filesScanned: 2, rows: 90 });
    await check(t, 'maybe IS NOT NULL', { rows: 270 });
  }, { 'delta.enableDeletionVectors': 'true' });
});

test('the planner turns DuckDB SQL into the kernel predicate', async () => {
  await withTable(async (t) => {
    const s = await t.snapshot();
    const show = (where: string) => withConnection(async (c) => formatPredicate(await wherePredicate(c, where, s)));
    assert.equal(await show("Country = 'NL' AND id > 5"), `("Country" = 'NL') AND ("id" > 5)`);
    assert.equal(await show("day = '2024-01-02'"), `"day" = DATE '2024-01-02'`);
    assert.equal(await show("amount = '1.005'"), `"amount" = 1.01`); // cast to DECIMAL(10,2) as DuckDB does
    assert.equal(await show('id IN (1, 2)'), `"id" IN (1, 2)`);
    assert.equal(await show("short_name NOT LIKE 'a%'"), `NOT ("short_name" LIKE 'a%')`);
    assert.match(await show('id = now()'), /^<unknown/);
    assert.match(await show('id = (SELECT 1)'), /^<unknown/);
    assert.match(await show('nope = 1'), /^<unknown/);
    assert.match(await show('id = 1) UNION ALL (SELECT * FROM t'), /^<unknown/);
    assert.match(await show("country = 'nl' COLLATE NOCASE"), /^<unknown/);
    assert.match(await show('id IS DISTINCT FROM 1'), /^<unknown/);
  });
});

// ---- Spark's golden data-skipping tables ----

/** A SQL literal for a value in Loch's JSON encoding of a column of this type. */
function sqlLiteral(v: Row[string], type: StructType['fields'][number]['type']): string | undefined {
  if (v === null) return 'NULL';
  if (type.kind === 'decimal') return String(v);
  if (type.kind !== 'primitive') return undefined;
  switch (type.name) {
    case 'string': return `'${String(v).replaceAll("'", "''")}'`;
    case 'date': return `DATE '${v}'`;
    case 'timestamp': return `TIMESTAMPTZ '${v}'`;
    case 'timestamp_ntz': return `TIMESTAMP '${v}'`;
    case 'boolean': return String(v);
    case 'binary': return undefined;
    default: return typeof v === 'number' ? String(v) : undefined;
  }
}

/** Predicates around the table's own values: every comparison, on every column. */
function predicatesFor(schema: StructType, rows: Row[]): string[] {
  const out: string[] = [];
  for (const f of schema.fields) {
    const col = `"${f.name}"`;
    out.push(`${col} IS NULL`, `${col} IS NOT NULL`);
    for (const row of rows) {
      const lit = sqlLiteral(row[f.name] ?? null, f.type);
      if (lit === undefined || lit === 'NULL') continue;
      for (const op of ['=', '<>', '<', '<=', '>', '>=']) out.push(`${col} ${op} ${lit}`);
      out.push(`${col} IN (${lit})`, `NOT (${col} IN (${lit}))`, `${col} BETWEEN ${lit} AND ${lit}`, `NOT (${col} = ${lit})`);
    }
  }
  return [...new Set(out)];
}

test('golden data-skipping tables: filters never drop a matching row', async () => {
  const cases = goldenCases().filter((c) => c.name.startsWith('data-skipping-'));
  assert.ok(cases.length >= 5);
  let pruned = 0;
  for (const c of cases) {
    const t = DeltaTable.forPath(c.table);
    const all = await t.scan();
    assert.ok(all.rows.length > 0, c.name);
    for (const where of predicatesFor(all.schema, all.rows)) {
      const m = await check(t, where);
      pruned += m.filesPrunedByStats + m.filesPrunedByPartition;
    }
    // Values beyond the table's own must prune every file whose stats bound the column.
    const snapshot = await loadSnapshot(t.engine, (await t.location()));
    for (const f of all.schema.fields) {
      const v = all.rows[0][f.name];
      const name = f.type.kind === 'primitive' ? f.type.name : f.type.kind;
      const off = typeof v === 'number' && !['float', 'double'].includes(name) ? [`"${f.name}" = ${v + 100}`, `"${f.name}" > ${v + 100}`]
        : name === 'string' ? [`"${f.name}" = 'zzz'`]
        : name === 'date' ? [`"${f.name}" > DATE '2100-01-01'`]
        : name === 'timestamp' ? [`"${f.name}" < TIMESTAMPTZ '1990-01-01 00:00:00+00'`]
        : name === 'decimal' ? [`"${f.name}" > 5`]
        : [];
      const physical = (f.metadata['delta.columnMapping.physicalName'] as string | undefined) ?? f.name;
      // Files whose stats hold a max for the column (all rows here are the same value, below the literal).
      const bounded = snapshot.files.filter((a) => JSON.parse(a.stats ?? '{}').maxValues?.[physical] != null).length;
      for (const where of off) {
        const m = await check(t, where, { rows: 0 });
        assert.equal(m.filesPrunedByStats, bounded, `${c.name}: ${where}`);
        pruned += m.filesPrunedByStats;
      }
    }
  }
  assert.ok(pruned > 100, `pruned ${pruned}`);
});
