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

export interface StorageHandler {
  /**
   * Files directly inside `dirUrl` (no recursion), sorted by name in byte order. A directory that
   * does not exist lists as empty. With `from`, only names at or after it (byte order) are
   * needed: a store may skip the others (as S3's start-after does), and callers filter anyway.
   */
  list(dirUrl: string, from?: string): Promise<FileMeta[]>;
  /** The whole file. Fails with DELTA_FILE_NOT_FOUND when it does not exist. */
  read(path: string): Promise<Uint8Array>;
  /** `length` bytes from `offset`. Fails with DELTA_FILE_NOT_FOUND when it does not exist. */
  readRange(path: string, offset: number, length: number): Promise<Uint8Array>;
  /**
   * Writes `data` to `path` only if nothing is there, atomically: when several writers race for
   * the same path exactly one succeeds and the others get DELTA_FILE_ALREADY_EXISTS, and no
   * reader ever sees a partial file.
   */
  putIfAbsent(path: string, data: Uint8Array): Promise<void>;
  /** Writes (or replaces) a file; used for files no one races for, such as `_last_checkpoint`. */
  put(path: string, data: Uint8Array): Promise<void>;
  exists(path: string): Promise<boolean>;
  delete(path: string): Promise<void>;
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
   * one result per file, in the order given. An engine may parse in parallel.
   */
  readLogFiles(files: FileMeta[]): Promise<LogFileActions[]>;
}

export interface Engine {
  readonly storage: StorageHandler;
  readonly json: JsonHandler;
  readonly parquet: ParquetHandler;
}
