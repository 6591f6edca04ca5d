import type { ConsumerConfig, ConsumerInfo, JetStreamManager } from 'nats';
import { invalidOption } from '../../errors.js';
import type { NatsOptions } from './options.js';

/** How the durable consumer wants messages acknowledged: the last of a batch acknowledges all before it, or each one, or none. */
export type AckMode = 'all' | 'explicit' | 'none';

/** The durable consumer's acknowledgement wait: a batch longer than this sees its messages again (they are skipped by sequence). */
const ACK_WAIT_NANOS = 60 * 1e9;

/**
 * Makes sure the durable pull consumer `o.consumer` delivers, in order, every message after the
 * checkpoint's last sequence (`after`; undefined without a checkpoint): the checkpoint's offsets
 * are the ones of record. A consumer that is absent is created there. One that exists is used as
 * it is when nothing it delivered is unacknowledged and it has delivered no further than the
 * checkpoint (what it delivers up to the checkpoint is skipped); otherwise, as it could not give
 * back what the checkpoint needs, it is made again at the checkpoint's position, except on a
 * stream with interest retention, where deleting it could let the server drop messages: that
 * fails, saying what to do.
 */
export async function ensureDurable(jsm: JetStreamManager, o: NatsOptions, after: number | undefined): Promise<AckMode> {
  const name = o.consumer!;
  const where = `NATS consumer '${name}' of stream '${o.stream}'`;
  const existing = await jsm.consumers.info(o.stream, name).catch((e: Error & { code?: unknown }) => {
    if (/consumer not found/i.test(e.message) || String(e.code) === '404') return undefined;
    throw e;
  });
  if (existing) {
    checkShape(existing, o, where);
    if (reusable(existing, o, after)) return existing.config.ack_policy as AckMode;
    const info = await jsm.streams.info(o.stream);
    if (String(info.config.retention) === 'interest') {
      throw invalidOption(
        `${where} has delivered up to sequence ${existing.delivered.stream_seq} (${existing.num_ack_pending} unacknowledged), but the checkpoint needs every message after ${after ?? 0}; ` +
          `the stream keeps messages by interest, so Loch will not delete the consumer: delete it (nats consumer rm ${o.stream} ${name}) or give the query a new consumer name`,
      );
    }
    await jsm.consumers.delete(o.stream, name);
  }
  await jsm.consumers.add(o.stream, config(o, after));
  return 'all';
}

function checkShape(c: ConsumerInfo, o: NatsOptions, where: string): void {
  if (c.config.deliver_subject) throw invalidOption(`${where} is a push consumer; read_nats needs a pull consumer (give another name, and Loch makes one)`);
  const filters = c.config.filter_subjects ?? (c.config.filter_subject ? [c.config.filter_subject] : []);
  const wanted = o.subject ? [o.subject] : [];
  if (filters.join(',') !== wanted.join(',')) {
    throw invalidOption(`${where} reads subjects '${filters.join(', ') || '(all)'}', this query reads '${o.subject ?? '(all)'}': give the query another consumer name, or the same subject`);
  }
}

/** Whether the consumer's next deliveries include, in order, every message after `after`. */
function reusable(c: ConsumerInfo, o: NatsOptions, after: number | undefined): boolean {
  if (c.num_ack_pending > 0 || c.num_redelivered > 0) return false;
  if (after !== undefined) return c.delivered.stream_seq <= after;
  // No checkpoint: from the start of the stream, or from wherever the consumer is when the query asked for the latest.
  return o.startingOffsets === 'latest' || c.delivered.stream_seq === 0;
}

function config(o: NatsOptions, after: number | undefined): Partial<ConsumerConfig> {
  const start = after !== undefined ? { deliver_policy: 'by_start_sequence', opt_start_seq: after + 1 } : { deliver_policy: o.startingOffsets === 'latest' ? 'new' : 'all' };
  return {
    durable_name: o.consumer!,
    ack_policy: 'all' as ConsumerConfig['ack_policy'],
    ...(start as Partial<ConsumerConfig>),
    ack_wait: ACK_WAIT_NANOS,
    // The source holds up to bufferSize messages unacknowledged (they are acknowledged when their batch commits).
    max_ack_pending: o.bufferSize + o.maxOffsetsPerTrigger,
    ...(o.subject ? { filter_subject: o.subject } : {}),
  };
}
