import type { DuckDBConnection } from '@duckdb/node-api';
import {
  CHANGE_DATA_DIR,
  CHANGE_TYPE_COLUMN,
  changeDataFeedEnabled,
  columnMappingMode,
  type AddCdcFile,
  type Engine,
  type Snapshot,
  type StructField,
  type StructType,
} from '@loch/delta';
import { sqlIdent, sqlString } from '@loch/engine-node';
import { writeDataFiles } from '../../write/write-files.js';

/**
 * Change Data Feed, the writing half: on a table with `delta.enableChangeDataFeed = true`, an
 * operation that changes existing rows also writes the rows it changed, each with its
 * `_change_type` (update_preimage / update_postimage / delete, and insert beside them in a MERGE),
 * as Parquet files under `_change_data/` (partitioned as the table is), named by `cdc` actions in
 * its commit. Readers then take that commit's changes from those files alone; commits that only
 * add rows write none, their inserts being the rows of their added files.
 */
export function recordsChangeData(snapshot: Snapshot): boolean {
  return changeDataFeedEnabled(snapshot.metadata);
}

/** What the change rows are written as: the table's schema, then `_change_type`. */
export interface ChangeDataTarget {
  readonly tableRoot: string;
  readonly table: string;
  readonly schema: StructType;
  readonly partitionColumns: readonly string[];
  readonly configuration: Readonly<Record<string, string>>;
}

export function changeDataTarget(snapshot: Snapshot, schema: StructType = snapshot.schema): ChangeDataTarget {
  return { tableRoot: snapshot.tableRoot, table: snapshot.table, schema, partitionColumns: snapshot.partitionColumns, configuration: snapshot.metadata.configuration };
}

/**
 * Writes `relation` (the table's columns by name, and `_change_type`) as change-data files and
 * returns their `cdc` actions. Under column mapping the files name columns by physical name, as
 * data files do; `_change_type` is stored under its own name.
 */
export async function writeChangeData(c: DuckDBConnection, engine: Engine, target: ChangeDataTarget, relation: string): Promise<AddCdcFile[]> {
  const mapped = columnMappingMode(target.configuration) !== 'none';
  const changeType: StructField = {
    name: CHANGE_TYPE_COLUMN,
    type: { kind: 'primitive', name: 'string' },
    nullable: true,
    // Parquet field ids must be distinct: the column gets the next id the table has not used.
    metadata: mapped
      ? { 'delta.columnMapping.physicalName': CHANGE_TYPE_COLUMN, 'delta.columnMapping.id': Number(target.configuration['delta.columnMapping.maxColumnId'] ?? 0) + 1 }
      : {},
  };
  const schema: StructType = { kind: 'struct', fields: [...target.schema.fields, changeType] };
  const written = await writeDataFiles(c, engine.storage, {
    tableRoot: `${target.tableRoot}${CHANGE_DATA_DIR}/`,
    table: target.table,
    relation: `(${relation})`,
    data: schema,
    schema,
    partitionColumns: target.partitionColumns,
    configuration: target.configuration,
    dataChange: false,
    filePrefix: 'cdc',
  });
  return written.adds.map((a) => ({ path: `${CHANGE_DATA_DIR}/${a.path}`, partitionValues: a.partitionValues, size: a.size, dataChange: false }));
}

/**
 * The change rows of a DELETE or UPDATE: every row of the touched files that matches, as it was
 * (`delete` or `update_preimage`) and, for an UPDATE, as it becomes (`update_postimage`).
 * `inner` reads the touched files with a `__loch_file` column; `updated` gives each column's SQL
 * after the UPDATE.
 */
export async function rowChangeData(
  c: DuckDBConnection,
  engine: Engine,
  snapshot: Snapshot,
  change: { readonly inner: string; readonly predicate: string; readonly files: readonly string[]; readonly updated?: readonly string[] },
): Promise<AddCdcFile[]> {
  if (change.files.length === 0) return [];
  const before = snapshot.schema.fields.map((f) => sqlIdent(f.name)).join(', ');
  const rows = `FROM (${change.inner}) WHERE ${change.predicate} AND __loch_file IN (${change.files.map(sqlString).join(', ')})`;
  const kind = change.updated ? 'update_preimage' : 'delete';
  const relation = change.updated
    ? `SELECT ${before}, '${kind}' AS ${CHANGE_TYPE_COLUMN} ${rows} UNION ALL SELECT ${change.updated.join(', ')}, 'update_postimage' AS ${CHANGE_TYPE_COLUMN} ${rows}`
    : `SELECT ${before}, '${kind}' AS ${CHANGE_TYPE_COLUMN} ${rows}`;
  return writeChangeData(c, engine, changeDataTarget(snapshot), relation);
}
