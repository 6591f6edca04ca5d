/// <reference types="node" />
/**
 * Data skipping and partition pruning: stats parsing (exact numbers, truncated strings,
 * timestamps with offsets, tightBounds), planScan's filter and counts, and a randomized soundness
 * check: a file holding a row for which the predicate is TRUE is never pruned.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  and, between, col, dateLit, decimalLit, eq, ge, gt, inList, isNotNull, isNull, le, like, lit, lt, ne, not, or, timestampLit,
  type Literal, type Operand, type Predicate,
} from '../src/expressions/ast.js';
import { FALSE, NULL, TRUE, evaluate, mayBeTrue } from '../src/expressions/evaluate.js';
import { JsonNumber, parseExactJson } from '../src/skipping/exact-json.js';
import { evaluateOnPartitionValues, filePruner, type PruningTable } from '../src/skipping/prune.js';
import { parseFileStats, statsRange } from '../src/skipping/stats.js';
import { planScan } from '../src/scan/plan.js';
import { loadSnapshot } from '../src/snapshot/builder.js';
import { parseSchema } from '../src/schema/json.js';
import type { DataType, PrimitiveTypeName, StructType } from '../src/schema/types.js';
import { add, commitInfo, memTable, metaData, protocol, writeCommit, type FieldSpec } from './support/mem-table.js';

const prim = (name: PrimitiveTypeName): DataType => ({ kind: 'primitive', name });
const x = col('x');

/** Whether a file with these stats (for column x of type t) may hold a row matching p. */
function statsCan(stats: string | null | undefined, t: DataType, p: Predicate, physical = ['x']): boolean {
  const s = parseFileStats(stats);
  return mayBeTrue(evaluate(p, (path) => (path[0] === 'x' ? statsRange(s, physical, t) : undefined)));
}
const st = (o: object) => JSON.stringify(o);

test('exact JSON: long and decimal numbers keep every digit; NaN and Infinity are tolerated', () => {
  const j = parseExactJson('{"a":9223372036854775807,"b":1.2345678901234567890,"c":"x\\"y","d":[1,NaN,-Infinity],"e":{"__proto__":1}}') as Record<string, unknown>;
  assert.ok(j.a instanceof JsonNumber && j.a.text === '9223372036854775807');
  assert.ok(j.b instanceof JsonNumber && j.b.text === '1.2345678901234567890');
  assert.equal(j.c, 'x"y');
  assert.ok(Number.isNaN((j.d as unknown[])[1] as number));
  assert.equal(Object.keys(j.e as object)[0], '__proto__');
  assert.deepEqual(parseExactJson('{"a":1,"b":"short"}'), { a: 1, b: 'short' });
  assert.throws(() => parseExactJson('{"a":12345678901234567,}'));
});

test('stats: longs beyond 2^53 compare exactly', () => {
  const stats = '{"numRecords":2,"minValues":{"x":9223372036854775806},"maxValues":{"x":9223372036854775806},"nullCount":{"x":0}}';
  assert.ok(!statsCan(stats, prim('long'), eq(x, 9223372036854775807n)));
  assert.ok(statsCan(stats, prim('long'), eq(x, 9223372036854775806n)));
  assert.ok(!statsCan(stats, prim('long'), gt(x, 9223372036854775806n)));
});

test('stats: decimals written as JSON numbers compare exactly', () => {
  const t: DataType = { kind: 'decimal', precision: 38, scale: 18 };
  const stats = '{"numRecords":1,"minValues":{"x":12345678901234567890.123456789012345678},"maxValues":{"x":12345678901234567890.123456789012345679},"nullCount":{"x":0}}';
  assert.ok(statsCan(stats, t, eq(x, decimalLit('12345678901234567890.123456789012345679'))));
  assert.ok(!statsCan(stats, t, gt(x, decimalLit('12345678901234567890.123456789012345679'))));
  assert.ok(!statsCan(stats, t, lt(x, decimalLit('12345678901234567890.123456789012345678'))));
  assert.ok(statsCan('{"numRecords":1,"minValues":{"x":1.5},"maxValues":{"x":2.5}}', { kind: 'decimal', precision: 4, scale: 2 }, eq(x, decimalLit('2.50'))));
  assert.ok(!statsCan('{"numRecords":1,"minValues":{"x":1.5},"maxValues":{"x":2.5}}', { kind: 'decimal', precision: 4, scale: 2 }, eq(x, decimalLit('2.51'))));
});

