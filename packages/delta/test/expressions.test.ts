/// <reference types="node" />
/** The predicate AST and its three-valued evaluation over column ranges (partition values, stats). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  and, between, col, dateLit, decimalLit, eq, ge, gt, inList, isNotNull, isNull, le, like, likePrefix, lit, lt, ne, not, or,
  referencedColumns, timestampLit, timestampNtzLit, unknown, constant, type Predicate,
} from '../src/expressions/ast.js';
import { ALL, FALSE, NONE, NULL, TRUE, certainTruth, evaluate, mayBeTrue, type ColumnRange } from '../src/expressions/evaluate.js';
import { formatPredicate } from '../src/expressions/format.js';
import {
  compareDec, compareStrings, dateToDays, decFromDouble, decToString, nextDouble, nextFloat32, parseDec, roundingCandidates,
} from '../src/expressions/values.js';
import { partitionRange } from '../src/skipping/prune.js';
import type { DataType, PrimitiveTypeName } from '../src/schema/types.js';

const prim = (name: PrimitiveTypeName): DataType => ({ kind: 'primitive', name });
const dec = (precision: number, scale: number): DataType => ({ kind: 'decimal', precision, scale });

/** Evaluates over one column `x` with the given range. */
function over(range: ColumnRange, p: Predicate) {
  return evaluate(p, (path) => (path.length === 1 && path[0] === 'x' ? range : undefined));
}
const x = col('x');
const point = (v: Parameters<typeof partitionRange>[0], t: DataType) => partitionRange(v, t);
const truth = (range: ColumnRange, p: Predicate) => certainTruth(over(range, p));

test('exact decimals: parse, compare, format', () => {
  assert.deepEqual(parseDec('12.50'), { u: 1250n, s: 2 });
  assert.deepEqual(parseDec('-1e3'), { u: -1000n, s: 0 });
  assert.deepEqual(parseDec('.5'), { u: 5n, s: 1 });
  assert.equal(parseDec('abc'), undefined);
  assert.equal(parseDec(''), undefined);
  assert.equal(compareDec(parseDec('1.10')!, parseDec('1.1')!), 0);
  assert.equal(compareDec(parseDec('99999999999999999999.99')!, parseDec('100000000000000000000')!), -1);
  assert.equal(decToString(parseDec('-0.05')!), '-0.05');
  assert.equal(compareDec(decFromDouble(0.1)!, parseDec('0.1')!), 1); // the double 0.1 is a bit above 0.1
  assert.equal(compareDec(decFromDouble(0.5)!, parseDec('0.5')!), 0);
});

test('strings compare by code point (UTF-8 byte order), not UTF-16 units', () => {
  assert.equal(compareStrings('a', 'b'), -1);
  assert.equal(compareStrings('ab', 'a'), 1);
  assert.equal(compareStrings('\uffff', '😀'), -1); // '😀' is U+1F600, UTF-16 has it below U+FFFF
  assert.equal(compareStrings('é', 'z'), 1);
  assert.equal(compareStrings('same', 'same'), 0);
});

test('dates and float neighbours', () => {
  assert.equal(dateToDays('1970-01-02'), 1);
  assert.equal(dateToDays('2024-02-30'), undefined);
  assert.equal(dateToDays('0001-01-01'), -719162);
  assert.ok(nextFloat32(1, 1) > 1 && Math.fround(nextFloat32(1, 1)) === nextFloat32(1, 1));
  assert.ok(nextDouble(1, -1) < 1);
  assert.deepEqual(roundingCandidates(parseDec('0.5')!, true), [0.5]);
  assert.equal(roundingCandidates(parseDec('0.1')!, true).length, 3);
});

test('builders, referenced columns, formatting, LIKE prefixes', () => {
  const p = and(eq(col('a'), 1), or(gt(col('S', 'x'), 'm'), isNull(col('a'))));
  assert.deepEqual(referencedColumns(p).map((c) => c.path), [['a'], ['S', 'x']]);
  assert.equal(formatPredicate(p), `("a" = 1::DOUBLE) AND (("S"."x" > 'm') OR ("a" IS NULL))`);
  assert.equal(likePrefix('abc%'), 'abc');
  assert.equal(likePrefix('abc%%'), 'abc');
  assert.equal(likePrefix('a_c%'), undefined);
  assert.equal(likePrefix('%abc'), undefined);
  assert.equal(likePrefix('abc'), undefined);
  assert.equal(likePrefix('a\\%'), undefined);
});

