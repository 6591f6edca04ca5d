import type { AddCdcFile, AddFile, RemoveFile } from '../actions/add.js';
import type { LogFileActions } from '../actions/columns.js';
import type { Metadata } from '../actions/metadata.js';
import { deltaError } from '../errors.js';
import type { StructType } from '../schema/types.js';

/** The column of a change-data file (and of a change-feed read) that says what happened to the row. */
export const CHANGE_TYPE_COLUMN = '_change_type';
/** The columns a change-feed read adds to the table's: change type, commit version, commit time. */
export const CHANGE_FEED_COLUMNS = ['_change_type', '_commit_version', '_commit_timestamp'] as const;
/** Where change-data files live, under the table root (partition directories below it). */
export const CHANGE_DATA_DIR = '_change_data';

export type ChangeType = 'insert' | 'update_preimage' | 'update_postimage' | 'delete';

/** Whether writers must record change data for this metadata (`delta.enableChangeDataFeed`). */
export function changeDataFeedEnabled(metadata: Metadata | undefined): boolean {
  return (metadata?.configuration['delta.enableChangeDataFeed'] ?? '').toLowerCase() === 'true';
}

/**
 * Fails when a table with the change feed on has a column named like one the feed adds: a reader
 * could not tell the table's `_change_type` from the feed's.
 */
export function checkChangeFeedSchema(schema: StructType, metadata: Metadata | undefined, table: string): void {
  if (!changeDataFeedEnabled(metadata)) return;
  const reserved = new Set<string>(CHANGE_FEED_COLUMNS);
  const clash = schema.fields.find((f) => reserved.has(f.name.toLowerCase()));
  if (clash) {
    throw deltaError(
      'DELTA_CDC_RESERVED_COLUMN',
      `${table} has a column '${clash.name}', a name the change data feed uses for its own columns (${CHANGE_FEED_COLUMNS.join(', ')}); rename it before enabling delta.enableChangeDataFeed`,
    );
  }
}

/**
 * The files holding one commit's row-level changes, per the protocol's reader requirements: its
 * `cdc` files when it has any (and nothing else), otherwise every row of the files it added as
 * inserted and of the files it removed as deleted. Files added or removed without a data change
 * (OPTIMIZE, and the adds and removes of a commit with `cdc` files) carry no change.
 */
export type ChangeFiles =
  | { readonly kind: 'cdc'; readonly files: readonly AddCdcFile[] }
  | { readonly kind: 'derived'; readonly inserts: readonly AddFile[]; readonly deletes: readonly RemoveFile[] };

export function changeFilesOf(actions: LogFileActions): ChangeFiles {
  if (actions.cdcs.length > 0) return { kind: 'cdc', files: actions.cdcs };
  return {
    kind: 'derived',
    inserts: actions.adds.filter((a) => a.dataChange !== false),
    deletes: actions.removes.filter((r) => r.dataChange !== false),
  };
}

/** How many files a commit's changes are read from. */
export function changeFileCount(c: ChangeFiles): number {
  return c.kind === 'cdc' ? c.files.length : c.inserts.length + c.deletes.length;
}

/** A cdc file as an add, so that scans read it like a data file (partition values, no stats). */
export function cdcAsAdd(f: AddCdcFile): AddFile {
  return { path: f.path, partitionValues: f.partitionValues ?? {}, size: f.size, modificationTime: 0, dataChange: false };
}

/** A removed file as an add: its rows as they were when it was removed (its deletion vector applied). */
export function removeAsAdd(r: RemoveFile): AddFile {
  return {
    path: r.path,
    partitionValues: r.partitionValues ?? {},
    size: r.size ?? 0,
    modificationTime: r.deletionTimestamp ?? 0,
    dataChange: true,
    ...(r.deletionVector ? { deletionVector: r.deletionVector } : {}),
  };
}
