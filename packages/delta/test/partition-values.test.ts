/// <reference types="node" />
/** Partition values: the protocol's "Partition Value Serialization", read back into typed values. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePartitionValue, parseTimestampMicros } from '../src/partition/values.js';
import type { DataType, PrimitiveTypeName } from '../src/schema/types.js';
import { planScan } from '../src/scan/plan.js';
import { loadSnapshot } from '../src/snapshot/builder.js';
import { add, memTable, metaData, protocol, throwsWith, writeCommit } from './support/mem-table.js';

const prim = (name: PrimitiveTypeName): DataType => ({ kind: 'primitive', name });
const dec = (precision: number, scale: number): DataType => ({ kind: 'decimal', precision, scale });
const parse = (raw: string | null | undefined, t: DataType) => parsePartitionValue(raw, t, 'col');
const bad = (raw: string, t: DataType) =>
  throwsWith(() => parse(raw, t), 'DELTA_INVALID_PARTITION_VALUE', /'col'/);

const ALL_TYPES: DataType[] = [
  ...(['string', 'long', 'integer', 'short', 'byte', 'float', 'double', 'boolean', 'binary', 'date', 'timestamp', 'timestamp_ntz'] as const).map(prim),
  dec(10, 2),
];

test('null (and a missing value) is null for every type', () => {
  for (const t of ALL_TYPES) {
    assert.equal(parse(null, t), null, JSON.stringify(t));
    assert.equal(parse(undefined, t), null, JSON.stringify(t));
  }
});

test('an empty string is null for every type, as the protocol says', () => {
  for (const t of ALL_TYPES) assert.equal(parse('', t), null, JSON.stringify(t));
});

test('string values are taken as they are', () => {
  assert.equal(parse('abc', prim('string')), 'abc');
  assert.equal(parse(' padded ', prim('string')), ' padded ');
  assert.equal(parse('null', prim('string')), 'null');
  assert.equal(parse('a=b/c%20d', prim('string')), 'a=b/c%20d');
  assert.equal(parse('ünï©ødé 🎉', prim('string')), 'ünï©ødé 🎉');
});

test('integers: byte, short, integer as numbers, long as bigint, in range', () => {
  assert.equal(parse('127', prim('byte')), 127);
  assert.equal(parse('-128', prim('byte')), -128);
  assert.equal(parse('-32768', prim('short')), -32768);
  assert.equal(parse('2147483647', prim('integer')), 2147483647);
  assert.equal(parse('-2147483648', prim('integer')), -2147483648);
  assert.equal(parse('+42', prim('integer')), 42);
  assert.equal(parse('0', prim('integer')), 0);
  assert.equal(parse('9223372036854775807', prim('long')), 9223372036854775807n);
  assert.equal(parse('-9223372036854775808', prim('long')), -9223372036854775808n);
  assert.equal(parse('12', prim('long')), 12n);
  bad('128', prim('byte'));
  bad('-129', prim('byte'));
  bad('32768', prim('short'));
  bad('2147483648', prim('integer'));
  bad('9223372036854775808', prim('long'));
  bad('1.5', prim('integer'));
  bad('1e3', prim('long'));
  bad('abc', prim('integer'));
  bad(' ', prim('integer'));
});

test('float and double, including NaN and infinities', () => {
  assert.equal(parse('1.5', prim('double')), 1.5);
  assert.equal(parse('-0.25', prim('float')), -0.25);
  assert.equal(parse('1.0E10', prim('double')), 1e10);
  assert.equal(parse('3', prim('double')), 3);
  assert.ok(Number.isNaN(parse('NaN', prim('double'))));
  assert.equal(parse('Infinity', prim('double')), Infinity);
  assert.equal(parse('-Infinity', prim('float')), -Infinity);
  assert.ok(Object.is(parse('-0.0', prim('double')), -0));
  bad('abc', prim('double'));
  bad(' ', prim('double'));
  bad('0x10', prim('double'));
  bad('1.5.5', prim('float'));
});

test('booleans', () => {
  assert.equal(parse('true', prim('boolean')), true);
  assert.equal(parse('false', prim('boolean')), false);
  assert.equal(parse('TRUE', prim('boolean')), true);
  bad('yes', prim('boolean'));
  bad('1', prim('boolean'));
});

test('dates are normalized to YYYY-MM-DD and checked', () => {
  assert.equal(parse('2024-01-05', prim('date')), '2024-01-05');
  assert.equal(parse('2024-1-5', prim('date')), '2024-01-05');
  assert.equal(parse('1970-01-01', prim('date')), '1970-01-01');
  assert.equal(parse('2024-02-29', prim('date')), '2024-02-29');
  assert.equal(parse('0001-01-01', prim('date')), '0001-01-01');
  bad('2023-02-29', prim('date'));
  bad('2024-13-01', prim('date'));
  bad('2024-00-10', prim('date'));
  bad('2024-04-31', prim('date'));
  bad('2024/01/05', prim('date'));
  bad('20240105', prim('date'));
  bad('2024-01-05 00:00:00', prim('date'));
});

const US = (iso: string) => BigInt(Date.parse(iso)) * 1000n;

test('timestamps without zone are UTC; fractions up to microseconds', () => {
  const ts = prim('timestamp');
  assert.equal(parse('1970-01-01 00:00:00', ts), 0n);
  assert.equal(parse('2024-01-15 12:34:56', ts), US('2024-01-15T12:34:56Z'));
  assert.equal(parse('2024-01-15 12:34:56.123456', ts), US('2024-01-15T12:34:56Z') + 123456n);
  assert.equal(parse('2024-01-15 12:34:56.1', ts), US('2024-01-15T12:34:56Z') + 100000n);
  assert.equal(parse('2024-01-15 12:34:56.000001', ts), US('2024-01-15T12:34:56Z') + 1n);
  // Nanoseconds are truncated to microseconds.
  assert.equal(parse('2024-01-15 12:34:56.123456789', ts), US('2024-01-15T12:34:56Z') + 123456n);
  // Before the epoch.
  assert.equal(parse('1969-12-31 23:59:59.5', ts), -500000n);
  assert.equal(parse('1900-01-01 00:00:00', ts), US('1900-01-01T00:00:00Z'));
});

test('timestamps with a zone: ISO-8601 Z and offsets', () => {
  const ts = prim('timestamp');
  assert.equal(parse('2024-01-15T12:34:56.123456Z', ts), US('2024-01-15T12:34:56Z') + 123456n);
  assert.equal(parse('2024-01-15T12:34:56Z', ts), US('2024-01-15T12:34:56Z'));
  assert.equal(parse('2024-01-15T14:34:56+02:00', ts), US('2024-01-15T12:34:56Z'));
  assert.equal(parse('2024-01-15 07:04:56-05:30', ts), US('2024-01-15T12:34:56Z'));
  assert.equal(parse('2024-01-15 14:34:56+0200', ts), US('2024-01-15T12:34:56Z'));
  assert.equal(parse('2024-01-15 14:34:56+02', ts), US('2024-01-15T12:34:56Z'));
});

test('timestamp_ntz: no zone offsets', () => {
  const ntz = prim('timestamp_ntz');
  assert.equal(parse('2024-01-15 12:34:56.5', ntz), US('2024-01-15T12:34:56Z') + 500000n);
  bad('2024-01-15 12:34:56+02:00', ntz);
});

test('invalid timestamps are refused, not rolled over', () => {
  const ts = prim('timestamp');
  bad('2024-13-01 00:00:00', ts);
  bad('2024-02-30 00:00:00', ts);
  bad('2024-01-01 24:00:00', ts);
  bad('2024-01-01 23:60:00', ts);
  bad('2024-01-01 23:00:61', ts);
  bad('2024-01-01', ts);
  bad('noon', ts);
  bad('2024-01-01 00:00:00+25:00', ts);
});

test('timestamps in years 0..99 are not shifted to the 1900s', () => {
  // Date.UTC maps years 0..99 to 1900..1999; the parser must not.
  const micros = parseTimestampMicros('0099-06-01 00:00:00', true);
  const d = new Date(0);
  d.setUTCFullYear(99, 5, 1);
  assert.equal(micros, BigInt(d.getTime()) * 1000n);
  assert.equal(parse('0001-01-01 00:00:00', prim('timestamp')), -62135596800000000n);
});

test('decimals are kept as exact strings', () => {
  assert.equal(parse('123.45', dec(10, 2)), '123.45');
  assert.equal(parse('-0.5', dec(3, 1)), '-0.5');
  assert.equal(parse('12345678901234567890.123456789', dec(38, 9)), '12345678901234567890.123456789');
  assert.equal(parse('1E+3', dec(10, 0)), '1E+3');
  bad('abc', dec(10, 2));
  bad('1.2.3', dec(10, 2));
});

test('binary values are the string bytes', () => {
  assert.deepEqual(parse('\u0001\u0002\u0003', prim('binary')), new Uint8Array([1, 2, 3]));
  assert.deepEqual(parse('abc', prim('binary')), new Uint8Array([97, 98, 99]));
});

test('non-primitive partition types are refused', () => {
  bad('x', { kind: 'array', elementType: prim('string'), containsNull: true });
  bad('x', prim('variant'));
});

test('scan plans type partition values from the log (physical names, nulls)', async () => {
  const t = memTable();
  await writeCommit(t, 0, [
    protocol(),
    metaData({
      fields: [
        { name: 'id', type: 'long' },
        { name: 'day', type: 'date' },
        { name: 'n', type: 'integer' },
        { name: 's', type: 'string' },
      ],
      partitionColumns: ['day', 'n', 's'],
    }),
    add('day=2024-01-01/n=1/s=x/a.parquet', { partitionValues: { day: '2024-01-01', n: '1', s: 'x' } }),
    add('day=__HIVE_DEFAULT_PARTITION__/n=__HIVE_DEFAULT_PARTITION__/s=__HIVE_DEFAULT_PARTITION__/b.parquet', {
      partitionValues: { day: null, n: null, s: null },
    }),
    add('c.parquet', { partitionValues: { day: '', n: '', s: '' } }),
  ]);
  const plan = planScan(await loadSnapshot(t.engine, t.root));
  const byPath = new Map(plan.files.map((f) => [f.add.path.split('/').at(-1), f.partitionValues]));
  assert.deepEqual(byPath.get('a.parquet'), { day: '2024-01-01', n: 1, s: 'x' });
  assert.deepEqual(byPath.get('b.parquet'), { day: null, n: null, s: null });
  assert.deepEqual(byPath.get('c.parquet'), { day: null, n: null, s: null });
  assert.equal(plan.files.find((f) => f.add.path === 'c.parquet')?.url, 'mem:///t/c.parquet');
});