test('comparisons over an integer range [10, 20] without nulls', () => {
  const r: ColumnRange = { type: prim('long'), hasNull: false, hasValue: true, min: parseDec('10'), max: parseDec('20') };
  const can = (p: Predicate) => mayBeTrue(over(r, p));
  assert.ok(can(eq(x, 10n)) && can(eq(x, 20n)) && can(eq(x, 15)));
  assert.ok(!can(eq(x, 9n)) && !can(eq(x, 21n)));
  assert.ok(can(lt(x, 11n)) && !can(lt(x, 10n)));
  assert.ok(can(le(x, 10n)) && !can(le(x, 9n)));
  assert.ok(can(gt(x, 19n)) && !can(gt(x, 20n)));
  assert.ok(can(ge(x, 20n)) && !can(ge(x, 21n)));
  assert.ok(can(ne(x, 15n)));
  assert.ok(can(between(x, 0n, 10n)) && !can(between(x, 21n, 30n)) && !can(between(x, 0n, 9n)));
  assert.ok(can(inList(x, [1n, 2n, 12n])) && !can(inList(x, [1n, 2n, 30n])));
  // Literal on the left flips the operator: 5 < x.
  assert.ok(can(lt(5n, x)) && !can(lt(20n, x)));
  // DOUBLE literals compare as doubles; exact decimals exactly.
  assert.ok(!can(gt(x, 20.5)) && can(gt(x, 19.5)));
  assert.ok(!can(gt(x, decimalLit('20.000000000000000000001'))));
  assert.ok(can(ge(x, decimalLit('19.999999999999999999999'))));
  // A string literal is cast to the column type by DuckDB: only exact integers are modelled.
  assert.ok(!can(eq(x, '25')) && can(eq(x, '15')));
  assert.equal(over(r, eq(x, '15.5')), ALL & ~NULL);
});

test('a single-value range: <> and NOT are exact', () => {
  const r = point(5n, prim('long'));
  assert.equal(truth(r, eq(x, 5n)), true);
  assert.equal(truth(r, ne(x, 5n)), false);
  assert.equal(truth(r, not(eq(x, 5n))), false);
  assert.equal(truth(r, not(lt(x, 5n))), true);
  assert.equal(truth(r, inList(x, [4n, 6n])), false);
  assert.equal(truth(r, inList(x, [4n, lit(null)])), null);
  assert.equal(truth(r, not(inList(x, [4n, lit(null)]))), null);
  assert.equal(truth(r, inList(x, [5n, lit(null)])), true);
});

test('null semantics: comparisons with NULL never match; IS [NOT] NULL', () => {
  const some: ColumnRange = { type: prim('integer'), hasNull: true, hasValue: true, min: parseDec('1'), max: parseDec('5') };
  const allNull: ColumnRange = { type: prim('integer'), hasNull: true, hasValue: false };
  const noNull: ColumnRange = { type: prim('integer'), hasNull: false, hasValue: true, min: parseDec('1'), max: parseDec('5') };
  for (const r of [some, allNull, noNull]) {
    assert.equal(over(r, eq(x, null)), NULL);
    assert.equal(over(r, ne(x, null)), NULL);
    assert.equal(over(r, not(eq(x, null))), NULL);
  }
  assert.equal(over(allNull, eq(x, 3n)), NULL);
  assert.equal(over(allNull, not(eq(x, 3n))), NULL);
  assert.ok(!mayBeTrue(over(allNull, gt(x, 0n))));
  assert.equal(over(allNull, isNull(x)), TRUE);
  assert.equal(over(allNull, isNotNull(x)), FALSE);
  assert.equal(over(noNull, isNull(x)), FALSE);
  assert.equal(over(some, isNull(x)), TRUE | FALSE);
  // NOT (x < 3) over [1,5] with nulls: may be true (x = 4); over [1,2]: never.
  assert.ok(mayBeTrue(over(some, not(lt(x, 3n)))));
  const low: ColumnRange = { ...some, max: parseDec('2') };
  assert.ok(!mayBeTrue(over(low, not(lt(x, 3n)))));
  // NOT (x IS NULL) on an all-null column: never true.
  assert.ok(!mayBeTrue(over(allNull, not(isNull(x)))));
  // An empty file (no rows at all) matches nothing.
  const empty: ColumnRange = { type: prim('integer'), hasNull: false, hasValue: false };
  assert.equal(over(empty, eq(x, 1n)), NONE);
  assert.equal(over(empty, or(eq(x, 1n), isNull(x))), NONE);
});

