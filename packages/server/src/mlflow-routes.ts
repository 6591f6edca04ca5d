import { ENDPOINTS, type TrackingStore } from '@loch/tracking';
import type { FastifyInstance, FastifyRequest } from 'fastify';

/** The prefixes MLflow serves its REST API under (the second is what its web UI calls). */
export const API_PREFIXES = ['/api/2.0/mlflow', '/ajax-api/2.0/mlflow'];

/** A GET's query: repeated keys arrive as arrays already; everything else as strings. */
function requestBody(request: FastifyRequest): Record<string, unknown> {
  if (request.method === 'GET') return (request.query ?? {}) as Record<string, unknown>;
  const body = request.body;
  if (body && typeof body === 'object' && !Array.isArray(body)) return body as Record<string, unknown>;
  // DELETE and PATCH calls from some clients put their fields in the query string.
  return (request.query ?? {}) as Record<string, unknown>;
}

/** MLflow's REST API 2.0 (tracking and registry), one route per endpoint of its protos. */
export async function mlflowRoutes(app: FastifyInstance, tracking: TrackingStore): Promise<void> {
  for (const prefix of API_PREFIXES) {
    for (const e of ENDPOINTS) {
      app.route({
        method: e.method,
        url: `${prefix}/${e.path}`,
        handler: async (request) => tracking.call(e.method, e.path, requestBody(request)),
      });
    }
  }
}
