/**
 * File pruning in `Lakehouse.sql` queries: static predicates pushed to each Delta scan, and
 * dynamic file pruning from a join's build side. Every query must return exactly the rows DuckDB
 * returns over unpruned copies of the same tables.
 */
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { Lakehouse, type SqlScanMetrics } from '@loch/lakehouse';

let lh: Lakehouse;

/**
 * fact: 12 appends × 2 region partitions = 24 files; append k holds items [10k, 10k + 10) and day
 * 2024-01-01 + k. items: 3 files of 40 items each (category 'c' || item // 10). days: one file.
 */
before(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'loch-sql-pruning-'));
  lh = Lakehouse.open(join(dir, 'lake'));
  const inserts: string[] = [];
  for (let k = 0; k < 12; k++) {
    inserts.push(`INSERT INTO fact SELECT CAST(${k * 10} + i % 10 AS INT), CAST(DATE '2024-01-01' + ${k} AS DATE), CASE WHEN i % 2 = 0 THEN 'east' ELSE 'west' END, CAST(i AS INT) FROM range(0, 40) t(i)`);
  }
  for (let k = 0; k < 3; k++) inserts.push(`INSERT INTO items SELECT CAST(i AS INT), 'c' || (i // 10) FROM range(${k * 40}, ${k * 40 + 40}) t(i)`);
  await lh.sql(`
    CREATE TABLE fact (item INT, day DATE, region STRING, qty INT) USING DELTA PARTITIONED BY (region);
    CREATE TABLE items (item INT, category STRING) USING DELTA;
    CREATE TABLE days USING DELTA AS SELECT CAST(DATE '2024-01-01' + CAST(i AS INT) AS DATE) AS day, CAST(i // 4 AS INT) AS week FROM range(0, 12) t(i);
    ${inserts.join(';\n')}`);
});

/** Runs a query (after the given SET statements) and returns its rows and per-table scan metrics. */
async function run(sql: string, conf: string[] = ["SET spark.databricks.optimizer.deltaTableSizeThreshold = '0'"]) {
  const results = await lh.sql([...conf, sql].join(';\n'));
  const last = results[results.length - 1];
  const scans = (last.metrics?.scans ?? []) as SqlScanMetrics[];
  return { rows: last.rows, scans };
}

/** The same query over DuckDB copies of the tables: nothing pruned, nothing rewritten. */
async function expected(sql: string) {
  const results = await lh.sql(`
    CREATE OR REPLACE TEMP TABLE raw_fact AS SELECT * FROM fact;
    CREATE OR REPLACE TEMP TABLE raw_items AS SELECT * FROM items;
    CREATE OR REPLACE TEMP TABLE raw_days AS SELECT * FROM days;
    ${sql.replace(/\b(fact|items|days)\b/g, 'raw_$1')}`);
  return results[results.length - 1].rows;
}

const counts = (s: SqlScanMetrics) => [s.filesTotal, s.filesScanned, s.filesPrunedByPartition, s.filesPrunedByStats, s.filesPrunedByDynamicFilter];

async function check(sql: string, want: Record<string, number[]>, conf?: string[]) {
  const got = await run(sql, conf);
  assert.deepEqual(got.rows, await expected(sql), sql);
  const byTable: Record<string, number[]> = {};
  for (const s of got.scans) byTable[s.table] = byTable[s.table] ? [...byTable[s.table], ...counts(s)] : counts(s);
  assert.deepEqual(byTable, want, sql);
  return got;
}

test('static pruning: WHERE conjuncts prune by partition values and stats', async () => {
  await check('SELECT count(*) AS n, sum(qty) AS q FROM fact WHERE item < 20', { fact: [24, 4, 0, 20, 0] });
  await check("SELECT count(*) AS n FROM fact f WHERE f.region = 'east' AND f.item >= 100 AND qty > 3", { fact: [24, 2, 12, 10, 0] });
  await check("SELECT count(*) AS n FROM fact WHERE day = DATE '2024-01-05'", { fact: [24, 2, 0, 22, 0] });
});

test('static pruning of INNER join ON conditions; nothing under OR spanning tables', async () => {
  await check('SELECT count(*) AS n FROM fact f JOIN items i ON f.item = i.item AND f.item BETWEEN 30 AND 39 AND i.item < 40', {
    fact: [24, 2, 0, 22, 0],
    items: [3, 1, 0, 2, 0],
  }, ["SET spark.databricks.optimizer.dynamicFilePruning = 'false'"]);
  await check("SELECT count(*) AS n FROM fact f, items i WHERE f.item = i.item AND (f.item < 10 OR i.category = 'c5')", { fact: [24, 24, 0, 0, 0], items: [3, 3, 0, 0, 0] }, [
    "SET spark.databricks.optimizer.dynamicFilePruning = 'false'",
  ]);
});