test('AND skips if any conjunct cannot match; OR only if every disjunct cannot', () => {
  const r: ColumnRange = { type: prim('integer'), hasNull: false, hasValue: true, min: parseDec('10'), max: parseDec('20') };
  assert.ok(!mayBeTrue(over(r, and(gt(x, 5n), lt(x, 5n)))));
  assert.ok(!mayBeTrue(over(r, and(unknown(), lt(x, 5n)))));
  assert.ok(mayBeTrue(over(r, or(unknown(), lt(x, 5n)))));
  assert.ok(!mayBeTrue(over(r, or(gt(x, 30n), lt(x, 5n)))));
  assert.ok(mayBeTrue(over(r, or(gt(x, 30n), lt(x, 15n)))));
  assert.ok(mayBeTrue(over(r, not(unknown()))));
  assert.ok(!mayBeTrue(over(r, constant(false))));
  assert.ok(!mayBeTrue(over(r, constant(null))));
  assert.ok(mayBeTrue(over(r, constant(true))));
  // NOT (x > 5 AND x < 25) over [10, 20] is always false.
  assert.ok(!mayBeTrue(over(r, not(and(gt(x, 5n), lt(x, 25n))))));
  // NOT (x > 15 OR x IS NULL): possible (x = 12).
  assert.ok(mayBeTrue(over(r, not(or(gt(x, 15n), isNull(x))))));
  // Unknown columns never prune.
  assert.ok(mayBeTrue(over(r, eq(col('nope'), 1n))));
  // Column vs column is unknown.
  assert.ok(mayBeTrue(over(r, eq(x, col('y')))));
});

test('unmodelled literal types never prune (and never throw)', () => {
  const r: ColumnRange = { type: prim('integer'), hasNull: false, hasValue: true, min: parseDec('10'), max: parseDec('20') };
  assert.ok(mayBeTrue(over(r, eq(x, true))));
  assert.ok(mayBeTrue(over(r, eq(x, dateLit('2024-01-01')))));
  const s: ColumnRange = { type: prim('string'), hasNull: false, hasValue: true, min: 'a', max: 'b' };
  assert.ok(mayBeTrue(over(s, eq(x, 5n))));
  const bin: ColumnRange = { type: prim('binary'), hasNull: false, hasValue: true };
  assert.ok(mayBeTrue(over(bin, eq(x, 'a'))));
});

test('decimals compare exactly', () => {
  const r = point('12.345', dec(10, 3));
  assert.equal(truth(r, eq(x, decimalLit('12.3450'))), true);
  assert.equal(truth(r, gt(x, decimalLit('12.344999999999999999999'))), true);
  assert.equal(truth(r, lt(x, 12n)), false);
  assert.equal(truth(r, ge(x, 12.345)), true); // as doubles
  assert.equal(truth(r, eq(x, '12.345')), true);
  assert.equal(over(r, eq(x, '12.3456')), TRUE | FALSE); // DuckDB would round the string: unknown
  const big: ColumnRange = { type: dec(38, 0), hasNull: false, hasValue: true, min: parseDec('99999999999999999999999999999999999998'), max: parseDec('99999999999999999999999999999999999998') };
  assert.equal(certainTruth(over(big, lt(x, decimalLit('99999999999999999999999999999999999999')))), true);
});

test('doubles: NaN is above every number; stats ranges may hide NaN beyond max', () => {
  const nan = point(NaN, prim('double'));
  assert.equal(truth(nan, gt(x, 1e300)), true);
  assert.equal(truth(nan, lt(x, 1)), false);
  assert.equal(truth(nan, eq(x, NaN)), true);
  const stats: ColumnRange = { type: prim('double'), hasNull: false, hasValue: true, min: 1, max: 2, mayBeNaN: true };
  assert.ok(mayBeTrue(over(stats, gt(x, 5)))); // a NaN row would match
  assert.ok(!mayBeTrue(over(stats, lt(x, 0.5))));
  assert.ok(!mayBeTrue(over(stats, eq(x, 3))));
  const noNaN: ColumnRange = { ...stats, mayBeNaN: false };
  assert.ok(!mayBeTrue(over(noNaN, gt(x, 5))));
});

