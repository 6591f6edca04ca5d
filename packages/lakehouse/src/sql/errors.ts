import { DeltaError, deltaError } from '@loch/delta';

/** Codes of failures that belong to the SQL front end rather than to the Delta protocol. */
export type SqlErrorCode =
  | 'LOCH_SQL_ERROR'
  | 'LOCH_UNSUPPORTED_STATEMENT'
  | 'LOCH_CATALOG_NOT_FOUND'
  | 'LOCH_SCHEMA_NOT_FOUND'
  | 'LOCH_SCHEMA_ALREADY_EXISTS'
  | 'LOCH_SCHEMA_NOT_EMPTY'
  | 'LOCH_PATH_NOT_FOUND'
  /** A result asked for as rows (or one Arrow table) that does not fit in memory. */
  | 'LOCH_RESULT_TOO_LARGE'
  /** A streamed result read after its session moved on (or read twice). */
  | 'LOCH_RESULT_CLOSED'
  /** A user function threw: the message names the function and carries its own message. */
  | 'LOCH_UDF_FAILED'
  /** A scalar UDF returned more or fewer values than rows it was given. */
  | 'LOCH_UDF_RESULT_LENGTH'
  /** A UDF returned values not of its declared type. */
  | 'LOCH_UDF_RESULT_TYPE'
  /** A function API's (mapInArrow, applyInArrow) output does not have the schema it declared. */
  | 'LOCH_UDF_SCHEMA_MISMATCH'
  /** A registration that cannot work (bad name, type or function). */
  | 'LOCH_UDF_INVALID'
  /** The caller cancelled the run (`signal`): DuckDB was interrupted, later statements did not start. */
  | 'LOCH_STATEMENT_CANCELED';

export class SqlError extends Error {
  readonly code: SqlErrorCode;

  constructor(code: SqlErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SqlError';
    this.code = code;
  }

  override toString(): string {
    return `${this.code}: ${this.message}`;
  }
}

export const sqlError = (message: string, cause?: unknown): SqlError =>
  new SqlError('LOCH_SQL_ERROR', message, cause === undefined ? undefined : { cause });

export const unsupported = (what: string): SqlError =>
  new SqlError('LOCH_UNSUPPORTED_STATEMENT', `${what} is not supported yet`);

/** DuckDB reports its own errors as `<Kind> Error: ...` (Parser, Binder, Catalog, Conversion, ...). */
const DUCKDB_ERROR = /^[A-Z][A-Za-z]*(?: [A-Z][A-Za-z]*)* Error: /;

export function isDuckDbError(e: unknown): e is Error {
  return e instanceof Error && !(e instanceof DeltaError) && !(e instanceof SqlError) && DUCKDB_ERROR.test(e.message);
}

/** The first line of a DuckDB error as a LOCH_SQL_ERROR (its caret lines point into rewritten SQL). */
export function fromDuckDb(e: Error, rename: (message: string) => string = (m) => m): SqlError {
  // A user function's failure reaches us through DuckDB with its code in the message (udf/).
  const udf = /\b(LOCH_UDF_[A-Z_]+): (.*)/.exec(e.message.split('\n')[0]);
  if (udf) return new SqlError(udf[1] as SqlErrorCode, udf[2], { cause: e });
  return sqlError(rename(e.message.split('\n')[0]), e);
}

/** With several statements, names which one failed; coded errors keep their code. */
export function inStatement(e: unknown, number: number, several: boolean): unknown {
  if (!several) return e;
  if (e instanceof SqlError) return new SqlError(e.code, `statement ${number}: ${e.message}`, { cause: e });
  if (e instanceof DeltaError) return deltaError(e.code, `statement ${number}: ${e.message}`, e);
  return e;
}
