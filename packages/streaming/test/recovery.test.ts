/**
 * Recovery: a query in a child process, killed with SIGKILL at random moments while files keep
 * arriving, restarted each time from its checkpoint. In the end the Delta table holds every
 * file's rows exactly once, and a windowed aggregation equals the same aggregation as a batch
 * query. The seed of each run is printed, so a failure can be replayed (LOCH_RECOVERY_SEED).
 */
import assert from 'node:assert/strict';
import { random, sleep, startScript } from './support/child-process.js';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { rows, scratch, type Scratch } from './support/lake.js';

/** The fixture lives in the source tree (tsc does not copy .mjs files to dist). */
const CHILD = fileURLToPath(new URL('../../test/fixtures/stream-child.mjs', import.meta.url));
const startChild = (config: Record<string, unknown>) => startScript(CHILD, config);
const ROWS_PER_FILE = 5;
/**
 * Writes files as producers do: whole, under a hidden name, then renamed into place. Folder and
 * file names are zero-padded so that key order is arrival order, as Auto Loader expects of its
 * input: a backlog is taken in key order, so with `part-10` listed before `part-2` a restart
 * would aggregate later events first, and the watermark of that batch rightly drops the earlier
 * files' rows as late (which made the windowed test fail whenever a slow run wrote 250 files).
 */
async function writeEventFile(s: Scratch, i: number, events: { id: number; ts: string; v: number }[]): Promise<void> {
  const dir = s.path('landing', `part-${String(Math.floor(i / 25)).padStart(4, '0')}`);
  await mkdir(dir, { recursive: true });
  const name = `events-${String(i).padStart(5, '0')}.json`;
  await writeFile(join(dir, `.${name}.tmp`), events.map((e) => JSON.stringify(e)).join('\n'));
  await rename(join(dir, `.${name}.tmp`), join(dir, name));
}

/**
 * Runs the stream through `kills` SIGKILLs at random moments (some while it starts, most while
 * it runs batches) as `produce` keeps adding files, then once more to the end with availableNow.
 */
async function killRounds(s: Scratch, config: Record<string, unknown>, kills: number, seed: number, produce: (stop: () => boolean) => Promise<void>): Promise<void> {
  const rand = random(seed);
  let stopping = false;
  const producer = produce(() => stopping);
  try {
    for (let k = 0; k < kills; k++) {
      const child = startChild({ ...config, trigger: { processingTime: 0 } });
      if (rand() < 0.2) await sleep(rand() * 400);
      else {
        await child.started();
        await sleep(rand() * 900);
      }
      child.proc.kill('SIGKILL');
      await child.exited;
    }
  } finally {
    stopping = true;
    await producer;
  }
  const last = startChild({ ...config, trigger: { availableNow: true } });
  assert.equal(await last.exited, 0, `the last run failed: ${last.lines.join(' | ')}`);
}

const seedOf = () => Number(process.env.LOCH_RECOVERY_SEED ?? Date.now() % 100000);

test('SIGKILLed at random points while files keep arriving, restarted each time: every file\'s rows land exactly once', async (t) => {
  const s = await scratch('loch-recovery-');
  t.after(() => s.cleanup());
  const seed = seedOf();
  t.diagnostic(`seed ${seed}`);
  let files = 0;
  const config = { lake: s.path('lake'), landing: s.path('landing'), schemaLocation: s.path('schema'), checkpoint: s.path('ck'), table: 'bronze', mode: 'rows', maxFilesPerTrigger: 3 };
  await killRounds(s, config, 22, seed, async (stop) => {
    const rand = random(seed + 1);
    while (!stop()) {
      const i = files++;
      await writeEventFile(s, i, Array.from({ length: ROWS_PER_FILE }, (_, j) => ({ id: i * 1000 + j, ts: new Date(1.7e12 + i * 1000 + j).toISOString(), v: j })));
      await sleep(20 + rand() * 60);
    }
  });
  const [got] = await rows(s.lake, 'SELECT count(*) AS n, count(DISTINCT id) AS d, min(id) AS lo, max(id) AS hi FROM bronze');
  assert.ok(files >= 20, `only ${files} files were written`);
  assert.deepEqual([Number(got.n), Number(got.d)], [files * ROWS_PER_FILE, files * ROWS_PER_FILE], `seed ${seed}: every row of ${files} files once`);
  const perFile = await rows(s.lake, `SELECT CAST(floor(id / 1000) AS BIGINT) AS f, count(*) AS n FROM bronze GROUP BY ALL HAVING count(*) <> ${ROWS_PER_FILE}`);
  assert.deepEqual(perFile, [], `seed ${seed}: files with missing or extra rows`);
  assert.deepEqual([Number(got.lo), Number(got.hi)], [0, (files - 1) * 1000 + ROWS_PER_FILE - 1]);
});

test('a windowed aggregation killed and restarted gives what the same aggregation gives as a batch query', async (t) => {
  const s = await scratch('loch-recovery-');
  t.after(() => s.cleanup());
  const seed = seedOf() + 7;
  t.diagnostic(`seed ${seed}`);
  const events: { id: number; ts: string; v: number }[] = [];
  const base = Date.UTC(2024, 0, 1);
  let files = 0;
  const config = { lake: s.path('lake'), landing: s.path('landing'), schemaLocation: s.path('schema'), checkpoint: s.path('ck'), table: 'per_minute', mode: 'window', maxFilesPerTrigger: 2 };
  await killRounds(s, config, 8, seed, async (stop) => {
    const rand = random(seed + 1);
    while (!stop()) {
      const i = files++;
      const batch = Array.from({ length: ROWS_PER_FILE }, (_, j) => ({ id: i * 1000 + j, ts: new Date(base + i * 20_000 + j * 1000).toISOString(), v: (i * 7 + j) % 11 }));
      events.push(...batch);
      await writeEventFile(s, i, batch);
      await sleep(30 + rand() * 60);
    }
    // One event a day later moves the watermark past every window, so all of them are final.
    await writeEventFile(s, files++, [{ id: -1, ts: new Date(base + 86_400_000).toISOString(), v: 0 }]);
  });
  const expected = new Map<number, { n: number; total: number }>();
  for (const e of events) {
    const minute = Math.floor(Date.parse(e.ts) / 60_000) * 60_000;
    const w = expected.get(minute) ?? { n: 0, total: 0 };
    w.n++;
    w.total += e.v;
    expected.set(minute, w);
  }
  const got = await rows(s.lake, 'SELECT epoch_ms(`window`.start) AS start, n, total FROM per_minute ORDER BY start');
  assert.deepEqual(
    got.map((r) => [Number(r.start), Number(r.n), Number(r.total)]),
    [...expected].sort((a, b) => a[0] - b[0]).map(([m, w]) => [m, w.n, w.total]),
    `seed ${seed}`,
  );
});