test('stats: missing stats, missing columns and null bounds never prune', () => {
  const t = prim('integer');
  for (const stats of [undefined, null, '', 'not json', '{}', st({ numRecords: 5 }), st({ numRecords: 5, minValues: {}, maxValues: {} }), st({ numRecords: 5, minValues: { x: null }, maxValues: { x: null }, nullCount: { x: 0 } }), st({ numRecords: 5, minValues: { x: 'abc' }, maxValues: { x: true } })]) {
    assert.ok(statsCan(stats, t, eq(x, 100n)), String(stats));
    assert.ok(statsCan(stats, t, isNull(x)) || stats?.includes('"nullCount":{"x":0}'), String(stats));
  }
  // Only max known: a lower-bound filter can still skip.
  assert.ok(!statsCan(st({ numRecords: 5, maxValues: { x: 10 } }), t, gt(x, 10n)));
  assert.ok(statsCan(st({ numRecords: 5, maxValues: { x: 10 } }), t, lt(x, -100n)));
  // Other columns' stats do not stand in for this one.
  assert.ok(statsCan(st({ numRecords: 5, minValues: { y: 1 }, maxValues: { y: 1 } }), t, gt(x, 10n)));
});

test('stats: nullCount and numRecords; all-null columns; empty files', () => {
  const t = prim('integer');
  const allNull = st({ numRecords: 3, nullCount: { x: 3 } });
  assert.ok(!statsCan(allNull, t, eq(x, 1n)));
  assert.ok(!statsCan(allNull, t, not(eq(x, 1n))));
  assert.ok(!statsCan(allNull, t, isNotNull(x)));
  assert.ok(statsCan(allNull, t, isNull(x)));
  const noNulls = st({ numRecords: 3, minValues: { x: 1 }, maxValues: { x: 3 }, nullCount: { x: 0 } });
  assert.ok(!statsCan(noNulls, t, isNull(x)));
  assert.ok(statsCan(noNulls, t, isNotNull(x)));
  assert.ok(!statsCan(st({ numRecords: 0 }), t, isNull(x)));
  // Without nullCount, nulls are possible.
  assert.ok(statsCan(st({ numRecords: 3, minValues: { x: 1 }, maxValues: { x: 3 } }), t, isNull(x)));
});

test('stats: tightBounds false keeps min/max but not "every value is null"', () => {
  const t = prim('integer');
  const wide = st({ numRecords: 3, nullCount: { x: 3 }, tightBounds: false });
  // Rows were deleted: the remaining ones may be non-null? No: all 3 were null, deleting keeps them null,
  // but nullCount may over-count, so the kernel does not conclude "all null".
  assert.ok(statsCan(wide, t, isNotNull(x)));
  const bounded = st({ numRecords: 3, minValues: { x: 5 }, maxValues: { x: 9 }, nullCount: { x: 0 }, tightBounds: false });
  assert.ok(!statsCan(bounded, t, gt(x, 9n)));
  assert.ok(!statsCan(bounded, t, isNull(x)));
  assert.ok(statsCan(bounded, t, eq(x, 7n)));
});

test('stats: truncated string maxima bound only by their prefix', () => {
  const t = prim('string');
  const p32 = 'a'.repeat(32);
  const withTie = st({ numRecords: 2, minValues: { x: 'a' }, maxValues: { x: `${p32}\uffff` }, nullCount: { x: 0 } });
  const noTie = st({ numRecords: 2, minValues: { x: 'a' }, maxValues: { x: p32 }, nullCount: { x: 0 } });
  const short = st({ numRecords: 2, minValues: { x: 'a' }, maxValues: { x: 'abc' }, nullCount: { x: 0 } });
  for (const s of [withTie, noTie]) {
    assert.ok(statsCan(s, t, eq(x, `${p32}zzz`)), s);
    assert.ok(statsCan(s, t, eq(x, `${p32}😀`)), s); // above U+FFFF: the tie-breaker alone would not bound it
    assert.ok(statsCan(s, t, gt(x, `${p32}`)), s);
    assert.ok(statsCan(s, t, like(x, `${p32}x%`)), s);
    assert.ok(!statsCan(s, t, gt(x, 'b')), s);
    assert.ok(!statsCan(s, t, eq(x, 'ab')), s);
  }
  assert.ok(!statsCan(short, t, gt(x, 'abc')));
  assert.ok(!statsCan(short, t, eq(x, 'abcd')));
  assert.ok(statsCan(short, t, eq(x, 'abc')));
  // A truncated min is still a lower bound.
  const min = st({ numRecords: 2, minValues: { x: 'm'.repeat(32) }, maxValues: { x: 'z' }, nullCount: { x: 0 } });
  assert.ok(statsCan(min, t, eq(x, 'm'.repeat(40))));
  assert.ok(!statsCan(min, t, lt(x, 'm'.repeat(32))));
  assert.ok(!statsCan(min, t, like(x, 'l%')));
});

