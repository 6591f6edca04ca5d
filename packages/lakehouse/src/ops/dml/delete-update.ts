import { deltaError, type Engine } from '@loch/delta';
import { withConnection } from '@loch/engine-node';
import { afterCommit } from '../after-commit.js';
import { openTransaction, operationSnapshot, txnAlreadyCommitted, type OperationOptions } from '../commit-options.js';
import { rewriteRows } from './rewrite.js';
import { mayHoldMatches } from '../../planner/index.js';

/** DELETE's, UPDATE's and TRUNCATE's options: the commit's, and the snapshot they plan against. */
export type DmlOptions = OperationOptions;

export interface DmlResult {
  readonly version: number | undefined;
  readonly metrics: Readonly<Record<string, number>>;
}

/** DELETE FROM table [WHERE predicate], as one commit (none when nothing matches). */
export async function deleteRows(engine: Engine, url: string, predicate: string | undefined, options: DmlOptions = {}): Promise<DmlResult> {
  return changeRows(engine, url, 'DELETE', { predicate }, options);
}

/** TRUNCATE TABLE: every row deleted, committed as Delta's TRUNCATE operation. */
export async function truncateTable(engine: Engine, url: string, options: DmlOptions = {}): Promise<DmlResult> {
  return changeRows(engine, url, 'DELETE', {}, options, 'TRUNCATE');
}

/** UPDATE table SET col = expr, ... [WHERE predicate], as one commit. */
export async function updateRows(
  engine: Engine,
  url: string,
  set: Readonly<Record<string, string>>,
  predicate: string | undefined,
  options: DmlOptions = {},
): Promise<DmlResult> {
  if (Object.keys(set).length === 0) throw deltaError('DELTA_INVALID_ARGUMENT', 'UPDATE needs at least one column to set');
  return changeRows(engine, url, 'UPDATE', { predicate, set }, options);
}

async function changeRows(
  engine: Engine,
  url: string,
  operation: 'DELETE' | 'UPDATE',
  change: { predicate?: string; set?: Readonly<Record<string, string>> },
  options: DmlOptions,
  commitName: string = operation,
): Promise<DmlResult> {
  const started = performance.now();
  const snapshot = await operationSnapshot(engine, url, options);
  if (txnAlreadyCommitted(snapshot, options)) return { version: undefined, metrics: {} };
  const conf = snapshot.metadata.configuration;
  if (conf['delta.appendOnly'] === 'true') {
    throw deltaError('DELTA_APPEND_ONLY', `${snapshot.table} is append-only (delta.appendOnly = true); rows cannot be ${operation === 'DELETE' ? 'deleted' : 'updated'}`);
  }
  const now = Date.now();
  return withConnection(async (c) => {
    const out = await rewriteRows(c, engine, snapshot, change, now);
    const elapsed = Math.round(performance.now() - started);
    // Delta's DELETE and UPDATE metrics differ only in how they name the matched rows.
    const metrics: Record<string, number> = {
      numRemovedFiles: out.removes.length,
      numAddedFiles: out.adds.length,
      [operation === 'DELETE' ? 'numDeletedRows' : 'numUpdatedRows']: out.matchedRows,
      numCopiedRows: out.copiedRows,
      numAddedChangeFiles: out.cdcs.length,
      numRemovedBytes: out.removedBytes,
      numAddedBytes: out.addedBytes,
      numDeletionVectorsAdded: out.deletionVectorsAdded,
      numDeletionVectorsRemoved: out.deletionVectorsRemoved,
      numDeletionVectorsUpdated: Math.min(out.deletionVectorsAdded, out.deletionVectorsRemoved),
      executionTimeMs: elapsed,
    };
    if (out.touched.length === 0) return { version: undefined, metrics };
    const tx = openTransaction(engine, url, snapshot, options);
    tx.readFiles(out.touched, mayHoldMatches(snapshot, out.predicate));
    tx.removeFiles(out.removes).addFiles(out.adds).addCdcFiles(out.cdcs);
    const result = await tx.commit({
      name: commitName,
      parameters: commitName === 'TRUNCATE' ? {} : { predicate: JSON.stringify(change.predicate ? [change.predicate] : []) },
      metrics,
    });
    if (result.kind !== 'committed') return { version: undefined, metrics };
    await afterCommit(engine, url, result.version, conf);
    return { version: result.version, metrics };
  });
}
