/**
 * Schema changes Spark users make without rewriting data: column mapping turned on for an existing
 * table, RENAME COLUMN, DROP COLUMN(S), and ALTER COLUMN ... TYPE under Delta's typeWidening.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Lakehouse, type Row } from '@loch/lakehouse';

async function lake(): Promise<{ lh: Lakehouse; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'loch-alter-cols-'));
  return { lh: Lakehouse.open(join(dir, 'lake')), dir };
}

async function rows(lh: Lakehouse, sql: string): Promise<Row[]> {
  const r = await lh.sql(sql);
  return [...r[r.length - 1].rows];
}

/** The last protocol and metadata actions in the table's JSON log. */
async function lastActions(table: string): Promise<{ protocol: Record<string, unknown>; metaData: { schemaString: string; configuration: Record<string, string>; partitionColumns: string[] }; commitInfo: Record<string, unknown> }> {
  const log = join(table, '_delta_log');
  const out: Record<string, any> = {};
  for (const f of (await readdir(log)).filter((n) => n.endsWith('.json')).sort()) {
    for (const line of (await readFile(join(log, f), 'utf8')).trim().split('\n')) Object.assign(out, JSON.parse(line));
  }
  return out as any;
}

const codeOf = (code: string) => (e: unknown) => (e as { code?: string }).code === code;

test('column mapping turned on for an existing table: ids, physical names that are the old names, protocol (2, 5); old files still read', async () => {
  const { lh, dir } = await lake();
  await lh.sql(`CREATE TABLE t (id INT, name STRING, day DATE) USING DELTA PARTITIONED BY (day);
    INSERT INTO t VALUES (1, 'a', DATE '2024-01-01'), (2, 'b', DATE '2024-01-02');
    ALTER TABLE t SET TBLPROPERTIES ('delta.columnMapping.mode' = 'name')`);
  const { protocol, metaData } = await lastActions(join(dir, 'lake', 't'));
  assert.deepEqual(protocol, { minReaderVersion: 2, minWriterVersion: 5 });
  assert.equal(metaData.configuration['delta.columnMapping.maxColumnId'], '3');
  const fields = JSON.parse(metaData.schemaString).fields.map((f: any) => [f.name, f.metadata['delta.columnMapping.id'], f.metadata['delta.columnMapping.physicalName']]);
  assert.deepEqual(fields, [['id', 1, 'id'], ['name', 2, 'name'], ['day', 3, 'day']]);
  await lh.sql("INSERT INTO t VALUES (3, 'c', DATE '2024-01-01')");
  assert.deepEqual(await rows(lh, 'SELECT id, name, day FROM t ORDER BY id'), [
    { id: 1, name: 'a', day: '2024-01-01' },
    { id: 2, name: 'b', day: '2024-01-02' },
    { id: 3, name: 'c', day: '2024-01-01' },
  ]);
  await assert.rejects(lh.sql("ALTER TABLE t SET TBLPROPERTIES ('delta.columnMapping.mode' = 'none')"), codeOf('DELTA_UNSUPPORTED_COLUMN_MAPPING_MODE_CHANGE'));
});

test('RENAME COLUMN and DROP COLUMNS change only metadata: old and new files read under the new names, after a checkpoint too', async () => {
  const { lh, dir } = await lake();
  await lh.sql(`CREATE TABLE e (id INT, city STRING, temp DOUBLE, note STRING, day DATE) USING DELTA PARTITIONED BY (day)
      TBLPROPERTIES ('delta.columnMapping.mode' = 'name', 'delta.checkpointInterval' = '2');
    INSERT INTO e VALUES (1, 'Oslo', 3.5, 'x', DATE '2024-01-01'), (2, 'Rome', 14.0, 'y', DATE '2024-01-02');
    ALTER TABLE e RENAME COLUMN city TO town;
    ALTER TABLE e RENAME COLUMN day TO d;
    ALTER TABLE e DROP COLUMN note;
    INSERT INTO e VALUES (3, 'Lima', 20.5, DATE '2024-01-01')`);
  const table = join(dir, 'lake', 'e');
  const { metaData, commitInfo } = await lastActions(table);
  assert.deepEqual(JSON.parse(metaData.schemaString).fields.map((f: any) => f.name), ['id', 'town', 'temp', 'd']);
  assert.deepEqual(metaData.partitionColumns, ['d']);
  assert.equal(commitInfo.operation, 'WRITE');
  assert.ok((await readdir(join(table, '_delta_log'))).some((n) => n.endsWith('.checkpoint.parquet')), 'a checkpoint was written');
  const expected = [
    { id: 1, town: 'Oslo', temp: 3.5, d: '2024-01-01' },
    { id: 2, town: 'Rome', temp: 14, d: '2024-01-02' },
    { id: 3, town: 'Lima', temp: 20.5, d: '2024-01-01' },
  ];
  assert.deepEqual(await rows(lh, 'SELECT * FROM e ORDER BY id'), expected);
  // A fresh lake object reads the same from the checkpoint; filters on renamed columns skip by physical stats.
  const again = Lakehouse.open(join(dir, 'lake'));
  assert.deepEqual(await rows(again, "SELECT id FROM e WHERE town = 'Lima' AND d = DATE '2024-01-01'"), [{ id: 3 }]);
  assert.deepEqual(await rows(again, 'DESCRIBE HISTORY e LIMIT 3').then((r) => r.map((x) => x.operation)), ['WRITE', 'DROP COLUMNS', 'RENAME COLUMN']);
  // The dropped column's name is free again, and reads nothing of the old values.
  await again.sql("ALTER TABLE e ADD COLUMN note STRING; INSERT INTO e VALUES (4, 'Kyiv', 1.0, DATE '2024-01-03', 'new')");
  assert.deepEqual(await rows(again, 'SELECT id, note FROM e ORDER BY id'), [{ id: 1, note: null }, { id: 2, note: null }, { id: 3, note: null }, { id: 4, note: 'new' }]);
});

