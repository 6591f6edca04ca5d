import { deltaError } from '../errors.js';
import { compareStrings } from '../expressions/values.js';
import type { FileMeta, StorageHandler, StorageWriteOptions } from './engine.js';

interface Entry {
  data: Uint8Array;
  modificationTime: number;
}

function decoded(key: string): string {
  try {
    return decodeURIComponent(key);
  } catch {
    return key;
  }
}

const asDir = (url: string) => (url.endsWith('/') ? url : `${url}/`);

/**
 * Storage held in a Map, for tests and for building tables in memory. Keeps the same contract as
 * real storage (the storage contract suite runs against it): byte-ordered listings, put-if-absent
 * that refuses an existing path, copies and streams with the same guarantees. It has no
 * directories and no local paths, as an object store has none.
 */
export class MemoryStorage implements StorageHandler {
  private readonly files = new Map<string, Entry>();
  private clock = 0;

  async list(dirUrl: string, from?: string): Promise<FileMeta[]> {
    const dir = asDir(dirUrl);
    return this.under(dir, from).filter((m) => !m.path.slice(dir.length).includes('/'));
  }

  async listRecursive(dirUrl: string, from?: string): Promise<FileMeta[]> {
    return this.under(asDir(dirUrl), from);
  }

  async listDirectories(dirUrl: string): Promise<string[]> {
    const dir = asDir(dirUrl);
    const names = new Set<string>();
    for (const path of this.files.keys()) {
      if (!path.startsWith(dir)) continue;
      const rest = path.slice(dir.length);
      const slash = rest.indexOf('/');
      if (slash > 0) names.add(decoded(rest.slice(0, slash)));
    }
    return [...names].sort(compareStrings);
  }

  async isDirectory(dirUrl: string): Promise<boolean> {
    const dir = asDir(dirUrl);
    for (const path of this.files.keys()) if (path.startsWith(dir)) return true;
    return false;
  }

  async head(path: string): Promise<FileMeta | undefined> {
    const f = this.files.get(path);
    return f && this.meta(path, f);
  }

  async exists(path: string): Promise<boolean> {
    return this.files.has(path);
  }

  async read(path: string): Promise<Uint8Array> {
    return this.get(path).data;
  }

  async readRange(path: string, offset: number, length: number): Promise<Uint8Array> {
    return this.get(path).data.subarray(offset, offset + length);
  }

  async *readStream(path: string): AsyncIterable<Uint8Array> {
    const { data } = this.get(path);
    // Chunked as a real store would hand it out, so that readers cannot rely on one chunk.
    for (let at = 0; at < data.length; at += 64 * 1024) yield data.subarray(at, at + 64 * 1024);
  }

  async putIfAbsent(path: string, data: Uint8Array): Promise<void> {
    this.set(path, data, false);
  }

  async put(path: string, data: Uint8Array): Promise<void> {
    this.set(path, data, true);
  }

  async writeStream(path: string, chunks: AsyncIterable<Uint8Array>, options: StorageWriteOptions = {}): Promise<void> {
    const parts: Uint8Array[] = [];
    for await (const c of chunks) parts.push(c.slice());
    const data = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      data.set(p, at);
      at += p.length;
    }
    // Checked only now, as a store checks when the upload completes.
    this.set(path, data, options.overwrite === true);
  }

  async copy(from: string, to: string, options: StorageWriteOptions = {}): Promise<void> {
    this.set(to, this.get(from).data, options.overwrite === true);
  }

  async delete(path: string): Promise<void> {
    this.files.delete(path);
  }

  async deletePrefix(dirUrl: string): Promise<void> {
    const dir = asDir(dirUrl);
    for (const path of [...this.files.keys()]) if (path.startsWith(dir)) this.files.delete(path);
  }

  async renamePrefix(fromDirUrl: string, toDirUrl: string): Promise<void> {
    const from = asDir(fromDirUrl);
    const to = asDir(toDirUrl);
    const moving = [...this.files.keys()].filter((p) => p.startsWith(from));
    if (moving.length === 0) throw deltaError('DELTA_FILE_NOT_FOUND', `${from} holds nothing to move`);
    if ([...this.files.keys()].some((p) => p.startsWith(to))) throw deltaError('DELTA_FILE_ALREADY_EXISTS', `${to} already exists`);
    for (const p of moving) {
      this.files.set(to + p.slice(from.length), this.files.get(p)!);
      this.files.delete(p);
    }
  }

  async removeEmptyDirectories(): Promise<number> {
    return 0;
  }

  /** Sets a file's modification time (tests of time travel need control over it). */
  touch(path: string, modificationTime: number): void {
    this.get(path).modificationTime = modificationTime;
  }

  /** Files under `dir`, ordered (and cut at `from`) by their decoded keys, as a store orders names. */
  private under(dir: string, from: string | undefined): FileMeta[] {
    const out: { key: string; meta: FileMeta }[] = [];
    for (const [path, f] of this.files) {
      if (!path.startsWith(dir)) continue;
      const key = decoded(path.slice(dir.length));
      if (from !== undefined && compareStrings(key, from) < 0) continue;
      out.push({ key, meta: this.meta(path, f) });
    }
    return out.sort((a, b) => compareStrings(a.key, b.key)).map((e) => e.meta);
  }

  private meta(path: string, f: Entry): FileMeta {
    return { path, size: f.data.length, modificationTime: f.modificationTime };
  }

  private set(path: string, data: Uint8Array, overwrite: boolean): void {
    if (!overwrite && this.files.has(path)) throw deltaError('DELTA_FILE_ALREADY_EXISTS', `${path} already exists`);
    // A copy: the caller may reuse its buffer.
    this.files.set(path, { data: data.slice(), modificationTime: this.tick() });
  }

  private tick(): number {
    this.clock = Math.max(this.clock + 1, Date.now());
    return this.clock;
  }

  private get(path: string): Entry {
    const f = this.files.get(path);
    if (!f) throw deltaError('DELTA_FILE_NOT_FOUND', `${path} does not exist`);
    return f;
  }
}
