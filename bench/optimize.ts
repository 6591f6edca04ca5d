/**
 * npm run bench:optimize — ZORDER BY (a, b) of 10M rows, then the share of files a point lookup
 * on each Z-ordered column skips by file statistics (min/max), before and after.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeltaTable } from '@loch/lakehouse';

const ROWS = Number(process.env.LOCH_BENCH_ROWS ?? 10_000_000);
const APPENDS = 20;
const PROBES = 200;
const progress = (s: string) => process.stderr.write(`${s}\n`);

function skipShare(stats: { minValues: Record<string, number>; maxValues: Record<string, number> }[], col: string): number {
  let skipped = 0;
  let total = 0;
  for (let p = 0; p < PROBES; p++) {
    const probe = Math.floor(((p * 7919) % PROBES) * (1_000_000 / PROBES)) + 17;
    for (const s of stats) {
      total++;
      if (probe < s.minValues[col] || probe > s.maxValues[col]) skipped++;
    }
  }
  return skipped / total;
}

async function main() {
  const dir = await mkdtemp(join(tmpdir(), 'loch-bench-optimize-'));
  try {
    const t = DeltaTable.forPath(join(dir, 't'));
    const per = ROWS / APPENDS;
    for (let k = 0; k < APPENDS; k++) {
      progress(`append ${k + 1}/${APPENDS}`);
      await t.write(`SELECT (hash(i) % 1000000)::BIGINT AS a, (hash(i * 31 + 7) % 1000000)::BIGINT AS b, 'payload_' || i AS c
                     FROM range(${k * per}, ${(k + 1) * per}) t(i)`);
    }
    const before = await t.snapshot();
    const statsOf = (s: typeof before) => s.files.map((f) => JSON.parse(f.stats!));
    const bytes = before.files.reduce((n, f) => n + f.size, 0);
    // About 256 files: 16 cells per column.
    const target = Math.floor(bytes / 256);
    progress('OPTIMIZE ZORDER BY (a, b) ...');
    const t0 = performance.now();
    const r = await t.optimize({ zOrderBy: ['a', 'b'], targetFileSize: target, onProgress: progress });
    const ms = performance.now() - t0;
    const after = await t.snapshot();
    console.log(`ZORDER BY (a, b) of ${ROWS.toLocaleString()} rows: ${(ms / 1000).toFixed(2)} s, ${r.metrics.numFilesRemoved} files -> ${r.metrics.numFilesAdded}`);
    console.log(`| point lookup | files skipped before | files skipped after ZORDER |`);
    console.log(`|---|---|---|`);
    for (const col of ['a', 'b']) {
      console.log(`| ${col} = const (${PROBES} probes) | ${(skipShare(statsOf(before), col) * 100).toFixed(1)}% of ${before.files.length} | ${(skipShare(statsOf(after), col) * 100).toFixed(1)}% of ${after.files.length} |`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  process.stderr.write(`${(e as { code?: string }).code ?? 'LOCH_INTERNAL'}: ${(e as Error).message}\n`);
  process.exitCode = 1;
});
