/**
 * Every failure Loch reports carries a stable code. Scripts match on the code; people read the
 * message, which names the table, file, line or column involved.
 */
export type DeltaErrorCode =
  | 'DELTA_TABLE_NOT_FOUND'
  | 'DELTA_VERSIONS_NOT_CONTIGUOUS'
  | 'DELTA_VERSION_NOT_FOUND'
  | 'DELTA_TIMESTAMP_OUT_OF_RANGE'
  | 'DELTA_INVALID_PROTOCOL_VERSION'
  | 'DELTA_UNSUPPORTED_READER_FEATURE'
  | 'DELTA_UNSUPPORTED_WRITER_FEATURE'
  | 'DELTA_MISSING_METADATA'
  | 'DELTA_MISSING_PROTOCOL'
  | 'DELTA_CORRUPT_LOG'
  | 'DELTA_CORRUPT_CHECKPOINT'
  | 'DELTA_INVALID_SCHEMA'
  | 'DELTA_INVALID_PARTITION_VALUE'
  | 'DELTA_FILE_NOT_FOUND'
  | 'DELTA_FILE_ALREADY_EXISTS'
  | 'DELTA_DELETION_VECTOR_INVALID'
  | 'DELTA_COLUMN_NOT_FOUND'
  | 'DELTA_INVALID_ARGUMENT'
  | 'DELTA_IO_ERROR'
  | 'DELTA_TABLE_ALREADY_EXISTS'
  | 'DELTA_SCHEMA_MISMATCH'
  | 'DELTA_NOT_NULL_VIOLATION'
  | 'DELTA_CONSTRAINT_VIOLATION'
  | 'DELTA_INVARIANT_VIOLATION'
  | 'DELTA_APPEND_ONLY'
  | 'DELTA_PROTOCOL_CHANGED'
  | 'DELTA_METADATA_CHANGED'
  | 'DELTA_CONCURRENT_TRANSACTION'
  | 'DELTA_CONCURRENT_APPEND'
  | 'DELTA_CONCURRENT_DELETE_READ'
  | 'DELTA_CONCURRENT_DELETE_DELETE'
  | 'DELTA_CONCURRENT_DOMAIN_METADATA'
  | 'DELTA_MAX_COMMIT_RETRIES_EXCEEDED'
  | 'DELTA_REPLACE_WHERE_MISMATCH'
  | 'DELTA_MULTIPLE_SOURCE_ROW_MATCHING_TARGET_ROW'
  | 'DELTA_MISSING_CHANGE_DATA'
  | 'DELTA_INVALID_CDC_RANGE'
  | 'DELTA_CDC_RESERVED_COLUMN'
  | 'DELTA_VACUUM_RETENTION_TOO_SHORT'
  | 'DELTA_UNSUPPORTED_RENAME_COLUMN'
  | 'DELTA_UNSUPPORTED_DROP_COLUMN'
  | 'DELTA_UNSUPPORTED_DROP_PARTITION_COLUMN'
  | 'DELTA_CONSTRAINT_DEPENDENT_COLUMN_CHANGE'
  | 'DELTA_UNSUPPORTED_ALTER_TABLE_CHANGE_COL_OP'
  | 'DELTA_UNSUPPORTED_COLUMN_MAPPING_MODE_CHANGE';

export class DeltaError extends Error {
  readonly code: DeltaErrorCode;

  constructor(code: DeltaErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DeltaError';
    this.code = code;
  }

  /** The one-line form the CLI prints: `CODE: message`. */
  override toString(): string {
    return `${this.code}: ${this.message}`;
  }
}

export function isDeltaError(e: unknown, code?: DeltaErrorCode): e is DeltaError {
  return e instanceof DeltaError && (code === undefined || e.code === code);
}

export const deltaError = (code: DeltaErrorCode, message: string, cause?: unknown): DeltaError =>
  new DeltaError(code, message, cause === undefined ? undefined : { cause });
