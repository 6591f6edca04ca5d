import type { FastifyInstance } from 'fastify';

/** One live update: a stream's progress, a dashboard's refresh, an alert's state. */
export interface LiveEvent {
  readonly type: string;
  readonly data: unknown;
}

/** Fans live updates out to every open event stream. */
export class EventHub {
  private readonly clients = new Set<(e: LiveEvent) => void>();

  publish(type: string, data: unknown): void {
    for (const send of this.clients) send({ type, data });
  }

  subscribe(send: (e: LiveEvent) => void): () => void {
    this.clients.add(send);
    return () => this.clients.delete(send);
  }

  get size(): number {
    return this.clients.size;
  }
}

/**
 * GET /api/2.0/events: Server-Sent Events (`event: <type>`, `data: <json>`), with a comment every
 * 15 s so that proxies keep the connection open. Closed when the client goes or the server stops.
 */
export function eventRoutes(app: FastifyInstance, hub: EventHub): void {
  const open = new Set<() => void>();
  app.addHook('onClose', async () => {
    for (const close of [...open]) close();
  });
  app.get('/api/2.0/events', (request, reply) => {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    res.write(': connected\n\n');
    const unsubscribe = hub.subscribe((e) => res.write(`event: ${e.type}\ndata: ${JSON.stringify(e.data)}\n\n`));
    const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
    const close = () => {
      clearInterval(ping);
      unsubscribe();
      open.delete(close);
      res.end();
    };
    open.add(close);
    request.raw.on('close', close);
  });
}
