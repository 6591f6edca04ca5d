/**
 * Every byte of table I/O goes through the Engine's storage (so that object storage can be added
 * as one more StorageHandler): lakehouse imports the file system only in a short list of files,
 * and the operations work over a storage that offers no local path, which makes DuckDB's files
 * go through a temporary directory and storage uploads.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { access, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSnapshot, MemoryStorage, type Engine, type StorageHandler } from '@loch/delta';
import { DuckDBParquetHandler, LocalStorage, NodeJsonHandler, withConnection, sqlString } from '@loch/engine-node';
import { convertToDelta, DeltaTable, Lakehouse } from '@loch/lakehouse';
import { pathToFileURL } from 'node:url';
import { importsUnder, packageDir, rejectsWith } from '@loch/test-utils';

/**
 * Files under packages/lakehouse/src that may use the file system, and why. Everything else
 * reaches files through `engine.storage`.
 */
const FILE_SYSTEM_ALLOWED: Readonly<Record<string, string>> = {
  'write/staging.ts': 'DuckDB writes Parquet only into local directories: it makes them, and stages files in a temporary directory when storage has no local path',
  'write/source.ts': 'rows to write are staged in a temporary NDJSON file for DuckDB to read',
  // Exports: a query's rows out to a file or pipe a user names, not table I/O.
  'export/copy.ts': "DuckDB's writers write a local file or pipe (--output, writeTo), which replaces the file whole by a rename beside it",
  'scan/arrow-ipc.ts': 'an Arrow IPC export writes the local file a user names, replaced whole by a rename beside it',
  'udf/module-url.ts': "a UDF module named by path or package is a local file node imports (resolved as node resolves it), not table I/O",
  'sql/run/run-insert-directory.ts': 'INSERT OVERWRITE DIRECTORY replaces a local directory whole: files staged in a directory beside it, then renamed',
};

const FILE_SYSTEM = /^(node:)?fs(\/promises)?$/;

test('lakehouse touches the file system only in the files allowed to, each of which still needs it', () => {
  const src = join(packageDir('@loch/lakehouse', import.meta.url), 'src');
  const users = importsUnder(src)
    .filter((f) => f.specifiers.some((s) => FILE_SYSTEM.test(s)))
    .map((f) => f.file);
  assert.ok(users.length > 0, `the scan found no file system import under ${src}; is the pattern right?`);
  assert.deepEqual(users.filter((f) => !(f in FILE_SYSTEM_ALLOWED)), [], 'these files must go through engine.storage');
  assert.deepEqual(Object.keys(FILE_SYSTEM_ALLOWED).filter((f) => !users.includes(f)), [], 'allowed but no longer needed: take them off the list');
});

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** Local storage seen as an object store: no local path, every call recorded. */
function remoteLike(): { storage: StorageHandler; calls: { method: string; path: string }[] } {
  const local = new LocalStorage();
  const calls: { method: string; path: string }[] = [];
  const storage = new Proxy(local, {
    get(target, name) {
      if (name === 'localPath') return undefined;
      const value = Reflect.get(target, name) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls.push({ method: String(name), path: String(args[0]) });
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  }) as StorageHandler;
  return { storage, calls };
}

function engineOver(storage: StorageHandler): Engine {
  return { storage, json: new NodeJsonHandler(storage, { threads: 0 }), parquet: new DuckDBParquetHandler() };
}

async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'loch-seam-'));
  dirs.push(d);
  return d;
}