test('outer joins: no WHERE conjunct is pushed to the null-supplying side', async () => {
  const off = ["SET spark.databricks.optimizer.dynamicFilePruning = 'false'"];
  // f is null-supplying: `f.item IS NULL` must not prune fact's files.
  await check('SELECT i.item FROM items i LEFT JOIN fact f ON f.item = i.item WHERE f.item IS NULL ORDER BY 1', { items: [3, 3, 0, 0, 0], fact: [24, 24, 0, 0, 0] }, off);
  await check('SELECT count(*) AS n FROM fact f RIGHT JOIN items i ON f.item = i.item WHERE f.qty IS NULL OR f.item < 5', { fact: [24, 24, 0, 0, 0], items: [3, 3, 0, 0, 0] }, off);
  // The preserved side is pruned; a LEFT join's ON conjunct on its right side filters that side only.
  await check('SELECT count(*) AS n, count(f.item) AS m FROM items i LEFT JOIN fact f ON f.item = i.item AND f.item < 20 WHERE i.item >= 80', { items: [3, 1, 0, 2, 0], fact: [24, 4, 0, 20, 0] }, off);
  await check('SELECT count(*) AS n FROM fact f FULL JOIN items i ON f.item = i.item WHERE f.item < 20 AND i.item < 40', { fact: [24, 24, 0, 0, 0], items: [3, 3, 0, 0, 0] }, off);
  // DFP never prunes a table on the null-supplying side either.
  await check("SELECT count(*) AS n FROM items i LEFT JOIN fact f ON f.item = i.item WHERE i.category = 'c3'", { items: [3, 2, 0, 1, 0], fact: [24, 24, 0, 0, 0] });
});

test('correlated and complex predicates are left alone', async () => {
  await check('SELECT count(*) AS n FROM fact f WHERE f.qty > (SELECT avg(qty) FROM fact f2 WHERE f2.item = f.item)', { fact: [24, 24, 0, 0, 0, 24, 24, 0, 0, 0] });
  await check('SELECT count(*) AS n FROM fact WHERE item + qty < 5 OR random() < 0', { fact: [24, 24, 0, 0, 0] });
  await check('SELECT count(*) AS n FROM fact WHERE NOT (item > 5 AND qty >= 0) AND item < 20', { fact: [24, 2, 0, 22, 0] });
});

test('dynamic file pruning: same rows with and without, build keys prune the probe', async () => {
  const queries: [string, Record<string, number[]>][] = [
    [
      "SELECT i.category, sum(f.qty) AS q, count(*) AS n FROM fact f JOIN items i ON f.item = i.item WHERE i.category = 'c3' GROUP BY 1 ORDER BY 1",
      { fact: [24, 2, 0, 0, 22], items: [3, 2, 0, 1, 0] },
    ],
    [
      'SELECT d.week, i.category, sum(f.qty) AS q FROM fact f JOIN items i ON f.item = i.item JOIN days d ON d.day = f.day WHERE d.week = 1 AND i.item IN (41, 55, 62) GROUP BY ALL ORDER BY ALL',
      // items 41, 55, 62 are in appends 4 to 6; week 1 is days 4 to 7 (appends 4 to 7).
      { fact: [24, 6, 0, 0, 18], items: [3, 1, 0, 2, 0], days: [1, 1, 0, 0, 0] },
    ],
    [
      "SELECT count(*) AS n FROM fact f WHERE f.item IN (SELECT item FROM items WHERE category IN ('c7', 'c8'))",
      { fact: [24, 4, 0, 0, 20], items: [3, 2, 0, 1, 0] },
    ],
    [
      "SELECT count(*) AS n FROM fact f JOIN days d ON d.day = f.day WHERE d.week = 2 AND f.region = 'west'",
      { fact: [24, 4, 12, 0, 8], days: [1, 1, 0, 0, 0] },
    ],
  ];
  for (const [sql, want] of queries) {
    await check(sql, want);
    const off = Object.fromEntries(Object.entries(want).map(([t, c]) => [t, [c[0], c[1] + c[4], c[2], c[3], 0]]));
    await check(sql, off, ["SET spark.databricks.optimizer.dynamicFilePruning = 'false'"]);
  }
});

