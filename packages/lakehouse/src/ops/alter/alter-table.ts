import type { Engine, Snapshot } from '@loch/delta';
import { afterCommit } from '../after-commit.js';
import { openTransaction, operationSnapshot, type OperationOptions } from '../commit-options.js';
import { addColumns, alterColumn } from './columns.js';
import { addConstraint, dropConstraint } from './constraints.js';
import { dropColumns, renameColumn } from './mapped-columns.js';
import { changeColumnType } from './type-change.js';
import { setProperties, unsetProperties } from './properties.js';
import type { AlterPlan } from './plan.js';
import type { AlterChange } from './change.js';

export type { AlterChange, NewColumn } from './change.js';

/** ALTER's options: the commit's, and the snapshot it plans against. */
export type AlterOptions = OperationOptions;

export interface AlterResult {
  /** The new commit; the version the table is at when an application version (txn) skipped the change. */
  readonly version: number;
  /** Spark's operation name for the commit ('ADD COLUMNS', 'SET TBLPROPERTIES', ...). */
  readonly operation: string;
}

/**
 * ALTER TABLE as one metadata-only commit (no data file changes), with Spark's operation names
 * and parameters: ADD COLUMNS, SET TBLPROPERTIES, UNSET TBLPROPERTIES, ADD CONSTRAINT (after
 * checking that every existing row satisfies it), DROP CONSTRAINT, ALTER COLUMN, RENAME COLUMN, DROP
 * COLUMNS and ALTER COLUMN ... TYPE. The protocol is
 * raised when the new metadata needs it (CHECK constraints need writer version 3, or the
 * checkConstraints table feature on a table-features protocol).
 */
export async function alterTable(engine: Engine, url: string, change: AlterChange, options: AlterOptions = {}): Promise<AlterResult> {
  const snapshot = await operationSnapshot(engine, url, options);
  // Opened first: a table Loch cannot write is refused before any row is checked.
  const tx = openTransaction(engine, url, snapshot, options);
  const plan = await planChange(engine, snapshot, change);
  if (plan.checkedRows) {
    // Rows another writer appends meanwhile were not checked: such a commit conflicts.
    tx.readWholeTable();
    tx.readFiles(snapshot.files);
  }
  if (plan.protocol) tx.updateProtocol(plan.protocol);
  tx.updateMetadata(plan.metadata);
  const result = await tx.commit({ name: plan.operation, parameters: plan.parameters, isBlindAppend: false });
  if (result.kind === 'skipped') return { version: snapshot.version, operation: plan.operation };
  await afterCommit(engine, url, result.version, plan.metadata.configuration);
  return { version: result.version, operation: plan.operation };
}

/** One function per change. */
function planChange(engine: Engine, snapshot: Snapshot, change: AlterChange): AlterPlan | Promise<AlterPlan> {
  switch (change.kind) {
    case 'addColumns':
      return addColumns(snapshot, change);
    case 'setProperties':
      return setProperties(snapshot, change);
    case 'unsetProperties':
      return unsetProperties(snapshot, change);
    case 'addConstraint':
      return addConstraint(engine, snapshot, change);
    case 'dropConstraint':
      return dropConstraint(snapshot, change);
    case 'alterColumn':
      return alterColumn(engine, snapshot, change);
    case 'renameColumn':
      return renameColumn(snapshot, change);
    case 'dropColumns':
      return dropColumns(snapshot, change);
    case 'changeColumnType':
      return changeColumnType(snapshot, change);
  }
}
