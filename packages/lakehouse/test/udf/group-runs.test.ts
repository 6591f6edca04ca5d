import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tableFromArrays, type RecordBatch } from 'apache-arrow';
import { groupRuns } from '../../src/udf/grouped-input.js';

async function* of(...batches: RecordBatch[]): AsyncGenerator<RecordBatch> {
  yield* batches;
}

/** Each group's rows (the body column `v`) in the order groupRuns hands them on. */
async function groupsOf(batches: AsyncIterable<RecordBatch>, keyCount: number): Promise<number[][]> {
  const out: number[][] = [];
  for await (const run of groupRuns(batches, keyCount, 1)) {
    for (let i = 0; i + 1 < run.starts.length; i++) out.push(Array.from(run.table.slice(run.starts[i], run.starts[i + 1]).getChild('v')!.toArray() as Float64Array));
  }
  return out;
}

// A slice's value and offset buffers start at its first row (its offset counts only in the null
// bitmap): keys compared at offset + row would read the rows after the slice's.
test('group boundaries in sliced batches come from the slice\'s own rows (numbers, 64-bit integers, strings)', async () => {
  const v = Float64Array.from([0, 1, 2, 3, 4, 5, 6, 7]);
  for (const key of [Float64Array.from([9, 9, 1, 1, 2, 2, 2, 3]), BigInt64Array.from([9n, 9n, 1n, 1n, 2n, 2n, 2n, 3n]), ['z', 'z', 'a', 'a', 'b', 'b', 'b', 'c']]) {
    const sliced = tableFromArrays({ v, __loch_key0: key }).batches[0].slice(2, 7); // keys 1 1 2 2 2
    assert.equal(sliced.getChildAt(1)!.data[0].offset, 2);
    assert.deepEqual(await groupsOf(of(sliced), 1), [[2, 3], [4, 5, 6]], String(key.constructor.name));
  }
});
