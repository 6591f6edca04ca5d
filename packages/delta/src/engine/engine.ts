/**
 * The kernel does no I/O of its own. An Engine supplies it: storage for bytes and listings, and
 * handlers for the formats a Delta log uses (JSON lines, Parquet checkpoints).
 *
 * Paths are URL strings (`file:///data/t/_delta_log/00000000000000000000.json`); a directory URL
 * ends with `/`.
 */
import type { LogFileActions } from '../actions/columns.js';

export interface FileMeta {
  /** Absolute URL of the file. */
  readonly path: string;
  readonly size: number;
  /** Milliseconds since the epoch. */
  readonly modificationTime: number;
}

/**
 * Bytes and listings, in the shape of an object store (and of delta-kernel-rs's StorageHandler):
 * everything above the Engine — the log, operations, the catalog — reads and writes through it,
 * so another store is one more implementation. Keys are URLs; "directories" are prefixes ending
 * in `/`. A store with real directories (the local filesystem) hides them: listings hold files.
 */
export interface StorageHandler {
  /**
   * Files directly inside `dirUrl` (no recursion), sorted by name (decoded) in UTF-8 byte order.
   * A directory that does not exist lists as empty. With `from`, only names at or after it (byte
   * order) are needed: a store may skip the others (as S3's start-after does), and callers filter
   * anyway.
   */
  list(dirUrl: string, from?: string): Promise<FileMeta[]>;
  /**
   * Every file under `dirUrl`, at any depth, sorted by its key relative to `dirUrl` (decoded) in
   * byte order, so `a-b` comes before `a/x`. A prefix that holds nothing lists as empty. With
   * `from` (a key relative to `dirUrl`), only keys at or after it.
   */
  listRecursive(dirUrl: string, from?: string): Promise<FileMeta[]>;
  /**
   * The names (decoded) of the "directories" directly inside `dirUrl`, sorted in UTF-8 byte order:
   * the prefixes that hold files below them (S3's common prefixes with delimiter `/`), and on a
   * store with real directories, its subdirectories (which may be empty). None for a prefix that
   * holds nothing. How a lake finds its tables without listing every data file in them.
   */
  listDirectories(dirUrl: string): Promise<string[]>;
  /**
   * Whether `dirUrl` is a directory: a prefix that holds a file below it (an object store asks
   * for one key), and on a store with real directories, a directory that is there (which may be
   * empty). How a lake tells a table by its `_delta_log/` without listing the table's files.
   */
  isDirectory(dirUrl: string): Promise<boolean>;
  /** The file's size and modification time, or undefined when there is no file at `path`. */
  head(path: string): Promise<FileMeta | undefined>;
  exists(path: string): Promise<boolean>;
  /** The whole file. Fails with DELTA_FILE_NOT_FOUND when it does not exist. */
  read(path: string): Promise<Uint8Array>;
  /** `length` bytes from `offset`. Fails with DELTA_FILE_NOT_FOUND when it does not exist. */
  readRange(path: string, offset: number, length: number): Promise<Uint8Array>;
  /**
   * The file as a stream of chunks, for files too large to hold at once (data files). Fails
   * with DELTA_FILE_NOT_FOUND, on the first read, when it does not exist.
   */
  readStream(path: string): AsyncIterable<Uint8Array>;
  /**
   * Writes `data` to `path` only if nothing is there, atomically: when several writers race for
   * the same path exactly one succeeds and the others get DELTA_FILE_ALREADY_EXISTS, and no
   * reader ever sees a partial file.
   */
  putIfAbsent(path: string, data: Uint8Array): Promise<void>;
  /** Writes (or replaces) a file; used for files no one races for, such as `_last_checkpoint`. */
  put(path: string, data: Uint8Array): Promise<void>;
  /**
   * Writes a file from a stream of chunks, with putIfAbsent's guarantees (or put's, with
   * `overwrite`): no reader sees it before the last chunk is in.
   */
  writeStream(path: string, chunks: AsyncIterable<Uint8Array>, options?: StorageWriteOptions): Promise<void>;
  /**
   * Copies a file within the store, with putIfAbsent's guarantees (or put's, with `overwrite`).
   * Fails with DELTA_FILE_NOT_FOUND when `from` does not exist.
   */
  copy(from: string, to: string, options?: StorageWriteOptions): Promise<void>;
  /** Deletes a file; a missing one is not an error. */
  delete(path: string): Promise<void>;
  /** Deletes every file under `dirUrl` (and the directory itself, where the store has them). */
  deletePrefix(dirUrl: string): Promise<void>;
  /**
   * Moves every file under `fromDirUrl` to the same keys under `toDirUrl` (a managed table
   * renamed): in one step where the store can (a local directory is renamed, so no reader sees
   * half a table), else file by file, copies first. Fails with DELTA_FILE_NOT_FOUND when nothing
   * is under `fromDirUrl`, DELTA_FILE_ALREADY_EXISTS when something is under `toDirUrl`.
   */
  renamePrefix(fromDirUrl: string, toDirUrl: string): Promise<void>;
  /**
   * Removes the directories under `dirUrl` left without any file (deepest first) and says how
   * many, skipping those `keep` names (relative to `dirUrl`, e.g. `_delta_log`, hidden ones).
   * A store without directories has none to remove.
   */
  removeEmptyDirectories(dirUrl: string, keep?: (relativeDir: string) => boolean): Promise<number>;
  /**
   * A local filesystem path holding `url`'s bytes, when the store has one (then DuckDB reads and
   * writes data files there directly); undefined otherwise, and callers stage files locally and
   * move them through this interface.
   */
  localPath?(url: string): string | undefined;
}

export interface StorageWriteOptions {
  /** Replace a file that is there instead of failing with DELTA_FILE_ALREADY_EXISTS. */
  readonly overwrite?: boolean;
}

/** A Parquet checkpoint (or sidecar) file's actions, with the columns the caller asked for. */
export interface ParquetHandler {
  /**
   * Reads checkpoint-shaped Parquet files (top-level columns `add`, `remove`, `metaData`,
   * `protocol`, `txn`, `domainMetadata`, `sidecar`, `checkpointMetadata`; a file may lack some)
   * and returns their actions in the log's columnar form. `columns` names the action columns
   * the caller needs; others may be skipped.
   */
  readCheckpointActions(files: FileMeta[], columns: readonly CheckpointColumn[]): Promise<LogFileActions[]>;
  /**
   * Writes a classic checkpoint file in the schema Spark uses (one action per row, nullable
   * struct columns txn, add, remove, metaData, protocol, domainMetadata), atomically; fails with
   * DELTA_FILE_ALREADY_EXISTS when the file exists. Optional: an engine without it never
   * checkpoints.
   */
  writeCheckpoint?(path: string, rows: readonly Readonly<Record<string, unknown>>[]): Promise<void>;
}

export type CheckpointColumn =
  | 'add'
  | 'remove'
  | 'metaData'
  | 'protocol'
  | 'txn'
  | 'domainMetadata'
  | 'sidecar'
  | 'checkpointMetadata';

export interface JsonHandler {
  /**
   * Parses Delta JSON log files (commits, JSON checkpoints) into the columnar action form,
   * one result per file, in the order given. An engine may parse in parallel, may hand a file's
   * adds back column by column (`withAddColumns`: replay then makes no object per file), and may
   * attach each file action's key hash (`attachFileKeyHashes`: replay then hashes no path).
   */
  readLogFiles(files: FileMeta[]): Promise<LogFileActions[]>;
}

export interface Engine {
  readonly storage: StorageHandler;
  readonly json: JsonHandler;
  readonly parquet: ParquetHandler;
}