test('RENAME and DROP refuse what Delta refuses, naming the table and column', async () => {
  const { lh } = await lake();
  await lh.sql(`CREATE TABLE plain (id INT, v INT) USING DELTA;
    CREATE TABLE m (id INT, v INT, day DATE) USING DELTA PARTITIONED BY (day) TBLPROPERTIES ('delta.columnMapping.mode' = 'name');
    ALTER TABLE m ADD CONSTRAINT positive CHECK (v > 0)`);
  await assert.rejects(lh.sql('ALTER TABLE plain RENAME COLUMN v TO w'), (e: Error & { code?: string }) => e.code === 'DELTA_UNSUPPORTED_RENAME_COLUMN' && /plain/.test(e.message) && /columnMapping/.test(e.message));
  await assert.rejects(lh.sql('ALTER TABLE plain DROP COLUMN v'), codeOf('DELTA_UNSUPPORTED_DROP_COLUMN'));
  await assert.rejects(lh.sql('ALTER TABLE m RENAME COLUMN v TO w'), (e: Error & { code?: string }) => e.code === 'DELTA_CONSTRAINT_DEPENDENT_COLUMN_CHANGE' && /positive/.test(e.message));
  await assert.rejects(lh.sql('ALTER TABLE m DROP COLUMN day'), codeOf('DELTA_UNSUPPORTED_DROP_PARTITION_COLUMN'));
  await assert.rejects(lh.sql('ALTER TABLE m RENAME COLUMN id TO V'), codeOf('DELTA_SCHEMA_MISMATCH'));
  await assert.rejects(lh.sql('ALTER TABLE m DROP COLUMN nope'), (e: Error & { code?: string }) => e.code === 'DELTA_COLUMN_NOT_FOUND' && /nope/.test(e.message));
  await lh.sql('ALTER TABLE m DROP COLUMNS IF EXISTS (nope)');
  await assert.rejects(lh.sql('ALTER TABLE m RENAME COLUMN id.x TO y'), codeOf('LOCH_UNSUPPORTED_STATEMENT'));
});

test('ALTER COLUMN ... TYPE widens under typeWidening: older files read in the new type, typeChanges recorded as Delta does', async () => {
  const { lh, dir } = await lake();
  await lh.sql(`CREATE TABLE w (id SMALLINT, price DECIMAL(10, 2), ratio FLOAT, day DATE) USING DELTA;
    INSERT INTO w VALUES (1, 12.34, 0.5, DATE '2024-01-01')`);
  await assert.rejects(lh.sql('ALTER TABLE w ALTER COLUMN id TYPE INT'), (e: Error & { code?: string }) => e.code === 'DELTA_UNSUPPORTED_ALTER_TABLE_CHANGE_COL_OP' && /delta\.enableTypeWidening/.test(e.message));
  await lh.sql(`ALTER TABLE w SET TBLPROPERTIES ('delta.enableTypeWidening' = 'true');
    ALTER TABLE w ALTER COLUMN id TYPE INT;
    ALTER TABLE w CHANGE COLUMN id TYPE BIGINT;
    ALTER TABLE w ALTER COLUMN price TYPE DECIMAL(12, 4);
    ALTER TABLE w ALTER COLUMN ratio TYPE DOUBLE;
    ALTER TABLE w ALTER COLUMN day TYPE TIMESTAMP_NTZ;
    INSERT INTO w VALUES (3000000000, 99999999.1234, 0.25, TIMESTAMP_NTZ '2024-02-03 04:05:06')`);
  const { protocol, metaData } = await lastActions(join(dir, 'lake', 'w'));
  assert.equal(protocol.minReaderVersion, 3);
  assert.ok((protocol.readerFeatures as string[]).includes('typeWidening') && (protocol.writerFeatures as string[]).includes('typeWidening'));
  const fields = JSON.parse(metaData.schemaString).fields;
  assert.deepEqual(fields.map((f: any) => f.type), ['long', 'decimal(12,4)', 'double', 'timestamp_ntz']);
  assert.deepEqual(fields[0].metadata['delta.typeChanges'], [{ fromType: 'short', toType: 'integer' }, { fromType: 'integer', toType: 'long' }]);
  assert.deepEqual(await rows(lh, 'SELECT id, price, ratio, day FROM w ORDER BY id'), [
    { id: 1, price: '12.3400', ratio: 0.5, day: '2024-01-01T00:00:00.000000' },
    { id: 3000000000, price: '99999999.1234', ratio: 0.25, day: '2024-02-03T04:05:06.000000' },
  ]);
  assert.deepEqual(await rows(lh, 'SELECT id FROM w WHERE id > 2 AND price > 100'), [{ id: 3000000000 }]);
  await assert.rejects(lh.sql('ALTER TABLE w ALTER COLUMN id TYPE INT'), (e: Error & { code?: string }) => e.code === 'DELTA_UNSUPPORTED_ALTER_TABLE_CHANGE_COL_OP' && /from long to integer/.test(e.message));
  await assert.rejects(lh.sql('ALTER TABLE w ALTER COLUMN price TYPE DECIMAL(12, 5)'), codeOf('DELTA_UNSUPPORTED_ALTER_TABLE_CHANGE_COL_OP'));
});
