import { CHANGE_TYPE_COLUMN, findField, planScan, type AddCdcFile } from '@loch/delta';
import { sqlIdent, sqlString } from '@loch/engine-node';
import { duckType } from '../../../values/duck-types.js';
import { scanSql } from '../../../scan/query.js';
import { changeDataTarget, recordsChangeData, writeChangeData } from '../change-data.js';
import type { MergePlan } from './plan.js';
import type { MergeActions, MergeRewrite } from './rewrite.js';
import type { MergeRun } from './spec.js';

const list = (xs: readonly string[]) => (xs.length ? xs.map(sqlString).join(', ') : "'__none__'");

/**
 * The MERGE's change rows, on a table with the change data feed on: each target row it updates
 * or deletes as it was (update_preimage / delete, read again from the touched files), each updated
 * row as it becomes (update_postimage), and, since readers then take the commit's changes from
 * these files alone, each inserted row (insert). A MERGE that only inserts writes none: its
 * inserts are the rows of the files it adds.
 */
export async function mergeChangeData(run: MergeRun, merge: MergePlan, actions: MergeActions, rewrite: MergeRewrite): Promise<AddCdcFile[]> {
  const { c, engine, snapshot, resultTable } = run;
  if (!recordsChangeData(snapshot) || actions.changed.length === 0 || rewrite.touched.length === 0) return [];
  const cols = merge.schema.fields.map((f) => sqlIdent(f.name)).join(', ');
  const updates = actions.changed.filter(actions.isUpdate);
  const deletes = actions.changed.filter(actions.isDelete);
  const after = `SELECT ${cols}, CASE WHEN __action IN (${list(updates)}) THEN 'update_postimage' ELSE 'insert' END AS ${CHANGE_TYPE_COLUMN}
    FROM ${resultTable} WHERE __action IN (${list([...updates, ...actions.inserts])})`;
  const touched = new Set(rewrite.touched.map((a) => a.path));
  const all = planScan(snapshot);
  const plan = { ...all, files: all.files.filter((f) => touched.has(f.add.path)) };
  const again = await scanSql(c, engine, plan, { withFile: true, withRowNumber: true });
  if (!again) return writeChangeData(c, engine, changeDataTarget(snapshot, merge.schema), after);
  // Columns schema evolution added were null before the MERGE.
  const beforeCols = merge.schema.fields
    .map((f) => {
      const old = findField(snapshot.schema, f.name);
      return `${old ? `t.${sqlIdent(old.name)}` : `CAST(NULL AS ${duckType(f.type)})`} AS ${sqlIdent(f.name)}`;
    })
    .join(', ');
  const before = `SELECT ${beforeCols}, CASE WHEN x.__action IN (${list(deletes)}) THEN 'delete' ELSE 'update_preimage' END AS ${CHANGE_TYPE_COLUMN}
    FROM (${again}) AS t
    JOIN (SELECT __loch_file, __loch_row, __action FROM ${resultTable} WHERE __action IN (${list(actions.changed)})) AS x
      ON t.__loch_file = x.__loch_file AND t.__loch_row = x.__loch_row`;
  return writeChangeData(c, engine, changeDataTarget(snapshot, merge.schema), `${before} UNION ALL ${after}`);
}