test('floats: a decimal literal is cast to FLOAT, a DOUBLE is not', () => {
  const r = point(Math.fround(0.1), prim('float'));
  assert.equal(truth(r, eq(x, decimalLit('0.1'))), 'unknown'); // rounding to float: either neighbour
  assert.ok(mayBeTrue(over(r, eq(x, decimalLit('0.1')))));
  assert.equal(truth(r, gt(x, 0.1)), true); // as doubles, 0.1f > 0.1
  assert.equal(truth(r, eq(x, decimalLit('0.5'))), false);
  assert.equal(truth(point(0.5, prim('float')), eq(x, decimalLit('0.5'))), true);
});

test('strings: ranges, truncated maxima, LIKE prefix', () => {
  const r: ColumnRange = { type: prim('string'), hasNull: false, hasValue: true, min: 'apple', max: 'banana' };
  const can = (range: ColumnRange, p: Predicate) => mayBeTrue(over(range, p));
  assert.ok(can(r, eq(x, 'avocado')) && !can(r, eq(x, 'cherry')) && !can(r, eq(x, 'aardvark')));
  assert.ok(can(r, gt(x, 'banan')) && !can(r, gt(x, 'banana')));
  assert.ok(can(r, like(x, 'ban%')) && can(r, like(x, 'b%')) && !can(r, like(x, 'c%')) && !can(r, like(x, 'aa%')));
  assert.ok(can(r, like(x, 'app%')));
  assert.ok(can(r, like(x, '%z'))); // not a prefix pattern: unknown
  assert.ok(can(r, like(x, 'a_c%')));
  assert.ok(!can(r, like(x, 'cherry'))); // no wildcard: equality
  // All values start with 'ba': NOT LIKE 'ba%' cannot match.
  const ba: ColumnRange = { ...r, min: 'baa', max: 'bzz' };
  assert.ok(!can({ ...ba, min: 'ba', max: 'ba\u{10ffff}' }, not(like(x, 'ba%'))));
  assert.ok(can(ba, not(like(x, 'bab%'))));
  // A max that is a truncated prefix bounds by its prefix only.
  const trunc: ColumnRange = { ...r, min: 'a', max: 'abc', maxIsPrefix: true };
  assert.ok(can(trunc, gt(x, 'abc')));
  assert.ok(can(trunc, gt(x, 'abczzz')));
  assert.ok(can(trunc, eq(x, 'abc\u{10ffff}')));
  assert.ok(!can(trunc, gt(x, 'abd')));
  assert.ok(!can(trunc, eq(x, 'abd')));
  assert.ok(can(trunc, like(x, 'abcd%')));
  assert.ok(!can(trunc, like(x, 'b%')));
  assert.ok(can(trunc, not(isNull(x))));
});

test('dates and timestamps compare on one time line (microseconds, UTC session)', () => {
  const day = point('2024-01-02', prim('date'));
  assert.equal(truth(day, eq(x, dateLit('2024-01-02'))), true);
  assert.equal(truth(day, eq(x, '2024-01-02')), true); // DuckDB casts the string to DATE
  assert.equal(truth(day, lt(x, timestampNtzLit(BigInt(Date.UTC(2024, 0, 2, 10)) * 1000n))), true);
  assert.equal(truth(day, ge(x, timestampLit(BigInt(Date.UTC(2024, 0, 2, 0, 0, 0, 1)) * 1000n))), false);
  assert.equal(over(day, eq(x, 'not a date')), TRUE | FALSE);
  const ts = point(BigInt(Date.UTC(2024, 0, 1, 10)) * 1000n, prim('timestamp'));
  assert.equal(truth(ts, eq(x, '2024-01-01 12:00:00+02:00')), true);
  assert.equal(truth(ts, gt(x, dateLit('2024-01-01'))), true);
  assert.equal(truth(ts, eq(x, timestampLit(BigInt(Date.UTC(2024, 0, 1, 10)) * 1000n + 1n))), false);
});

test('booleans', () => {
  assert.equal(truth(point(true, prim('boolean')), eq(x, true)), true);
  assert.equal(truth(point(false, prim('boolean')), eq(x, true)), false);
  assert.equal(truth(point(null, prim('boolean')), eq(x, true)), null);
});

test('literal-only predicates', () => {
  const r: ColumnRange = { type: prim('integer'), hasNull: false, hasValue: true };
  assert.equal(over(r, isNull(lit(null))), TRUE);
  assert.equal(over(r, isNotNull(lit(1))), TRUE);
  assert.equal(over(r, eq(lit(1), lit(null))), NULL);
  assert.ok(mayBeTrue(over(r, eq(lit(1), lit(1)))));
  assert.equal(over(r, like(lit(null), 'a%')), NULL);
});
