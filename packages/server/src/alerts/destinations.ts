import { amqpWriter, mqttWriter, natsWriter, type ForeachWriter } from '@loch/streaming';
import { ApiError } from '../api-errors.js';
import { maskDestination } from './secrets.js';

/**
 * Where a state change is sent: a webhook gets a JSON POST; a NATS subject, a RabbitMQ queue or
 * exchange, or an MQTT topic gets one JSON message (the webhook's body) through the streaming
 * package's broker writers.
 */
export type AlertDestination =
  | { readonly type: 'webhook'; readonly url: string }
  | { readonly type: 'nats'; readonly subject: string; readonly servers?: string }
  | { readonly type: 'amqp'; readonly url?: string; readonly queue?: string; readonly exchange?: string; readonly routing_key?: string }
  | { readonly type: 'mqtt'; readonly topic: string; readonly url?: string; readonly qos?: 0 | 1 | 2 };

export const DESTINATION_TYPES = ['webhook', 'nats', 'amqp', 'mqtt'] as const;

const invalid = (message: string): ApiError => new ApiError('LOCH_ALERT_INVALID', message, 400);

function field(x: Record<string, unknown>, key: string, at: string, required: boolean): string | undefined {
  const v = x[key];
  if (v === undefined || v === null) {
    if (required) throw invalid(`${at}.${key} is required`);
    return undefined;
  }
  if (typeof v !== 'string' || v.trim() === '') throw invalid(`${at}.${key} must be a non-empty string`);
  return v;
}

function url(text: string, at: string, protocols: readonly string[]): string {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw invalid(`${at}: '${text}' is not a URL`);
  }
  if (!protocols.includes(u.protocol)) throw invalid(`${at}: only ${protocols.map((p) => p.replace(/:$/, '')).join(' and ')} URLs`);
  return u.toString();
}

/** One destination from an alert's JSON, checked: a failure is LOCH_ALERT_INVALID naming the field. */
export function parseDestination(d: unknown, i: number): AlertDestination {
  const at = `destinations[${i}]`;
  const x = (d ?? {}) as Record<string, unknown>;
  switch (x.type) {
    case 'webhook':
      return { type: 'webhook', url: url(String(x.url), `${at}.url`, ['http:', 'https:']) };
    case 'nats': {
      const subject = field(x, 'subject', at, true)!;
      // A publish goes to one subject: no wildcards, no spaces.
      if (!/^[^\s*>.]+(\.[^\s*>.]+)*$/.test(subject)) throw invalid(`${at}.subject: '${subject}' is not a NATS subject to publish to (dot-separated tokens, no wildcards)`);
      const servers = field(x, 'servers', at, false);
      return { type: 'nats', subject, ...(servers ? { servers } : {}) };
    }
    case 'amqp': {
      const u = field(x, 'url', at, false);
      const queue = field(x, 'queue', at, false);
      const exchange = field(x, 'exchange', at, false);
      const routingKey = field(x, 'routing_key', at, false);
      if (!queue && !exchange) throw invalid(`${at}: an amqp destination needs a queue or an exchange`);
      if (queue && exchange) throw invalid(`${at}: an amqp destination has a queue or an exchange (with routing_key), not both`);
      return { type: 'amqp', ...(u ? { url: url(u, `${at}.url`, ['amqp:', 'amqps:']) } : {}), ...(queue ? { queue } : {}), ...(exchange ? { exchange } : {}), ...(routingKey ? { routing_key: routingKey } : {}) };
    }
    case 'mqtt': {
      const topic = field(x, 'topic', at, true)!;
      if (/[+#]/.test(topic)) throw invalid(`${at}.topic: '${topic}' has a wildcard; a message is published to one topic`);
      const u = field(x, 'url', at, false);
      const qos = x.qos;
      if (qos !== undefined && qos !== 0 && qos !== 1 && qos !== 2) throw invalid(`${at}.qos: '${String(qos)}' is not 0, 1 or 2`);
      return { type: 'mqtt', topic, ...(u ? { url: url(u, `${at}.url`, ['mqtt:', 'mqtts:', 'ws:', 'wss:', 'tcp:']) } : {}), ...(qos !== undefined ? { qos: qos as 0 | 1 | 2 } : {}) };
    }
    default:
      throw invalid(`${at}.type: '${String(x.type)}' is not supported (${DESTINATION_TYPES.join(', ')})`);
  }
}

/**
 * How a destination is named in `notified` and in warnings: its kind and address, its secrets
 * masked as reads show them.
 */
export function destinationName(destination: AlertDestination): string {
  const d = maskDestination(destination);
  switch (d.type) {
    case 'webhook': return d.url;
    case 'nats': return `nats ${d.servers ?? '127.0.0.1:4222'} ${d.subject}`;
    case 'amqp': return `amqp ${d.url ?? 'amqp://127.0.0.1:5672'} ${d.queue ? `queue ${d.queue}` : `exchange ${d.exchange}${d.routing_key ? ` ${d.routing_key}` : ''}`}`;
    case 'mqtt': return `mqtt ${d.url ?? 'mqtt://127.0.0.1:1883'} ${d.topic}`;
  }
}

function brokerWriter(d: Exclude<AlertDestination, { type: 'webhook' }>): ForeachWriter {
  switch (d.type) {
    case 'nats': return natsWriter({ subject: d.subject, ...(d.servers ? { servers: d.servers } : {}) });
    case 'amqp': return amqpWriter({ ...(d.url ? { url: d.url } : {}), ...(d.queue ? { queue: d.queue } : {}), ...(d.exchange ? { exchange: d.exchange, routingKey: d.routing_key ?? '' } : {}) });
    case 'mqtt': return mqttWriter({ topic: d.topic, ...(d.url ? { url: d.url } : {}), ...(d.qos !== undefined ? { qos: d.qos } : {}) });
  }
}

/**
 * Sends one notification; resolves to what the destination answered (a webhook's HTTP status,
 * `sent` once a broker took the message: RabbitMQ's publisher confirm, MQTT's QoS 1 ack, NATS's
 * flush). `epoch` numbers the send (the writers' message ids). Gives up after `timeoutMs`.
 */
export async function sendNotification(d: AlertDestination, body: Record<string, unknown>, epoch: number, fetchImpl: typeof fetch, timeoutMs = 10_000): Promise<string> {
  if (d.type === 'webhook') {
    const r = await fetchImpl(d.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(timeoutMs) });
    await r.arrayBuffer().catch(() => undefined);
    return String(r.status);
  }
  const writer = brokerWriter(d);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs)));
  const send = async () => {
    await writer.open?.(0, epoch);
    let error: Error | null = null;
    try {
      await writer.process(body as never);
    } catch (e) {
      error = e as Error;
      throw e;
    } finally {
      await writer.close?.(error);
    }
  };
  try {
    await Promise.race([send(), timeout]);
  } finally {
    clearTimeout(timer);
  }
  return 'sent';
}
