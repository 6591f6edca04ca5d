/**
 * Failures of the streaming engine, each with a stable code; messages name the checkpoint file,
 * option, column, table version or file involved. Codes follow the names users meet in Spark,
 * Delta and Databricks where those have one (DELTA_SOURCE_IGNORE_DELETE, UNKNOWN_FIELD_EXCEPTION).
 */
export type StreamingErrorCode =
  /** The checkpoint belongs to another query (other sources or sink). */
  | 'STREAM_CHECKPOINT_MISMATCH'
  /** A checkpoint file (metadata, offsets/N, commits/N, a state or source file) cannot be read. */
  | 'STREAM_CORRUPT_CHECKPOINT_FILE'
  /** A query with the same checkpoint is already running in this process. */
  | 'STREAM_QUERY_ALREADY_ACTIVE'
  /** A missing or bad option, trigger, format or argument. */
  | 'STREAM_INVALID_OPTION'
  /** An operation a streaming query cannot run (e.g. a distinct aggregate, two aggregations). */
  | 'STREAM_UNSUPPORTED_OPERATION'
  /** An output mode the query or sink does not allow. */
  | 'STREAM_UNSUPPORTED_OUTPUT_MODE'
  /** A Delta source met a commit that deleted data. */
  | 'DELTA_SOURCE_IGNORE_DELETE'
  /** A Delta source met a commit that changed existing data (UPDATE, MERGE, OPTIMIZE with dataChange). */
  | 'DELTA_SOURCE_TABLE_IGNORE_CHANGES'
  /** A Delta source's table changed its schema in a way the stream cannot carry. */
  | 'DELTA_SCHEMA_CHANGED'
  /** A Delta source's starting version or timestamp is not in the table. */
  | 'DELTA_SOURCE_STARTING_POINT'
  /** readChangeFeed on a table (or a version) whose change data was not recorded. */
  | 'DELTA_MISSING_CHANGE_DATA'
  /** Auto Loader found columns its schema lacks (addNewColumns: restart to carry them). */
  | 'UNKNOWN_FIELD_EXCEPTION'
  /** Auto Loader needs cloudFiles.schemaLocation to infer and keep a schema. */
  | 'CF_SCHEMA_LOCATION_REQUIRED'
  /** Auto Loader found no files to infer a schema from. */
  | 'CF_EMPTY_DIR_FOR_SCHEMA_INFERENCE'
  /** A broker a source or sink reads or writes cannot be reached (names the address). */
  | 'STREAM_SOURCE_UNAVAILABLE'
  /** A pipeline file's statement cannot be read (names the file and line). */
  | 'PIPELINE_PARSE_ERROR'
  /** A pipeline file refers to a `${name}` parameter that was not given. */
  | 'PIPELINE_PARAMETER_NOT_SET'
  /** A pipeline file holds a statement pipelines do not run. */
  | 'PIPELINE_UNSUPPORTED_STATEMENT'
  /** Two statements of a pipeline define the same table. */
  | 'PIPELINE_DUPLICATE_DATASET'
  /** CREATE STREAMING TABLE / MATERIALIZED VIEW (without OR REFRESH) of a table that exists. */
  | 'PIPELINE_DATASET_EXISTS'
  /** REFRESH of a table that no CREATE STREAMING TABLE / MATERIALIZED VIEW defined. */
  | 'PIPELINE_DATASET_NOT_FOUND'
  /** The tables of a pipeline read each other in a cycle. */
  | 'PIPELINE_CYCLE'
  /** An expectation with ON VIOLATION FAIL UPDATE met a row that violates it. */
  | 'EXPECTATION_VIOLATION'
  /** A table of a pipeline failed to update (the message names the file, line and table, the cause follows). */
  | 'PIPELINE_UPDATE_FAILED';

export class StreamingError extends Error {
  readonly code: StreamingErrorCode;

  constructor(code: StreamingErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StreamingError';
    this.code = code;
  }

  /** The one-line form the CLI prints: `CODE: message`. */
  override toString(): string {
    return `${this.code}: ${this.message}`;
  }
}

export function isStreamingError(e: unknown, code?: StreamingErrorCode): e is StreamingError {
  return e instanceof StreamingError && (code === undefined || e.code === code);
}

export const streamingError = (code: StreamingErrorCode, message: string, cause?: unknown): StreamingError =>
  new StreamingError(code, message, cause === undefined ? undefined : { cause });

export const invalidOption = (message: string): StreamingError => streamingError('STREAM_INVALID_OPTION', message);
