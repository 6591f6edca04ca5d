import { findField, planScan, type AddFile, type RemoveFile } from '@loch/delta';
import { sqlIdent, sqlString } from '@loch/engine-node';
import { fileURLToPath } from 'node:url';
import { scanSql } from '../../../scan/query.js';
import { duckType } from '../../../values/duck-types.js';
import { writeDataFiles, type WrittenFiles } from '../../../write/write-files.js';
import { rowChecks } from '../../../write/checks.js';
import { removeOf } from '../../remove-of.js';
import { writeDeletionVectors } from '../deletion-vectors.js';
import { positionsByFile, usesDeletionVectors } from '../rewrite.js';
import type { MergeJoin } from './join.js';
import type { MergePlan } from './plan.js';
import type { MergeRun } from './spec.js';

/** The joined rows counted by action, and which actions insert, update or delete. */
export interface MergeActions {
  readonly counts: ReadonlyMap<string, number>;
  readonly isDelete: (action: string) => boolean;
  readonly isUpdate: (action: string) => boolean;
  /** Actions that change a target row (update or delete it). */
  readonly changed: readonly string[];
  readonly inserts: readonly string[];
}

/** What the MERGE writes: new files, files retired, and deletion vectors. */
export interface MergeRewrite {
  readonly usesDeletionVectors: boolean;
  /** Target files holding a row that changes. */
  readonly touched: readonly AddFile[];
  /** The data files written (inserted, updated and copied rows). */
  readonly written: WrittenFiles;
  /** Every add of the commit: the data files, and the touched files again with deletion vectors. */
  readonly adds: readonly AddFile[];
  readonly removes: readonly RemoveFile[];
  readonly deletionVectorsAdded: number;
}

export async function countActions(run: MergeRun): Promise<MergeActions> {
  const { spec } = run;
  const counts = new Map<string, number>();
  for (const [a, n] of (await run.c.runAndReadAll(`SELECT __action, count(*)::BIGINT FROM ${run.resultTable} GROUP BY 1`)).getRows()) counts.set(String(a), Number(n));
  const isDelete = (a: string) =>
    (a.startsWith('m') && spec.matched[Number(a.slice(1))]?.kind === 'delete') || (a.startsWith('b') && spec.notMatchedBySource[Number(a.slice(1))]?.kind === 'delete');
  const isUpdate = (a: string) => (a.startsWith('m') || a.startsWith('b')) && !isDelete(a);
  const actions = [...counts.keys()];
  return { counts, isDelete, isUpdate, changed: actions.filter((a) => isDelete(a) || isUpdate(a)), inserts: actions.filter((a) => a.startsWith('n')) };
}

const actionList = (xs: readonly string[]) => (xs.length ? xs.map(sqlString).join(', ') : "'__none__'");

/**
 * Writes the MERGE's rows: inserted and updated rows as new files; the rows of changed files
 * that stay either copied into them too (the files are removed) or, when the table uses
 * deletion vectors, left where they are with the changed rows marked deleted.
 */
export async function rewriteTargetFiles(run: MergeRun, merge: MergePlan, join: MergeJoin, actions: MergeActions, now: number): Promise<MergeRewrite> {
  const { c, engine, snapshot } = run;
  const dv = usesDeletionVectors(snapshot);
  const touchedLocal = (await c.runAndReadAll(`SELECT DISTINCT __loch_file FROM ${run.resultTable} WHERE __action IN (${actionList(actions.changed)})`)).getRows().map(([f]) => String(f));
  const byLocal = new Map(join.plan.files.map((f) => [fileURLToPath(f.url), f.add]));
  const touched: AddFile[] = touchedLocal.map((f) => byLocal.get(f)!).filter(Boolean);
  const written = await writeDataFiles(c, engine.storage, {
    tableRoot: snapshot.tableRoot,
    table: snapshot.table,
    schema: merge.schema,
    partitionColumns: snapshot.partitionColumns,
    configuration: snapshot.metadata.configuration,
    checks: rowChecks(merge.schema, snapshot.metadata.configuration, snapshot.table),
    relation: `(${await writtenRows(run, merge, join, actions, dv, touchedLocal)})`,
    data: merge.schema,
  });
  const adds = [...written.adds];
  const removes = touched.map((a) => removeOf(a, now));
  let deletionVectorsAdded = 0;
  if (dv && touched.length > 0) {
    const rowsByFile = await positionsByFile(c, `SELECT __loch_file, __loch_row FROM ${run.resultTable} WHERE __action IN (${actionList(actions.changed)})`);
    const dvs = await writeDeletionVectors(engine, snapshot.tableRoot, touchedLocal.map((f) => ({ add: byLocal.get(f)!, rows: rowsByFile.get(f) ?? [] })));
    adds.push(...dvs.adds);
    deletionVectorsAdded = dvs.adds.length;
  }
  return { usesDeletionVectors: dv, touched, written, adds, removes, deletionVectorsAdded };
}

/** The SQL of every row the MERGE writes into new files. */
async function writtenRows(run: MergeRun, merge: MergePlan, join: MergeJoin, actions: MergeActions, dv: boolean, touchedLocal: readonly string[]): Promise<string> {
  const { c, engine, snapshot, resultTable } = run;
  const colList = merge.schema.fields.map((f) => sqlIdent(f.name)).join(', ');
  const newRows = `SELECT ${colList} FROM ${resultTable} WHERE __action IN (${actionList([...actions.inserts, ...actions.changed.filter(actions.isUpdate)])})`;
  if (dv) return newRows;
  if (!join.sourceDriven) {
    // Every target row of the files read is in the result: keep those not deleted.
    const fileList = touchedLocal.length ? touchedLocal.map(sqlString).join(', ') : "'__none__'";
    return `SELECT ${colList} FROM ${resultTable} WHERE __action IN (${actionList(actions.inserts)}) UNION ALL
       SELECT ${colList} FROM ${resultTable}
       WHERE __loch_file IN (${fileList}) AND __action NOT IN (${actionList(actions.changed.filter(actions.isDelete))})`;
  }
  // Rewritten files keep their unchanged rows: read them again, less the changed ones.
  const all = planScan(snapshot);
  const touchedSet = new Set(touchedLocal);
  const touchedPlan = { ...all, files: all.files.filter((f) => touchedSet.has(fileURLToPath(f.url))) };
  const again = touchedPlan.files.length ? await scanSql(c, engine, touchedPlan, { withFile: true, withRowNumber: true }) : undefined;
  if (!again) return newRows;
  // Columns schema evolution added are null in the copied rows.
  const copyCols = merge.schema.fields
    .map((f) => (findField(snapshot.schema, f.name) ? `t.${sqlIdent(findField(snapshot.schema, f.name)!.name)}` : `CAST(NULL AS ${duckType(f.type)})`) + ` AS ${sqlIdent(f.name)}`)
    .join(', ');
  const changedRows = `SELECT __loch_file, __loch_row FROM ${resultTable} WHERE __action IN (${actionList(actions.changed)})`;
  return `${newRows} UNION ALL SELECT ${copyCols} FROM (${again}) AS t
            ANTI JOIN (${changedRows}) AS x ON t.__loch_file = x.__loch_file AND t.__loch_row = x.__loch_row`;
}
