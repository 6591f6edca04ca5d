import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { openPrivateDatabase } from '@loch/engine-node';

test('private databases spill to directories of their own: two sorting more than their memory at once each get every row', async () => {
  const dbs = await Promise.all([openPrivateDatabase({ threads: 1, memoryLimit: '48MB' }), openPrivateDatabase({ threads: 1, memoryLimit: '48MB' })]);
  try {
    // 4M rows of 16 bytes sorted in 48 MB: each database spills, both at once.
    const sorted = 'SELECT count(*) AS n, sum(i) AS total FROM (SELECT id AS i, id::DOUBLE AS v FROM range(4000000) r(id) ORDER BY v DESC LIMIT 4000000)';
    const results = await Promise.all(dbs.map(async (db) => (await db.connection.runAndReadAll(sorted)).getRowObjects()[0]));
    for (const r of results) assert.deepEqual(r, { n: 4000000n, total: 7999998000000n });
    assert.equal(existsSync('.tmp'), false, "nothing spilled into DuckDB's default, the working directory's .tmp");
  } finally {
    for (const db of dbs) db.close();
  }
});
