/**
 * `npm start`: builds a small Delta lake from scratch and walks through what Loch does today:
 * partitioned writes with per-file statistics, a MERGE with schema evolution and its metrics,
 * time travel, DELETE, OPTIMIZE ZORDER BY, and a filtered scan that skips files.
 */
import { rm } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DeltaTable, Lakehouse } from '@loch/lakehouse';
import { table } from './format.js';

const say = (s: string) => process.stderr.write(`${s}\n`);
const out = (s: string) => process.stdout.write(`${s}\n`);

const readings = (day: string, from: number, n: number) => `
  SELECT (${from} + i)::BIGINT AS id,
         list_extract(['Amsterdam', 'Lagos', 'Lima', 'Osaka', 'Tromsø'], (i % 5 + 1)::INTEGER) AS city,
         round(-5 + ((${from} + i) * 7.3) % 35, 1)::DECIMAL(5,1) AS temperature,
         TIMESTAMPTZ '${day} 06:00:00+00' + to_minutes(i * 3) AS measured_at,
         DATE '${day}' AS day
  FROM range(${n}) t(i)`;

export async function demo(dir = resolve('lake/demo_weather')): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  const t = DeltaTable.forPath(dir);

  say(`Building a Delta table at ${dir} ...`);
  await t.write(readings('2026-11-01', 0, 400), { partitionBy: ['day'] });
  await t.write(readings('2026-11-02', 400, 400));
  await t.write(readings('2026-11-03', 800, 400));

  // Corrections arrive with a new column (station): MERGE adds it (schema evolution).
  const corrections = `SELECT id, city, temperature + 0.5 AS temperature, measured_at, day, 'WX-' || (id % 7) AS station
                       FROM (${readings('2026-11-02', 400, 40)})
                       UNION ALL SELECT * REPLACE (temperature + 1 AS temperature), 'WX-NEW' AS station FROM (${readings('2026-11-04', 1200, 60)})`;
  await t.merge(corrections, 'target.id = source.id').whenMatchedUpdateAll().whenNotMatchedInsertAll().withSchemaEvolution().execute();
  await t.delete("city = 'Lima' AND day = DATE '2026-11-01'");
  say('OPTIMIZE ZORDER BY (city, temperature) ...');
  await t.optimize({ zOrderBy: ['city', 'temperature'], targetFileSize: 2_000 });

  const detail = await t.detail();
  out(`\n== loch describe ${dir}`);
  out(`version ${detail.version}, ${detail.numFiles} files, ${detail.sizeInBytes} bytes, partitioned by ${detail.partitionColumns.join(', ')}`);
  out(`columns: ${(detail.schema as { fields: { name: string; type: unknown }[] }).fields.map((f) => `${f.name} ${JSON.stringify(f.type)}`).join(', ')}`);

  out(`\n== loch history`);
  const history = await t.history();
  out(table(['version', 'operation', 'metrics'], history.map((h) => ({
    version: h.version,
    operation: h.operation,
    metrics: Object.entries(h.operationMetrics)
      .filter(([k]) => /^(numOutputRows|numTargetRows(Inserted|Updated)|numDeletedRows|numFilesAdded|numFilesRemoved|numDeletionVectorsAdded)$/.test(k))
      .map(([k, v]) => `${k}=${v}`)
      .join(' '),
  }))));

  const perDay = async (version?: number) => {
    const r = await t.scan({ version, columns: ['day'] });
    const counts = new Map<string, number>();
    for (const row of r.rows) counts.set(String(row.day), (counts.get(String(row.day)) ?? 0) + 1);
    return [...counts].sort().map(([day, rows]) => ({ day, rows }));
  };
  out(`== rows per day now`);
  out(table(['day', 'rows'], await perDay()));
  out(`== rows per day, VERSION AS OF 2 (before the MERGE and the DELETE)`);
  out(table(['day', 'rows'], await perDay(2)));

  const where = "city = 'Tromsø' AND temperature < -4";
  const cold = await t.scan({ where, columns: ['id', 'city', 'temperature', 'measured_at', 'station'] });
  out(`== loch scan --where "${where}"`);
  out(table(['id', 'city', 'temperature', 'measured_at', 'station'], cold.rows.slice(0, 5)));
  const m = cold.metrics as unknown as Record<string, number>;
  out(`files: ${m.filesTotal} in the table, ${m.filesScanned} read, ${m.filesPrunedByPartition ?? 0} skipped by partition, ${m.filesPrunedByStats ?? 0} by statistics`);
  // A star join: the cities table is tiny and filtered; Dynamic File Pruning turns its matching
  // keys into a filter on the readings' files before any is opened.
  const lake = Lakehouse.open(dirname(dir));
  await lake.table('demo_cities').write(`SELECT * FROM (VALUES (0, 'Amsterdam', 'Europe'), (1, 'Lagos', 'Africa'), (2, 'Lima', 'Americas'), (3, 'Osaka', 'Asia'), (4, 'Tromsø', 'Europe')) v(city_id, city, continent)`, { mode: 'overwrite' });
  // Spark SQL as pasted from Databricks: a BROADCAST hint names the side that drives DFP, and
  // Spark functions (collect_set, size, date_format with a Spark pattern) are mapped to DuckDB's.
  const star = `SELECT /*+ BROADCAST(c) */ c.continent, count(*) AS readings, round(avg(r.temperature), 2) AS avg_temperature,
      size(collect_set(r.station)) AS stations, date_format(max(r.measured_at), 'yyyy-MM-dd HH:mm') AS latest
    FROM ${basename(dir)} r JOIN demo_cities c ON r.city = c.city WHERE c.continent = 'Asia' GROUP BY c.continent`;
  // The demo table is tiny: lower Databricks' thresholds so that DFP applies to it.
  const conf = { 'spark.databricks.optimizer.deltaTableFilesThreshold': '2', 'spark.databricks.optimizer.deltaTableSizeThreshold': '0' };
  const [joined] = await lake.sql(star, { conf });
  out(`\n== loch sql --metrics "${star.replace(/\s+/g, ' ')}"`);
  out(table(['continent', 'readings', 'avg_temperature', 'stations', 'latest'], [...joined.rows]));
  const scan = joined.metrics?.scans.find((x) => x.table === basename(dir));
  if (scan) out(`readings: ${scan.filesTotal} files, ${scan.filesScanned} read, ${scan.filesPrunedByDynamicFilter} skipped by Dynamic File Pruning`);

  out(`\nTry it yourself:  npx loch scan ${dir} --format table --limit 10`);
  out(`                  npx loch sql "SELECT city, avg(temperature) FROM delta.\\\`${dir}\\\` GROUP BY city" --format table`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  demo().catch((e: Error & { code?: string }) => {
    process.stderr.write(`${e.code ?? 'LOCH_INTERNAL'}: ${e.message}\n`);
    process.exitCode = 1;
  });
}
