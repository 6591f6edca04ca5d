import { TrackingError } from '@loch/tracking';
import type { FastifyReply } from 'fastify';

/**
 * Errors of the lake APIs (statements, ingest, catalog, dashboards): `{error_code, message}` as
 * Databricks answers, with the code Loch itself raised (LOCH_..., DELTA_...) so that a script sees
 * what `loch sql` would print.
 */
export class ApiError extends Error {
  constructor(readonly code: string, message: string, readonly httpStatus = 400) {
    super(message);
    this.name = 'ApiError';
  }
}

export const invalidRequest = (message: string): ApiError => new ApiError('INVALID_PARAMETER_VALUE', message, 400);
export const notFoundError = (message: string): ApiError => new ApiError('RESOURCE_DOES_NOT_EXIST', message, 404);

/** The code and message of any failure; coded errors (DeltaError, SqlError, ...) keep theirs. */
export function errorInfo(e: unknown): { error_code: string; message: string } {
  const code = (e as { code?: unknown })?.code;
  const message = (e as Error)?.message ?? String(e);
  return { error_code: typeof code === 'string' && /^[A-Z][A-Z0-9_]+$/.test(code) ? code : 'INTERNAL_ERROR', message };
}

/** 404 for what does not exist, 500 for uncoded failures, 400 for the rest. */
export function statusOf(e: unknown): number {
  if (e instanceof ApiError) return e.httpStatus;
  if (e instanceof TrackingError) return e.httpStatus;
  const { error_code } = errorInfo(e);
  if (error_code === 'INTERNAL_ERROR') return 500;
  return /NOT_FOUND|DOES_NOT_EXIST/.test(error_code) ? 404 : 400;
}

export function sendApiError(reply: FastifyReply, e: unknown): FastifyReply {
  return reply.code(statusOf(e)).type('application/json').send(errorInfo(e));
}
