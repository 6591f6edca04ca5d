/**
 * One snapshot per operation: an operation plans against the snapshot it is given (or loads one
 * once), and its commit is conflict-checked against every commit after that version. A writer
 * that commits between the plan and the commit is detected, never silently planned around; the
 * SQL runner hands its operations the snapshot it checked the statement against.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isDeltaError, type Engine, type Snapshot } from '@loch/delta';
import { nodeEngine } from '@loch/engine-node';
import { DeltaTable, Lakehouse } from '@loch/lakehouse';
import { commitInfoOf, tempDir } from './support/fs-table.js';

/** Three files of ten rows: ids 0-9, 10-19, 20-29 (versions 0-2). */
async function threeFiles(dir: string, engine?: Engine): Promise<DeltaTable> {
  const t = DeltaTable.forPath(dir, engine ? { engine } : {});
  for (let i = 0; i < 3; i++) await t.write(`SELECT ${i * 10} + i AS id, 0 AS v FROM range(10) r(i)`);
  return t;
}

async function rejectsAsConcurrent(p: Promise<unknown>, what: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(isDeltaError(e) && /^DELTA_CONCURRENT_DELETE_/.test(e.code), `${what}: expected a concurrent-delete conflict, got ${String((e as Error).message)}`);
    return true;
  });
}

/** Each operation given a snapshot older than a concurrent DELETE of a file it reads fails instead of committing. */
const stale: readonly [string, (t: DeltaTable, snapshot: Snapshot) => Promise<unknown>][] = [
  ['UPDATE', (t, snapshot) => t.update({ v: 'v + 1' }, 'id < 5', { snapshot })],
  ['DELETE', (t, snapshot) => t.delete('id < 5', { snapshot })],
  ['MERGE', (t, snapshot) => t.merge(`SELECT 3 AS id, 7 AS v`, 'target.id = source.id').withSnapshot(snapshot).whenMatchedUpdateAll().execute()],
  ['OPTIMIZE', (t, snapshot) => t.optimize({ snapshot })],
  ['RESTORE', (t, snapshot) => t.restore({ version: 1 }, { snapshot })],
  ['ADD CONSTRAINT', (t, snapshot) => t.alter({ kind: 'addConstraint', name: 'positive', expression: 'id >= 0' }, { snapshot })],
  ['COMPUTE STATS', (t, snapshot) => t.computeDeltaStatistics({ snapshot })],
  ['overwrite', (t, snapshot) => t.write(`SELECT 1 AS id, 1 AS v`, { mode: 'overwrite', snapshot })],
];

for (const [name, run] of stale) {
  test(`${name} planned against a snapshot a concurrent DELETE outdated fails with a conflict`, async (t) => {
    const { dir, cleanup } = await tempDir('loch-stale-');
    t.after(cleanup);
    const table = await threeFiles(dir);
    const snapshot = await table.snapshot();
    await table.delete('id < 10'); // removes the first file: version 3
    await rejectsAsConcurrent(run(table, snapshot), name);
    assert.equal((await table.snapshot()).version, 3, 'nothing was committed');
  });
}

test('a commit is checked from the version it planned against: a concurrent append is kept and readVersion says so', async (t) => {
  const { dir, cleanup } = await tempDir('loch-stale-');
  t.after(cleanup);
  const table = await threeFiles(dir);
  const snapshot = await table.snapshot();
  await table.write(`SELECT 100 AS id, 0 AS v`); // a blind append: version 3
  const r = await table.delete('id >= 20', { snapshot, userMetadata: 'cleanup', engineInfo: 'tests/1.0' });
  assert.equal(r.version, 4);
  const ci = await commitInfoOf(dir, 4);
  assert.equal(ci.readVersion, 2);
  assert.equal(ci.userMetadata, 'cleanup');
  assert.equal(ci.engineInfo, 'tests/1.0');
  // id 100 matches the predicate but was not in the snapshot the DELETE planned against.
  const ids = (await table.scan({ columns: ['id'] })).rows.map((row) => Number(row.id)).sort((a, b) => a - b);
  assert.deepEqual(ids, [...Array.from({ length: 20 }, (_, i) => i), 100]);
});

