/**
 * Runs Spark's SQL golden files through Loch's SQL front end, in process: one session per file
 * (Spark's suite runs each file in its own session), Spark's test tables first, then every
 * statement in order, each compared with what Spark answered.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { splitStatements, tokenize } from '../../../src/sql/parse/lexer.js';
import { LakeCatalog } from '../../../src/sql/run/lake-catalog.js';
import { SqlSession } from '../../../src/sql/run/session.js';
import { compareResult } from './compare.js';
import { readGoldenFile, type GoldenQuery } from './golden-file.js';
import { parseSchema } from './spark-types.js';

/** Spark's suite runs in this zone (SparkFunSuite fixes the JVM's). */
export const SUITE_TIME_ZONE = 'America/Los_Angeles';

export type Outcome = 'pass' | 'wrong' | 'failed' | 'accepted';

export interface QueryReport {
  readonly index: number;
  readonly sql: string;
  readonly outcome: Outcome;
  /** A setup statement (CREATE, INSERT, SET): run, but not counted among the queries. */
  readonly setup: boolean;
  /** What differed, or Loch's error. */
  readonly detail?: string;
}

export interface FileReport {
  readonly name: string;
  readonly queries: QueryReport[];
}

/**
 * Spark's SQLTestData tables the golden files read: testdata(key int, value string) 1..100,
 * arraydata and mapdata, as the conformance README describes them.
 */
const TEST_DATA = `
CREATE TEMPORARY VIEW testdata AS SELECT CAST(id AS INT) AS key, CAST(id AS STRING) AS value FROM range(1, 101);
CREATE TEMPORARY VIEW arraydata AS SELECT * FROM VALUES
  (array(1, 2, 3), array(array(1, 2, 3))),
  (array(2, 3, 4), array(array(2, 3, 4))) AS t(arraycol, nestedarraycol);
CREATE TEMPORARY VIEW mapdata AS SELECT * FROM VALUES
  (map(1, 'a1', 2, 'b1', 3, 'c1', 4, 'd1', 5, 'e1')),
  (map(1, 'a2', 2, 'b2', 3, 'c2', 4, 'd2')),
  (map(1, 'a3', 2, 'b3', 3, 'c3')),
  (map(1, 'a4', 2, 'b4')),
  (map(1, 'a5')) AS t(mapcol)`;

export async function runGoldenFile(path: string): Promise<FileReport> {
  const file = readGoldenFile(path);
  const lake = await mkdtemp(join(tmpdir(), 'loch-spark-golden-'));
  const session = await SqlSession.open({ lake: new LakeCatalog(lake), conf: { 'spark.sql.session.timeZone': SUITE_TIME_ZONE } });
  try {
    for (const st of splitStatements(TEST_DATA)) await session.execute(st);
    const queries: QueryReport[] = [];
    for (const q of file.queries) queries.push(await runQuery(session, q));
    return { name: file.name, queries };
  } finally {
    await session.close();
    await rm(lake, { recursive: true, force: true });
  }
}

async function runQuery(session: SqlSession, q: GoldenQuery): Promise<QueryReport> {
  const report = (outcome: Outcome, detail?: string): QueryReport => ({ index: q.index, sql: q.sql, outcome, setup: q.setup, ...(detail !== undefined ? { detail } : {}) });
  let result;
  try {
    result = await session.execute({ text: q.sql, number: 1 });
  } catch (e) {
    return q.rejected ? report('pass') : report('failed', e instanceof Error ? `${(e as { code?: string }).code ?? e.name}: ${e.message.split('\n')[0]}` : String(e));
  }
  if (q.rejected) return report('accepted', q.output.split('\n')[0]);
  // A statement without output (CREATE, INSERT...) or a SET passes by running.
  if (q.setup) return report('pass');
  const fields = parseSchema(q.schema);
  if (!fields) return report('failed', `the runner cannot read Spark's schema ${q.schema}`);
  const diff = compareResult(q.output, fields, result, isOrdered(q.sql), SUITE_TIME_ZONE);
  return diff === undefined ? report('pass') : report('wrong', diff);
}

/** Whether the query orders its rows: an ORDER BY (or SORT BY) outside any parentheses. */
function isOrdered(sql: string): boolean {
  let depth = 0;
  const tokens = tokenize(sql).filter((t) => t.kind !== 'space' && t.kind !== 'comment');
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.kind === 'punct' && t.text === '(') depth++;
    else if (t.kind === 'punct' && t.text === ')') depth--;
    else if (depth === 0 && t.kind === 'word' && /^(ORDER|SORT)$/i.test(t.text) && /^BY$/i.test(tokens[i + 1]?.text ?? '')) return true;
  }
  return false;
}

/** Every `*.sql.out` of a directory, in name order. */
export async function runGoldenDirectory(dir: string, onFile?: (r: FileReport) => void): Promise<FileReport[]> {
  const names = (await readdir(dir)).filter((n) => n.endsWith('.sql.out')).sort();
  const out: FileReport[] = [];
  for (const n of names) {
    const r = await runGoldenFile(join(dir, n));
    onFile?.(r);
    out.push(r);
  }
  return out;
}

export interface Tally {
  /** Queries judged (setup statements not counted). */
  readonly total: number;
  readonly pass: number;
  readonly wrong: number;
  readonly failed: number;
  readonly accepted: number;
  /** Setup statements that failed (their queries usually fail with them). */
  readonly setupFailed: number;
}

export function tally(reports: readonly QueryReport[]): Tally {
  const queries = reports.filter((q) => !q.setup);
  const count = (o: Outcome) => queries.filter((q) => q.outcome === o).length;
  const setupFailed = reports.filter((q) => q.setup && q.outcome !== 'pass').length;
  return { total: queries.length, pass: count('pass'), wrong: count('wrong'), failed: count('failed'), accepted: count('accepted'), setupFailed };
}

export function formatTally(name: string, t: Tally): string {
  const rate = t.total === 0 ? 0 : (100 * t.pass) / t.total;
  return `${name.padEnd(36)} ${String(t.pass).padStart(4)}/${String(t.total).padEnd(4)} ${rate.toFixed(1).padStart(5)}%  wrong ${t.wrong}, failed ${t.failed}, accepted ${t.accepted}${t.setupFailed > 0 ? `; setup failed ${t.setupFailed}` : ''}`;
}