const ids = async (t: DeltaTable) => (await t.scan({ columns: ['id'] })).rows.map((r) => Number(r.id)).sort((a, b) => a - b);
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('writes, DML, OPTIMIZE ZORDER, DEEP CLONE and VACUUM work over a storage without local paths, through its uploads', async () => {
  const { storage, calls } = remoteLike();
  const engine = engineOver(storage);
  const dir = join(await tempDir(), 't');
  const t = DeltaTable.forPath(dir, { engine });
  const root = await t.location();
  const written = await t.write(`SELECT i AS id, i % 3 AS p, 'v' || i AS v FROM range(30) t(i)`, { partitionBy: ['p'] });
  assert.equal(written.kind, 'committed');
  const adds = (await loadSnapshot(engine, root)).files;
  const uploads = calls.filter((c) => c.method === 'writeStream').map((c) => c.path);
  assert.equal(uploads.length, adds.length, 'each data file was uploaded through storage');
  for (const a of adds) assert.ok(uploads.includes(new URL(a.path, root).href), `${a.path} was uploaded`);
  assert.deepEqual(await ids(t), range(0, 30));

  // A refused write leaves nothing behind, uploaded or not.
  await t.alter({ kind: 'addConstraint', name: 'small', expression: 'id < 1000' });
  const before = (await storage.listRecursive(root)).filter((f) => !f.path.includes('/_delta_log/')).length;
  await rejectsWith(t.write(`SELECT 5000 + i AS id, 1 AS p, 'x' AS v FROM range(3) t(i)`), 'DELTA_CONSTRAINT_VIOLATION', /small/);
  assert.equal((await storage.listRecursive(root)).filter((f) => !f.path.includes('/_delta_log/')).length, before);

  await t.delete('id < 5');
  await t.update({ v: "'updated'" }, 'id >= 25');
  await t.merge(`SELECT 100 + i AS id, 0 AS p, 'm' AS v FROM range(5) t(i)`, 'target.id = source.id').whenNotMatchedInsertAll().execute();
  // Z-ordering writes a file per cell into group directories, flattened before the upload.
  for (let k = 0; k < 3; k++) await t.write(`SELECT 200 + ${k} * 10 + i AS id, 1 AS p, 'z' AS v FROM range(10) t(i)`);
  const optimized = await t.optimize({ zOrderBy: ['id'] });
  assert.ok(optimized.version !== undefined);
  const expected = [...range(5, 30), ...range(100, 105), ...range(200, 230)];
  assert.deepEqual(await ids(t), expected);
  assert.equal((await t.scan({ where: 'id >= 25 AND id < 30', columns: ['v'] })).rows.every((r) => r.v === 'updated'), true);

  const deep = await t.clone(join(dir, '..', 'deep'), { deep: true });
  assert.ok(calls.some((c) => c.method === 'copy' && c.path.startsWith(root)), 'DEEP CLONE copies through storage');
  assert.deepEqual(await ids(deep.table), expected);

  await sleep(20);
  const vacuumed = await t.vacuum({ retentionHours: 0, retentionDurationCheck: false });
  assert.ok(vacuumed.files.length > 0);
  const deletes = calls.filter((c) => c.method === 'delete').map((c) => c.path);
  for (const f of vacuumed.files) assert.ok(deletes.some((d) => decodeURIComponent(d).endsWith(`/${f}`)), `${f} deleted through storage`);
  assert.deepEqual(await ids(t), expected, 'VACUUM took nothing the table needs');
  assert.deepEqual(await ids(deep.table), expected, 'nor anything the deep clone needs');
});

test('CONVERT TO DELTA lists the directory through storage', async () => {
  const { storage, calls } = remoteLike();
  const dir = await tempDir();
  await withConnection(async (c) => {
    await c.run(`COPY (SELECT i AS id, i % 2 AS part FROM range(20) t(i)) TO ${sqlString(dir)} (FORMAT parquet, PARTITION_BY (part), APPEND)`);
  });
  const engine = engineOver(storage);
  const t = DeltaTable.forPath(dir, { engine });
  const root = await t.location();
  const r = await convertToDelta(engine, root, t.name, { partitionBy: [{ name: 'part', type: { kind: 'primitive', name: 'long' }, nullable: true, metadata: {} }] });
  assert.equal(r.converted, true);
  assert.ok(calls.some((c) => c.method === 'listRecursive'));
  const snapshot = await loadSnapshot(engine, root);
  assert.equal(snapshot.files.length, (await readdir(dir, { recursive: true })).filter((n) => String(n).endsWith('.parquet')).length);
  assert.ok(snapshot.files.every((f) => f.stats && JSON.parse(f.stats).numRecords > 0), 'statistics were read');
  assert.deepEqual(await ids(t), range(0, 20));
});

test('CREATE TABLE AS SELECT, ALTER TABLE ... RENAME TO and DROP TABLE of a lake table go through storage', async () => {
  const { storage, calls } = remoteLike();
  const lakeDir = join(await tempDir(), 'lake-not-made-yet');
  const lake = Lakehouse.open(lakeDir, { engine: engineOver(storage) });
  await lake.sql(`CREATE SCHEMA sales; CREATE TABLE sales.orders AS SELECT i AS id FROM range(10) t(i)`);
  assert.ok(calls.some((c) => c.method === 'writeStream' && c.path.includes('/sales.db/orders/')), 'CTAS uploads its files through storage');
  await lake.sql('ALTER TABLE sales.orders RENAME TO sales.archive');
  assert.ok(calls.some((c) => c.method === 'renamePrefix' && c.path.endsWith('/sales.db/orders/')), 'RENAME moves the table through storage');
  assert.deepEqual((await lake.sql('SELECT count(*) AS n FROM sales.archive'))[0].rows, [{ n: 10 }]);
  await lake.sql('DROP TABLE sales.archive');
  assert.ok(calls.some((c) => c.method === 'deletePrefix' && c.path.endsWith('/sales.db/archive/_delta_log/')), 'DROP deletes the log first, through storage');
  assert.deepEqual(await storage.listRecursive(`${pathToFileURL(lakeDir).href}/sales.db/`), []);
  assert.deepEqual(await lake.tables('sales'), []);
});

