import { randomUUID } from 'node:crypto';
import { link, mkdir, open, readdir, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { deltaError, type FileMeta, type StorageHandler } from '@loch/delta';

/** `file:` URL for a local path (directories get a trailing slash). */
export function localUrl(path: string, isDirectory = false): string {
  const href = pathToFileURL(path).href;
  return isDirectory && !href.endsWith('/') ? `${href}/` : href;
}

function toPath(url: string): string {
  if (!url.startsWith('file:')) throw deltaError('DELTA_INVALID_ARGUMENT', `local storage cannot open '${url}'`);
  return fileURLToPath(url);
}

function ioError(e: unknown, path: string, what: string) {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return deltaError('DELTA_FILE_NOT_FOUND', `${path} does not exist`, e);
  return deltaError('DELTA_IO_ERROR', `could not ${what} ${path}: ${(e as Error).message}`, e);
}

/**
 * Names in byte order of their UTF-8 form, as the StorageHandler contract asks. JavaScript's
 * string comparison orders UTF-16 code units, which differs for characters above U+FFFF; all-ASCII
 * names (every Delta log file) take the plain comparison, which agrees with byte order for them.
 */
function sortByBytes(names: string[]): string[] {
  if (names.every((n) => /^[\x00-\x7f]*$/.test(n))) return names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return names
    .map((name) => ({ name, bytes: Buffer.from(name, 'utf8') }))
    .sort((a, b) => Buffer.compare(a.bytes, b.bytes))
    .map((e) => e.name);
}

/**
 * Storage on the local filesystem. put-if-absent is a hard link from a fully written temporary
 * file: link(2) fails with EEXIST when the target exists, atomically, across processes, and the
 * target appears complete or not at all.
 */
export class LocalStorage implements StorageHandler {
  async list(dirUrl: string, from?: string): Promise<FileMeta[]> {
    const dir = toPath(dirUrl);
    let names: string[];
    try {
      // Symbolic links count when they lead to a file (stat below follows them and checks).
      names = (await readdir(dir, { withFileTypes: true }))
        .filter((d) => d.isFile() || d.isSymbolicLink())
        .map((d) => d.name);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return [];
      throw ioError(e, dir, 'list');
    }
    // Only what the caller asked for is stat'ed: a long log costs one stat per file.
    if (from !== undefined) {
      const first = Buffer.from(from);
      names = names.filter((n) => Buffer.compare(Buffer.from(n), first) >= 0);
    }
    names = sortByBytes(names);
    const base = dirUrl.endsWith('/') ? dirUrl : `${dirUrl}/`;
    const metas = await Promise.all(
      names.map(async (name) => {
        try {
          const s = await stat(join(dir, name));
          if (!s.isFile()) return undefined; // a link to a directory, or something else
          return { path: base + encodeURIComponent(name), size: s.size, modificationTime: Math.floor(s.mtimeMs) };
        } catch {
          return undefined; // removed between readdir and stat, or a dangling link
        }
      }),
    );
    return metas.filter((m): m is FileMeta => m !== undefined);
  }

  async read(url: string): Promise<Uint8Array> {
    const path = toPath(url);
    try {
      return await readFile(path);
    } catch (e) {
      throw ioError(e, path, 'read');
    }
  }

  async readRange(url: string, offset: number, length: number): Promise<Uint8Array> {
    const path = toPath(url);
    let fh;
    try {
      fh = await open(path, 'r');
      const buf = Buffer.alloc(length);
      const { bytesRead } = await fh.read(buf, 0, length, offset);
      return buf.subarray(0, bytesRead);
    } catch (e) {
      throw ioError(e, path, 'read');
    } finally {
      await fh?.close();
    }
  }

  async putIfAbsent(url: string, data: Uint8Array): Promise<void> {
    const path = toPath(url);
    const tmp = await this.writeTemp(path, data);
    try {
      await link(tmp, path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') {
        throw deltaError('DELTA_FILE_ALREADY_EXISTS', `${path} already exists`, e);
      }
      throw ioError(e, path, 'write');
    } finally {
      await unlink(tmp).catch(() => undefined);
    }
  }

  async put(url: string, data: Uint8Array): Promise<void> {
    const path = toPath(url);
    const tmp = await this.writeTemp(path, data);
    try {
      await rename(tmp, path);
    } catch (e) {
      await unlink(tmp).catch(() => undefined);
      throw ioError(e, path, 'write');
    }
  }

  async exists(url: string): Promise<boolean> {
    try {
      await stat(toPath(url));
      return true;
    } catch {
      return false;
    }
  }

  async delete(url: string): Promise<void> {
    await rm(toPath(url), { force: true });
  }

  /** Writes data to a hidden temporary file beside `path` and syncs it. */
  private async writeTemp(path: string, data: Uint8Array): Promise<string> {
    const dir = dirname(path);
    const tmp = join(dir, `.${randomUUID()}.tmp`);
    try {
      await mkdir(dir, { recursive: true });
      await writeFile(tmp, data, { flush: true });
    } catch (e) {
      await unlink(tmp).catch(() => undefined);
      throw ioError(e, path, 'write');
    }
    return tmp;
  }
}