test('stats: timestamps with offsets and millisecond precision', () => {
  const t = prim('timestamp');
  const us = (iso: string) => BigInt(Date.parse(iso)) * 1000n;
  // 2000-01-01T00:00:00.000-08:00 is 08:00 UTC; the max may be up to 999µs above what is written.
  const stats = st({ numRecords: 1, minValues: { x: '2000-01-01T00:00:00.000-08:00' }, maxValues: { x: '2000-01-01T00:00:00.000-08:00' }, nullCount: { x: 0 } });
  assert.ok(statsCan(stats, t, eq(x, timestampLit(us('2000-01-01T08:00:00.000Z')))));
  assert.ok(statsCan(stats, t, eq(x, timestampLit(us('2000-01-01T08:00:00.000Z') + 999n))));
  assert.ok(!statsCan(stats, t, eq(x, timestampLit(us('2000-01-01T08:00:00.001Z')))));
  assert.ok(!statsCan(stats, t, eq(x, timestampLit(us('2000-01-01T00:00:00.000Z')))));
  assert.ok(!statsCan(stats, t, gt(x, timestampLit(us('2000-01-01T08:00:00.001Z')))));
  assert.ok(statsCan(stats, t, gt(x, timestampLit(us('2000-01-01T08:00:00.000Z') + 500n))));
  assert.ok(statsCan(stats, t, eq(x, '2000-01-01 00:00:00-08:00')));
  assert.ok(!statsCan(stats, t, lt(x, dateLit('2000-01-01'))));
  assert.ok(statsCan(stats, t, gt(x, dateLit('2000-01-01'))));
  const ntz = st({ numRecords: 1, minValues: { x: '2024-01-01T10:00:00.123' }, maxValues: { x: '2024-01-01T10:00:00.123' }, nullCount: { x: 0 } });
  assert.ok(statsCan(ntz, prim('timestamp_ntz'), eq(x, '2024-01-01 10:00:00.123456')));
  assert.ok(!statsCan(ntz, prim('timestamp_ntz'), eq(x, '2024-01-01 10:00:00.124')));
  const dates = st({ numRecords: 1, minValues: { x: '2024-01-01' }, maxValues: { x: '2024-01-31' }, nullCount: { x: 0 } });
  assert.ok(statsCan(dates, prim('date'), eq(x, dateLit('2024-01-15'))));
  assert.ok(!statsCan(dates, prim('date'), eq(x, dateLit('2024-02-01'))));
  assert.ok(!statsCan(dates, prim('date'), between(x, '2023-01-01', '2023-12-31')));
});

test('stats: doubles and floats', () => {
  const d = st({ numRecords: 2, minValues: { x: 1.5 }, maxValues: { x: 2.5 }, nullCount: { x: 0 } });
  assert.ok(!statsCan(d, prim('double'), lt(x, 1.5)));
  assert.ok(!statsCan(d, prim('double'), eq(x, 3)));
  assert.ok(statsCan(d, prim('double'), gt(x, 3))); // NaN rows may hide above max
  assert.ok(statsCan('{"numRecords":1,"minValues":{"x":"NaN"},"maxValues":{"x":"NaN"}}', prim('double'), lt(x, 0)));
  const f = st({ numRecords: 1, minValues: { x: 0.1 }, maxValues: { x: 0.1 }, nullCount: { x: 0 } });
  assert.ok(statsCan(f, prim('float'), eq(x, decimalLit('0.1'))));
  assert.ok(statsCan(f, prim('float'), gt(x, 0.1))); // 0.1f is above the double 0.1
  assert.ok(!statsCan(f, prim('float'), lt(x, 0.1)));
});

