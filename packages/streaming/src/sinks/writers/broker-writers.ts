import type { Row } from '@loch/lakehouse';
import { streamingError } from '../../errors.js';
import type { ForeachWriter } from '../foreach.js';
import { closeNats } from '../../sources/nats/close.js';

/** How rows are sent: one JSON object per row, in Loch's JSON encoding. */
const body = (row: Row) => Buffer.from(JSON.stringify(row));

/**
 * A writer that opens a connection for each batch, sends each row as a message, and closes
 * (waiting for the broker's confirmations) at the end of the batch. At least once, as every
 * foreach sink: a replayed batch sends again, with the same `loch-batch-id` header and message
 * ids, so consumers can drop what they have seen.
 */
abstract class PerBatchWriter<C> implements ForeachWriter {
  private connection: C | undefined;
  protected epochId = 0;
  protected n = 0;

  protected abstract connect(): Promise<C>;
  protected abstract send(c: C, row: Row): Promise<void>;
  protected abstract finish(c: C): Promise<void>;

  async open(_partitionId: number, epochId: number): Promise<boolean> {
    this.epochId = epochId;
    this.n = 0;
    this.connection = await this.connect();
    return true;
  }

  async process(row: Row): Promise<void> {
    await this.send(this.connection!, row);
    this.n++;
  }

  async close(error: Error | null): Promise<void> {
    const c = this.connection;
    this.connection = undefined;
    if (!c) return;
    try {
      await this.finish(c);
    } catch (e) {
      if (!error) throw e;
    }
  }

  protected messageId(): string {
    return `${this.epochId}-${this.n}`;
  }
}

export interface AmqpWriterOptions {
  /** Default `amqp://guest:guest@127.0.0.1:5672`. */
  readonly url?: string;
  /** Publish to this exchange (with routingKey), or, without one, straight to `queue`. */
  readonly exchange?: string;
  readonly routingKey?: string;
  /** A durable queue, declared if missing. */
  readonly queue?: string;
}

/** A broker URL as errors quote it: without its user and password. */
const withoutCredentials = (url: string) => url.replace(/\/\/[^@/]*@/, '//');

type AmqpConnection = { conn: import('amqplib').ChannelModel; ch: import('amqplib').ConfirmChannel };

/** Rows to RabbitMQ (AMQP 0-9-1; the SNS/SQS analogue): persistent JSON messages, publisher confirms awaited per batch. */
export function amqpWriter(options: AmqpWriterOptions): ForeachWriter {
  if (!options.exchange && !options.queue) throw streamingError('STREAM_INVALID_OPTION', 'amqpWriter: say where rows go: { queue } or { exchange, routingKey }');
  const url = options.url ?? 'amqp://guest:guest@127.0.0.1:5672';
  return new (class extends PerBatchWriter<AmqpConnection> {
    protected async connect(): Promise<AmqpConnection> {
      const amqp = await import('amqplib');
      let conn;
      try {
        conn = await amqp.connect(url);
      } catch (e) {
        throw streamingError('STREAM_SOURCE_UNAVAILABLE', `cannot reach RabbitMQ at ${withoutCredentials(url)}: ${(e as Error).message}`, e);
      }
      const ch = await conn.createConfirmChannel();
      if (options.queue) await ch.assertQueue(options.queue, { durable: true });
      return { conn, ch };
    }
    protected async send({ ch }: AmqpConnection, row: Row): Promise<void> {
      const props = { persistent: true, contentType: 'application/json', messageId: this.messageId(), headers: { 'loch-batch-id': this.epochId } };
      const ok = options.exchange ? ch.publish(options.exchange, options.routingKey ?? '', body(row), props) : ch.sendToQueue(options.queue!, body(row), props);
      if (!ok) await new Promise((r) => ch.once('drain', r));
    }
    protected async finish({ conn, ch }: AmqpConnection): Promise<void> {
      await ch.waitForConfirms();
      await conn.close();
    }
  })();
}

export interface NatsWriterOptions {
  /** Default `127.0.0.1:4222`; several separated by commas. */
  readonly servers?: string;
  readonly subject: string;
  /** Publish through JetStream (acknowledged by the stream) rather than core NATS. */
  readonly jetstream?: boolean;
}

/** Rows to a NATS subject: JSON messages with a `Nats-Msg-Id` (JetStream's de-duplication key). */
export function natsWriter(options: NatsWriterOptions): ForeachWriter {
  const servers = (options.servers ?? '127.0.0.1:4222').split(',');
  return new (class extends PerBatchWriter<import('nats').NatsConnection> {
    private acks: Promise<unknown>[] = [];
    protected async connect(): Promise<import('nats').NatsConnection> {
      const { connect } = await import('nats');
      try {
        return await connect({ servers });
      } catch (e) {
        throw streamingError('STREAM_SOURCE_UNAVAILABLE', `cannot reach NATS at ${servers.map(withoutCredentials).join(', ')}: ${(e as Error).message}`, e);
      }
    }
    protected async send(nc: import('nats').NatsConnection, row: Row): Promise<void> {
      const { headers } = await import('nats');
      const h = headers();
      h.set('Nats-Msg-Id', `${options.subject}-${this.messageId()}`);
      h.set('loch-batch-id', String(this.epochId));
      if (options.jetstream) this.acks.push(nc.jetstream().publish(options.subject, body(row), { headers: h, msgID: `${options.subject}-${this.messageId()}` }));
      else nc.publish(options.subject, body(row), { headers: h });
    }
    protected async finish(nc: import('nats').NatsConnection): Promise<void> {
      const acks = this.acks.splice(0);
      try {
        await Promise.all(acks);
        await nc.flush();
      } finally {
        // Closed also when the broker went away mid-batch: a connection left open would keep reconnecting.
        await closeNats(nc);
      }
    }
  })();
}

export interface MqttWriterOptions {
  /** Default `mqtt://127.0.0.1:1883`. */
  readonly url?: string;
  readonly topic: string;
  /** 0, 1 (default) or 2. */
  readonly qos?: 0 | 1 | 2;
}

/** Rows to an MQTT topic: JSON messages at QoS 1 (the broker acknowledges each) unless told. */
export function mqttWriter(options: MqttWriterOptions): ForeachWriter {
  const url = options.url ?? 'mqtt://127.0.0.1:1883';
  return new (class extends PerBatchWriter<import('mqtt').MqttClient> {
    protected async connect(): Promise<import('mqtt').MqttClient> {
      const mqtt = await import('mqtt');
      try {
        return await mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 5000 });
      } catch (e) {
        throw streamingError('STREAM_SOURCE_UNAVAILABLE', `cannot reach MQTT at ${withoutCredentials(url)}: ${(e as Error).message}`, e);
      }
    }
    protected async send(client: import('mqtt').MqttClient, row: Row): Promise<void> {
      await client.publishAsync(options.topic, body(row), { qos: options.qos ?? 1 });
    }
    protected async finish(client: import('mqtt').MqttClient): Promise<void> {
      await client.endAsync();
    }
  })();
}
