import type { AddCdcFile, Engine, Metadata, Snapshot } from '@loch/delta';
import { mayHoldMatches } from '../../../planner/index.js';
import { afterCommit } from '../../after-commit.js';
import { openTransaction, type CommitOptions } from '../../commit-options.js';
import type { MergeJoin } from './join.js';
import type { MergeRewrite } from './rewrite.js';
import type { MergeSpec } from './spec.js';

/**
 * Commits the MERGE from the version it planned against: it read the target files it joined
 * (and, through the pruning predicate, any file a concurrent writer adds that could match).
 */
export async function commitMerge(
  engine: Engine,
  url: string,
  snapshot: Snapshot,
  spec: MergeSpec,
  options: CommitOptions,
  change: { readonly metadata?: Metadata; readonly join: MergeJoin; readonly rewrite: MergeRewrite; readonly cdcs: readonly AddCdcFile[]; readonly metrics: Readonly<Record<string, number>> },
): Promise<number | undefined> {
  const { metadata, join, rewrite, cdcs, metrics } = change;
  const tx = openTransaction(engine, url, snapshot, options);
  if (metadata) tx.updateMetadata(metadata);
  tx.readFiles(join.plan.files.map((f) => f.add), mayHoldMatches(snapshot, join.pruning));
  tx.removeFiles(rewrite.removes).addFiles(rewrite.adds).addCdcFiles(cdcs);
  const result = await tx.commit({ name: 'MERGE', parameters: mergeParameters(spec), metrics });
  if (result.kind !== 'committed') return undefined;
  await afterCommit(engine, url, result.version, (metadata ?? snapshot.metadata).configuration);
  return result.version;
}

/** commitInfo.operationParameters as Delta writes them for MERGE. */
function mergeParameters(spec: MergeSpec): Record<string, string> {
  const predicate = (c: string | undefined) => (c ? { predicate: c } : {});
  return {
    predicate: JSON.stringify([spec.condition]),
    matchedPredicates: JSON.stringify(spec.matched.map((m) => ({ ...predicate(m.condition), actionType: m.kind === 'delete' ? 'delete' : 'update' }))),
    notMatchedPredicates: JSON.stringify(spec.notMatched.map((m) => ({ ...predicate(m.condition), actionType: 'insert' }))),
    notMatchedBySourcePredicates: JSON.stringify(spec.notMatchedBySource.map((m) => ({ ...predicate(m.condition), actionType: m.kind }))),
  };
}
