import { connect, type JetStreamClient, type NatsConnection } from 'nats';
import type { PlayerEvent } from '../generator/records.js';

/**
 * Publishes player events to a NATS JetStream stream, one JSON message each, as players would
 * send them to a collector; bronze reads the stream (pipelines/bronze-nats.sql). The stream is
 * made afresh for a run (subject `<stream>.events`), so a run reads only its own events.
 */
export class NatsEventPublisher {
  private constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    readonly subject: string,
  ) {}

  static async open(servers: string, stream: string): Promise<NatsEventPublisher> {
    let nc: NatsConnection;
    try {
      nc = await connect({ servers, timeout: 3000 });
    } catch (e) {
      throw Object.assign(new Error(`QOS_BROKER_UNAVAILABLE: NATS is not reachable at ${servers}: ${(e as Error).message}`), { code: 'QOS_BROKER_UNAVAILABLE' });
    }
    const jsm = await nc.jetstreamManager();
    await jsm.streams.delete(stream).catch(() => undefined);
    await jsm.streams.add({ name: stream, subjects: [`${stream}.events`] });
    return new NatsEventPublisher(nc, nc.jetstream(), `${stream}.events`);
  }

  /** Publishes the events, each acknowledged by the stream before this resolves. */
  async publish(events: readonly PlayerEvent[]): Promise<void> {
    const encoder = new TextEncoder();
    for (let i = 0; i < events.length; i += 500) {
      await Promise.all(events.slice(i, i + 500).map((e) => this.js.publish(this.subject, encoder.encode(JSON.stringify(e)))));
    }
  }

  async close(): Promise<void> {
    await this.nc.drain();
  }
}
