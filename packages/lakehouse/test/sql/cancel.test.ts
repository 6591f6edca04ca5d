import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Lakehouse } from '@loch/lakehouse';

test("sql's signal interrupts DuckDB mid-query and starts no later statement (LOCH_STATEMENT_CANCELED)", { timeout: 120_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'loch-sql-cancel-'));
  try {
    const lh = Lakehouse.open(join(dir, 'lake'));
    await lh.sql('CREATE TABLE t (x BIGINT) USING DELTA');
    const abort = new AbortController();
    // 10^12 rows: hours of work unless DuckDB is interrupted; the INSERT after it must not run.
    const run = lh.sql('SELECT sum(hash(a.id * 1000003 + b.id)) FROM range(1000000) a(id), range(1000000) b(id); INSERT INTO t VALUES (1)', { signal: abort.signal });
    setTimeout(() => abort.abort(), 500);
    await assert.rejects(run, (e: any) => e.code === 'LOCH_STATEMENT_CANCELED' && /statement 1/.test(e.message));
    assert.deepEqual((await lh.sql('SELECT count(*) AS n FROM t'))[0].rows, [{ n: 0 }]);
    // A signal aborted before the run starts runs nothing.
    await assert.rejects(lh.sql('INSERT INTO t VALUES (2)', { signal: AbortSignal.abort() }), (e: any) => e.code === 'LOCH_STATEMENT_CANCELED');
    assert.deepEqual((await lh.sql('SELECT count(*) AS n FROM t'))[0].rows, [{ n: 0 }]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