test('dynamic file pruning thresholds: file count and size', async () => {
  const sql = "SELECT count(*) AS n FROM fact f JOIN items i ON f.item = i.item WHERE i.category = 'c3'";
  await check(sql, { fact: [24, 24, 0, 0, 0], items: [3, 2, 0, 1, 0] }, ["SET spark.databricks.optimizer.deltaTableSizeThreshold = '0'", "SET spark.databricks.optimizer.deltaTableFilesThreshold = '25'"]);
  // Default size threshold (1MB): these files are far smaller.
  await check(sql, { fact: [24, 24, 0, 0, 0], items: [3, 2, 0, 1, 0] }, []);
  // Many keys: a BETWEEN over their range.
  await check('SELECT count(*) AS n FROM fact f JOIN items i ON f.item = i.item WHERE i.item >= 100', { fact: [24, 4, 0, 0, 20], items: [3, 1, 0, 2, 0] });
});

test('EXPLAIN FORMATTED: per scan files and what pruned them, then DuckDB plan', async () => {
  const { rows } = await run("EXPLAIN FORMATTED SELECT count(*) FROM fact f JOIN items i ON f.item = i.item WHERE i.category = 'c3' AND f.region = 'east'");
  const scans = rows.filter((r) => r.explain_key === 'delta_scan').map((r) => String(r.explain_value));
  assert.equal(scans.length, 2);
  const fact = scans.find((s) => s.startsWith('DeltaScan fact'))!;
  assert.match(fact, /files: 1 of 24 read \(pruned: 12 by partition values, 0 by stats, 11 by dynamic filter\)/);
  assert.match(fact, /static filter: \(?region = 'east'\)?/);
  assert.match(fact, /dynamic file pruning: "item" BETWEEN 30 AND 39/);
  assert.ok(rows.length > 2);
  assert.ok(!rows.some((r) => String(r.explain_value).includes('loch_sql_')));
});

test('join hints: BROADCAST names the side that drives dynamic file pruning; others are accepted', async () => {
  // No filter on items: without a hint it is not selective, so nothing drives pruning.
  const bare = 'SELECT count(*) AS n FROM fact f JOIN items i ON f.item = i.item';
  await check(bare, { fact: [24, 24, 0, 0, 0], items: [3, 3, 0, 0, 0] });
  // Hinted, its keys (items 0..119) prune the appends that hold items past 119: none here, but
  // on a table of only the c0..c3 items they do.
  await lh.sql("CREATE TABLE few_items USING DELTA AS SELECT * FROM items WHERE item < 40");
  const hinted = 'SELECT /*+ BROADCAST(s) */ count(*) AS n FROM fact f JOIN few_items s ON f.item = s.item';
  const got = await run(hinted);
  assert.deepEqual(got.rows, [{ n: 160 }]);
  assert.deepEqual(got.scans.map((s) => [s.table, s.filesScanned, s.filesPrunedByDynamicFilter]), [['fact', 8, 16], ['few_items', 1, 0]]);
  // BROADCAST on the fact table: it is the build side, so it is never pruned by the other's keys.
  const reversed = await run("SELECT /*+ BROADCASTJOIN(f) */ count(*) AS n FROM fact f JOIN items i ON f.item = i.item WHERE i.category = 'c3'");
  assert.deepEqual(reversed.scans.find((s) => s.table === 'fact')!.filesPrunedByDynamicFilter, 0);
  // Strategy hints, partitioning hints and unknown ones change nothing and fail nothing.
  await check("SELECT /*+ MERGE(f), SHUFFLE_HASH(i) SHUFFLE_REPLICATE_NL(i) REPARTITION(4) NO_SUCH_HINT */ count(*) AS n FROM fact f JOIN items i ON f.item = i.item WHERE i.category = 'c3'", {
    fact: [24, 2, 0, 0, 22],
    items: [3, 2, 0, 1, 0],
  });
  const { rows } = await run("EXPLAIN SELECT /*+ BROADCAST(i), MERGE(f), FOO */ count(*) FROM fact f JOIN items i ON f.item = i.item WHERE i.category = 'c3'");
  const hints = String(rows.find((r) => r.explain_key === 'hints')?.explain_value);
  assert.match(hints, /BROADCAST\(i\): build side/);
  assert.match(hints, /MERGE\(f\): accepted/);
  assert.match(hints, /FOO: unknown hint, ignored/);
});

