export * from './errors.js';
export * from './engine/engine.js';
export { MemoryStorage } from './engine/memory-storage.js';
export { defaultJsonHandler } from './engine/default-json.js';
export type { AddFile, RemoveFile, AddCdcFile, PartitionValues } from './actions/add.js';
export type { Metadata } from './actions/metadata.js';
export type { Protocol } from './actions/protocol.js';
export type { CommitInfo } from './actions/commit-info.js';
export type { Txn } from './actions/txn.js';
export type { DomainMetadata } from './actions/domain-metadata.js';
export type { Sidecar } from './actions/sidecar.js';
export type { CheckpointMetadata } from './actions/checkpoint-metadata.js';
export { type LogFileActions, addAction, emptyLogFileActions, parseJsonLog, displayPath, withAddColumns } from './actions/columns.js';
export {
  addFileList,
  columnarAddList,
  concatAddFiles,
  selectAddFiles,
  totalSize,
  JoinedStrings,
  type StringColumn,
  type AddFileList,
  type AddColumns,
  type AddExtras,
} from './actions/add-list.js';
export * from './schema/types.js';
export { parseSchema, parseType, typeToJson, schemaToJson } from './schema/json.js';
export * from './schema/column-mapping.js';
export * from './schema/type-widening.js';
export * from './log/file-names.js';
export { parseLastCheckpoint, type LastCheckpoint } from './log/last-checkpoint.js';
export { buildLogSegment, listLog, logDirUrl, tableRootUrl, displayTable, type LogSegment } from './log/segment.js';
export {
  replay,
  fileKeyHash,
  finishHash,
  FNV_OFFSET,
  FNV_PRIME,
  FILE_KEY_HASH_CHECK,
  FILE_KEY_HASHES,
  attachFileKeyHashes,
  type FileKeyHashes,
  type ReplayState,
} from './replay/replay.js';
export * from './features/features.js';
export * from './partition/values.js';
export { canonicalPath, resolvePath, fileUrlToPathString, keyInTable } from './util/paths.js';
export { compareStrings } from './expressions/values.js';
export type { Snapshot } from './snapshot/snapshot.js';
export { snapshotSize, findField } from './snapshot/snapshot.js';
export { loadSnapshot, loadLogState, snapshotFromSegment, type SnapshotOptions, type LogState } from './snapshot/builder.js';
export { commitTimes, resolveTimestamp, toEpochMillis, type CommitTime } from './snapshot/time-travel.js';
export { tableHistory, type HistoryEntry } from './snapshot/history.js';
export * from './scan/plan.js';
export * from './dv/index.js';
export * from './transaction/operation.js';
export { findConflict, type TransactionFootprint } from './transaction/conflicts.js';
export { fileKey } from './replay/file-key.js';
export { Transaction, LOCH_ENGINE_INFO, type TransactionOptions, type CommitResult } from './transaction/transaction.js';
export { checkpointRows, writeCheckpoint, checkpointInterval, parseInterval, DEFAULT_CHECKPOINT_INTERVAL, type CheckpointRow } from './checkpoint/checkpoint.js';
export { cleanupExpiredLogs } from './checkpoint/cleanup.js';
export * as expr from './expressions/ast.js';
export type { Predicate, Literal, ColumnRef, Operand, CompareOp } from './expressions/ast.js';
export { evaluate as evaluatePredicate, compareRange, mayBeTrue, certainTruth, Outcome, type Outcomes, type ColumnRange, type ColumnValue, type RangeResolver } from './expressions/evaluate.js';
export { formatPredicate } from './expressions/format.js';
export { filePruner, partitionRange, resolveColumn, evaluateOnPartitionValues, type FilePruner, type PruningTable, type PartitionValuesByName } from './skipping/prune.js';
export { parseFileStats, statsNumRecords, statsRange, STATS_STRING_PREFIX, type FileStats } from './skipping/stats.js';
export { parseExactJson, numberText, JsonNumber, type ExactJson } from './skipping/exact-json.js';
export * from './cdf/change-data.js';
export { loadTableChanges, type ChangeRange, type CommitChanges, type TableChanges } from './cdf/changes.js';
