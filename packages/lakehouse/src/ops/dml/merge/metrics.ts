import { statsNumRecords, totalSize, type AddFile } from '@loch/delta';
import type { MergeJoin } from './join.js';
import type { MergeActions, MergeRewrite } from './rewrite.js';
import type { MergeRun } from './spec.js';

/** Delta's MERGE metrics, with the names Spark writes into commitInfo.operationMetrics. */
export async function mergeMetrics(run: MergeRun, join: MergeJoin, actions: MergeActions, rewrite: MergeRewrite, started: number): Promise<Record<string, number>> {
  const { snapshot } = run;
  const { counts, isDelete, isUpdate } = actions;
  const sum = (pred: (a: string) => boolean) => [...counts].filter(([a]) => pred(a)).reduce((n, [, v]) => n + v, 0);
  const dv = rewrite.usesDeletionVectors;
  const updated = sum(isUpdate);
  const deleted = sum(isDelete);
  const touchedRows = rewrite.touched.reduce((n, a) => n + (statsNumRecords(a.stats) ?? 0), 0);
  const copied = dv ? 0 : Math.max(0, touchedRows - updated - deleted - deletedByDv(rewrite.touched));
  return {
    numSourceRows: Number((await run.c.runAndReadAll(`SELECT count(*)::BIGINT FROM ${run.srcTable}`)).getRows()[0][0]),
    numTargetRowsInserted: sum((a) => a.startsWith('n')),
    numTargetRowsUpdated: updated,
    numTargetRowsDeleted: deleted,
    numTargetRowsCopied: copied,
    numTargetRowsMatchedUpdated: sum((a) => a.startsWith('m') && isUpdate(a)),
    numTargetRowsMatchedDeleted: sum((a) => a.startsWith('m') && isDelete(a)),
    numTargetRowsNotMatchedBySourceUpdated: sum((a) => a.startsWith('b') && isUpdate(a)),
    numTargetRowsNotMatchedBySourceDeleted: sum((a) => a.startsWith('b') && isDelete(a)),
    numTargetFilesBeforeSkipping: snapshot.fileList.length,
    numTargetFilesAfterSkipping: join.plan.files.length,
    numTargetBytesBeforeSkipping: totalSize(snapshot.fileList),
    numTargetBytesAfterSkipping: join.plan.files.reduce((n, f) => n + f.add.size, 0),
    numTargetFilesAdded: rewrite.written.adds.length,
    numTargetFilesRemoved: dv ? 0 : rewrite.removes.length,
    numTargetBytesAdded: rewrite.written.numOutputBytes,
    numTargetBytesRemoved: dv ? 0 : rewrite.removes.reduce((n, r) => n + (r.size ?? 0), 0),
    numTargetDeletionVectorsAdded: rewrite.deletionVectorsAdded,
    numOutputRows: rewrite.written.numOutputRows,
    numTargetChangeFilesAdded: 0,
    executionTimeMs: Math.round(performance.now() - started),
  };
}

function deletedByDv(files: readonly AddFile[]): number {
  return files.reduce((n, a) => n + (a.deletionVector?.cardinality ?? 0), 0);
}
