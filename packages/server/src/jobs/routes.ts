import type { FastifyInstance, FastifyReply } from 'fastify';
import { sendApiError } from '../api-errors.js';
import type { JobRunner, JobStore } from './runner.js';

/** Jobs: list, create or replace, get, delete, run now (`?wait=true` answers when it ended), runs. */
export function jobRoutes(app: FastifyInstance, store: JobStore, runner: JobRunner): void {
  const handle = (fn: (params: Record<string, string>, body: unknown, query: Record<string, string | undefined>) => Promise<unknown>) => async (request: { params: unknown; body: unknown; query: unknown }, reply: FastifyReply) => {
    try {
      return reply.send(await fn(request.params as Record<string, string>, request.body, request.query as Record<string, string | undefined>));
    } catch (e) {
      return sendApiError(reply, e);
    }
  };
  app.get('/api/2.0/jobs', handle(async () => ({ jobs: (await store.all()).map(({ document: j, updatedAt }) => ({ ...j, updated_at: updatedAt, running: runner.current(j.id) ?? null })) })));
  app.post('/api/2.0/jobs', handle(async (_p, body) => {
    const j = await store.save(body);
    runner.schedule(j);
    return j;
  }));
  app.get('/api/2.0/jobs/:id', handle(async (p) => store.get(p.id)));
  app.delete('/api/2.0/jobs/:id', handle(async (p) => {
    await store.delete(p.id);
    runner.unschedule(p.id);
    return {};
  }));
  app.post('/api/2.0/jobs/:id/run-now', handle(async (p, _b, q) => {
    const { run, done } = runner.run(await store.get(p.id), 'manual');
    return q.wait === 'true' ? done : { ...run, done: undefined };
  }));
  app.get('/api/2.0/jobs/:id/runs', handle(async (p) => {
    await store.get(p.id);
    return { runs: await runner.runs(p.id) };
  }));
}
