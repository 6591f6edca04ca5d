import type { ConsumerMessages, JetStreamManager, JsMsg, NatsConnection } from 'nats';
import { randomUUID } from 'node:crypto';
import { streamingError } from '../../errors.js';
import { STREAM_SCHEMA } from '../../query/batch-tables.js';
import type { Offset, ReadLimit, Source, SourceBatch, SourceContext } from '../../source.js';
import { brokerBatch, type BrokerMessage } from '../broker-batch.js';
import type { NatsOptions } from './options.js';
import { closeNats } from './close.js';
import { ensureDurable, type AckMode } from './durable.js';

/** How long the pump may keep the event loop before it lets other work in. */
const YIELD_AFTER_MS = 25;

/** The source's offset: the stream and the sequence of the last message a batch takes. */
type NatsOffset = { readonly stream: string; readonly seq: number };

const asOffset = (o: Offset | undefined): NatsOffset | undefined => (o === undefined || o === null ? undefined : (o as unknown as NatsOffset));

/**
 * A NATS JetStream stream as a streaming source. Offsets are stream sequence numbers, written to
 * the checkpoint before each batch, so a restarted query reads again exactly the batch it had not
 * committed and goes on after it: with the Delta sink's txn, each message lands once. Messages
 * come from an ordered consumer (ephemeral, no acks: the position is the checkpoint's, as in
 * Spark's Kafka source) started after the last committed sequence, or with option `consumer`
 * from a durable pull consumer acknowledged as batches commit (see ensureDurable: the
 * checkpoint's offsets stay the ones of record, what it delivers again is skipped by sequence),
 * into a bounded buffer; the client reconnects by itself when the server goes away, and the
 * query waits meanwhile.
 */
export class NatsSource implements Source {
  readonly description: string;
  readonly identity: string;
  private nc: NatsConnection | undefined;
  private jsm!: JetStreamManager;
  private messages: ConsumerMessages | undefined;
  private readonly buffer: BrokerMessage[] = [];
  /** The consumer's pending count after the newest buffered message: 0 means caught up. */
  private pending = Number.POSITIVE_INFINITY;
  /** The newest sequence received (buffered or already committed). */
  private newest = 0;
  private availableNowTarget: number | undefined;
  private resume: (() => void) | undefined;
  private stopped = false;
  private pumping: Promise<void> | undefined;
  private failure: Error | undefined;
  /** How a durable consumer's messages are acknowledged; none for the ordered consumer. */
  private ackMode: AckMode = 'none';

  constructor(private readonly o: NatsOptions) {
    this.description = `NatsSource[${o.stream}${o.subject ? ` ${o.subject}` : ''} @ ${o.servers.join(',')}]`;
    this.identity = `nats:${o.stream}:${o.subject ?? '>'}`;
  }

  async start(_context: SourceContext, committed: Offset | undefined): Promise<void> {
    const { connect } = await import('nats');
    try {
      this.nc = await connect({ servers: [...this.o.servers], maxReconnectAttempts: -1, reconnectTimeWait: 250, name: `loch ${this.description}` });
    } catch (e) {
      throw streamingError('STREAM_SOURCE_UNAVAILABLE', `cannot reach NATS at ${this.o.servers.join(', ')} (${this.description}): ${(e as Error).message}`, e);
    }
    this.jsm = await this.nc.jetstreamManager();
    try {
      await this.jsm.streams.info(this.o.stream);
    } catch (e) {
      throw streamingError('STREAM_INVALID_OPTION', `NATS stream '${this.o.stream}' does not exist at ${this.o.servers.join(', ')}: ${(e as Error).message}`, e);
    }
    const after = asOffset(committed)?.seq;
    this.newest = after ?? 0;
    const js = this.nc.jetstream();
    let consumer;
    if (this.o.consumer) {
      this.ackMode = await ensureDurable(this.jsm, this.o, after);
      consumer = await js.consumers.get(this.o.stream, this.o.consumer);
    } else {
      consumer = await js.consumers.get(this.o.stream, {
        ...(this.o.subject ? { filterSubjects: this.o.subject } : {}),
        ...(after !== undefined ? { opt_start_seq: after + 1 } : this.o.startingOffsets === 'latest' ? { deliver_policy: 'new' as never } : {}),
      });
    }
    this.messages = await consumer.consume({ max_messages: Math.min(this.o.bufferSize, 10_000) });
    this.pumping = this.pump(this.messages);
  }

