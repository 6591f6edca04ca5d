import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { withConnection, sqlString } from '@loch/engine-node';
import { Lakehouse, type StatementResult } from '@loch/lakehouse';

async function lake(): Promise<{ lh: Lakehouse; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'loch-cm-'));
  return { lh: Lakehouse.open(join(dir, 'lake')), dir };
}

async function last(lh: Lakehouse, sql: string): Promise<StatementResult> {
  const r = await lh.sql(sql);
  return r[r.length - 1];
}

/** Every action of every commit, in order. */
async function actions(table: string): Promise<Record<string, Record<string, unknown>>[]> {
  const log = join(table, '_delta_log');
  const out: Record<string, Record<string, unknown>>[] = [];
  for (const f of (await readdir(log)).filter((n) => n.endsWith('.json')).sort()) {
    for (const line of (await readFile(join(log, f), 'utf8')).trim().split('\n')) out.push(JSON.parse(line));
  }
  return out;
}

/** The Parquet schema of a data file: column names with their field ids, in file order. */
async function parquetFields(file: string): Promise<[string, number | null][]> {
  return withConnection(async (c) =>
    (await c.runAndReadAll(`SELECT name, field_id FROM parquet_schema(${sqlString(file)}) WHERE name NOT IN ('duckdb_schema', 'list', 'element', 'key_value', 'key', 'value')`))
      .getRows()
      .map((r) => [String(r[0]), r[1] === null ? null : Number(r[1])]),
  );
}

test("a table made with delta.columnMapping.mode = 'name' is written as Delta writers must: physical names, ids, field_ids", async () => {
  const { lh, dir } = await lake();
  await lh.sql(`CREATE TABLE m (id INT, name STRING, s STRUCT<a: INT, b: STRING>, day DATE) USING DELTA PARTITIONED BY (day)
      TBLPROPERTIES ('delta.columnMapping.mode' = 'name');
    INSERT INTO m VALUES (1, 'a', {'a': 1, 'b': 'x'}, DATE '2024-01-01'), (2, 'b', {'a': 2, 'b': 'y'}, DATE '2024-01-02')`);
  const table = join(dir, 'lake', 'm');
  const log = await actions(table);
  // Like the Spark-written table-with-columnmapping-mode-name: reader 2, writer 5, ids in schema order (a struct before its fields).
  assert.deepEqual(log.find((a) => a.protocol)?.protocol, { minReaderVersion: 2, minWriterVersion: 5 });
  const meta = log.find((a) => a.metaData)!.metaData as { configuration: Record<string, string>; schemaString: string };
  assert.equal(meta.configuration['delta.columnMapping.maxColumnId'], '6');
  const schema = JSON.parse(meta.schemaString) as { fields: { name: string; metadata: Record<string, unknown>; type: { fields?: { name: string; metadata: Record<string, unknown> }[] } }[] };
  const ids = schema.fields.flatMap((f) => [[f.name, f.metadata['delta.columnMapping.id']], ...(f.type.fields ?? []).map((g) => [g.name, g.metadata['delta.columnMapping.id']])]);
  assert.deepEqual(ids, [['id', 1], ['name', 2], ['s', 3], ['a', 4], ['b', 5], ['day', 6]]);
  const physical = new Map<string, string>();
  for (const f of schema.fields) {
    physical.set(f.name, String(f.metadata['delta.columnMapping.physicalName']));
    for (const g of f.type.fields ?? []) physical.set(`${f.name}.${g.name}`, String(g.metadata['delta.columnMapping.physicalName']));
  }
  for (const p of physical.values()) assert.match(p, /^col-[0-9a-f-]{36}$/);
  // Partition values and statistics by physical name; files with physical names and field ids.
  const add = log.find((a) => a.add)!.add as { path: string; partitionValues: Record<string, string>; stats: string };
  assert.deepEqual(Object.keys(add.partitionValues), [physical.get('day')]);
  const stats = JSON.parse(add.stats) as { minValues: Record<string, unknown> };
  assert.deepEqual(Object.keys(stats.minValues).sort(), [physical.get('id'), physical.get('name'), physical.get('s')].sort());
  assert.deepEqual(Object.keys(stats.minValues[physical.get('s')!] as object).sort(), [physical.get('s.a'), physical.get('s.b')].sort());
  assert.deepEqual(await parquetFields(join(table, decodeURIComponent(add.path))), [
    [physical.get('id')!, 1],
    [physical.get('name')!, 2],
    [physical.get('s')!, 3],
    [physical.get('s.a')!, 4],
    [physical.get('s.b')!, 5],
  ]);
  // Everything that writes keeps to it, and reads map the names back.
  await lh.sql(`UPDATE m SET name = 'bb' WHERE id = 2;
    MERGE INTO m t USING (SELECT 3 AS id, 'c' AS name, {'a': 3, 'b': 'z'} AS s, DATE '2024-01-01' AS day) src ON t.id = src.id WHEN NOT MATCHED THEN INSERT *;
    DELETE FROM m WHERE s.b = 'x';
    OPTIMIZE m`);
  assert.deepEqual((await last(lh, 'SELECT id, name, s, day FROM m ORDER BY id')).rows, [
    { id: 2, name: 'bb', s: { a: 2, b: 'y' }, day: '2024-01-02' },
    { id: 3, name: 'c', s: { a: 3, b: 'z' }, day: '2024-01-01' },
  ]);
  // Statistics by physical name prune files.
  const pruned = (await lh.sql('SELECT count(*) FROM m WHERE id = 3'))[0].metrics!.scans[0];
  assert.equal(pruned.filesScanned, 1);
  for (const a of (await actions(table)).filter((x) => x.add)) {
    const add = a.add as { path: string; partitionValues: Record<string, string> };
    assert.deepEqual(Object.keys(add.partitionValues), [physical.get('day')]);
    assert.deepEqual((await parquetFields(join(table, decodeURIComponent(add.path)))).map(([n]) => n).slice(0, 2), [physical.get('id'), physical.get('name')]);
  }
});
