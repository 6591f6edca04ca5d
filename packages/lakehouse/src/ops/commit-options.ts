import { deltaError, loadSnapshot, tableRootUrl, Transaction, type Engine, type Snapshot, type TransactionOptions } from '@loch/delta';

/**
 * What every operation's commit accepts (delta-rs's CommitProperties): writes, DELETE, UPDATE,
 * MERGE, OPTIMIZE, VACUUM, RESTORE, ALTER and COMPUTE STATS alike; the kernel's transaction
 * options, less what only the kernel decides (retries, the clock).
 */
export type CommitOptions = Pick<TransactionOptions, 'isolationLevel' | 'userMetadata' | 'txn' | 'txns' | 'engineInfo'>;

/** An operation's options: its commit's, and the snapshot it plans against. */
export interface OperationOptions extends CommitOptions {
  /**
   * The version the operation reads and plans against (e.g. the one a SQL statement checked);
   * its commit is conflict-checked against every commit after it. Default: the latest, loaded once.
   */
  readonly snapshot?: Snapshot;
}

/** The snapshot an operation plans against: the one it was given (of this table), else the latest. */
export async function operationSnapshot(engine: Engine, url: string, options: OperationOptions): Promise<Snapshot> {
  const given = options.snapshot;
  if (!given) return loadSnapshot(engine, url);
  if (given.tableRoot !== tableRootUrl(url)) {
    throw deltaError('DELTA_INVALID_ARGUMENT', `${given.table}: the snapshot given is of another table than ${url}`);
  }
  return given;
}

/** A transaction over `snapshot` that commits with `options`. */
export function openTransaction(engine: Engine, url: string, snapshot: Snapshot | undefined, options: CommitOptions): Transaction {
  return new Transaction(engine, url, snapshot, {
    ...(options.isolationLevel !== undefined ? { isolationLevel: options.isolationLevel } : {}),
    ...(options.txn !== undefined ? { txn: options.txn } : {}),
    ...(options.txns !== undefined && options.txns.length > 0 ? { txns: options.txns } : {}),
    ...(options.userMetadata !== undefined ? { userMetadata: options.userMetadata } : {}),
    ...(options.engineInfo !== undefined ? { engineInfo: options.engineInfo } : {}),
  });
}

/**
 * The application version already in `snapshot` when `options.txn` is no newer, so the
 * operation is skipped before doing any work; undefined when it should run.
 */
export function txnAlreadyCommitted(snapshot: Snapshot | undefined, options: CommitOptions): { readonly appId: string; readonly committedVersion: number } | undefined {
  if (!options.txn || !snapshot) return undefined;
  const seen = snapshot.txns.get(options.txn.appId);
  return seen && seen.version >= options.txn.version ? { appId: options.txn.appId, committedVersion: seen.version } : undefined;
}
