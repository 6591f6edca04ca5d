import type { Lakehouse } from '@loch/lakehouse';
import { streamingError } from '../errors.js';
import type { Expectation, ViolationAction } from './definition.js';

/** One expectation's counts over a batch (the names Databricks' event log uses). */
export interface ExpectationCounts {
  readonly name: string;
  readonly dataset: string;
  readonly action: ViolationAction;
  readonly passed_records: number;
  readonly failed_records: number;
}

export interface ExpectationCheck {
  readonly counts: readonly ExpectationCounts[];
  /** Rows removed by ON VIOLATION DROP ROW expectations. */
  readonly dropped: number;
  /** A Spark SQL condition keeping the rows every DROP ROW expectation passes; absent when none drops. */
  readonly keep?: string;
}

/** The condition as a row test: NULL counts as a violation, as in Delta's CHECK constraints. */
const holds = (e: Expectation) => `coalesce((${e.condition}), false)`;

/**
 * Counts how many rows of `relation` pass and fail each expectation, in one query through the
 * lake's SQL (the conditions are Spark SQL). An ON VIOLATION FAIL UPDATE expectation with a
 * failing row fails with EXPECTATION_VIOLATION naming `where`, the expectation and one such row.
 */
export async function checkExpectations(
  lake: Lakehouse,
  relation: string,
  expectations: readonly Expectation[],
  dataset: string,
  where: string,
): Promise<ExpectationCheck> {
  if (expectations.length === 0) return { counts: [], dropped: 0 };
  const drops = expectations.filter((e) => e.action === 'drop');
  const keep = drops.length > 0 ? drops.map(holds).join(' AND ') : undefined;
  const items = ['count(*) AS n', ...expectations.map((e, i) => `count_if(NOT ${holds(e)}) AS f${i}`), `count_if(NOT (${keep ?? 'true'})) AS dropped`];
  const [r] = await lake.sql(`SELECT ${items.join(', ')} FROM ${relation}`).catch((e: unknown) => {
    throw streamingError('PIPELINE_UPDATE_FAILED', `${where}: the expectations cannot be evaluated: ${(e as Error).message}`, e);
  });
  const row = r.rows[0] ?? {};
  const n = Number(row['n'] ?? 0);
  const counts = expectations.map((e, i) => {
    const failed = Number(row[`f${i}`] ?? 0);
    return { name: e.name, dataset, action: e.action, passed_records: n - failed, failed_records: failed };
  });
  for (const [i, e] of expectations.entries()) {
    if (e.action === 'fail' && counts[i].failed_records > 0) await failUpdate(lake, relation, e, counts[i].failed_records, where);
  }
  return { counts, dropped: Number(row['dropped'] ?? 0), ...(keep ? { keep } : {}) };
}

async function failUpdate(lake: Lakehouse, relation: string, e: Expectation, failed: number, where: string): Promise<never> {
  const [sample] = await lake.sql(`SELECT * FROM ${relation} WHERE NOT ${holds(e)} LIMIT 1`);
  const row = JSON.stringify(sample.rows[0] ?? {}, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  throw streamingError(
    'EXPECTATION_VIOLATION',
    `${where}: expectation ${e.name} (${e.condition}) ON VIOLATION FAIL UPDATE failed for ${failed} row(s); the update stopped and nothing of this batch was written. A failing row: ${row}`,
  );
}
