/**
 * Checks the `stats` of add actions against the Parquet files they describe, with DuckDB as the
 * source of truth: numRecords is the file's row count, nullCount is exact, and minValues /
 * maxValues bound every value of the column (tightly, as Delta writes them: exact for numbers,
 * dates and short strings; timestamps to the millisecond, min rounded down and max up; strings
 * over 32 characters as a 32-character prefix, the max with a U+FFFF tie breaker).
 */
import assert from 'node:assert/strict';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { AddFile, DataType, Snapshot, StructField } from '@loch/delta';
import { sqlIdent, sqlString, withConnection } from '@loch/engine-node';
import { dataFilePath } from './fs-table.js';

const PREFIX = 32;

interface Leaf {
  readonly path: string[];
  readonly type: DataType;
}

function leaves(fields: readonly StructField[], prefix: string[] = []): Leaf[] {
  const out: Leaf[] = [];
  for (const f of fields) {
    if (f.type.kind === 'struct') out.push(...leaves(f.type.fields, [...prefix, f.name]));
    else out.push({ path: [...prefix, f.name], type: f.type });
  }
  return out;
}

function lookup(obj: unknown, path: readonly string[]): unknown {
  let cur = obj;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur;
}

/** Compares strings by their UTF-8 bytes, as Parquet and Delta order them. */
function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function tsMillis(stat: unknown, where: string): number {
  assert.equal(typeof stat, 'string', `${where}: timestamp stat is not a string`);
  const text = stat as string;
  assert.match(text, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z?$/, `${where}: timestamp stat '${text}' is not millisecond ISO`);
  return Date.parse(text.endsWith('Z') ? text : `${text}Z`);
}

interface Truth {
  nulls: bigint;
  min: string | null;
  max: string | null;
  nans: bigint;
}

async function truthOf(c: DuckDBConnection, file: string, leaf: Leaf): Promise<Truth> {
  const col = leaf.path.map(sqlIdent).join('.');
  const t = leaf.type;
  let expr: string;
  let nanExpr = '0';
  if (t.kind === 'primitive' && (t.name === 'timestamp' || t.name === 'timestamp_ntz')) expr = `epoch_us(${col})`;
  else if (t.kind === 'primitive' && (t.name === 'float' || t.name === 'double')) {
    expr = `CASE WHEN isnan(${col}) THEN NULL ELSE ${col}::DOUBLE END`;
    nanExpr = `count(*) FILTER (WHERE isnan(${col}))`;
  } else if (t.kind === 'primitive' && t.name === 'date') expr = `strftime(${col}, '%Y-%m-%d')`;
  else expr = col;
  const sql = `SELECT (count(*) - count(${col}))::BIGINT, min(${expr})::VARCHAR, max(${expr})::VARCHAR, (${nanExpr})::BIGINT FROM read_parquet(${sqlString(file)})`;
  const [row] = (await c.runAndReadAll(sql)).getRows();
  return { nulls: BigInt(row[0] as bigint), min: row[1] as string | null, max: row[2] as string | null, nans: BigInt(row[3] as bigint) };
}

