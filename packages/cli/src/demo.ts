/**
 * `npm start`: builds a small Delta lake from scratch and shows what Loch reads today — schema and
 * protocol, rows, partition values, time travel by version and by time, and history.
 *
 * Loch's own writer is still to come, so the demo commits the way every Delta writer does: Parquet
 * files first (written by DuckDB), then a JSON commit published with put-if-absent.
 */
import { mkdir, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { schemaToJson, type StructType } from '@loch/delta';
import { LocalStorage, localUrl, withConnection, sqlString } from '@loch/engine-node';
import { DeltaTable } from '@loch/lakehouse';
import { table } from './format.js';

const schema: StructType = {
  kind: 'struct',
  fields: [
    { name: 'id', type: { kind: 'primitive', name: 'long' }, nullable: false, metadata: {} },
    { name: 'city', type: { kind: 'primitive', name: 'string' }, nullable: true, metadata: {} },
    { name: 'temperature', type: { kind: 'decimal', precision: 5, scale: 1 }, nullable: true, metadata: {} },
    { name: 'measured_at', type: { kind: 'primitive', name: 'timestamp' }, nullable: true, metadata: {} },
    { name: 'day', type: { kind: 'primitive', name: 'date' }, nullable: true, metadata: {} },
  ],
};

const say = (s: string) => process.stderr.write(`${s}\n`);

async function writeParquet(root: string, day: string, firstId: number, rows: number): Promise<Record<string, unknown>> {
  const rel = `day=${day}/part-${String(firstId).padStart(5, '0')}.parquet`;
  const path = join(fileURLToPath(root), rel);
  const cities = ['Amsterdam', 'Lagos', 'Lima', 'Osaka', 'Tromsø'];
  await mkdir(dirname(path), { recursive: true });
  await withConnection(async (c) => {
    await c.run(`COPY (
        SELECT (${firstId} + i)::BIGINT AS id,
               list_extract([${cities.map(sqlString).join(', ')}], (i % 5 + 1)::INTEGER) AS city,
               round(-5 + (i * 7.3) % 35, 1)::DECIMAL(5,1) AS temperature,
               TIMESTAMPTZ ${sqlString(`${day} 06:00:00+00`)} + to_minutes(i * 17) AS measured_at
        FROM range(${rows}) t(i)
      ) TO ${sqlString(path)} (FORMAT parquet)`);
  });
  const info = await stat(path);
  return {
    add: {
      path: rel,
      partitionValues: { day },
      size: info.size,
      modificationTime: Math.floor(info.mtimeMs),
      dataChange: true,
      stats: JSON.stringify({ numRecords: rows }),
    },
  };
}

async function commit(storage: LocalStorage, root: string, version: number, actions: unknown[]) {
  const name = `${String(version).padStart(20, '0')}.json`;
  const body = actions.map((a) => JSON.stringify(a)).join('\n') + '\n';
  await storage.putIfAbsent(`${root}_delta_log/${name}`, new TextEncoder().encode(body));
}

export async function demo(dir = resolve('lake/demo_weather')): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  const root = localUrl(dir, true);
  const storage = new LocalStorage();
  const info = (operation: string, extra: object = {}) => ({
    commitInfo: { timestamp: Date.now(), operation, engineInfo: 'Loch-demo/0.1', ...extra },
  });

  say(`Building a Delta table at ${dir} ...`);
  const a1 = await writeParquet(root, '2026-11-01', 0, 40);
  const a2 = await writeParquet(root, '2026-11-02', 40, 40);
  await commit(storage, root, 0, [
    info('CREATE TABLE AS SELECT', { operationParameters: { partitionBy: '["day"]' }, isBlindAppend: true }),
    { protocol: { minReaderVersion: 1, minWriterVersion: 2 } },
    {
      metaData: {
        id: crypto.randomUUID(),
        format: { provider: 'parquet', options: {} },
        schemaString: schemaToJson(schema),
        partitionColumns: ['day'],
        configuration: {},
        createdTime: Date.now(),
      },
    },
    a1,
    a2,
  ]);
  const a3 = await writeParquet(root, '2026-11-03', 80, 40);
  await commit(storage, root, 1, [info('WRITE', { operationParameters: { mode: 'Append' }, readVersion: 0, isBlindAppend: true }), a3]);
  const removed = (a1 as { add: { path: string } }).add.path;
  await commit(storage, root, 2, [
    info('DELETE', { operationParameters: { predicate: `["(day = '2026-11-01')"]` }, readVersion: 1, isBlindAppend: false }),
    { remove: { path: removed, deletionTimestamp: Date.now(), dataChange: true } },
  ]);

  const t = DeltaTable.forPath(dir);
  const out = (s: string) => process.stdout.write(`${s}\n`);
  const detail = await t.detail();
  out(`\n== loch describe ${dir}`);
  out(`version ${detail.version}, ${detail.numFiles} files, ${detail.sizeInBytes} bytes, partitioned by ${detail.partitionColumns.join(', ')}`);
  out(`protocol: reader ${detail.protocol.minReaderVersion}, writer ${detail.protocol.minWriterVersion}`);

  const rowsPerDay = async (version?: number) => {
    const r = await t.scan({ version, columns: ['day', 'id'] });
    const counts = new Map<string, number>();
    for (const row of r.rows) counts.set(String(row.day), (counts.get(String(row.day)) ?? 0) + 1);
    return [...counts].sort().map(([day, n]) => ({ day, rows: n }));
  };
  out(`\n== rows per day, latest version`);
  out(table(['day', 'rows'], await rowsPerDay()));
  out(`== rows per day, VERSION AS OF 1 (before the DELETE)`);
  out(table(['day', 'rows'], await rowsPerDay(1)));

  const sample = await t.scan({ where: "city = 'Tromsø' AND temperature < 0", columns: ['id', 'city', 'temperature', 'measured_at', 'day'], limit: 5 });
  out(`== loch scan --where "city = 'Tromsø' AND temperature < 0" --limit 5`);
  out(table(['id', 'city', 'temperature', 'measured_at', 'day'], sample.rows));

  const history = await t.history();
  out(`== loch history`);
  out(table(['version', 'timestamp', 'operation', 'readVersion'], history.map((h) => ({
    version: h.version,
    timestamp: new Date(h.timestamp).toISOString(),
    operation: h.operation,
    readVersion: h.readVersion,
  }))));
  const first = history.at(-1)!;
  const asOf = await t.scan({ timestamp: new Date(first.timestamp), columns: ['id'] });
  out(`== TIMESTAMP AS OF ${new Date(first.timestamp).toISOString()}: ${asOf.rows.length} rows (version ${first.version})`);
  out(`\nTry it yourself:  npx loch scan ${dir} --format table --limit 10`);
  out(`                  npx loch history ${dir}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  demo().catch((e: Error & { code?: string }) => {
    process.stderr.write(`${e.code ?? 'LOCH_INTERNAL'}: ${e.message}\n`);
    process.exitCode = 1;
  });
}
