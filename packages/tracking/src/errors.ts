/**
 * Errors as MLflow's REST API returns them: an error code from MLflow's `databricks.proto` and a
 * message, sent as `{"error_code": ..., "message": ...}` with the HTTP status MLflow uses.
 */
export type TrackingErrorCode =
  | 'INVALID_PARAMETER_VALUE'
  | 'RESOURCE_DOES_NOT_EXIST'
  | 'RESOURCE_ALREADY_EXISTS'
  | 'BAD_REQUEST'
  | 'ENDPOINT_NOT_FOUND'
  | 'INVALID_STATE'
  | 'UNAUTHENTICATED'
  | 'INTERNAL_ERROR';

const HTTP_STATUS: Readonly<Record<TrackingErrorCode, number>> = {
  INVALID_PARAMETER_VALUE: 400,
  RESOURCE_DOES_NOT_EXIST: 404,
  RESOURCE_ALREADY_EXISTS: 400,
  BAD_REQUEST: 400,
  ENDPOINT_NOT_FOUND: 404,
  INVALID_STATE: 400,
  UNAUTHENTICATED: 401,
  INTERNAL_ERROR: 500,
};

export class TrackingError extends Error {
  constructor(
    readonly code: TrackingErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'TrackingError';
  }

  get httpStatus(): number {
    return HTTP_STATUS[this.code];
  }

  /** The JSON body MLflow sends for this error. */
  toJSON(): { error_code: TrackingErrorCode; message: string } {
    return { error_code: this.code, message: this.message };
  }
}

export function trackingError(code: TrackingErrorCode, message: string, cause?: unknown): TrackingError {
  return new TrackingError(code, message, cause === undefined ? undefined : { cause });
}

export const invalidParameter = (message: string) => trackingError('INVALID_PARAMETER_VALUE', message);
export const notFound = (message: string) => trackingError('RESOURCE_DOES_NOT_EXIST', message);
export const alreadyExists = (message: string) => trackingError('RESOURCE_ALREADY_EXISTS', message);

export function isTrackingError(e: unknown, code?: TrackingErrorCode): e is TrackingError {
  return e instanceof TrackingError && (code === undefined || e.code === code);
}
