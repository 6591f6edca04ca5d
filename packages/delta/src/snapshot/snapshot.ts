import type { AddFile, RemoveFile } from '../actions/add.js';
import { totalSize, type AddFileList } from '../actions/add-list.js';
import type { DomainMetadata } from '../actions/domain-metadata.js';
import type { Metadata } from '../actions/metadata.js';
import type { Protocol } from '../actions/protocol.js';
import type { Txn } from '../actions/txn.js';
import type { LogSegment } from '../log/segment.js';
import { columnMappingMode, type ColumnMappingMode } from '../schema/column-mapping.js';
import type { StructField, StructType } from '../schema/types.js';

/** An immutable view of a table at one version. */
export interface Snapshot {
  /** The table as people name it (a local path, or the URL). */
  readonly table: string;
  /** URL of the table root, ending in '/'. */
  readonly tableRoot: string;
  readonly version: number;
  /** Commit time of this version in ms since the epoch (in-commit timestamp when enabled). */
  readonly timestamp: number;
  readonly segment: LogSegment;
  readonly protocol: Protocol;
  readonly metadata: Metadata;
  readonly schema: StructType;
  readonly partitionColumns: readonly string[];
  readonly columnMapping: ColumnMappingMode;
  /**
   * Live data files as add actions. For a table read from a large checkpoint or JSON log they are
   * made from `fileList` the first time this is read: use `fileList` to go over many files cheaply.
   */
  readonly files: readonly AddFile[];
  /** Live data files, held column by column when the log was read that way. */
  readonly fileList: AddFileList;
  readonly tombstones: readonly RemoveFile[];
  readonly txns: ReadonlyMap<string, Txn>;
  readonly domains: ReadonlyMap<string, DomainMetadata>;
}

export function makeSnapshotFields(metadata: Metadata, schema: StructType) {
  return {
    partitionColumns: metadata.partitionColumns,
    columnMapping: columnMappingMode(metadata.configuration),
    schema,
  };
}

export function snapshotSize(s: Snapshot): { numFiles: number; sizeInBytes: number } {
  return { numFiles: s.fileList.length, sizeInBytes: totalSize(s.fileList) };
}

/** Looks up a top-level column by logical name (case-insensitive, as Spark resolves names). */
export function findField(schema: StructType, name: string): StructField | undefined {
  return schema.fields.find((f) => f.name === name) ?? schema.fields.find((f) => f.name.toLowerCase() === name.toLowerCase());
}
