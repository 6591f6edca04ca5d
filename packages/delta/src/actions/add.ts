import type { DeletionVectorDescriptor } from './deletion-vector.js';

/** Partition values as the log stores them: serialized strings, null for a null partition. */
export type PartitionValues = Readonly<Record<string, string | null>>;

/** The `add` action: a data file that is part of the table from this version on. */
export interface AddFile {
  readonly path: string;
  readonly partitionValues: PartitionValues;
  readonly size: number;
  readonly modificationTime: number;
  readonly dataChange: boolean;
  /** Per-file statistics as JSON text, parsed lazily (most readers never need them). */
  readonly stats?: string | null;
  readonly tags?: Readonly<Record<string, string | null>> | null;
  readonly deletionVector?: DeletionVectorDescriptor | null;
  readonly baseRowId?: number | null;
  readonly defaultRowCommitVersion?: number | null;
  readonly clusteringProvider?: string | null;
}

/** The `remove` action: a tombstone, kept until VACUUM may delete the file. */
export interface RemoveFile {
  readonly path: string;
  readonly deletionTimestamp?: number | null;
  readonly dataChange: boolean;
  readonly extendedFileMetadata?: boolean | null;
  readonly partitionValues?: PartitionValues | null;
  readonly size?: number | null;
  readonly stats?: string | null;
  readonly tags?: Readonly<Record<string, string | null>> | null;
  readonly deletionVector?: DeletionVectorDescriptor | null;
  readonly baseRowId?: number | null;
  readonly defaultRowCommitVersion?: number | null;
}

/** The `cdc` action: a change-data file; not part of the table's state. */
export interface AddCdcFile {
  readonly path: string;
  readonly partitionValues: PartitionValues;
  readonly size: number;
  readonly dataChange: boolean;
  readonly tags?: Readonly<Record<string, string | null>> | null;
}
