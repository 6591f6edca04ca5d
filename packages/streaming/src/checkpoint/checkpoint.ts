import { randomUUID } from 'node:crypto';
import { isDeltaError, type StorageHandler } from '@loch/delta';
import { streamingError } from '../errors.js';
import type { Offset } from '../source.js';
import { BatchLog } from './batch-log.js';

/** What `metadata` holds: the query's id, and what it reads and writes (to refuse a mismatch). */
export interface QueryMetadata {
  readonly id: string;
  readonly sources: readonly string[];
  readonly sink: string;
}

/** Per-batch values every operator of a batch must see alike, written with the batch's offsets. */
export interface BatchMetadata {
  /** The event-time watermark this batch filters and evicts with (ms since the epoch). */
  readonly batchWatermarkMs: number;
  /** When the batch was planned (ms since the epoch): `current_timestamp()` of the batch. */
  readonly batchTimestampMs: number;
  readonly conf: Readonly<Record<string, string>>;
}

/** A batch's entry in `offsets/N`: its metadata and, per source, the offset it ends at. */
export interface OffsetSeq {
  readonly metadata: BatchMetadata;
  /** One per source; undefined for a source that has no data yet. */
  readonly offsets: readonly (Offset | undefined)[];
}

/** A batch's entry in `commits/N`: written once its sink committed. */
export interface CommitMetadata {
  /** The watermark the next batch uses. */
  readonly nextBatchWatermarkMs: number;
}

const VERSION = 'v1';
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * A query's checkpoint directory, laid out as Spark lays it out:
 *
 *     metadata        {"id": ...}: the query id, kept across restarts
 *     offsets/N       written before batch N runs (write-ahead): what the batch reads
 *     commits/N       written after batch N's sink committed
 *     sources/<i>/    what source i keeps (Auto Loader's ingested files, schemas)
 *     state/<op>/0/   the versioned state of stateful operator op
 *
 * Every file goes through the Engine's storage.
 */
export class Checkpoint {
  readonly offsets: BatchLog;
  readonly commits: BatchLog;

  constructor(
    readonly storage: StorageHandler,
    /** The checkpoint's URL, ending in '/'. */
    readonly url: string,
  ) {
    this.offsets = new BatchLog(storage, `${url}offsets/`);
    this.commits = new BatchLog(storage, `${url}commits/`);
  }

  sourceDir(index: number): string {
    return `${this.url}sources/${index}/`;
  }

  stateDir(operatorId: number): string {
    return `${this.url}state/${operatorId}/0/`;
  }

  /**
   * The query's metadata: read when the checkpoint has it, written (with a new id) when it
   * does not. A checkpoint of a query that read or wrote something else is refused.
   */
  async metadata(expected: Omit<QueryMetadata, 'id'>): Promise<QueryMetadata> {
    const file = `${this.url}metadata`;
    const fresh: QueryMetadata = { id: randomUUID(), sources: expected.sources, sink: expected.sink };
    try {
      await this.storage.putIfAbsent(file, encoder.encode(`${JSON.stringify(fresh)}\n`));
      return fresh;
    } catch (e) {
      if (!isDeltaError(e, 'DELTA_FILE_ALREADY_EXISTS')) throw e;
    }
    const found = parseMetadata(decoder.decode(await this.storage.read(file)), file);
    const mismatch = (what: string, was: string, now: string) =>
      streamingError(
        'STREAM_CHECKPOINT_MISMATCH',
        `the checkpoint ${this.url} belongs to query ${found.id}, whose ${what} ${was}; this query's ${what} ${now}. Use a new checkpointLocation for a different query.`,
      );
    const was = found.sources.join(', ');
    const now = expected.sources.join(', ');
    if (found.sources.length > 0 && was !== now) throw mismatch('sources are', was, now);
    if (found.sink !== '' && found.sink !== expected.sink) throw mismatch('sink is', found.sink, expected.sink);
    return found;
  }

  async writeOffsets(batchId: number, seq: OffsetSeq): Promise<boolean> {
    const lines = [VERSION, JSON.stringify(seq.metadata), ...seq.offsets.map((o) => (o === undefined ? '-' : JSON.stringify(o)))];
    return this.offsets.add(batchId, lines.join('\n'));
  }

  async readOffsets(batchId: number): Promise<OffsetSeq | undefined> {
    const text = await this.offsets.get(batchId);
    if (text === undefined) return undefined;
    const file = this.offsets.fileOf(batchId);
    const lines = versionedLines(text, file);
    if (lines.length < 1) throw corrupt(file, 'it has no batch metadata line');
    const metadata = parseLine(lines[0], file, 2) as Partial<BatchMetadata>;
    if (typeof metadata !== 'object' || metadata === null || typeof metadata.batchWatermarkMs !== 'number') {
      throw corrupt(file, 'line 2 is not batch metadata ({"batchWatermarkMs": ..., "batchTimestampMs": ...})');
    }
    const offsets = lines.slice(1).map((l, i) => (l === '-' ? undefined : (parseLine(l, file, i + 3) as Offset)));
    return {
      metadata: { batchWatermarkMs: metadata.batchWatermarkMs, batchTimestampMs: Number(metadata.batchTimestampMs ?? 0), conf: metadata.conf ?? {} },
      offsets,
    };
  }

  async writeCommit(batchId: number, commit: CommitMetadata): Promise<void> {
    await this.commits.add(batchId, `${VERSION}\n${JSON.stringify(commit)}`);
  }

  async readCommit(batchId: number): Promise<CommitMetadata | undefined> {
    const text = await this.commits.get(batchId);
    if (text === undefined) return undefined;
    const file = this.commits.fileOf(batchId);
    const lines = versionedLines(text, file);
    const c = (lines.length > 0 ? parseLine(lines[0], file, 2) : {}) as Partial<CommitMetadata>;
    return { nextBatchWatermarkMs: typeof c.nextBatchWatermarkMs === 'number' ? c.nextBatchWatermarkMs : 0 };
  }

  /** Keeps the files of the newest `retain` batches before `current` (and everything after). */
  async purge(current: number, retain: number): Promise<void> {
    const before = current - retain + 1;
    if (before <= 0) return;
    await this.offsets.purgeBefore(before);
    await this.commits.purgeBefore(before);
  }
}

function parseMetadata(text: string, file: string): QueryMetadata {
  const first = text.split('\n')[0];
  const m = parseLine(first, file, 1) as Partial<QueryMetadata> | null;
  if (!m || typeof m !== 'object' || typeof m.id !== 'string') throw corrupt(file, 'it has no query id ({"id": ...})');
  return { id: m.id, sources: Array.isArray(m.sources) ? m.sources.map(String) : [], sink: typeof m.sink === 'string' ? m.sink : '' };
}

/** The lines after the version line, which must be `v1`. */
function versionedLines(text: string, file: string): string[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const version = /^v(\d+)$/.exec(lines[0] ?? '');
  if (!version) throw corrupt(file, `it does not start with a version line ('${VERSION}')`);
  if (Number(version[1]) > 1) throw corrupt(file, `it was written by a newer version of the log (${lines[0]}); this one reads ${VERSION}`);
  return lines.slice(1);
}

function parseLine(line: string, file: string, lineNo: number): unknown {
  try {
    return JSON.parse(line);
  } catch (e) {
    throw corrupt(file, `line ${lineNo} is not valid JSON (${(e as Error).message})`, e);
  }
}

function corrupt(file: string, why: string, cause?: unknown) {
  return streamingError('STREAM_CORRUPT_CHECKPOINT_FILE', `checkpoint file ${decodeURIComponent(file)} is corrupt: ${why}`, cause);
}
