import { parseSchemaDdl } from '@loch/lakehouse';
import { invalidOption } from '../../errors.js';
import { getOption, numberOption } from '../../formats.js';
import type { ParseSpec } from '../broker-batch.js';

/** The NATS source's options (`readStream.format('nats')`, or `read_nats(...)` in a pipeline). */
export interface NatsOptions {
  /** `nats://127.0.0.1:4222` (default), several separated by commas. */
  readonly servers: readonly string[];
  /** The JetStream stream. */
  readonly stream: string;
  /** A subject filter within the stream (wildcards allowed). */
  readonly subject?: string;
  /**
   * A durable pull consumer to read through (created if absent), acknowledged as batches commit,
   * so the server shows the query's progress and keeps what it has not read. Offsets of record
   * stay the stream sequences in the checkpoint; without it, an ordered (ephemeral) consumer.
   */
  readonly consumer?: string;
  /** Where a query with no checkpoint starts: earliest (default) or latest. */
  readonly startingOffsets: 'earliest' | 'latest';
  /** Messages per batch at most (Spark's maxOffsetsPerTrigger; default 100,000). */
  readonly maxOffsetsPerTrigger: number;
  /** Messages read ahead at most (default 200,000). */
  readonly bufferSize: number;
  /** `format => 'json', schema => 'id BIGINT, ...'`: messages parsed into columns. */
  readonly parse?: ParseSpec;
}

export function natsOptions(options: Readonly<Record<string, string>>): NatsOptions {
  const what = 'nats source';
  const stream = getOption(options, 'stream');
  if (!stream) throw invalidOption(`${what}: say which JetStream stream to read with option('stream', 'EVENTS')`);
  const servers = (getOption(options, 'servers') ?? 'nats://127.0.0.1:4222').split(',').map((s) => s.trim()).filter(Boolean);
  const starting = (getOption(options, 'startingOffsets') ?? 'earliest').toLowerCase();
  if (starting !== 'earliest' && starting !== 'latest') throw invalidOption(`${what}: startingOffsets must be earliest or latest, got '${starting}'`);
  const subject = getOption(options, 'subject');
  const consumer = getOption(options, 'consumer');
  if (consumer !== undefined && !/^[A-Za-z0-9_-]+$/.test(consumer)) throw invalidOption(`${what}: consumer '${consumer}' is not a durable name (letters, digits, _ and -)`);
  return {
    servers,
    stream,
    ...(subject !== undefined ? { subject } : {}),
    ...(consumer !== undefined ? { consumer } : {}),
    startingOffsets: starting,
    maxOffsetsPerTrigger: numberOption(options, 'maxOffsetsPerTrigger', what) ?? 100_000,
    bufferSize: numberOption(options, 'bufferSize', what) ?? 200_000,
    ...parseOption(options, what),
  };
}

/** `format => 'json'` with `schema => 'a BIGINT, b STRING'`: the columns messages are parsed into. */
export function parseOption(options: Readonly<Record<string, string>>, what: string): { parse?: ParseSpec } {
  const format = getOption(options, 'format')?.toLowerCase();
  const schema = getOption(options, 'schema');
  if (format === undefined && schema === undefined) return {};
  if (format !== undefined && format !== 'json') throw invalidOption(`${what}: format '${format}' is not one Loch parses (json; leave it out for the raw data column)`);
  if (schema === undefined) throw invalidOption(`${what}: format json needs the columns: option('schema', 'id BIGINT, cdn STRING, at TIMESTAMP')`);
  try {
    return { parse: { format: 'json', schema: parseSchemaDdl(schema) } };
  } catch (e) {
    throw invalidOption(`${what}: schema '${schema}' is not a list of columns and types: ${(e as Error).message}`);
  }
}