function checkBound(leaf: Leaf, truth: Truth, min: unknown, max: unknown, where: string): void {
  const t = leaf.type;
  if (min === undefined && max === undefined) return;
  if (truth.min === null) {
    assert.fail(`${where}: stats give min/max (${JSON.stringify(min)}, ${JSON.stringify(max)}) for an all-null column`);
  }
  const tmin = truth.min;
  const tmax = truth.max as string;
  if (t.kind === 'decimal') {
    if (min !== undefined) assert.equal(Number(min), Number(tmin), `${where}: decimal min`);
    if (max !== undefined) assert.equal(Number(max), Number(tmax), `${where}: decimal max`);
    return;
  }
  assert.equal(t.kind, 'primitive', `${where}: stats for a nested non-struct column`);
  if (t.kind !== 'primitive') return;
  switch (t.name) {
    case 'byte':
    case 'short':
    case 'integer':
    case 'long':
      if (min !== undefined) assert.equal(BigInt(min as number), BigInt(tmin), `${where}: min`);
      if (max !== undefined) assert.equal(BigInt(max as number), BigInt(tmax), `${where}: max`);
      return;
    case 'float':
    case 'double':
    {
      assert.equal(truth.nans, 0n, `${where}: min/max given for a column with NaN`);
      // Float stats are read back as floats: compare in the column's own precision.
      const v = (x: unknown) => (t.name === 'float' ? Math.fround(Number(x)) : Number(x));
      if (min !== undefined) assert.equal(v(min), v(tmin), `${where}: min ${String(min)} vs true min ${tmin}`);
      if (max !== undefined) assert.equal(v(max), v(tmax), `${where}: max ${String(max)} vs true max ${tmax}`);
      return;
    }
    case 'date':
      if (min !== undefined) assert.equal(min, tmin, `${where}: date min`);
      if (max !== undefined) assert.equal(max, tmax, `${where}: date max`);
      return;
    case 'timestamp':
    case 'timestamp_ntz': {
      const minUs = BigInt(tmin);
      const maxUs = BigInt(tmax);
      if (min !== undefined) {
        const ms = BigInt(tsMillis(min, `${where} min`));
        assert.ok(ms * 1000n <= minUs && minUs < ms * 1000n + 1000n, `${where}: min ${String(min)} is not the true min ${minUs}µs rounded down to ms`);
        assert.equal((min as string).endsWith('Z'), t.name === 'timestamp', `${where}: ${t.name} stat ${String(min)}`);
      }
      if (max !== undefined) {
        const ms = BigInt(tsMillis(max, `${where} max`));
        assert.ok(ms * 1000n >= maxUs && maxUs > ms * 1000n - 1000n, `${where}: max ${String(max)} is not the true max ${maxUs}µs rounded up to ms`);
      }
      return;
    }
    case 'string': {
      if (min !== undefined) {
        assert.equal(typeof min, 'string');
        const chars = Array.from(tmin);
        const want = chars.length <= PREFIX ? tmin : chars.slice(0, PREFIX).join('');
        assert.equal(min, want, `${where}: string min`);
        assert.ok(compareUtf8(min as string, tmin) <= 0, `${where}: min does not bound`);
      }
      if (max !== undefined) {
        assert.equal(typeof max, 'string');
        const chars = Array.from(tmax);
        const want = chars.length <= PREFIX ? tmax : `${chars.slice(0, PREFIX).join('')}\uffff`;
        assert.equal(max, want, `${where}: string max`);
        assert.ok(compareUtf8(max as string, tmax) >= 0, `${where}: max does not bound`);
      }
      return;
    }
    default:
      assert.fail(`${where}: min/max given for a ${t.name} column, which Delta does not index`);
  }
}

export interface StatsReport {
  readonly files: number;
  readonly columnsChecked: number;
}

/**
 * Validates every add of `snapshot` (or `adds`). Indexed columns are the first 32 non-partition
 * leaves unless `indexed` names them; each must have an exact nullCount.
 */
export async function validateStats(snapshot: Snapshot, adds: readonly AddFile[] = snapshot.files, options: { indexed?: readonly string[] } = {}): Promise<StatsReport> {
  const partitions = new Set(snapshot.partitionColumns.map((p) => p.toLowerCase()));
  const dataFields = snapshot.schema.fields.filter((f) => !partitions.has(f.name.toLowerCase()));
  const all = leaves(dataFields);
  const indexed = options.indexed ? all.filter((l) => options.indexed!.includes(l.path.join('.'))) : all.slice(0, 32);
  let columnsChecked = 0;
  await withConnection(async (c) => {
    for (const add of adds) {
      const file = dataFilePath(snapshot.tableRoot, add.path);
      assert.ok(typeof add.stats === 'string', `${add.path} has no stats`);
      const stats = JSON.parse(add.stats) as { numRecords: number; minValues?: object; maxValues?: object; nullCount?: object };
      const [[count]] = (await c.runAndReadAll(`SELECT count(*)::BIGINT FROM read_parquet(${sqlString(file)})`)).getRows();
      assert.equal(BigInt(stats.numRecords), BigInt(count as bigint), `${add.path}: numRecords`);
      for (const p of partitions) {
        assert.equal(lookup(stats.minValues, [p]), undefined, `${add.path}: stats for partition column ${p}`);
      }
      for (const leaf of all) {
        const where = `${add.path} column ${leaf.path.join('.')}`;
        const min = lookup(stats.minValues, leaf.path);
        const max = lookup(stats.maxValues, leaf.path);
        const nulls = lookup(stats.nullCount, leaf.path);
        const isIndexed = indexed.includes(leaf);
        if (!isIndexed) {
          assert.equal(min, undefined, `${where}: not indexed but has a min`);
          assert.equal(max, undefined, `${where}: not indexed but has a max`);
          assert.equal(nulls, undefined, `${where}: not indexed but has a nullCount`);
          continue;
        }
        const truth = await truthOf(c, file, leaf);
        const nested = leaf.type.kind === 'array' || leaf.type.kind === 'map';
        if (!nested) {
          assert.notEqual(nulls, undefined, `${where}: indexed column without nullCount`);
        }
        if (nulls !== undefined) assert.equal(BigInt(nulls as number), truth.nulls, `${where}: nullCount`);
        if (nested) {
          assert.equal(min, undefined, `${where}: min for a nested column`);
          continue;
        }
        checkBound(leaf, truth, min, max, where);
        columnsChecked++;
      }
    }
  });
  return { files: adds.length, columnsChecked };
}
