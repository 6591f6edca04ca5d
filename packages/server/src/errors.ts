import { TrackingError, trackingError } from '@loch/tracking';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';

/** Any failure as MLflow answers it: `{"error_code", "message"}` with MLflow's HTTP status. */
export function toTrackingError(e: unknown): TrackingError {
  if (e instanceof TrackingError) return e;
  const fe = e as FastifyError;
  if (fe?.code === 'FST_ERR_CTP_INVALID_JSON' || fe instanceof SyntaxError) {
    return trackingError('BAD_REQUEST', `Malformed request body: ${fe.message}`);
  }
  if (typeof fe?.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return trackingError(fe.statusCode === 404 ? 'ENDPOINT_NOT_FOUND' : 'BAD_REQUEST', fe.message);
  }
  // Storage and engine errors carry a code of their own (DELTA_..., LOCH_...): keep it in the message.
  const code = (e as { code?: unknown })?.code;
  const message = (e as Error)?.message ?? String(e);
  return trackingError('INTERNAL_ERROR', typeof code === 'string' ? `${code}: ${message}` : message);
}

export function sendError(reply: FastifyReply, e: unknown): FastifyReply {
  const err = toTrackingError(e);
  return reply.code(err.httpStatus).type('application/json').send(err.toJSON());
}

export function errorHandler(e: unknown, _request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return sendError(reply, e);
}