test('stats: nested struct columns by physical path', () => {
  const t = prim('integer');
  const stats = st({ numRecords: 2, minValues: { s: { y: 5 } }, maxValues: { s: { y: 6 } }, nullCount: { s: { y: 0 } } });
  assert.ok(!statsCan(stats, t, eq(x, 7n), ['s', 'y']));
  assert.ok(statsCan(stats, t, eq(x, 5n), ['s', 'y']));
  assert.ok(statsCan(stats, t, eq(x, 7n), ['s']));
});

// ---- the pruner over a table ----

const TABLE_FIELDS: FieldSpec[] = [
  { name: 'id', type: 'long' },
  { name: 'Country', type: 'string' },
  { name: 'day', type: 'date' },
];

async function table(files: { path: string; country: string | null; day: string | null; stats?: object }[]) {
  const t = memTable();
  await writeCommit(t, 0, [
    commitInfo('WRITE'),
    protocol(),
    metaData({ fields: TABLE_FIELDS, partitionColumns: ['Country', 'day'] }),
    ...files.map((f) => add(f.path, { partitionValues: { Country: f.country, day: f.day }, ...(f.stats ? { stats: JSON.stringify(f.stats) } : {}) })),
  ]);
  return loadSnapshot(t.engine, t.root);
}

test('planScan: partition pruning first, then stats, with counts', async () => {
  const s = await table([
    { path: 'a', country: 'NL', day: '2024-01-01', stats: { numRecords: 10, minValues: { id: 0 }, maxValues: { id: 9 }, nullCount: { id: 0 } } },
    { path: 'b', country: 'NL', day: '2024-01-02', stats: { numRecords: 10, minValues: { id: 10 }, maxValues: { id: 19 }, nullCount: { id: 0 } } },
    { path: 'c', country: 'BE', day: '2024-01-01', stats: { numRecords: 10, minValues: { id: 20 }, maxValues: { id: 29 }, nullCount: { id: 0 } } },
    { path: 'd', country: null, day: null },
  ]);
  const all = planScan(s);
  assert.deepEqual([all.filesTotal, all.filesPrunedByPartition, all.filesPrunedByStats, all.files.length], [4, 0, 0, 4]);

  const byCountry = planScan(s, { filter: eq(col('country'), 'NL') });
  assert.deepEqual(byCountry.files.map((f) => f.add.path), ['a', 'b']);
  assert.deepEqual([byCountry.filesTotal, byCountry.filesPrunedByPartition, byCountry.filesPrunedByStats], [4, 2, 0]);

  const both = planScan(s, { filter: and(eq(col('COUNTRY'), 'NL'), gt(col('id'), 12n)) });
  assert.deepEqual(both.files.map((f) => f.add.path), ['b']);
  assert.deepEqual([both.filesPrunedByPartition, both.filesPrunedByStats], [2, 1]);

  // d has no stats: an id filter keeps it; a null partition never equals anything.
  const byId = planScan(s, { filter: lt(col('id'), 5n) });
  assert.deepEqual(byId.files.map((f) => f.add.path), ['a', 'd']);
  assert.deepEqual([byId.filesPrunedByPartition, byId.filesPrunedByStats], [0, 2]);

  const nulls = planScan(s, { filter: isNull(col('country')) });
  assert.deepEqual(nulls.files.map((f) => f.add.path), ['d']);

  const dates = planScan(s, { filter: and(ge(col('day'), dateLit('2024-01-02')), not(eq(col('country'), 'BE'))) });
  assert.deepEqual(dates.files.map((f) => f.add.path), ['b']);

  const either = planScan(s, { filter: or(eq(col('country'), 'BE'), lt(col('id'), 3n)) });
  assert.deepEqual(either.files.map((f) => f.add.path), ['a', 'c', 'd']);
  assert.deepEqual([either.filesPrunedByPartition, either.filesPrunedByStats], [0, 1]);

  // Unknown column / unknown node: nothing pruned.
  assert.equal(planScan(s, { filter: eq(col('nope'), 1n) }).files.length, 4);
  // Columns option and filter together.
  const proj = planScan(s, { columns: ['id'], filter: eq(col('country'), 'BE') });
  assert.deepEqual([proj.columns.map((c) => c.field.name), proj.files.map((f) => f.add.path)], [['id'], ['c']]);
  assert.ok(proj.filter);
});

