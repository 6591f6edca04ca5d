import assert from 'node:assert/strict';
import { cp, mkdtemp, readdir, readFile, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { DeltaError } from '@loch/delta';
import { Lakehouse } from '@loch/lakehouse';

/**
 * delta-rs's Change Data Feed tables (written by Spark; see test/fixtures/delta-rs-cdf/README.md)
 * read as Spark reads them: the expected rows are those of delta-rs's load_cdf tests.
 */
const FIXTURES = fileURLToPath(new URL('../../test/fixtures/delta-rs-cdf/', import.meta.url));

/**
 * A copy of a fixture whose commit files carry the times Spark wrote them at (a git checkout gives
 * them the time of the checkout; the commits' own timestamps say when they were made).
 */
async function fixture(name: string): Promise<{ path: string; done: () => Promise<void> }> {
  const base = await mkdtemp(join(tmpdir(), 'loch-cdf-fixture-'));
  const path = join(base, name);
  await cp(join(FIXTURES, name), path, { recursive: true });
  const log = join(path, '_delta_log');
  for (const f of await readdir(log)) {
    if (!/^\d{20}\.json$/.test(f)) continue;
    const first = JSON.parse((await readFile(join(log, f), 'utf8')).split('\n')[0]) as { commitInfo?: { timestamp?: number } };
    const ts = first.commitInfo?.timestamp;
    // Seconds as a double lose the last millisecond to rounding: aim inside it.
    if (ts !== undefined) await utimes(join(log, f), (ts + 0.4) / 1000, (ts + 0.4) / 1000);
  }
  return { path, done: () => rm(base, { recursive: true, force: true }) };
}

const iso = (v: unknown) => new Date(String(v)).toISOString().replace('Z', '').replace(/\.(\d{3})$/, '.$1');

/** Rows as delta-rs's tables print them, one string each, sorted. */
async function changes(lake: Lakehouse, sql: string, columns: readonly string[]): Promise<string[]> {
  const [r] = await lake.sql(sql);
  return r.rows!.map((row) => columns.map((c) => (c === '_commit_timestamp' ? iso(row[c]) : String(row[c]))).join(' | ')).sort();
}

const COLS = ['id', 'name', 'birthday', '_change_type', '_commit_version', '_commit_timestamp'];

test('cdf-table (partitioned by birthday): all changes from version 0 are the rows Spark gives', async () => {
  const { path, done } = await fixture('cdf-table');
  try {
    const lake = Lakehouse.open(join(path, '..'));
    const rows = await changes(lake, `SELECT * FROM table_changes('${path}', 0)`, COLS);
    assert.deepEqual(rows, [
      '1 | Steve | 2023-12-22 | insert | 0 | 2023-12-22T17:10:18.828',
      '10 | Borb | 2023-12-25 | insert | 0 | 2023-12-22T17:10:18.828',
      '2 | Bob | 2023-12-22 | update_postimage | 1 | 2023-12-22T17:10:21.675',
      '2 | Bob | 2023-12-23 | insert | 0 | 2023-12-22T17:10:18.828',
      '2 | Bob | 2023-12-23 | update_preimage | 1 | 2023-12-22T17:10:21.675',
      '3 | Dave | 2023-12-22 | update_postimage | 1 | 2023-12-22T17:10:21.675',
      '3 | Dave | 2023-12-23 | insert | 0 | 2023-12-22T17:10:18.828',
      '3 | Dave | 2023-12-23 | update_preimage | 1 | 2023-12-22T17:10:21.675',
      '4 | Kate | 2023-12-22 | update_postimage | 1 | 2023-12-22T17:10:21.675',
      '4 | Kate | 2023-12-23 | insert | 0 | 2023-12-22T17:10:18.828',
      '4 | Kate | 2023-12-23 | update_preimage | 1 | 2023-12-22T17:10:21.675',
      '5 | Emily | 2023-12-24 | insert | 0 | 2023-12-22T17:10:18.828',
      '5 | Emily | 2023-12-24 | update_preimage | 2 | 2023-12-29T21:41:33.785',
      '5 | Emily | 2023-12-29 | update_postimage | 2 | 2023-12-29T21:41:33.785',
      '6 | Carl | 2023-12-24 | insert | 0 | 2023-12-22T17:10:18.828',
      '6 | Carl | 2023-12-24 | update_preimage | 2 | 2023-12-29T21:41:33.785',
      '6 | Carl | 2023-12-29 | update_postimage | 2 | 2023-12-29T21:41:33.785',
      '7 | Dennis | 2023-12-24 | insert | 0 | 2023-12-22T17:10:18.828',
      '7 | Dennis | 2023-12-24 | update_preimage | 2 | 2023-12-29T21:41:33.785',
      '7 | Dennis | 2023-12-29 | delete | 3 | 2024-01-06T16:44:59.570',
      '7 | Dennis | 2023-12-29 | update_postimage | 2 | 2023-12-29T21:41:33.785',
      '8 | Claire | 2023-12-25 | insert | 0 | 2023-12-22T17:10:18.828',
      '9 | Ada | 2023-12-25 | insert | 0 | 2023-12-22T17:10:18.828',
    ].sort());
    // Up to a time: the commits made at or before it (delta-rs's test_load_local_datetime).
    const upTo = await changes(lake, `SELECT * FROM table_changes('${path}', 0, '2023-12-22T17:10:21.675Z')`, COLS);
    assert.equal(upTo.length, 16);
    assert.ok(upTo.every((r) => / \| [01] \| /.test(r)));
    // A partition filter keeps the rows of that partition only.
    const p = await changes(lake, `SELECT * FROM table_changes('${path}', 0) WHERE birthday = DATE '2023-12-25'`, ['id', '_change_type']);
    assert.deepEqual(p, ['10 | insert', '8 | insert', '9 | insert']);
  } finally {
    await done();
  }
});

test('cdf-table-non-partitioned: changes of every type, and Delta errors for bad ranges', async () => {
  const { path, done } = await fixture('cdf-table-non-partitioned');
  try {
    const lake = Lakehouse.open(join(path, '..'));
    const cols = ['id', 'name', 'birthday', 'long_field', 'boolean_field', 'double_field', 'smallint_field', '_change_type', '_commit_version', '_commit_timestamp'];
    const rows = await changes(lake, `SELECT * FROM table_changes('${path}', 0)`, cols);
    assert.deepEqual(rows, [
      '7 | Dennis | 2024-04-14 | 6 | true | 3.14 | 1 | delete | 3 | 2024-04-14T15:58:32.495',
      '3 | Dave | 2024-04-15 | 2 | true | 3.14 | 1 | update_preimage | 1 | 2024-04-14T15:58:29.393',
      '3 | Dave | 2024-04-14 | 2 | true | 3.14 | 1 | update_postimage | 1 | 2024-04-14T15:58:29.393',
      '4 | Kate | 2024-04-15 | 3 | true | 3.14 | 1 | update_preimage | 1 | 2024-04-14T15:58:29.393',
      '4 | Kate | 2024-04-14 | 3 | true | 3.14 | 1 | update_postimage | 1 | 2024-04-14T15:58:29.393',
      '2 | Bob | 2024-04-15 | 1 | true | 3.14 | 1 | update_preimage | 1 | 2024-04-14T15:58:29.393',
      '2 | Bob | 2024-04-14 | 1 | true | 3.14 | 1 | update_postimage | 1 | 2024-04-14T15:58:29.393',
      '7 | Dennis | 2024-04-16 | 6 | true | 3.14 | 1 | update_preimage | 2 | 2024-04-14T15:58:31.257',
      '7 | Dennis | 2024-04-14 | 6 | true | 3.14 | 1 | update_postimage | 2 | 2024-04-14T15:58:31.257',
      '5 | Emily | 2024-04-16 | 4 | true | 3.14 | 1 | update_preimage | 2 | 2024-04-14T15:58:31.257',
      '5 | Emily | 2024-04-14 | 4 | true | 3.14 | 1 | update_postimage | 2 | 2024-04-14T15:58:31.257',
      '6 | Carl | 2024-04-16 | 5 | true | 3.14 | 1 | update_preimage | 2 | 2024-04-14T15:58:31.257',
      '6 | Carl | 2024-04-14 | 5 | true | 3.14 | 1 | update_postimage | 2 | 2024-04-14T15:58:31.257',
      '1 | Alex | 2024-04-14 | 1 | true | 3.14 | 1 | insert | 4 | 2024-04-14T15:58:33.444',
      '2 | Alan | 2024-04-15 | 1 | true | 3.14 | 1 | insert | 4 | 2024-04-14T15:58:33.444',
      '1 | Steve | 2024-04-14 | 1 | true | 3.14 | 1 | insert | 0 | 2024-04-14T15:58:26.249',
      '2 | Bob | 2024-04-15 | 1 | true | 3.14 | 1 | insert | 0 | 2024-04-14T15:58:26.249',
      '3 | Dave | 2024-04-15 | 2 | true | 3.14 | 1 | insert | 0 | 2024-04-14T15:58:26.249',
      '4 | Kate | 2024-04-15 | 3 | true | 3.14 | 1 | insert | 0 | 2024-04-14T15:58:26.249',
      '5 | Emily | 2024-04-16 | 4 | true | 3.14 | 1 | insert | 0 | 2024-04-14T15:58:26.249',
      '6 | Carl | 2024-04-16 | 5 | true | 3.14 | 1 | insert | 0 | 2024-04-14T15:58:26.249',
      '7 | Dennis | 2024-04-16 | 6 | true | 3.14 | 1 | insert | 0 | 2024-04-14T15:58:26.249',
      '8 | Claire | 2024-04-17 | 7 | true | 3.14 | 1 | insert | 0 | 2024-04-14T15:58:26.249',
      '9 | Ada | 2024-04-17 | 8 | true | 3.14 | 1 | insert | 0 | 2024-04-14T15:58:26.249',
      '10 | Borb | 2024-04-17 | 99999999999999999 | true | 3.14 | 1 | insert | 0 | 2024-04-14T15:58:26.249',
    ].sort());
    const code = (c: string) => (e: DeltaError) => e.code === c;
    await assert.rejects(lake.sql(`SELECT * FROM table_changes('${path}', 4, 1)`), code('DELTA_INVALID_CDC_RANGE'));
    await assert.rejects(lake.sql(`SELECT * FROM table_changes('${path}', 5)`), code('DELTA_INVALID_CDC_RANGE'));
    await assert.rejects(lake.sql(`SELECT * FROM table_changes('${path}', '2033-12-22T17:10:21.675Z')`), code('DELTA_TIMESTAMP_OUT_OF_RANGE'));
  } finally {
    await done();
  }
});

test('checkpoint-cdf-table: changes from a time, where older commits were cleaned up', async () => {
  const { path, done } = await fixture('checkpoint-cdf-table');
  try {
    const lake = Lakehouse.open(join(path, '..'));
    const rows = await changes(lake, `SELECT * FROM table_changes('${path}', '2024-01-06T15:44:59.570Z')`, COLS);
    assert.deepEqual(rows, [
      '11 | Ossama | 2024-12-30 | insert | 4 | 2025-01-06T16:33:18.167',
      '11 | Ossama | 2024-12-30 | update_preimage | 5 | 2025-01-06T16:38:19.623',
      '12 | Nick | 2023-12-29 | insert | 4 | 2025-01-06T16:33:18.167',
      '12 | Nick | 2023-12-29 | update_preimage | 5 | 2025-01-06T16:38:19.623',
      '12 | Ossama | 2024-12-30 | update_postimage | 5 | 2025-01-06T16:38:19.623',
      '13 | Nick | 2023-12-29 | update_postimage | 5 | 2025-01-06T16:38:19.623',
      '13 | Ryan | 2023-12-22 | insert | 4 | 2025-01-06T16:33:18.167',
      '13 | Ryan | 2023-12-22 | update_preimage | 5 | 2025-01-06T16:38:19.623',
      '14 | Ryan | 2023-12-22 | update_postimage | 5 | 2025-01-06T16:38:19.623',
      '14 | Zach | 2023-12-25 | insert | 4 | 2025-01-06T16:33:18.167',
      '14 | Zach | 2023-12-25 | update_preimage | 5 | 2025-01-06T16:38:19.623',
      '15 | Zach | 2023-12-25 | update_postimage | 5 | 2025-01-06T16:38:19.623',
      '7 | Dennis | 2023-12-29 | delete | 3 | 2024-01-06T16:44:59.570',
    ].sort());
    // Version 2's commit is gone: its change data cannot be read.
    await assert.rejects(lake.sql(`SELECT * FROM table_changes('${path}', 2)`), (e: DeltaError) => e.code === 'DELTA_MISSING_CHANGE_DATA' && /version 2/.test(e.message));
  } finally {
    await done();
  }
});

test('simple_table_with_cdc (Databricks): an UPDATE as pre- and post-image, the append before it as an insert', async () => {
  const { path, done } = await fixture('simple_table_with_cdc');
  try {
    const lake = Lakehouse.open(join(path, '..'));
    const rows = await changes(lake, `SELECT * FROM table_changes('${path}', 0)`, ['id', 'name', '_change_type', '_commit_version']);
    assert.deepEqual(rows, ['0 | Mario | insert | 1', '0 | Mario | update_preimage | 2', '0 | Mino | update_postimage | 2']);
    // The table itself reads as delta-rs reads it.
    const [t] = await lake.sql(`SELECT * FROM delta.\`${path}\``);
    assert.deepEqual(t.rows, [{ id: 0, name: 'Mino' }]);
  } finally {
    await done();
  }
});