test('dynamic file pruning through USING joins and filtered subqueries', async () => {
  await check("SELECT count(*) AS n FROM fact JOIN items USING (item) WHERE items.category = 'c3'", { fact: [24, 2, 0, 0, 22], items: [3, 2, 0, 1, 0] });
  await check(
    "SELECT count(*) AS n FROM (SELECT * FROM fact) AS f JOIN (SELECT * FROM (SELECT * FROM items) AS x WHERE category = 'c3') AS i ON f.item = i.item",
    { fact: [24, 2, 0, 0, 22], items: [3, 2, 0, 1, 0] },
  );
  // A subquery that changes rows (LIMIT) or columns is opaque: nothing pushed through it.
  await check('SELECT count(*) AS n FROM (SELECT * FROM fact LIMIT 1000) AS f WHERE f.item < 20', { fact: [24, 24, 0, 0, 0] });
  await check('SELECT count(*) AS n FROM (SELECT item + 100 AS item FROM fact) AS f WHERE f.item < 20', { fact: [24, 24, 0, 0, 0] });
});

test('DataFrames prune like SQL: filters by stats, joins by dynamic file pruning, BROADCAST hints', async () => {
  const filtered = await lh.read('fact').filter('item < 20').agg({ n: 'count(*)' }).collect();
  assert.deepEqual(filtered.rows, [{ n: 80 }]);
  assert.deepEqual(counts(filtered.metrics!.scans[0]), [24, 4, 0, 20, 0]);
  const items = lh.read('items').filter("category = 'c3'");
  const joined = await lh.read('fact').withConf({ 'spark.databricks.optimizer.deltaTableSizeThreshold': '0' }).join(items, ['item']).agg({ n: 'count(*)' }).collect();
  assert.deepEqual(joined.rows, [{ n: 40 }]);
  assert.deepEqual(counts(joined.metrics!.scans.find((s) => s.table === 'fact')!), [24, 2, 0, 0, 22]);
  const all = lh.read('few_items');
  const hinted = await lh.read('fact').withConf({ 'spark.databricks.optimizer.deltaTableSizeThreshold': '0' }).join(all, ['item'], 'inner', { hint: 'broadcast' }).agg({ n: 'count(*)' }).collect();
  assert.deepEqual(hinted.rows, [{ n: 160 }]);
  assert.equal(hinted.metrics!.scans.find((s) => s.table === 'fact')!.filesPrunedByDynamicFilter, 16);
});

test('dynamic file pruning from the shapes star joins are written in: LEFT SEMI, CTEs, subqueries, EXISTS, projections', async () => {
  const pruned = { fact: [24, 2, 0, 0, 22], items: [3, 2, 0, 1, 0] };
  for (const sql of [
    "SELECT count(*) AS n FROM fact JOIN items USING (item) WHERE category = 'c3'",
    "SELECT count(*) AS n, sum(qty) AS q FROM fact f LEFT SEMI JOIN items i ON f.item = i.item AND i.category = 'c3'",
    "WITH sel AS (SELECT item FROM items WHERE category = 'c3') SELECT count(*) AS n FROM fact f JOIN sel ON f.item = sel.item",
    "SELECT count(*) AS n FROM fact f JOIN (SELECT item FROM items WHERE category = 'c3') s ON f.item = s.item",
    "SELECT count(*) AS n FROM fact f WHERE EXISTS (SELECT 1 FROM items i WHERE i.item = f.item AND i.category = 'c3')",
    "SELECT count(*) AS n, sum(f.qty) AS q FROM (SELECT item, qty FROM fact) f JOIN items i ON f.item = i.item WHERE i.category = 'c3'",
  ]) {
    await check(sql, pruned);
    const off = Object.fromEntries(Object.entries(pruned).map(([t, c]) => [t, [c[0], c[1] + c[4], c[2], c[3], 0]]));
    await check(sql, off, ["SET spark.databricks.optimizer.dynamicFilePruning = 'false'"]);
  }
  // A subquery that renames a column is opaque: its `item` is not the table's.
  await check('SELECT count(*) AS n FROM (SELECT qty AS item FROM fact) f WHERE f.item < 20', { fact: [24, 24, 0, 0, 0] });
  // NOT EXISTS keeps the rows without a match: nothing to prune by.
  await check("SELECT count(*) AS n FROM fact f WHERE NOT EXISTS (SELECT 1 FROM items i WHERE i.item = f.item AND i.category = 'c3')", { fact: [24, 24, 0, 0, 0], items: [3, 2, 0, 1, 0] });
});