test('planScan: ranges read from a snapshot\'s stats are kept with its list and give the same files every time', async () => {
  const s = await table([
    { path: 'a', country: 'NL', day: '2024-01-01', stats: { numRecords: 10, minValues: { id: 0 }, maxValues: { id: 9 }, nullCount: { id: 0 } } },
    { path: 'b', country: 'NL', day: '2024-01-02', stats: { numRecords: 10, minValues: { id: 10 }, maxValues: { id: 19 }, nullCount: { id: 0 } } },
    { path: 'e', country: 'NL', day: '2024-01-02', stats: { numRecords: 0 } },
    { path: 'd', country: 'NL', day: null },
  ]);
  const paths = (p: Predicate) => planScan(s, { filter: p }).files.map((f) => f.add.path);
  // Stats are read from the list only while some range is not kept yet (a list may decode them on each read).
  const list = s.fileList as { stats(i: number): string | null | undefined };
  const read = list.stats.bind(list);
  let statsRead = 0;
  list.stats = (i) => (statsRead++, read(i));
  for (let round = 0; round < 2; round++) {
    assert.deepEqual(paths(lt(col('id'), 5n)), ['a', 'd'], `round ${round}`);
    assert.deepEqual(paths(gt(col('id'), 15n)), ['b', 'd'], `round ${round}`);
    // The same column under another predicate kind; the empty file is pruned by any data predicate.
    assert.deepEqual(paths(isNull(col('id'))), ['d'], `round ${round}`);
    assert.deepEqual(paths(and(eq(col('country'), 'NL'), ge(col('id'), 0n))), ['a', 'b', 'd'], `round ${round}`);
    if (round === 0) assert.ok(statsRead > 0);
    else assert.equal(statsRead, 0, 'no stats read once every range is kept');
    statsRead = 0;
  }
});

test('evaluateOnPartitionValues is three-valued', async () => {
  const s = await table([]);
  const tbl: PruningTable = s;
  const values = { Country: 'NL', day: '2024-01-01' };
  assert.equal(evaluateOnPartitionValues(tbl, eq(col('country'), 'NL'), values), true);
  assert.equal(evaluateOnPartitionValues(tbl, eq(col('country'), 'BE'), values), false);
  assert.equal(evaluateOnPartitionValues(tbl, eq(col('country'), lit(null)), values), null);
  assert.equal(evaluateOnPartitionValues(tbl, eq(col('id'), 1n), values), 'unknown');
  assert.equal(evaluateOnPartitionValues(tbl, and(eq(col('country'), 'BE'), eq(col('id'), 1n)), values), false);
  assert.equal(evaluateOnPartitionValues(tbl, or(eq(col('country'), 'NL'), eq(col('id'), 1n)), values), true);
  assert.equal(evaluateOnPartitionValues(tbl, eq(col('day'), '2024-01-01'), values), true);
  assert.equal(evaluateOnPartitionValues(tbl, eq(col('country'), 'NL'), { Country: null, day: null }), null);
});

test('column mapping: stats are keyed by physical names, filters by logical ones', async () => {
  const schema = {
    type: 'struct',
    fields: [
      { name: 'a', type: 'integer', nullable: true, metadata: { 'delta.columnMapping.id': 1, 'delta.columnMapping.physicalName': 'col-1' } },
      { name: 's', type: { type: 'struct', fields: [{ name: 'b', type: 'integer', nullable: true, metadata: { 'delta.columnMapping.id': 3, 'delta.columnMapping.physicalName': 'col-3' } }] }, nullable: true, metadata: { 'delta.columnMapping.id': 2, 'delta.columnMapping.physicalName': 'col-2' } },
    ],
  };
  const tbl: PruningTable = { schema: parseSchema(JSON.stringify(schema)) as StructType, partitionColumns: [], columnMapping: 'name' };
  const pruner = filePruner(tbl, and(gt(col('A'), 5n), eq(col('s', 'B'), 1n)));
  const file = (stats: object) => ({ path: 'f', partitionValues: {}, size: 1, modificationTime: 0, dataChange: true, stats: JSON.stringify(stats) });
  assert.ok(pruner.prunedByStats(file({ numRecords: 1, minValues: { 'col-1': 1, 'col-2': { 'col-3': 1 } }, maxValues: { 'col-1': 5, 'col-2': { 'col-3': 1 } } }), {}));
  assert.ok(!pruner.prunedByStats(file({ numRecords: 1, minValues: { 'col-1': 1, 'col-2': { 'col-3': 1 } }, maxValues: { 'col-1': 6, 'col-2': { 'col-3': 1 } } }), {}));
  assert.ok(pruner.prunedByStats(file({ numRecords: 1, minValues: { 'col-1': 1, 'col-2': { 'col-3': 2 } }, maxValues: { 'col-1': 6, 'col-2': { 'col-3': 3 } } }), {}));
  // Logical names in the stats are not read under column mapping.
  assert.ok(!pruner.prunedByStats(file({ numRecords: 1, minValues: { a: 1 }, maxValues: { a: 1 } }), {}));
});

