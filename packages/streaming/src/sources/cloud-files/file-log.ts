import { isDeltaError, type FileMeta, type StorageHandler } from '@loch/delta';
import { streamingError } from '../../errors.js';

/** A file the log holds; `ignored` ones were there before the stream (includeExistingFiles false). */
export interface LoggedFile extends FileMeta {
  readonly ignored?: boolean;
}

/** One file of the log: entries `first..last` (a single entry when they are equal), holding `files` records. */
interface Segment {
  readonly first: number;
  readonly last: number;
  readonly files: number;
}

/** Segments merge with segments of their tier: of about as many records, by order of magnitude. */
const tier = (s: Segment) => Math.floor(Math.log10(Math.max(1, s.files)));

interface LineRecord {
  readonly k: number;
  readonly p: string;
  readonly s: number;
  readonly m: number;
  readonly x?: 1;
}

const FANOUT = 10;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * The files Auto Loader has taken, kept in the source's checkpoint folder. Each trigger that
 * finds new files writes them as one entry, `log/<K>` (K counts up; the batch offset names
 * it), before the batch's offsets are written. Committed entries are merged ten at a time into
 * `runs/<first>-<last>`, and runs ten at a time into bigger ones, always ten of about the same
 * number of records (a tier: the order of magnitude), so that the folder holds O(log n) files
 * and a file's record is rewritten O(log n) times: a trigger's cost follows the files it adds,
 * never the files seen before (a large first entry, such as the files already there when the
 * stream started, is not rewritten with the small ones after it). The set of seen files is read
 * once, when the query starts.
 */
export class FileLog {
  private readonly seen = new Set<string>();
  private segments: Segment[] = [];
  /** Entries written in this run, kept to read the next batch without going to storage. */
  private readonly recent = new Map<number, LoggedFile[]>();
  /** The greatest key (relative to the source directory) seen, for listing after it. */
  maxKey: string | undefined;

  private constructor(
    private readonly storage: StorageHandler,
    private readonly dir: string,
    private readonly keyOf: (url: string) => string,
  ) {}

  static async open(storage: StorageHandler, dir: string, keyOf: (url: string) => string): Promise<FileLog> {
    const log = new FileLog(storage, dir, keyOf);
    await log.load();
    return log;
  }

  /** The newest entry (-1: none). */
  get lastEntry(): number {
    return this.segments.at(-1)?.last ?? -1;
  }

  get size(): number {
    return this.seen.size;
  }

  has(url: string): boolean {
    return this.seen.has(url);
  }

  /** Writes `files` as entry lastEntry + 1 and returns its number. */
  async add(files: readonly LoggedFile[]): Promise<number> {
    const k = this.lastEntry + 1;
    const text = files.map((f) => JSON.stringify(toRecord(k, f))).join('\n');
    try {
      await this.storage.putIfAbsent(this.fileOf({ first: k, last: k }), encoder.encode(text));
    } catch (e) {
      if (isDeltaError(e, 'DELTA_FILE_ALREADY_EXISTS')) {
        throw streamingError('STREAM_QUERY_ALREADY_ACTIVE', `${decodeURIComponent(this.fileOf({ first: k, last: k }))} was written by another run: two queries share this checkpoint`);
      }
      throw e;
    }
    this.segments.push({ first: k, last: k, files: files.length });
    this.remember(files);
    this.recent.set(k, [...files]);
    return k;
  }

  /** The files of entries after `from` up to `to` (ignored ones left out). */
  async filesBetween(from: number, to: number): Promise<LoggedFile[]> {
    const out: LoggedFile[] = [];
    let k = from + 1;
    while (k <= to) {
      const cached = this.recent.get(k);
      if (cached) {
        out.push(...cached);
        k++;
        continue;
      }
      const seg = this.segments.find((s) => s.first <= k && k <= s.last);
      if (!seg) throw streamingError('STREAM_CORRUPT_CHECKPOINT_FILE', `${decodeURIComponent(this.dir)} has no entry ${k} of the files the stream took`);
      for (const r of await this.read(seg)) if (r.k >= k && r.k <= to) out.push(fromRecord(r));
      k = seg.last + 1;
    }
    return out.filter((f) => !f.ignored);
  }