test('pruning never drops rows a query needs: columns a subquery does not show, aggregates and QUALIFY in EXISTS, nested CTEs, LIMIT builds, build sides read elsewhere', async () => {
  const same = async (sql: string) => {
    const got = await run(sql, ["SET spark.databricks.optimizer.deltaTableSizeThreshold = '0'", "SET spark.databricks.optimizer.deltaTableFilesThreshold = '1'"]);
    assert.deepEqual(got.rows, await expected(sql), sql);
    return got;
  };
  // A bare name that the projecting subquery does not show is another relation's (or an alias).
  await same('WITH c AS (SELECT 100 AS qty) SELECT count(*) AS n FROM (SELECT item FROM fact) f, c WHERE qty = 100');
  await same('SELECT 100 AS qty, f.item FROM (SELECT item FROM fact) f WHERE qty = 100 ORDER BY f.item LIMIT 3');
  await same('SELECT count(*) AS n FROM items i, (SELECT i.item FROM fact) s WHERE s.item = 5');
  // EXISTS over an aggregate is true whatever matches; QUALIFY depends on the correlated rows.
  await same("SELECT count(*) AS n FROM fact f WHERE EXISTS (SELECT count(*) FROM items i WHERE i.item = f.item AND i.category = 'c1')");
  await same("SELECT count(*) AS n FROM fact f WHERE EXISTS (SELECT 1 FROM items i WHERE i.item = f.item AND i.category <> 'zz' QUALIFY row_number() OVER (ORDER BY i.item) = 1)");
  // A CTE defined inside a subquery does not hide the outer one of the same name elsewhere.
  await same("WITH c AS (SELECT item FROM items WHERE category = 'c1') SELECT count(*) AS n FROM (WITH c AS (SELECT 999 AS item) SELECT * FROM c) x UNION ALL SELECT count(*) FROM fact f JOIN c ON f.item = c.item");
  // A build side with LIMIT could pick other rows when read again: it prunes nothing.
  const limited = await same('SELECT count(*) AS n FROM fact f JOIN (SELECT item FROM items ORDER BY item LIMIT 5) s ON f.item = s.item');
  assert.equal(limited.scans.find((x) => x.table === 'fact')!.filesPrunedByDynamicFilter, 0);
  // Two build sides at once (the second on another connection): same Spark semantics there.
  await same('SELECT count(*) AS n FROM fact f JOIN days d ON f.day = d.day JOIN (SELECT item FROM items WHERE 1.0 / (item - 5) IS NULL) s ON f.item = s.item WHERE d.week >= 0');
});

test('a table dropped and made again in one session is read anew; TIMESTAMP AS OF keeps a bare alias', async () => {
  const results = await lh.sql(`CREATE TABLE again USING DELTA AS SELECT 1 AS id; SELECT id FROM again; DROP TABLE again;
    CREATE TABLE again USING DELTA AS SELECT 2 AS id; SELECT id FROM again`);
  assert.deepEqual(results[results.length - 1].rows, [{ id: 2 }]);
  const [h] = await lh.table('again').history(1);
  const at = new Date(h.timestamp).toISOString();
  assert.deepEqual((await lh.sql(`SELECT e.id FROM again TIMESTAMP AS OF '${at}' e`))[0].rows, [{ id: 2 }]);
  await assert.rejects(lh.sql('SELECT e.id FROM again TIMESTAMP AS OF current_timestamp() + INTERVAL 1 DAY e'), { code: 'DELTA_TIMESTAMP_OUT_OF_RANGE' });
});

/** A fact table f of 12 files (items k*10 .. k*10+9 each) and a dimension d tagging items 0-9 'hot', with DFP on for any size. */
async function hotColdLake(prefix: string): Promise<{ lake: Lakehouse; conf: Record<string, string> }> {
  const lake = Lakehouse.open(join(await mkdtemp(join(tmpdir(), prefix)), 'lake'));
  const appends = Array.from({ length: 12 }, (_, k) => `INSERT INTO f SELECT CAST(${k * 10} + i % 10 AS INT) AS item, 1 AS qty FROM range(0, 20) t(i)`);
  await lake.sql(`CREATE TABLE f (item INT, qty INT) USING DELTA; CREATE TABLE d (item INT, tag STRING) USING DELTA; ${appends.join('; ')};
    INSERT INTO d SELECT CAST(i AS INT), CASE WHEN i < 10 THEN 'hot' ELSE 'cold' END FROM range(0, 120) t(i)`);
  return { lake, conf: { 'spark.databricks.optimizer.deltaTableSizeThreshold': '0' } };
}