// ---- randomized soundness ----

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

interface Row { i: bigint | null; s: string | null; d: number | null; ts: bigint | null; part: number | null }

const RANDOM_FIELDS: FieldSpec[] = [
  { name: 'i', type: 'long' },
  { name: 's', type: 'string' },
  { name: 'd', type: 'date' },
  { name: 'ts', type: 'timestamp' },
  { name: 'part', type: 'integer' },
];

const DAY_MS = 86_400_000;
const isoDate = (days: number) => new Date(days * DAY_MS).toISOString().slice(0, 10);
const STRINGS = ['', 'a', 'ab', 'abc', 'b', 'ba', 'é', '😀', '\uffff', 'x'.repeat(31), 'x'.repeat(32), 'x'.repeat(40), `${'x'.repeat(31)}😀y`, `${'x'.repeat(32)}\uffff`, `${'x'.repeat(32)}😀`, 'm'];

/** Stats as a writer writes them: truncated strings, millisecond timestamps with an offset. */
function writeStats(rows: Row[], r: () => number, tight: boolean): string {
  const nonNull = <T>(k: keyof Row) => rows.map((x) => x[k]).filter((v) => v !== null) as T[];
  const min = <T>(v: T[], cmp: (a: T, b: T) => number) => v.reduce((a, b) => (cmp(a, b) <= 0 ? a : b));
  const max = <T>(v: T[], cmp: (a: T, b: T) => number) => v.reduce((a, b) => (cmp(a, b) >= 0 ? a : b));
  const big = (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0);
  const cp = (a: string, b: string) => {
    const x = Array.from(a).map((c) => c.codePointAt(0)!);
    const y = Array.from(b).map((c) => c.codePointAt(0)!);
    for (let k = 0; k < Math.min(x.length, y.length); k++) if (x[k] !== y[k]) return x[k] - y[k];
    return x.length - y.length;
  };
  const mins: string[] = [];
  const maxs: string[] = [];
  const nulls: string[] = [];
  const is = nonNull<bigint>('i');
  if (is.length) {
    mins.push(`"i":${min(is, big)}`);
    maxs.push(`"i":${max(is, big)}`);
  }
  const ss = nonNull<string>('s');
  if (ss.length && r() < 0.9) {
    const lo = Array.from(min(ss, cp)).slice(0, 32).join('');
    const hiFull = max(ss, cp);
    const chars = Array.from(hiFull);
    const hi = chars.length <= 32 ? hiFull : chars.slice(0, 32).join('') + (r() < 0.5 ? '\uffff' : '');
    mins.push(`"s":${JSON.stringify(lo)}`);
    maxs.push(`"s":${JSON.stringify(hi)}`);
  }
  const ds = nonNull<number>('d');
  if (ds.length) {
    mins.push(`"d":"${isoDate(min(ds, (a, b) => a - b))}"`);
    maxs.push(`"d":"${isoDate(max(ds, (a, b) => a - b))}"`);
  }
  const ts = nonNull<bigint>('ts');
  if (ts.length) {
    const fmt = (micros: bigint) => {
      const ms = Number(micros / 1000n); // truncated to the millisecond
      const offsetMin = [0, -480, 330][Math.floor(r() * 3)];
      const local = new Date(ms + offsetMin * 60_000).toISOString().slice(0, 23);
      const sign = offsetMin < 0 ? '-' : '+';
      const o = Math.abs(offsetMin);
      return offsetMin === 0 ? `${local}Z` : `${local}${sign}${String(Math.floor(o / 60)).padStart(2, '0')}:${String(o % 60).padStart(2, '0')}`;
    };
    mins.push(`"ts":"${fmt(min(ts, big))}"`);
    maxs.push(`"ts":"${fmt(max(ts, big))}"`);
  }
  for (const k of ['i', 's', 'd', 'ts'] as const) nulls.push(`"${k}":${rows.filter((x) => x[k] === null).length}`);
  return `{"numRecords":${rows.length},"minValues":{${mins.join(',')}},"maxValues":{${maxs.join(',')}},"nullCount":{${nulls.join(',')}}${tight ? '' : ',"tightBounds":false'}}`;
}

