import type { FastifyInstance } from 'fastify';
import { sendApiError } from '../api-errors.js';
import type { DashboardRefresher } from './refresher.js';
import type { DashboardStore } from './store.js';

/**
 * Dashboards: list, import (POST the JSON; the same id replaces), export (GET), delete, refresh
 * now with parameter values, and the latest results (refreshed on the schedule or on demand).
 */
export function dashboardRoutes(app: FastifyInstance, store: DashboardStore, refresher: DashboardRefresher): void {
  const handle = <T>(fn: (request: { params: Record<string, string>; body: unknown }) => Promise<T>) => async (request: { params: unknown; body: unknown }, reply: import('fastify').FastifyReply) => {
    try {
      return reply.send(await fn({ params: request.params as Record<string, string>, body: request.body }));
    } catch (e) {
      return sendApiError(reply, e);
    }
  };
  app.get('/api/2.0/dashboards', handle(async () => ({ dashboards: await store.list() })));
  app.post('/api/2.0/dashboards', handle(async ({ body }) => {
    const d = await store.save(body);
    refresher.schedule(d);
    return d;
  }));
  app.get('/api/2.0/dashboards/:id', handle(async ({ params }) => store.get(params.id)));
  app.delete('/api/2.0/dashboards/:id', handle(async ({ params }) => {
    await store.delete(params.id);
    refresher.unschedule(params.id);
    return {};
  }));
  app.post('/api/2.0/dashboards/:id/refresh', handle(async ({ params, body }) => {
    const values = ((body ?? {}) as { parameters?: Record<string, string | null> }).parameters ?? {};
    return refresher.refresh(await store.get(params.id), values);
  }));
  app.get('/api/2.0/dashboards/:id/results', handle(async ({ params }) => {
    const d = await store.get(params.id);
    return refresher.results(d.id) ?? refresher.refresh(d);
  }));
}