test('a snapshot of another table is refused', async (t) => {
  const a = await tempDir('loch-stale-');
  const b = await tempDir('loch-stale-');
  t.after(a.cleanup);
  t.after(b.cleanup);
  const ta = await threeFiles(a.dir);
  const tb = await threeFiles(b.dir);
  await assert.rejects(tb.delete('id = 1', { snapshot: await ta.snapshot() }), (e: unknown) => isDeltaError(e, 'DELTA_INVALID_ARGUMENT'));
});

test('CommitOptions.txn makes any operation idempotent: the second run with the same application version does nothing', async (t) => {
  const { dir, cleanup } = await tempDir('loch-stale-');
  t.after(cleanup);
  const table = await threeFiles(dir);
  const txn = { appId: 'nightly', version: 7 };
  const first = await table.update({ v: 'v + 1' }, 'id < 5', { txn });
  assert.equal(first.version, 3);
  const again = await table.update({ v: 'v + 1' }, 'id < 5', { txn });
  assert.equal(again.version, undefined);
  const merged = await table.merge(`SELECT 1 AS id, 9 AS v`, 'target.id = source.id').withCommitOptions({ txn }).whenMatchedUpdateAll().execute();
  assert.equal(merged.version, undefined);
  const rows = (await table.scan({ columns: ['v'], where: 'id < 5' })).rows;
  assert.ok(rows.every((row) => Number(row.v) === 1), 'updated once');
  assert.equal((await table.snapshot()).txns.get('nightly')?.version, 7);
});

/**
 * An engine whose next listing of a `_delta_log/` runs `race` after the listing is taken: the
 * reader gets the version before the racing commit, as if another writer committed just after.
 */
function racingEngine(): { engine: Engine; arm: (race: () => Promise<unknown>) => void } {
  const base = nodeEngine();
  let pending: (() => Promise<unknown>) | undefined;
  const storage = new Proxy(base.storage, {
    get(target, prop) {
      if (prop === 'list') {
        return async (dir: string, from?: string) => {
          const listed = await target.list(dir, from);
          const race = pending;
          if (race && dir.endsWith('_delta_log/')) {
            pending = undefined;
            await race();
          }
          return listed;
        };
      }
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  return { engine: { ...base, storage }, arm: (race) => (pending = race) };
}

test('SQL DML commits from the version the statement was checked against', async (t) => {
  const { dir, cleanup } = await tempDir('loch-stale-sql-');
  t.after(cleanup);
  const { engine, arm } = racingEngine();
  const lake = Lakehouse.open(dir, { engine });
  await threeFiles(`${dir}/t`);
  const other = DeltaTable.forPath(`${dir}/t`); // another writer, on an engine of its own

  // A concurrent DELETE of a file the statement reads: detected, whatever the statement.
  for (const statement of [
    'UPDATE t SET v = v + 1 WHERE id < 5',
    'DELETE FROM t WHERE id < 5',
    'MERGE INTO t USING (SELECT 3 AS id, 7 AS v) s ON t.id = s.id WHEN MATCHED THEN UPDATE SET v = s.v',
    'INSERT OVERWRITE t SELECT 1 AS id, 1 AS v',
  ]) {
    const before = (await other.snapshot()).version;
    // The file holding ids 0-9 goes, and the rows come back in a new file for the next statement.
    arm(() => other.delete('id < 10').then(() => other.write(`SELECT i AS id, 0 AS v FROM range(10) r(i)`)));
    await rejectsAsConcurrent(lake.sql(statement), statement);
    assert.equal((await other.snapshot()).version, before + 2, `${statement}: only the other writer's commits landed`);
  }

  // A concurrent blind append: the statement commits after it, recording the version it read.
  const read = (await other.snapshot()).version;
  arm(() => other.write(`SELECT 1000 AS id, 0 AS v`));
  const [r] = await lake.sql('DELETE FROM t WHERE id >= 0');
  assert.equal(r.version, read + 2);
  assert.equal((await commitInfoOf(`${dir}/t`, read + 2)).readVersion, read);
  const ids = (await other.scan({ columns: ['id'] })).rows.map((row) => Number(row.id));
  assert.deepEqual(ids, [1000], 'the appended row, unseen by the DELETE, is kept');
});