/** SQL three-valued evaluation of a predicate on one row (the reference). */
function refEval(p: Predicate, row: Row): boolean | null {
  const value = (o: Operand): unknown => {
    if (o.kind === 'column') return row[o.path[0] as keyof Row];
    switch (o.type) {
      case 'null': return null;
      case 'date': return Math.round(Date.parse(o.value) / DAY_MS);
      default: return (o as { value: unknown }).value;
    }
  };
  const cmp = (a: unknown, b: unknown): number | null => {
    if (a === null || b === null) return null;
    if (typeof a === 'string' && typeof b === 'string') {
      const x = Array.from(a).map((c) => c.codePointAt(0)!);
      const y = Array.from(b).map((c) => c.codePointAt(0)!);
      for (let k = 0; k < Math.min(x.length, y.length); k++) if (x[k] !== y[k]) return x[k] - y[k];
      return x.length - y.length;
    }
    const [u, v] = [typeof a === 'number' ? BigInt(a) : (a as bigint), typeof b === 'number' ? BigInt(b) : (b as bigint)];
    return u < v ? -1 : u > v ? 1 : 0;
  };
  const holds = (op: string, c: number | null) =>
    c === null ? null : op === '=' ? c === 0 : op === '<>' ? c !== 0 : op === '<' ? c < 0 : op === '<=' ? c <= 0 : op === '>' ? c > 0 : c >= 0;
  const and3 = (a: boolean | null, b: boolean | null) => (a === false || b === false ? false : a === null || b === null ? null : true);
  const or3 = (a: boolean | null, b: boolean | null) => (a === true || b === true ? true : a === null || b === null ? null : false);
  switch (p.kind) {
    case 'compare': return holds(p.op, cmp(value(p.left), value(p.right)));
    case 'in': return p.list.map((l) => holds('=', cmp(value(p.value), value(l)))).reduce(or3, false);
    case 'between': return and3(holds('>=', cmp(value(p.value), value(p.low))), holds('<=', cmp(value(p.value), value(p.high))));
    case 'isNull': return (value(p.value) === null) !== p.negated;
    case 'like': {
      const v = value(p.value) as string | null;
      return v === null ? null : v.startsWith(p.pattern.slice(0, -1));
    }
    case 'and': return p.children.map((c) => refEval(c, row)).reduce(and3, true);
    case 'or': return p.children.map((c) => refEval(c, row)).reduce(or3, false);
    case 'not': { const v = refEval(p.child, row); return v === null ? null : !v; }
    case 'constant': return p.value;
    case 'unknown': return true;
  }
}

