import { deltaError, planScan, scanColumns, type Predicate, type ScanPlan } from '@loch/delta';
import { sqlIdent } from '@loch/engine-node';
import { scanSql } from '../../../scan/query.js';
import { selectFiles } from '../../../planner/index.js';
import { joinKeys, sourceKeyFilter } from './keys.js';
import type { MergePlan } from './plan.js';
import type { MergeRun } from './spec.js';

/** How the target was joined to the source. */
export interface MergeJoin {
  /** The target files read (the others cannot hold a matching row). */
  readonly plan: ScanPlan;
  /** The predicate that chose them, when the source's join keys pruned any. */
  readonly pruning?: Predicate;
  /** The join was driven by the source: only target rows some source row matches are in it. */
  readonly sourceDriven: boolean;
}

/**
 * Joins the target's rows to the source's into the run's result table, one row per outcome
 * with its action and output columns; fails when a target row that a clause changes is matched
 * by several source rows, as Spark does.
 */
export async function joinTargetAndSource(run: MergeRun, merge: MergePlan): Promise<MergeJoin> {
  const { c, snapshot, spec, T, S, srcTable } = run;
  const { plan, pruning } = await targetFiles(run, merge);
  const inner =
    (await scanSql(c, run.engine, plan, { withFile: true, withRowNumber: true })) ??
    `SELECT ${snapshot.schema.fields.map((f) => `NULL AS ${sqlIdent(f.name)}`).join(', ')}, NULL::VARCHAR AS __loch_file, NULL::BIGINT AS __loch_row WHERE FALSE`;
  // Without NOT MATCHED BY SOURCE clauses only target rows that some source row matches can
  // change, so the join is driven by the (usually much smaller) source; rows to copy from
  // rewritten files are read again later. Otherwise every target row needs an outcome.
  const sourceDriven = spec.notMatchedBySource.length === 0;
  const from = sourceDriven
    ? `${srcTable} AS ${S} LEFT JOIN (${inner}) AS ${T} ON (${spec.condition})`
    : `(${inner}) AS ${T} ${spec.notMatched.length > 0 ? 'FULL OUTER JOIN' : 'LEFT JOIN'} ${srcTable} AS ${S} ON (${spec.condition})`;
  // Without a matched clause (or with only an unconditional delete) a target row may meet
  // several source rows and the outcome is still defined: keep one row per target row. With
  // one, several matches are an error, checked below, so target rows are unique either way.
  const onlyDelete = spec.matched.length === 1 && spec.matched[0].kind === 'delete' && !spec.matched[0].condition;
  const dedupe = spec.matched.length === 0 || onlyDelete;
  try {
    await c.run(`CREATE TEMP TABLE ${run.resultTable} AS
      SELECT ${merge.actionCase} AS __action, ${merge.columns.join(', ')},
             ${T}.__loch_file AS __loch_file, ${T}.__loch_row AS __loch_row,
             (${T}.__loch_file IS NOT NULL AND ${S}.__loch_src IS NOT NULL) AS __matched
      FROM ${from}
      ${dedupe ? `QUALIFY ${T}.__loch_file IS NULL OR row_number() OVER (PARTITION BY ${T}.__loch_file, ${T}.__loch_row ORDER BY ${T}.__loch_row) = 1` : ''}`);
  } catch (e) {
    throw deltaError('DELTA_INVALID_ARGUMENT', `${snapshot.table}: cannot run MERGE: ${(e as Error).message.split('\n')[0]}`, e);
  }
  if (!dedupe) await checkSingleMatches(run);
  return { plan, ...(pruning ? { pruning } : {}), sourceDriven };
}

/**
 * The target files to read, with the columns the outcome needs: those that can hold a row
 * matching some source row's join keys (all of them when a NOT MATCHED BY SOURCE clause needs
 * every target row).
 */
async function targetFiles(run: MergeRun, merge: MergePlan): Promise<{ plan: ScanPlan; pruning?: Predicate }> {
  const { c, snapshot, spec } = run;
  const columns = scanColumns(snapshot, [...merge.needed]);
  const keyFilter =
    spec.notMatchedBySource.length === 0
      ? await sourceKeyFilter(c, joinKeys(spec.condition, spec.targetAlias ?? 'target', spec.sourceAlias ?? 'source'), run.srcTable, snapshot.schema)
      : undefined;
  if (!keyFilter) return { plan: { ...planScan(snapshot), columns } };
  const selected = await selectFiles(c, snapshot, keyFilter);
  return { plan: { ...selected.plan, columns }, pruning: selected.predicate };
}

/** A target row matched by several source rows has no single outcome (Spark refuses it). */
async function checkSingleMatches(run: MergeRun): Promise<void> {
  const dup = (await run.c.runAndReadAll(`SELECT __loch_file, __loch_row FROM ${run.resultTable} WHERE __matched GROUP BY 1, 2 HAVING count(*) > 1 LIMIT 1`)).getRows();
  if (dup.length === 0) return;
  throw deltaError(
    'DELTA_MULTIPLE_SOURCE_ROW_MATCHING_TARGET_ROW',
    `${run.snapshot.table}: MERGE cannot update or delete a target row that several source rows match (target file ${String(dup[0][0]).split('/').pop()}, row ${String(dup[0][1])}); make the source unique on the join keys`,
  );
}
