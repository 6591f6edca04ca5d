import type { AddFile, RemoveFile } from '../actions/add.js';
import type { LogFileActions } from '../actions/columns.js';
import { deltaError, type DeltaError } from '../errors.js';
import { fileKey } from '../replay/file-key.js';
import type { IsolationLevel } from './operation.js';

/** What a transaction read and wrote, as far as conflict detection needs to know. */
export interface TransactionFootprint {
  readonly tableRoot: string;
  readonly table: string;
  readonly readVersion: number;
  readonly isolationLevel: IsolationLevel;
  /** True when the transaction's outcome depends on every file of the table. */
  readonly readWholeTable: boolean;
  /** Predicates over file actions describing the data it read (partition filters and the like). */
  readonly readPredicates: readonly ((add: AddFile) => boolean)[];
  /** Canonical keys of the files it read. */
  readonly readFileKeys: ReadonlySet<string>;
  /** Canonical keys of the files it removes. */
  readonly removedFileKeys: ReadonlySet<string>;
  readonly appIds: ReadonlySet<string>;
  readonly domains: ReadonlySet<string>;
  readonly changesMetadata: boolean;
  readonly changesProtocol: boolean;
}

/**
 * Checks a transaction against one commit that won the race for a version it wanted, with the
 * rules Delta uses; returns the error to fail with, or undefined when the transaction can be
 * retried at the next version unchanged. Pure: the caller reads the winning commit.
 */
export function findConflict(tx: TransactionFootprint, winner: LogFileActions, winnerVersion: number): DeltaError | undefined {
  const at = `${tx.table}: a concurrent commit (version ${winnerVersion}`;
  const op = winner.commitInfo?.operation ? `, ${winner.commitInfo.operation}` : '';
  if (tx.readVersion < 0) {
    return deltaError('DELTA_TABLE_ALREADY_EXISTS', `${tx.table} was created by another writer (version ${winnerVersion}) while this one was creating it`);
  }
  if (winner.protocol) {
    return deltaError('DELTA_PROTOCOL_CHANGED', `${at}${op}) changed the table's protocol; read the table again and retry`);
  }
  if (winner.metaData) {
    return deltaError('DELTA_METADATA_CHANGED', `${at}${op}) changed the table's metadata (schema, partitioning or properties); read the table again and retry`);
  }
  for (const t of winner.txns) {
    if (tx.appIds.has(t.appId)) {
      return deltaError('DELTA_CONCURRENT_TRANSACTION', `${at}${op}) committed for application '${t.appId}' too (its version ${t.version})`);
    }
  }
  for (const d of winner.domainMetadata) {
    if (tx.domains.has(d.domain)) {
      return deltaError('DELTA_CONCURRENT_DOMAIN_METADATA', `${at}${op}) changed domain '${d.domain}' too`);
    }
  }

  const readsData = tx.readWholeTable || tx.readPredicates.length > 0 || tx.readFileKeys.size > 0;
  if (readsData) {
    // Under WriteSerializable, files added by a blind append may be ordered after this
    // transaction, so only non-blind writers' files count; Serializable counts them all. A
    // transaction that changes the metadata cannot be ordered before an append it would have
    // read (the appended file was written for the old schema), so it counts them too, as Delta does.
    const winnerBlind = winner.commitInfo?.isBlindAppend === true;
    if (tx.isolationLevel === 'Serializable' || !winnerBlind || tx.changesMetadata) {
      for (const add of winner.adds) {
        if (!add.dataChange) continue;
        if (tx.readWholeTable || tx.readPredicates.some((p) => p(add))) {
          return deltaError(
            'DELTA_CONCURRENT_APPEND',
            `${at}${op}) added ${add.path}, which this transaction would have read; read the table again and retry`,
          );
        }
      }
    }
    // Every remove counts, compaction's (dataChange=false) too: the file this transaction read
    // is gone either way.
    for (const r of winner.removes) {
      const key = fileKey(tx.tableRoot, r.path, r.deletionVector);
      if (tx.readFileKeys.has(key) || tx.readWholeTable) {
        return deltaError('DELTA_CONCURRENT_DELETE_READ', `${at}${op}) removed ${r.path}, which this transaction read`);
      }
    }
  }
  for (const r of winner.removes) {
    const key = fileKey(tx.tableRoot, r.path, r.deletionVector);
    if (tx.removedFileKeys.has(key)) {
      return deltaError('DELTA_CONCURRENT_DELETE_DELETE', `${at}${op}) removed ${r.path}, which this transaction removes too`);
    }
  }
  return undefined;
}