test('dynamic file pruning again after the build side changed: the keys of the new version prune, never the old ones', async () => {
  const { lake, conf } = await hotColdLake('loch-dfp-again-');
  const query = async (where: string) => {
    const [r] = await lake.sql(`SELECT count(*) AS n FROM f JOIN d ON f.item = d.item WHERE ${where}`, { conf });
    return { n: r.rows[0].n, files: r.metrics!.scans.find((s) => s.table === 'f')!.filesScanned };
  };
  for (let i = 0; i < 2; i++) assert.deepEqual(await query(`d.tag = 'hot'`), { n: 20, files: 1 }, `run ${i}`);
  // Items of another fact file become hot in a new version of d: its keys prune now.
  await lake.sql(`UPDATE d SET tag = 'hot' WHERE item BETWEEN 50 AND 59`);
  assert.deepEqual(await query(`d.tag = 'hot'`), { n: 40, files: 2 });
  // A filter that calls a function: the same answers.
  assert.deepEqual(await query(`lower(d.tag) = 'hot'`), { n: 40, files: 2 });
  assert.deepEqual(await query(`lower(d.tag) = 'hot'`), { n: 40, files: 2 });
});

test('a build side IN (subquery) prunes with the keys of the snapshot it reads; one that reads a TEMP table reads its keys on every run', async () => {
  const { lake, conf } = await hotColdLake('loch-dfp-subquery-');
  const factScan = (r: { metrics?: { scans: readonly SqlScanMetrics[] } }) => r.metrics!.scans.find((s) => s.table === 'f')!.filesScanned;
  const query = async (where: string) => {
    const [r] = await lake.sql(`SELECT count(*) AS n FROM f WHERE f.item IN (SELECT item FROM d WHERE ${where})`, { conf });
    return { n: r.rows[0].n, files: factScan(r) };
  };
  for (let i = 0; i < 2; i++) assert.deepEqual(await query(`tag = 'hot'`), { n: 20, files: 1 }, `run ${i}`);
  await lake.sql(`UPDATE d SET tag = 'hot' WHERE item BETWEEN 50 AND 59`);
  assert.deepEqual(await query(`tag = 'hot'`), { n: 40, files: 2 });
  // The same text in one session, over a TEMP table that changes between the runs.
  const results = await lake.sql(
    `CREATE TEMP TABLE pick AS SELECT 5 AS item;
     SELECT count(*) AS n FROM f WHERE f.item IN (SELECT item FROM d WHERE item IN (SELECT item FROM pick));
     DELETE FROM pick; INSERT INTO pick VALUES (75);
     SELECT count(*) AS n FROM f WHERE f.item IN (SELECT item FROM d WHERE item IN (SELECT item FROM pick))`,
    { conf },
  );
  const [first, second] = results.filter((r) => r.rows.length === 1 && 'n' in r.rows[0]);
  assert.deepEqual([first.rows[0].n, factScan(first)], [2, 1]);
  assert.deepEqual([second.rows[0].n, factScan(second)], [2, 1]);
});

test('a scan planned once is planned again under another session time zone: its literals read as other instants', async () => {
  const lake = Lakehouse.open(join(await mkdtemp(join(tmpdir(), 'loch-pruning-zone-')), 'lake'));
  const hours = Array.from({ length: 12 }, (_, h) => `INSERT INTO e SELECT TIMESTAMP '2024-01-01 00:00:00+00' + INTERVAL ${h} HOUR + INTERVAL (i) MINUTE FROM range(0, 10) t(i)`);
  await lake.sql(`CREATE TABLE e (ts TIMESTAMP) USING DELTA; ${hours.join('; ')}`);
  const query = async (zone: string) => {
    const [r] = await lake.sql(`SELECT count(*) AS n FROM e WHERE ts >= '2024-01-01 01:00:00'`, { conf: { 'spark.sql.session.timeZone': zone } });
    return { n: r.rows[0].n, files: r.metrics!.scans[0].filesScanned };
  };
  // 01:00 in New York is 06:00 UTC: six hours' files; in UTC, eleven.
  assert.deepEqual(await query('America/New_York'), { n: 60, files: 6 });
  assert.deepEqual(await query('UTC'), { n: 110, files: 11 });
  assert.deepEqual(await query('America/New_York'), { n: 60, files: 6 });
});
