/**
 * Packed strings: what goes in comes out, across part boundaries, for bytes and strings mixed,
 * empty ones and ones longer than a part, and JSON literals decoded only when asked for.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PackedStrings, StringPacker } from '../src/json/packed-strings.js';

const ascii = (s: string) => Buffer.from(s, 'latin1');

test('strings packed from bytes and from strings come back as they went in, in order', () => {
  const packer = new StringPacker(Buffer.allocUnsafeSlow(16));
  const expected: string[] = [];
  const ends: number[] = [];
  const line = ascii('xx{"p":"part=1/f.parquet"}yy');
  for (let i = 0; i < 20_000; i++) {
    let s: string;
    if (i % 997 === 0) {
      s = 'é'.repeat(i % 3) + `string ${i}`;
      ends.push(packer.appendString(s));
    } else if (i % 1009 === 0) {
      s = 'L'.repeat(70_000); // longer than a part
      ends.push(packer.appendBytes(ascii(`<${s}>`), 1, s.length + 1));
    } else if (i % 13 === 0) {
      s = '';
      ends.push(packer.appendBytes(line, 3, 3));
    } else {
      s = `part=${i % 7}/file-${i}.parquet`;
      const bytes = ascii(`{"path":"${s}"}`);
      ends.push(packer.appendBytes(bytes, 9, 9 + s.length));
    }
    expected.push(s);
  }
  const parts = packer.finish();
  assert.ok(parts.length > 3, `several parts (${parts.length})`);
  assert.ok(parts.every((p) => p.length > 0));
  const strings = new PackedStrings(parts, Int32Array.from(ends), false);
  assert.equal(strings.length, expected.length);
  for (let i = expected.length - 1; i >= 0; i--) assert.equal(strings.get(i), expected[i], `string ${i}`);
});

test('JSON string literals are decoded when asked for', () => {
  const packer = new StringPacker(Buffer.allocUnsafeSlow(64));
  const values = ['{"numRecords":1}', 'tab\there "quoted" \\ é \ud800', ''];
  const ends = values.map((v) => {
    const literal = JSON.stringify(v);
    return /^[\x20-\x7e]*$/.test(literal) ? packer.appendBytes(ascii(literal), 0, literal.length) : packer.appendString(literal);
  });
  const strings = new PackedStrings(packer.finish(), Int32Array.from(ends), true);
  assert.deepEqual([0, 1, 2].map((i) => strings.get(i)), values);
});