test('the lake lists its tables and keeps its catalog file through storage, never listing a data file', async () => {
  const { storage, calls } = remoteLike();
  const lakeDir = join(await tempDir(), 'lake');
  const lake = Lakehouse.open(lakeDir, { engine: engineOver(storage) });
  await lake.sql(`CREATE SCHEMA sales; CREATE TABLE sales.orders AS SELECT i AS id FROM range(10) t(i); CREATE TABLE events AS SELECT 1 AS id`);
  await lake.table('clicks').write(`SELECT 2 AS id`);
  assert.ok(calls.some((c) => c.method === 'put' && c.path.endsWith('/lake/_loch_catalog.json')), 'CREATE SCHEMA writes the catalog file through storage');
  calls.length = 0;
  assert.deepEqual(await lake.tables(), ['clicks', 'events']);
  assert.deepEqual(await lake.tables('sales'), ['orders']);
  assert.deepEqual(
    calls.filter((c) => c.method === 'list' || c.method === 'listRecursive'),
    [],
    'tables are found by their directories (listDirectories), not by listing their files',
  );
  assert.ok(calls.some((c) => c.method === 'listDirectories' && c.path.endsWith('/lake/')));
  // DROP SCHEMA removes its directory through storage once its tables are gone.
  await lake.sql('DROP TABLE sales.orders; DROP SCHEMA sales');
  assert.ok(calls.some((c) => c.method === 'deletePrefix' && c.path.endsWith('/lake/sales.db/')));
  assert.deepEqual(await readdir(lakeDir), ['_loch_catalog.json', 'clicks', 'events']);
});

test('a lake whose storage is in memory creates, lists, finds (in any case), reads and drops its tables by name, with no file on local disk', async () => {
  const storage = new MemoryStorage();
  // Never made on disk: a name looked up on the local disk instead of through storage is not found.
  const lakeDir = join(await tempDir(), 'lake-in-memory');
  const lakeUrl = `${pathToFileURL(lakeDir).href}/`;
  const lake = Lakehouse.open(lakeDir, { engine: engineOver(storage) });
  await lake.sql(`CREATE SCHEMA Sales; CREATE TABLE sales.Orders AS SELECT i AS id FROM range(10) t(i)`);
  await lake.table('Events').write(`SELECT 1 AS id UNION ALL SELECT 2`);
  assert.deepEqual(await lake.schemas(), ['default', 'sales']);
  assert.deepEqual(await lake.tables(), ['Events']);
  assert.deepEqual(await lake.tables('SALES'), ['Orders']);

  // Names resolve case-insensitively, as Spark resolves them, to the tables made above.
  assert.equal(await lake.table('events').location(), `${lakeUrl}Events/`);
  assert.equal(await lake.table('SALES.orders').location(), `${lakeUrl}sales.db/Orders/`);
  assert.equal((await lake.table('main.sales.ORDERS').detail()).numFiles, 1);
  assert.deepEqual(
    (await lake.table('EVENTS').history()).map((h) => h.operation),
    ['WRITE'],
  );
  const [described] = await lake.sql('DESCRIBE DETAIL sales.ORDERS');
  assert.equal(described.rows[0].location, join(lakeDir, 'sales.db', 'Orders'));
  const [shown] = await lake.sql('SHOW TABLES IN sales');
  assert.deepEqual(shown.rows.map((r) => r.tableName), ['Orders']);

  // A name the lake cannot have fails when the table is first used, with the code it always had.
  const nowhere = lake.table('nowhere.t');
  await assert.rejects(nowhere.snapshot(), { code: 'LOCH_SCHEMA_NOT_FOUND', message: /schema main\.nowhere does not exist/ });
  await rejectsWith(lake.table('missing').snapshot(), 'DELTA_TABLE_NOT_FOUND');
  // A failed lookup is not kept: once the schema exists the same handle finds its place.
  await lake.sql('CREATE SCHEMA nowhere');
  assert.equal(await nowhere.location(), `${lakeUrl}nowhere.db/t/`);

  await lake.sql('DROP TABLE SALES.orders; DROP TABLE events; DROP SCHEMA Nowhere');
  assert.deepEqual(await lake.tables('sales'), []);
  assert.deepEqual(await lake.tables(), []);
  assert.deepEqual(
    (await storage.listRecursive(lakeUrl)).map((f) => f.path.slice(lakeUrl.length)),
    ['_loch_catalog.json'],
  );
  await assert.rejects(access(lakeDir), { code: 'ENOENT' }, 'nothing of the lake was written to local disk');
});
