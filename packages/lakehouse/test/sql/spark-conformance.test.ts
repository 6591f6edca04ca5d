import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { DEFAULT_DIR, readRecord } from './spark-golden/record.js';
import { formatTally, runGoldenDirectory, tally } from './spark-golden/run-golden.js';

/**
 * Spark's own SQL golden files (../shared/conformance/spark-sql) through Loch's SQL front end:
 * the pass rate, overall and per file, may not fall below the figures recorded in
 * spark-golden/recorded.json (raise them with `npm run conformance:spark-sql -- --record`).
 */
test('Spark SQL golden files: pass rate not below the recorded one', async (t) => {
  assert.ok(existsSync(DEFAULT_DIR), `Spark's golden files are missing: expected them at ${DEFAULT_DIR} (../shared beside the repository)`);
  const recorded = readRecord();
  const reports = await runGoldenDirectory(DEFAULT_DIR);
  for (const r of reports) t.diagnostic(formatTally(r.name, tally(r.queries)));
  const all = tally(reports.flatMap((r) => r.queries));
  t.diagnostic(formatTally('overall', all));
  const fell = reports.filter((r) => tally(r.queries).pass < (recorded.files[r.name] ?? 0)).map((r) => `${r.name}: ${tally(r.queries).pass} < ${recorded.files[r.name]}`);
  assert.deepEqual(fell, [], 'files that pass fewer queries than recorded');
  assert.ok(all.pass >= recorded.pass, `${all.pass} of ${all.total} queries pass, ${recorded.pass} recorded`);
});