test('randomized: a file with a matching row is never pruned', async () => {
  const r = rng(20240601);
  const pick = <T>(a: readonly T[]) => a[Math.floor(r() * a.length)];
  const BASE_TS = BigInt(Date.UTC(2024, 0, 1)) * 1000n;
  const randomRow = (center: number, strings: readonly string[]): Row => ({
    i: r() < 0.1 ? null : BigInt(center + Math.floor(r() * 20)) + (r() < 0.05 ? 9223372036854775000n : 0n),
    s: r() < 0.1 ? null : pick(strings) + (r() < 0.3 ? pick(strings) : ''),
    d: r() < 0.1 ? null : 19700 + center + Math.floor(r() * 10),
    ts: r() < 0.1 ? null : BASE_TS + BigInt(center) * 3_600_000_000n + BigInt(Math.floor(r() * 5_000_000)),
    part: null,
  });
  const files: { path: string; rows: Row[]; part: number | null; stats?: string }[] = [];
  for (let f = 0; f < 60; f++) {
    const center = Math.floor(r() * 100);
    const part = r() < 0.15 ? null : Math.floor(r() * 4);
    const strings = [pick(STRINGS), pick(STRINGS)]; // few distinct strings per file: tight string bounds
    const rows = Array.from({ length: 1 + Math.floor(r() * 6) }, () => ({ ...randomRow(center, strings), part }));
    const tight = r() < 0.8;
    const stats = r() < 0.1 ? undefined : writeStats(rows, r, tight);
    // With tightBounds false, some rows were deleted after the stats were taken.
    const live = tight ? rows : rows.filter(() => r() < 0.6);
    files.push({ path: `f${f}.parquet`, rows: live, part, stats });
  }
  const t = memTable();
  await writeCommit(t, 0, [
    commitInfo('WRITE'),
    protocol(),
    metaData({ fields: RANDOM_FIELDS, partitionColumns: ['part'] }),
    ...files.map((f) => add(f.path, { partitionValues: { part: f.part === null ? null : String(f.part) }, ...(f.stats ? { stats: f.stats } : {}) })),
  ]);
  const snapshot = await loadSnapshot(t.engine, t.root);

  const sample = (): Row => pick(pick(files.filter((f) => f.rows.length > 0)).rows);
  const literalFor = (k: keyof Row): Literal => {
    const v = sample()[k];
    const jitter = r() < 0.5 ? 0 : pick([-1, 1]);
    if (v === null || r() < 0.03) return lit(null);
    switch (k) {
      case 'i': return lit((v as bigint) + BigInt(jitter));
      case 'part': return lit(BigInt((v as number) + jitter));
      case 's': return lit(r() < 0.2 ? pick(STRINGS) : (v as string));
      case 'd': return dateLit(isoDate((v as number) + jitter));
      case 'ts': return timestampLit((v as bigint) + BigInt(jitter * Math.floor(r() * 2000)));
    }
  };
  const leaf = (): Predicate => {
    const k = pick(['i', 's', 'd', 'ts', 'part'] as const);
    const c = col(k);
    switch (Math.floor(r() * 7)) {
      case 0: return inList(c, [literalFor(k), literalFor(k), literalFor(k)]);
      case 1: { const a = literalFor(k); const b = literalFor(k); return between(c, a, b); }
      case 2: return r() < 0.5 ? isNull(c) : isNotNull(c);
      case 3:
        if (k === 's') return like(c, `${(sample().s ?? '').slice(0, Math.floor(r() * 4))}%`);
        return pick([eq, ne, lt, le, gt, ge])(c, literalFor(k));
      default: return pick([eq, ne, lt, le, gt, ge])(r() < 0.2 ? literalFor(k) : c, r() < 0.2 ? c : literalFor(k));
    }
  };
  const predicate = (depth: number): Predicate => {
    if (depth === 0 || r() < 0.4) return leaf();
    switch (Math.floor(r() * 3)) {
      case 0: return and(predicate(depth - 1), predicate(depth - 1));
      case 1: return or(predicate(depth - 1), predicate(depth - 1));
      default: return not(predicate(depth - 1));
    }
  };

  let prunedPartition = 0;
  let prunedStats = 0;
  for (let n = 0; n < 1500; n++) {
    const p = predicate(3);
    const plan = planScan(snapshot, { filter: p });
    const kept = new Set(plan.files.map((f) => f.add.path));
    for (const f of files) {
      const matches = f.rows.some((row) => refEval(p, row) === true);
      if (matches && !kept.has(f.path)) {
        assert.fail(`pruned ${f.path} though a row matches ${JSON.stringify(p, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v))}\nrows: ${JSON.stringify(f.rows, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v))}\nstats: ${f.stats}`);
      }
    }
    prunedPartition += plan.filesPrunedByPartition;
    prunedStats += plan.filesPrunedByStats;
    assert.equal(plan.filesTotal, files.length);
    assert.equal(plan.files.length + plan.filesPrunedByPartition + plan.filesPrunedByStats, files.length);
  }
  // The check is only meaningful if pruning happens a lot.
  assert.ok(prunedPartition > 1000, `partition-pruned ${prunedPartition}`);
  assert.ok(prunedStats > 5000, `stats-pruned ${prunedStats}`);
});

test('outcome bits', () => {
  assert.equal(TRUE | FALSE | NULL, 7);
  assert.ok(!mayBeTrue(FALSE | NULL));
});

test('statsNumRecords reads numRecords cheaply', async () => {
  const { statsNumRecords } = await import('../src/skipping/stats.js');
  assert.equal(statsNumRecords('{"numRecords":42,"minValues":{}}'), 42);
  assert.equal(statsNumRecords('{"minValues":{"a":1},"numRecords":7}'), 7);
  assert.equal(statsNumRecords('{"numRecords":3}'), 3);
  assert.equal(statsNumRecords(null), undefined);
  assert.equal(statsNumRecords('{"minValues":{}}'), undefined);
});
