import { amqpWriter, natsWriter, type ForeachWriter } from '@loch/streaming';
import { notificationBody, type Notifier } from './notify.js';
import type { Alert } from './rules.js';

/**
 * Sends notifications through one of the streaming package's broker writers (NATS, RabbitMQ):
 * each send is one writer epoch, each alert one JSON message (the webhook's body).
 */
export class BrokerNotifier implements Notifier {
  private epoch = 0;

  constructor(
    private readonly writer: ForeachWriter,
    readonly description: string,
  ) {}

  async send(alerts: readonly Alert[]): Promise<void> {
    if (alerts.length === 0) return;
    await this.writer.open?.(0, this.epoch++);
    let error: Error | null = null;
    try {
      for (const a of alerts) await this.writer.process(notificationBody(a) as never);
    } catch (e) {
      error = e as Error;
      throw e;
    } finally {
      await this.writer.close?.(error);
    }
  }
}

/** Notifications to a NATS subject (core NATS, or JetStream when `jetstream`). */
export const natsNotifier = (subject: string, servers?: string, jetstream = false): Notifier =>
  new BrokerNotifier(natsWriter({ subject, ...(servers ? { servers } : {}), jetstream }), `nats ${subject}`);

/** Notifications to a durable RabbitMQ queue. */
export const amqpNotifier = (queue: string, url?: string): Notifier => new BrokerNotifier(amqpWriter({ queue, ...(url ? { url } : {}) }), `rabbitmq queue ${queue}`);
