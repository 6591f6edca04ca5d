/**
 * `npm run conformance:spark-sql -- [dir] [--details] [--json=file] [--record]`: Spark's golden
 * files in `dir` (default ../shared/conformance/spark-sql) through Loch, per-file counts and the
 * overall rate on stderr. --details lists every query that does not pass; --json writes every
 * query's outcome; --record writes the figures the CI test holds Loch to (default directory only).
 */
import { writeFileSync } from 'node:fs';
import { formatTally, runGoldenDirectory, tally } from './run-golden.js';
import { DEFAULT_DIR, RECORD_FILE, recordOf } from './record.js';

const args = process.argv.slice(2);
const dir = args.find((a) => !a.startsWith('--')) ?? DEFAULT_DIR;
const details = args.includes('--details');
const reports = await runGoldenDirectory(dir, (r) => {
  process.stderr.write(`${formatTally(r.name, tally(r.queries))}\n`);
  if (details) {
    for (const q of r.queries.filter((x) => x.outcome !== 'pass')) {
      process.stderr.write(`  #${q.index} ${q.outcome}: ${q.sql.replace(/\s+/g, ' ').slice(0, 160)}\n      ${(q.detail ?? '').slice(0, 300)}\n`);
    }
  }
});
const all = tally(reports.flatMap((r) => r.queries));
process.stderr.write(`${formatTally('overall', all)}\n`);
const json = args.find((a) => a.startsWith('--json='));
if (json) writeFileSync(json.slice('--json='.length), `${JSON.stringify(reports, null, 1)}\n`);
if (args.includes('--record')) {
  if (dir !== DEFAULT_DIR) throw new Error('--record is for the default directory only');
  writeFileSync(RECORD_FILE, `${JSON.stringify(recordOf(reports), null, 2)}\n`);
  process.stderr.write(`recorded in ${RECORD_FILE}\n`);
}
