/**
 * npm run bench:merge — upsert 5% updated + 5% new rows into a 10M-row, ~100-file Delta table,
 * against DuckDB's own MERGE INTO on an in-memory table with the same rows, in the same run.
 * Also reports how many files the merge touched and rewrote. Copy-on-write and deletion-vector
 * tables are both measured.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withConnection } from '@loch/engine-node';
import { DeltaTable } from '@loch/lakehouse';

const ROWS = Number(process.env.LOCH_BENCH_ROWS ?? 10_000_000);
const FILES = Number(process.env.LOCH_BENCH_FILES ?? 100);
const progress = (s: string) => process.stderr.write(`${s}\n`);

const targetRows = (from: number, to: number) =>
  `SELECT i AS id, 'name_' || (i % 50000) AS name, (i % 997) * 1.5 AS amount, DATE '2024-01-01' + (i % 365)::INTEGER AS day FROM range(${from}, ${to}) t(i)`;
// 5% of existing ids (spread over the whole table) get new values; 5% new ids are inserted.
const sourceRows = (n: number) => `SELECT id, 'updated' AS name, -1.0 AS amount, DATE '2025-01-01' AS day FROM (
    SELECT (i * 20 + 7) AS id FROM range(${Math.floor(n / 20)}) t(i)
    UNION ALL SELECT ${n} + i FROM range(${Math.floor(n / 20)}) t(i))`;

async function time<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t = performance.now();
  const r = await fn();
  return [performance.now() - t, r];
}

async function main() {
  const dir = await mkdtemp(join(tmpdir(), 'loch-bench-merge-'));
  try {
    progress(`DuckDB: ${ROWS.toLocaleString()} rows in memory, MERGE INTO ...`);
    const [duckMs] = await withConnection(async (c) => {
      await c.run(`CREATE TEMP TABLE t AS ${targetRows(0, ROWS)}`);
      await c.run(`CREATE TEMP TABLE s AS ${sourceRows(ROWS)}`);
      const r = await time(() =>
        c.run(`MERGE INTO t USING s ON t.id = s.id
               WHEN MATCHED THEN UPDATE SET name = s.name, amount = s.amount, day = s.day
               WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.name, s.amount, s.day)`),
      );
      const n = Number((await c.runAndReadAll('SELECT count(*) FROM t')).getRows()[0][0]);
      if (n !== ROWS + ROWS / 20) throw new Error(`DuckDB merge produced ${n} rows`);
      await c.run('DROP TABLE t');
      await c.run('DROP TABLE s');
      return r;
    });

    const rows: string[] = [];
    for (const dv of [false, true]) {
      const path = join(dir, dv ? 'dv' : 'cow');
      progress(`Loch (${dv ? 'deletion vectors' : 'copy-on-write'}): writing ${FILES} files ...`);
      const t = await DeltaTable.create(path, {
        schema: { id: 'long', name: 'string', amount: 'double', day: 'date' },
        configuration: dv ? { 'delta.enableDeletionVectors': 'true' } : {},
      });
      const per = Math.ceil(ROWS / FILES);
      for (let f = 0; f < FILES; f++) await t.write(targetRows(f * per, Math.min(ROWS, (f + 1) * per)));
      progress(`Loch (${dv ? 'deletion vectors' : 'copy-on-write'}): MERGE ...`);
      const [ms, result] = await time(() => t.merge(sourceRows(ROWS), 'target.id = source.id').whenMatchedUpdateAll().whenNotMatchedInsertAll().execute());
      const m = result.metrics;
      if (m.numTargetRowsUpdated !== ROWS / 20 || m.numTargetRowsInserted !== ROWS / 20) throw new Error(`unexpected merge metrics ${JSON.stringify(m)}`);
      rows.push(
        `| Loch MERGE, ${dv ? 'deletion vectors' : 'copy-on-write'} | ${(ms / 1000).toFixed(2)} | ${(ms / duckMs).toFixed(2)}x | ${FILES} | ${dv ? m.numTargetDeletionVectorsAdded : m.numTargetFilesRemoved} ${dv ? 'DVs written' : 'rewritten'} | ${m.numTargetRowsCopied} |`,
      );
    }
    console.log(`MERGE: ${(ROWS / 20).toLocaleString()} updates + ${(ROWS / 20).toLocaleString()} inserts into ${ROWS.toLocaleString()} rows`);
    console.log('| engine | time (s) | vs DuckDB | target files | files touched | rows copied |');
    console.log('|---|---|---|---|---|---|');
    console.log(`| DuckDB MERGE INTO (in-memory table) | ${(duckMs / 1000).toFixed(2)} | 1.00x | - | - | - |`);
    for (const r of rows) console.log(r);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  process.stderr.write(`${(e as { code?: string }).code ?? 'LOCH_INTERNAL'}: ${(e as Error).message}\n`);
  process.exitCode = 1;
});
