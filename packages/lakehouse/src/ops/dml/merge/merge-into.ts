import { deltaError, type Engine } from '@loch/delta';
import { sqlIdent, withConnection } from '@loch/engine-node';
import { randomUUID } from 'node:crypto';
import { deltaSchemaOf } from '../../../write/duck-schema.js';
import { prepareSource } from '../../../write/source.js';
import { operationSnapshot, txnAlreadyCommitted, type OperationOptions } from '../../commit-options.js';
import { mergeChangeData } from './change-data.js';
import { commitMerge } from './commit.js';
import { joinTargetAndSource } from './join.js';
import { mergeMetrics } from './metrics.js';
import { planMerge } from './plan.js';
import { countActions, rewriteTargetFiles } from './rewrite.js';
import type { MergeResult, MergeRun, MergeSpec } from './spec.js';

/**
 * MERGE INTO, as one commit: target files that hold a matched (or not-matched-by-source) row that
 * changes are rewritten — or get a deletion vector when the table uses them — and inserted rows
 * are written as new files. Files no clause touches are left alone.
 *
 * The steps: plan (schema, the columns needed, each clause's values), join (the target files
 * that can match, joined to the source into one table of outcomes), rewrite (data files and
 * deletion vectors), metrics, commit.
 */
export async function mergeInto(engine: Engine, url: string, spec: MergeSpec, options: OperationOptions = {}): Promise<MergeResult> {
  const started = performance.now();
  const snapshot = await operationSnapshot(engine, url, options);
  if (spec.matched.length + spec.notMatched.length + spec.notMatchedBySource.length === 0) {
    throw deltaError('DELTA_INVALID_ARGUMENT', `${snapshot.table}: MERGE needs at least one WHEN clause`);
  }
  if (txnAlreadyCommitted(snapshot, options)) return { version: undefined, metrics: {} };
  const now = Date.now();
  const id = randomUUID().replaceAll('-', '');
  return withConnection(async (c) => {
    const run: MergeRun = {
      engine,
      c,
      snapshot,
      spec,
      T: sqlIdent(spec.targetAlias ?? 'target'),
      S: sqlIdent(spec.sourceAlias ?? 'source'),
      srcTable: `loch_merge_src_${id}`,
      resultTable: `loch_merge_${id}`,
    };
    const src = await prepareSource(c, spec.source);
    try {
      // A constant marks source rows in the join (a row number would serialize the copy).
      await c.run(`CREATE TEMP TABLE ${run.srcTable} AS SELECT *, TRUE AS __loch_src FROM ${src.relation}`);
      const merge = planMerge(snapshot, spec, deltaSchemaOf(src.names, src.types), src.fromRows);
      const join = await joinTargetAndSource(run, merge);
      const actions = await countActions(run);
      const rewrite = await rewriteTargetFiles(run, merge, join, actions, now);
      const cdcs = await mergeChangeData(run, merge, actions, rewrite);
      const metrics = { ...(await mergeMetrics(run, join, actions, rewrite, started)), numTargetChangeFilesAdded: cdcs.length };
      if (rewrite.adds.length === 0 && rewrite.removes.length === 0 && !merge.metadata) return { version: undefined, metrics };
      const version = await commitMerge(engine, url, snapshot, spec, options, { ...(merge.metadata ? { metadata: merge.metadata } : {}), join, rewrite, cdcs, metrics });
      return { version, metrics };
    } finally {
      await c.run(`DROP TABLE IF EXISTS ${run.resultTable}`).catch(() => undefined);
      await c.run(`DROP TABLE IF EXISTS ${run.srcTable}`).catch(() => undefined);
      await src.cleanup();
    }
  });
}
