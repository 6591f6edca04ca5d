import type { MqttClient } from 'mqtt';
import { closeSync, ftruncateSync, mkdirSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { invalidOption, streamingError } from '../../errors.js';
import { getOption, numberOption } from '../../formats.js';
import { STREAM_SCHEMA } from '../../query/batch-tables.js';
import type { Offset, ReadLimit, Source, SourceBatch, SourceContext } from '../../source.js';
import { brokerBatch, type BrokerMessage, type ParseSpec } from '../broker-batch.js';
import { parseOption } from '../nats/options.js';

export interface MqttOptions {
  readonly url: string;
  /** Topic filters (wildcards + and #). */
  readonly topics: readonly string[];
  readonly qos: 0 | 1 | 2;
  /** The session's client id (default `loch-<query id>`: the same across restarts, so the broker keeps what arrives meanwhile). */
  readonly clientId?: string;
  readonly maxOffsetsPerTrigger: number;
  readonly parse?: ParseSpec;
}

export function mqttOptions(options: Readonly<Record<string, string>>): MqttOptions {
  const what = 'mqtt source';
  const topics = (getOption(options, 'topic') ?? getOption(options, 'topics') ?? '').split(',').map((t) => t.trim()).filter(Boolean);
  if (topics.length === 0) throw invalidOption(`${what}: say which topics to read with option('topic', 'sensors/#')`);
  const qos = Number(getOption(options, 'qos') ?? 1);
  if (qos !== 0 && qos !== 1 && qos !== 2) throw invalidOption(`${what}: qos must be 0, 1 or 2`);
  const clientId = getOption(options, 'clientId');
  return {
    url: getOption(options, 'url') ?? getOption(options, 'servers') ?? 'mqtt://127.0.0.1:1883',
    topics,
    qos,
    ...(clientId !== undefined ? { clientId } : {}),
    maxOffsetsPerTrigger: numberOption(options, 'maxOffsetsPerTrigger', what) ?? 100_000,
    ...parseOption(options, what),
  };
}

type LogEntry = { q: number; t: number; s: string; b: string };
type Entry = BrokerMessage;

/**
 * MQTT topics as a streaming source. MQTT has no offsets to read again, and the broker delivers
 * QoS 1 at least once (after a reconnect a message may come twice), so the source keeps its own
 * write-ahead log in the checkpoint: each message is appended there before the broker gets its
 * acknowledgement, and numbered; offsets are those numbers. A restarted query reads the log's
 * uncommitted messages again, then what the broker kept for its persistent session (clean
 * session off, a client id that stays the same). Into Delta that is exactly once for what is in
 * the log, and at least once from the broker: drop repeats with dropDuplicates on a key.
 */
export class MqttSource implements Source {
  readonly description: string;
  readonly identity: string;
  private client: MqttClient | undefined;
  private fd: number | undefined;
  private logFile = '';
  private buffer: Entry[] = [];
  private next = 1;
  private lastArrival = 0;
  private availableNowTarget: number | undefined;

  constructor(private readonly o: MqttOptions) {
    this.description = `MqttSource[${o.topics.join(',')} @ ${o.url}]`;
    this.identity = `mqtt:${o.topics.join(',')}`;
  }

  async start(context: SourceContext, committed: Offset | undefined): Promise<void> {
    const dir = fileURLToPath(context.checkpointDir);
    mkdirSync(dir, { recursive: true });
    this.logFile = join(dir, 'mqtt-wal.jsonl');
    const after = typeof committed === 'number' ? committed : 0;
    this.recover(after);
    this.fd = openSync(this.logFile, 'a');
    const mqtt = await import('mqtt');
    const client = mqtt.connect(this.o.url, { clientId: this.o.clientId ?? `loch-${context.queryId}`, clean: false, reconnectPeriod: 500, connectTimeout: 5000 });
    // Called for each message in order; the broker gets its acknowledgement after the callback, so the message is in the log first.
    client.handleMessage = (packet, done) => {
      this.append(packet.topic, packet.payload as Buffer);
      done();
    };
    this.client = client;
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', (e) => reject(streamingError('STREAM_SOURCE_UNAVAILABLE', `cannot reach MQTT at ${this.o.url}: ${e.message}`, e)));
      setTimeout(() => reject(streamingError('STREAM_SOURCE_UNAVAILABLE', `cannot reach MQTT at ${this.o.url}: no answer in 5 s`)), 5000);
    }).catch(async (e) => {
      await client.endAsync(true).catch(() => undefined);
      throw e;
    });
    await client.subscribeAsync(this.o.topics.map((t) => t), { qos: this.o.qos });
  }

  /** The log's messages after `after`, kept in memory and written back alone (the committed ones are dropped). */
  private recover(after: number): void {
    let text = '';
    try {
      text = readFileSync(this.logFile, 'utf8');
    } catch {
      text = '';
    }
    const kept: LogEntry[] = [];
    for (const line of text.split('\n')) {
      if (!line) continue;
      try {
        const e = JSON.parse(line) as LogEntry;
        if (e.q > after) kept.push(e);
        this.next = Math.max(this.next, e.q + 1);
      } catch {
        // A line cut short by a crash was never acknowledged: the broker sends it again.
      }
    }
    this.next = Math.max(this.next, after + 1);
    writeFileSync(this.logFile, kept.map((e) => `${JSON.stringify(e)}\n`).join(''));
    this.buffer = kept.map((e) => ({ subject: e.s, data: Buffer.from(e.b, 'base64'), headers: null, sequence: e.q, timestampMicros: e.t }));
  }

  private append(topic: string, payload: Buffer): void {
    const e: LogEntry = { q: this.next++, t: Date.now() * 1000, s: topic, b: payload.toString('base64') };
    writeSync(this.fd!, `${JSON.stringify(e)}\n`);
    this.buffer.push({ subject: topic, data: payload, headers: null, sequence: e.q, timestampMicros: e.t });
    this.lastArrival = Date.now();
  }

  /** AvailableNow: what the broker held for the session has arrived once it has been quiet a moment (at most 10 s). */
  async prepareForTriggerAvailableNow(): Promise<void> {
    const started = Date.now();
    while (Date.now() - Math.max(this.lastArrival, started) < 300 && Date.now() - started < 10_000) await new Promise((r) => setTimeout(r, 50));
    this.availableNowTarget = this.next - 1;
  }

  async latestOffset(start: Offset | undefined, limit: ReadLimit): Promise<Offset | undefined> {
    const from = typeof start === 'number' ? start : 0;
    let candidates = this.buffer.filter((m) => m.sequence > from && (this.availableNowTarget === undefined || m.sequence <= this.availableNowTarget));
    if (limit === 'default' && candidates.length > this.o.maxOffsetsPerTrigger) candidates = candidates.slice(0, this.o.maxOffsetsPerTrigger);
    return candidates.at(-1)?.sequence ?? start;
  }

  async getBatch(start: Offset | undefined, end: Offset): Promise<SourceBatch> {
    const from = typeof start === 'number' ? start : 0;
    const rows = this.buffer.filter((m) => m.sequence > from && m.sequence <= (end as number));
    return brokerBatch(rows, this.o.parse, `${STREAM_SCHEMA}.mqtt_${randomUUID().replaceAll('-', '').slice(0, 16)}`);
  }

  async commit(end: Offset): Promise<void> {
    this.buffer = this.buffer.filter((m) => m.sequence > (end as number));
    // Everything logged is committed: the log starts again empty.
    if (this.buffer.length === 0 && this.fd !== undefined) ftruncateSync(this.fd, 0);
  }

  metrics(): Readonly<Record<string, string>> {
    return { bufferedMessages: String(this.buffer.length) };
  }

  async stop(): Promise<void> {
    await this.client?.endAsync().catch(() => undefined);
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
