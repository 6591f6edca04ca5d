import type { FileMeta, StorageHandler } from '@loch/delta';
import { tableUrl } from '@loch/lakehouse';
import picomatch from 'picomatch';
import type { FileLog } from './file-log.js';

const GLOB_CHARS = /[*?[\]{}]/;

/** A load path split into the directory to list and a glob over keys below it (`/in/*\/day=*\/*.json`). */
export function splitGlob(path: string): { readonly dir: string; readonly pattern?: string } {
  const parts = path.split('/');
  const at = parts.findIndex((p) => GLOB_CHARS.test(p));
  if (at < 0) return { dir: tableUrl(path) };
  return { dir: tableUrl(parts.slice(0, at).join('/') || '/'), pattern: parts.slice(at).join('/') };
}

export interface DiscoveryOptions {
  /** A glob over keys relative to the directory. */
  readonly pattern?: string;
  /** A glob over file names (Spark's pathGlobFilter). */
  readonly nameGlob?: string;
  readonly modifiedAfter?: number;
  readonly modifiedBefore?: number;
  readonly incremental: boolean;
  readonly backfillIntervalMs: number;
}

/**
 * Finds files under a directory that the log has not seen. Listing is incremental: names after
 * the greatest one seen (object stores list from a key, and the local store skips whole
 * directories that sort before it), so a trigger costs what is new. Files that arrive with a
 * smaller name are found by a full listing, made when the query starts and then every
 * backfillInterval. Hidden files and directories (names starting with `.` or `_`) are never read.
 */
export class FileDiscovery {
  private lastFull = 0;
  private readonly matchKey: ((key: string) => boolean) | undefined;
  private readonly matchName: ((name: string) => boolean) | undefined;

  constructor(
    private readonly storage: StorageHandler,
    /** The directory's URL, ending in '/'. */
    readonly dir: string,
    private readonly options: DiscoveryOptions,
  ) {
    this.matchKey = options.pattern ? picomatch(options.pattern) : undefined;
    this.matchName = options.nameGlob ? picomatch(options.nameGlob) : undefined;
  }

  /** A file's key: its path below the directory, decoded. */
  keyOf(url: string): string {
    return url.slice(this.dir.length).split('/').map(decodeURIComponent).join('/');
  }

  /** Files not in `log` and not in `pending`, in key order. */
  async newFiles(log: FileLog, pending: ReadonlySet<string>): Promise<FileMeta[]> {
    const full = !this.options.incremental || log.maxKey === undefined || Date.now() - this.lastFull >= this.options.backfillIntervalMs;
    if (full) this.lastFull = Date.now();
    const listed = await this.storage.listRecursive(this.dir, full ? undefined : log.maxKey);
    return listed.filter((f) => !log.has(f.path) && !pending.has(f.path) && this.wanted(f));
  }

  /** Every file there now that the stream would read (for includeExistingFiles = false). */
  async all(): Promise<FileMeta[]> {
    return (await this.storage.listRecursive(this.dir)).filter((f) => this.wanted(f));
  }

  private wanted(f: FileMeta): boolean {
    const key = this.keyOf(f.path);
    const segments = key.split('/');
    if (segments.some((s) => s.startsWith('.') || s.startsWith('_'))) return false;
    if (this.matchKey && !this.matchKey(key)) return false;
    if (this.matchName && !this.matchName(segments[segments.length - 1])) return false;
    const { modifiedAfter, modifiedBefore } = this.options;
    if (modifiedAfter !== undefined && f.modificationTime <= modifiedAfter) return false;
    if (modifiedBefore !== undefined && f.modificationTime >= modifiedBefore) return false;
    return true;
  }
}