  /** Moves messages from the consumer to the buffer, pausing while the buffer is full. */
  private async pump(messages: ConsumerMessages): Promise<void> {
    try {
      let turn = performance.now();
      for await (const m of messages) {
        // The client hands over a backlog in microtasks: let the batch's own I/O in when the loop has been ours a while.
        // (A turn every 2,000 messages, whatever their pace, made reading 2x slower than a bare consumer.)
        if (performance.now() - turn > YIELD_AFTER_MS) {
          await new Promise((r) => setImmediate(r));
          turn = performance.now();
        }
        this.pending = m.info.pending;
        // A durable consumer may deliver again what came before (up to the checkpoint, or past its wait for an acknowledgement).
        if (m.seq <= this.newest) {
          if (this.ackMode === 'explicit') m.ack();
          if (this.stopped) break;
          continue;
        }
        this.buffer.push(toMessage(m, this.ackMode === 'all' ? () => m.ackAck() : this.ackMode === 'explicit' ? async () => m.ack() : undefined));
        this.newest = m.seq;
        if (this.buffer.length >= this.o.bufferSize) await new Promise<void>((r) => (this.resume = r));
        if (this.stopped) break;
      }
    } catch (e) {
      if (!this.stopped) this.failure = e instanceof Error ? e : new Error(String(e));
    }
  }

  async prepareForTriggerAvailableNow(): Promise<void> {
    const info = await this.jsm.streams.info(this.o.stream);
    this.availableNowTarget = info.state.last_seq;
  }

  async latestOffset(start: Offset | undefined, limit: ReadLimit): Promise<Offset | undefined> {
    if (this.failure) throw this.failure;
    const from = asOffset(start)?.seq ?? 0;
    const target = this.availableNowTarget;
    // AvailableNow: the batch takes what has arrived (reading goes on while it runs), waiting only while nothing has.
    if (target !== undefined && from < target) await this.waitFor(() => this.newestSeq() > from || this.pending === 0);
    let candidates = this.buffer.filter((m) => m.sequence > from && (target === undefined || m.sequence <= target));
    if (limit === 'default' && candidates.length > this.o.maxOffsetsPerTrigger) candidates = candidates.slice(0, this.o.maxOffsetsPerTrigger);
    const last = candidates.at(-1);
    return last ? { stream: this.o.stream, seq: last.sequence } : start;
  }

  private newestSeq(): number {
    return this.newest;
  }

  /** Waits until `done` holds, the source stops or fails (checked every few milliseconds). */
  private async waitFor(done: () => boolean): Promise<void> {
    while (!done() && !this.stopped) {
      if (this.failure) throw this.failure;
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  async getBatch(start: Offset | undefined, end: Offset): Promise<SourceBatch> {
    const from = asOffset(start)?.seq ?? 0;
    const to = asOffset(end)!.seq;
    // A replayed batch (after a restart) is read again from the stream: wait until it has arrived.
    await this.waitFor(() => this.newestSeq() >= to || this.pending === 0);
    const rows = this.buffer.filter((m) => m.sequence > from && m.sequence <= to);
    return brokerBatch(rows, this.o.parse, `${STREAM_SCHEMA}.nats_${randomUUID().replaceAll('-', '').slice(0, 16)}`);
  }

  async commit(end: Offset): Promise<void> {
    const to = asOffset(end)!.seq;
    let n = 0;
    while (n < this.buffer.length && this.buffer[n].sequence <= to) n++;
    // The batch is in Delta: the durable consumer may forget it (with ack policy all, its last message stands for all).
    // Confirmed by the server before the next batch, so that its view of the query's progress is never ahead of a restart's.
    if (this.ackMode === 'all') await this.buffer[n - 1]?.ack?.();
    else if (this.ackMode === 'explicit') {
      for (let i = 0; i < n; i++) await this.buffer[i].ack?.();
      await this.nc?.flush();
    }
    this.buffer.splice(0, n);
    const resume = this.resume;
    this.resume = undefined;
    resume?.();
  }

  metrics(): Readonly<Record<string, string>> {
    return { bufferedMessages: String(this.buffer.length), pendingInStream: Number.isFinite(this.pending) ? String(this.pending) : 'unknown' };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.resume?.();
    this.messages?.stop();
    await this.pumping?.catch(() => undefined);
    if (this.nc) await closeNats(this.nc);
  }
}

function toMessage(m: JsMsg, ack: (() => Promise<unknown>) | undefined): BrokerMessage {
  let headers: string | null = null;
  if (m.headers) {
    const h: Record<string, string[]> = {};
    for (const [k, v] of m.headers) h[k] = v;
    headers = JSON.stringify(h);
  }
  return { subject: m.subject, data: m.data, headers, sequence: m.seq, timestampMicros: Math.floor(m.info.timestampNanos / 1000), ...(ack ? { ack } : {}) };
}
