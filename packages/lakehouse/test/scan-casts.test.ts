/**
 * The SQL that reads a snapshot's files casts a column only where DuckDB would not read it as
 * its Delta type by itself: an identity cast keeps DuckDB from pushing a join's filter into the
 * Parquet scan.
 */
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { planScan } from '@loch/delta';
import { withConnection } from '@loch/engine-node';
import { DeltaTable } from '@loch/lakehouse';
import { scanSql } from '../src/scan/query.js';

test('plain columns are read as stored; others are cast to their Delta type, and the rows are the same', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'loch-scan-casts-'));
  const t = DeltaTable.forPath(join(dir, 't'));
  await t.write(`SELECT 1::BIGINT AS l, 2::INTEGER AS i, 3::SMALLINT AS s, 'x' AS str, DATE '2024-01-02' AS d, 1.5::DOUBLE AS dbl, true AS b,
    TIMESTAMP '2024-01-02 03:04:05' AS ts, 12.34::DECIMAL(10, 2) AS dec`);
  const snapshot = await t.snapshot();
  const sql = await withConnection((c) => scanSql(c, t.engine, planScan(snapshot)));
  for (const col of ['l', 'i', 's', 'str', 'd', 'dbl', 'b']) assert.match(sql!, new RegExp(`(^|[ ,])"${col}" AS "${col}"`), `${col} is read as stored`);
  assert.match(sql!, /CAST\("ts" AS TIMESTAMP/, 'timestamps are cast');
  assert.match(sql!, /CAST\("dec" AS DECIMAL\(10,\s*2\)\)/, 'decimals are cast');
  const [row] = (await t.scan()).rows;
  assert.deepEqual({ ...row, ts: undefined }, { l: 1, i: 2, s: 3, str: 'x', d: '2024-01-02', dbl: 1.5, b: true, ts: undefined, dec: '12.34' });
});
