import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A notification as the receiver got it, with the time it arrived. */
export interface ReceivedNotification {
  readonly receivedAt: number;
  readonly body: Record<string, unknown>;
}

/**
 * A local HTTP receiver for alert webhooks (what a run without a real subscriber sends to): it
 * listens on 127.0.0.1, keeps every JSON body POSTed to it with its arrival time, and answers 204.
 * Lifecycle: `start()`, `url`, `stop()`.
 */
export class WebhookReceiver {
  readonly received: ReceivedNotification[] = [];
  private server: Server | undefined;
  private listeners: Array<(n: ReceivedNotification) => void> = [];

  async start(port = 0): Promise<string> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        try {
          const n = { receivedAt: Date.now(), body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> };
          this.received.push(n);
          for (const l of this.listeners) l(n);
          res.writeHead(204).end();
        } catch {
          res.writeHead(400, { 'content-type': 'text/plain' }).end('QOS_BAD_NOTIFICATION: the body is not JSON\n');
        }
      });
    });
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', () => resolve()));
    this.server = server;
    return this.url;
  }

  get url(): string {
    if (!this.server) throw new Error('QOS_RECEIVER_NOT_STARTED: start() the webhook receiver first');
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/alerts`;
  }

  /** Calls `fn` for each notification that arrives from now on. */
  onNotification(fn: (n: ReceivedNotification) => void): void {
    this.listeners.push(fn);
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}
