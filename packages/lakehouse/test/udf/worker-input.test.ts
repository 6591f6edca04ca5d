import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openPrivateDatabase } from '@loch/engine-node';
import { keyedSql, listedSql, sortedSql } from '../../src/udf/grouped-input.js';
import { withWorkerInput, type WorkerInput } from '../../src/udf/worker-input.js';

/** 2M rows in 10 groups by k, NULL among the keys; v the row's number. */
const input = keyedSql('SELECT CASE WHEN id % 10 = 0 THEN NULL ELSE id % 10 END AS k, id::DOUBLE AS v FROM range(2000000) r(id)', ['k']);
const share = (memoryLimit: string): WorkerInput => ({ listed: listedSql(input, 1, 2), sorted: sortedSql(input, 1), columns: ['k', 'v'], keyCount: 1, settings: "SET TimeZone = 'UTC'", threads: 1, memoryLimit });

/** Each group's key, row count and sum of v, in the order the runs hand them on. */
async function groups(read: WorkerInput) {
  return withWorkerInput(read, async (runs) => {
    const out: { k: unknown; n: number; total: number }[] = [];
    for await (const run of runs) {
      for (let i = 0; i + 1 < run.starts.length; i++) {
        const g = run.table.slice(run.starts[i], run.starts[i + 1]);
        const v = g.getChild('v')!.toArray() as Float64Array;
        out.push({ k: g.getChild('k')!.get(0), n: g.numRows, total: v.reduce((a, b) => a + b, 0) });
      }
    }
    return out;
  });
}

const want = Array.from({ length: 10 }, (_, k) => ({ k: k === 0 ? null : BigInt(k), n: 200_000, total: 200_000 * k + 10 * (199_999 * 200_000) / 2 }));

test('a worker reads its share as DuckDB groups it: each group whole, the NULL key one group, in key order', async () => {
  assert.deepEqual(await groups(share('1GB')), want);
});

test("a worker whose share's groups do not fit DuckDB's memory at once reads its rows sorted by key instead, with the same groups", async () => {
  // At this limit DuckDB cannot hold the groups' lists (the share's 32 MB of values at once)...
  const db = await openPrivateDatabase({ threads: 1, memoryLimit: '16MB' });
  try {
    await assert.rejects(db.connection.run(share('16MB').listed), /Out of Memory/);
  } finally {
    db.close();
  }
  // ...but can sort the rows (spilling what does not fit).
  assert.deepEqual(await groups(share('16MB')), want);
});
