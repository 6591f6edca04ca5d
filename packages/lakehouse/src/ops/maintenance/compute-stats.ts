/**
 * ANALYZE TABLE ... COMPUTE DELTA STATISTICS: the statistics of every file in the log computed
 * again from its data, for the columns the table's settings name now (after raising
 * `delta.dataSkippingNumIndexedCols`, naming `delta.dataSkippingStatsColumns`, or for files
 * written without statistics), so that data skipping can use them. The files are re-added as
 * they are with their new statistics (`dataChange: false`), in one commit recorded as Delta's
 * COMPUTE STATS. A file with a deletion vector keeps it; its statistics describe all its rows.
 */
import { columnMappingMode, deltaError, physicalSchema, resolvePath, type AddFile, type Engine, type StructType } from '@loch/delta';
import { withConnection } from '@loch/engine-node';
import { statsOfFiles } from '../../write/file-stats.js';
import { statsColumns } from '../../write/stats.js';
import { physicalPaths } from '../../write/column-mapping.js';
import { afterCommit } from '../after-commit.js';
import { openTransaction, operationSnapshot, txnAlreadyCommitted, type OperationOptions } from '../commit-options.js';

export interface ComputeStatisticsResult {
  /** The commit; undefined when the table has no files. */
  readonly version?: number;
  /** How many files got statistics computed. */
  readonly numFiles: number;
}

export async function computeDeltaStatistics(engine: Engine, url: string, options: OperationOptions = {}): Promise<ComputeStatisticsResult> {
  const snapshot = await operationSnapshot(engine, url, options);
  const table = snapshot.table;
  const files = snapshot.files;
  if (files.length === 0 || txnAlreadyCommitted(snapshot, options)) return { numFiles: 0 };
  const local = files.map((f) => engine.storage.localPath?.(resolvePath(snapshot.tableRoot, f.path)));
  if (local.some((p) => p === undefined)) throw deltaError('DELTA_INVALID_ARGUMENT', `${table}: COMPUTE DELTA STATISTICS reads the data files with DuckDB, which needs them on a local path`);
  const config = snapshot.metadata.configuration;
  const mode = columnMappingMode(config);
  const logical = dataSchema(snapshot.schema, snapshot.partitionColumns);
  // Statistics are keyed by the names in the files: physical names under column mapping.
  const physical = physicalSchema(logical, mode);
  const indexed = physicalPaths(logical, physical, statsColumns(snapshot.schema, snapshot.partitionColumns, config));
  const stats = await withConnection((c) => statsOfFiles(c, local as string[], physical, indexed));
  // With a deletion vector, min and max also bound the deleted rows: wide, not tight, bounds.
  const adds: AddFile[] = files.map((f, i) => ({ ...f, stats: f.deletionVector ? stats[i].replace(/}$/, ',"tightBounds":false}') : stats[i], dataChange: false }));
  const tx = openTransaction(engine, url, snapshot, options).addFiles(adds);
  // A writer that removed one of these files meanwhile must win: re-adding it would bring it back.
  tx.readFiles(files);
  const result = await tx.commit({ name: 'COMPUTE STATS', parameters: { predicate: '[]' }, metrics: { numFiles: files.length }, isBlindAppend: false });
  if (result.kind !== 'committed') throw deltaError('DELTA_CONCURRENT_TRANSACTION', `${table}: COMPUTE DELTA STATISTICS was not committed`);
  await afterCommit(engine, url, result.version, config);
  return { version: result.version, numFiles: files.length };
}

function dataSchema(schema: StructType, partitionColumns: readonly string[]): StructType {
  const partitions = new Set(partitionColumns.map((p) => p.toLowerCase()));
  return { kind: 'struct', fields: schema.fields.filter((f) => !partitions.has(f.name.toLowerCase())) };
}
