/** The figures the CI test holds Loch to, kept in the repository and raised as work lands. */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tally, type FileReport } from './run-golden.js';

const here = dirname(fileURLToPath(import.meta.url));
/** The package root, from dist/test/sql/spark-golden. */
const root = resolve(here, '../../../..');

export const DEFAULT_DIR = resolve(root, '../../../shared/conformance/spark-sql');
export const RECORD_FILE = join(root, 'test/sql/spark-golden/recorded.json');

export interface Record {
  /** Queries passed over all files. */
  readonly pass: number;
  readonly total: number;
  /** Queries passed per file. */
  readonly files: { readonly [name: string]: number };
}

export function recordOf(reports: readonly FileReport[]): Record {
  const files: { [name: string]: number } = {};
  for (const r of reports) files[r.name] = tally(r.queries).pass;
  const all = tally(reports.flatMap((r) => r.queries));
  return { pass: all.pass, total: all.total, files };
}

export function readRecord(): Record {
  return JSON.parse(readFileSync(RECORD_FILE, 'utf8')) as Record;
}
