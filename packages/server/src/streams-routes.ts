import type { Lakehouse } from '@loch/lakehouse/core';
import '@loch/streaming';
import type { StreamingQueryProgress, StreamingQueryStatus } from '@loch/streaming';
import type { FastifyInstance } from 'fastify';
import { notFoundError, sendApiError } from './api-errors.js';
import type { EventHub } from './events.js';

/** What the server knows of one streaming query: started in this process on the server's lake. */
interface KnownStream {
  readonly id: string;
  runId: string;
  name: string | null;
  startedAt: string;
  isActive: boolean;
  exception: string | null;
  recent: StreamingQueryProgress[];
}

/** Progress kept per query for the console's charts (Spark keeps 100 too). */
const RECENT = 100;

/**
 * `lake.streams` over HTTP: every streaming query started on the server's lake, running or
 * finished, with its recent progress (GET /api/2.0/streams, /api/2.0/streams/{id}); progress and
 * termination are also published on the live event stream (`stream-progress`, `stream-terminated`).
 */
export class StreamsView {
  private readonly known = new Map<string, KnownStream>();
  private readonly listener;

  constructor(private readonly lake: Lakehouse, hub: EventHub) {
    const know = (id: string, runId: string, name: string | null, at: string): KnownStream => {
      let k = this.known.get(id);
      if (!k) {
        k = { id, runId, name, startedAt: at, isActive: true, exception: null, recent: [] };
        this.known.set(id, k);
      }
      k.runId = runId;
      return k;
    };
    this.listener = {
      onQueryStarted: (e: { id: string; runId: string; name: string | null; timestamp: string }) => {
        const k = know(e.id, e.runId, e.name, e.timestamp);
        k.isActive = true;
        k.startedAt = e.timestamp;
        hub.publish('stream-started', { id: e.id, run_id: e.runId, name: e.name });
      },
      onQueryProgress: (e: { progress: StreamingQueryProgress }) => {
        const p = e.progress;
        const k = know(p.id, p.runId, p.name, p.timestamp);
        k.recent.push(p);
        if (k.recent.length > RECENT) k.recent.shift();
        hub.publish('stream-progress', p);
      },
      onQueryTerminated: (e: { id: string; runId: string; exception: string | null }) => {
        const k = this.known.get(e.id);
        if (k) {
          k.isActive = false;
          k.exception = e.exception;
        }
        hub.publish('stream-terminated', { id: e.id, run_id: e.runId, exception: e.exception });
      },
    };
    lake.streams.addListener(this.listener);
  }

  /** Every query: those running now (also ones started before the server listened) and those seen finishing. */
  list(): Record<string, unknown>[] {
    for (const q of this.lake.streams.active) {
      if (!this.known.has(q.id)) {
        this.known.set(q.id, { id: q.id, runId: q.runId, name: q.name, startedAt: new Date().toISOString(), isActive: true, exception: null, recent: [...q.recentProgress] });
      }
    }
    return [...this.known.values()].map((k) => this.describe(k, false));
  }

  get(id: string): Record<string, unknown> {
    this.list();
    const k = this.known.get(id);
    if (!k) throw notFoundError(`streaming query '${id}' is not known to this server`);
    return this.describe(k, true);
  }

  private describe(k: KnownStream, withRecent: boolean): Record<string, unknown> {
    const q = this.lake.streams.get(k.id);
    const status: StreamingQueryStatus | null = q ? q.status : null;
    return {
      id: k.id,
      run_id: k.runId,
      name: k.name,
      started_at: k.startedAt,
      is_active: q ? q.isActive : k.isActive,
      status,
      exception: k.exception,
      last_progress: k.recent[k.recent.length - 1] ?? null,
      ...(withRecent ? { recent_progress: k.recent } : {}),
    };
  }

  close(): void {
    this.lake.streams.removeListener(this.listener);
  }
}

export function streamsRoutes(app: FastifyInstance, view: StreamsView): void {
  app.get('/api/2.0/streams', async (_request, reply) => reply.send({ streams: view.list() }));
  app.get<{ Params: { id: string } }>('/api/2.0/streams/:id', async (request, reply) => {
    try {
      return reply.send(view.get(request.params.id));
    } catch (e) {
      return sendApiError(reply, e);
    }
  });
}
