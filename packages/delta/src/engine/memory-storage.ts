import { deltaError } from '../errors.js';
import type { FileMeta, StorageHandler } from './engine.js';

/**
 * Storage held in a Map, for tests and for building tables in memory. Keeps the same contract as
 * real storage: sorted listing, put-if-absent that refuses an existing path.
 */
export class MemoryStorage implements StorageHandler {
  private readonly files = new Map<string, { data: Uint8Array; modificationTime: number }>();
  private clock = 0;

  async list(dirUrl: string): Promise<FileMeta[]> {
    const dir = dirUrl.endsWith('/') ? dirUrl : `${dirUrl}/`;
    const out: FileMeta[] = [];
    for (const [path, f] of this.files) {
      if (path.startsWith(dir) && !path.slice(dir.length).includes('/')) {
        out.push({ path, size: f.data.length, modificationTime: f.modificationTime });
      }
    }
    return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  async read(path: string): Promise<Uint8Array> {
    return this.get(path).data;
  }

  async readRange(path: string, offset: number, length: number): Promise<Uint8Array> {
    return this.get(path).data.subarray(offset, offset + length);
  }

  async putIfAbsent(path: string, data: Uint8Array): Promise<void> {
    if (this.files.has(path)) throw deltaError('DELTA_FILE_ALREADY_EXISTS', `${path} already exists`);
    this.files.set(path, { data, modificationTime: this.tick() });
  }

  async put(path: string, data: Uint8Array): Promise<void> {
    this.files.set(path, { data, modificationTime: this.tick() });
  }

  async exists(path: string): Promise<boolean> {
    return this.files.has(path);
  }

  async delete(path: string): Promise<void> {
    this.files.delete(path);
  }

  /** Sets a file's modification time (tests of time travel need control over it). */
  touch(path: string, modificationTime: number): void {
    this.get(path).modificationTime = modificationTime;
  }

  private tick(): number {
    this.clock = Math.max(this.clock + 1, Date.now());
    return this.clock;
  }

  private get(path: string) {
    const f = this.files.get(path);
    if (!f) throw deltaError('DELTA_FILE_NOT_FOUND', `${path} does not exist`);
    return f;
  }
}