  /** Merges committed entries (up to `upTo`) into runs, ten equal segments at a time. */
  async compact(upTo: number): Promise<void> {
    for (const k of [...this.recent.keys()]) if (k <= upTo) this.recent.delete(k);
    for (;;) {
      const done = this.segments.filter((s) => s.last <= upTo);
      const tail = done.slice(-FANOUT);
      if (tail.length < FANOUT || tail.some((s) => tier(s) !== tier(tail[0]))) return;
      const merged: Segment = { first: tail[0].first, last: tail[FANOUT - 1].last, files: tail.reduce((n, s) => n + s.files, 0) };
      const lines: string[] = [];
      for (const s of tail) for (const r of await this.read(s)) lines.push(JSON.stringify(r));
      // The run is complete before its parts go: a crash in between leaves both, and load keeps the run.
      await this.storage.put(this.fileOf(merged), encoder.encode(lines.join('\n')));
      for (const s of tail) await this.storage.delete(this.fileOf(s));
      this.segments = [...this.segments.filter((s) => !tail.includes(s)), merged].sort((a, b) => a.first - b.first);
    }
  }

  private async load(): Promise<void> {
    const found: Pick<Segment, 'first' | 'last'>[] = [];
    for (const f of [...(await this.storage.list(`${this.dir}log/`)), ...(await this.storage.list(`${this.dir}runs/`))]) {
      const name = f.path.slice(f.path.lastIndexOf('/') + 1);
      const single = /^(\d+)$/.exec(name);
      const run = /^(\d+)-(\d+)$/.exec(name);
      if (single) found.push({ first: Number(single[1]), last: Number(single[1]) });
      else if (run) found.push({ first: Number(run[1]), last: Number(run[2]) });
    }
    // A merge interrupted after writing its run leaves its parts too: the widest segment wins.
    found.sort((a, b) => a.first - b.first || b.last - a.last);
    for (const s of found) {
      const prev = this.segments.at(-1);
      if (prev && s.last <= prev.last) {
        await this.storage.delete(this.fileOf(s));
        continue;
      }
      if ((prev?.last ?? -1) + 1 !== s.first) throw streamingError('STREAM_CORRUPT_CHECKPOINT_FILE', `${decodeURIComponent(this.dir)}: the entries of the files the stream took have a gap before ${s.first}`);
      const records = await this.read(s);
      this.segments.push({ ...s, files: records.length });
      this.remember(records.map(fromRecord));
    }
  }

  private remember(files: readonly LoggedFile[]): void {
    for (const f of files) {
      this.seen.add(f.path);
      const key = this.keyOf(f.path);
      if (this.maxKey === undefined || key > this.maxKey) this.maxKey = key;
    }
  }

  private fileOf(s: Pick<Segment, 'first' | 'last'>): string {
    return s.first === s.last ? `${this.dir}log/${s.first}` : `${this.dir}runs/${s.first}-${s.last}`;
  }

  private async read(s: Pick<Segment, 'first' | 'last'>): Promise<LineRecord[]> {
    const file = this.fileOf(s);
    const text = decoder.decode(await this.storage.read(file));
    return text === '' ? [] : text.split('\n').map((line, i) => {
      try {
        return JSON.parse(line) as LineRecord;
      } catch (e) {
        throw streamingError('STREAM_CORRUPT_CHECKPOINT_FILE', `checkpoint file ${decodeURIComponent(file)} is corrupt: line ${i + 1} is not valid JSON`, e);
      }
    });
  }
}

function toRecord(k: number, f: LoggedFile): LineRecord {
  return { k, p: f.path, s: f.size, m: f.modificationTime, ...(f.ignored ? { x: 1 as const } : {}) };
}

function fromRecord(r: LineRecord): LoggedFile {
  return { path: r.p, size: r.s, modificationTime: r.m, ...(r.x ? { ignored: true } : {}) };
}
