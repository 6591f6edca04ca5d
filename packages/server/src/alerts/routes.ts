import type { FastifyInstance, FastifyReply } from 'fastify';
import { sendApiError } from '../api-errors.js';
import type { AlertMonitor } from './monitor.js';
import { maskAlert } from './secrets.js';
import type { AlertStore } from './store.js';

/**
 * Alerts: list with their states, create or replace, get, delete, evaluate now, transition history.
 * Every answer shows destinations masked (secrets are write-only); the store keeps them whole.
 */
export function alertRoutes(app: FastifyInstance, store: AlertStore, monitor: AlertMonitor): void {
  const handle = (fn: (params: Record<string, string>, body: unknown) => Promise<unknown>) => async (request: { params: unknown; body: unknown }, reply: FastifyReply) => {
    try {
      return reply.send(await fn(request.params as Record<string, string>, request.body));
    } catch (e) {
      return sendApiError(reply, e);
    }
  };
  app.get('/api/2.0/alerts', handle(async () => ({ alerts: (await store.all()).map(({ document: a, updatedAt }) => ({ ...maskAlert(a), updated_at: updatedAt, status: monitor.get(a.id) })) })));
  app.post('/api/2.0/alerts', handle(async (_p, body) => {
    const a = await store.save(body);
    monitor.schedule(a);
    return maskAlert(a);
  }));
  app.get('/api/2.0/alerts/:id', handle(async (p) => ({ ...maskAlert(await store.get(p.id)), status: monitor.get(p.id) })));
  app.delete('/api/2.0/alerts/:id', handle(async (p) => {
    await store.delete(p.id);
    monitor.unschedule(p.id);
    return {};
  }));
  app.post('/api/2.0/alerts/:id/evaluate', handle(async (p) => monitor.evaluate(await store.get(p.id))));
  app.get('/api/2.0/alerts/:id/history', handle(async (p) => {
    await store.get(p.id);
    return { history: await monitor.history(p.id) };
  }));
}
