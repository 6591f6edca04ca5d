import { randomUUID } from 'node:crypto';
import { constants, createReadStream, createWriteStream, type Dirent } from 'node:fs';
import { copyFile, link, mkdir, open, readdir, readFile, rename, rm, rmdir, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { compareStrings, deltaError, isDeltaError, type FileMeta, type StorageHandler, type StorageWriteOptions } from '@loch/delta';

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

/** A key relative to a directory as a URL tail: each segment escaped, `=` kept (as Spark writes partition paths). */
function encodeKey(key: string): string {
  return key
    .split('/')
    .map((s) => encodeURIComponent(s).replaceAll('%3D', '='))
    .join('/');
}

const missing = (e: unknown) => {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
};

/** A directory's entries; none when it does not exist. */
async function entriesOf(dir: string): Promise<Dirent[]> {
  try {
    return await readdir(dir, { withFileTypes: true });
  } catch (e) {
    if (missing(e)) return [];
    throw ioError(e, dir, 'list');
  }
}

/** A directory entry that is a file, or a symbolic link leading to one, as FileMeta; else undefined. */
async function fileMeta(path: string, url: string): Promise<FileMeta | undefined> {
  try {
    const s = await stat(path);
    return s.isFile() ? { path: url, size: s.size, modificationTime: Math.floor(s.mtimeMs) } : undefined;
  } catch {
    return undefined; // removed meanwhile, or a dangling link
  }
}

/**
 * Storage on the local filesystem. put-if-absent (and the copies and streamed writes that share
 * its guarantees) is a hard link from a fully written temporary file: link(2) fails with EEXIST
 * when the target exists, atomically, across processes, and the target appears complete or not
 * at all. Directories are created as files need them.
 */
export class LocalStorage implements StorageHandler {
  async list(dirUrl: string, from?: string): Promise<FileMeta[]> {
    const dir = toPath(dirUrl);
    // Symbolic links count when they lead to a file (fileMeta follows them and checks).
    let names = (await entriesOf(dir)).filter((d) => d.isFile() || d.isSymbolicLink()).map((d) => d.name);
    // Only what the caller asked for is stat'ed: a long log costs one stat per file.
    if (from !== undefined) names = names.filter((n) => compareStrings(n, from) >= 0);
    names.sort(compareStrings);
    const base = dirUrl.endsWith('/') ? dirUrl : `${dirUrl}/`;
    const metas = await Promise.all(names.map((name) => fileMeta(join(dir, name), base + encodeKey(name))));
    return metas.filter((m): m is FileMeta => m !== undefined);
  }

  async listRecursive(dirUrl: string, from?: string): Promise<FileMeta[]> {
    const root = toPath(dirUrl);
    const base = dirUrl.endsWith('/') ? dirUrl : `${dirUrl}/`;
    const keys: string[] = [];
    const walk = async (dir: string, prefix: string): Promise<void> => {
      const entries = await entriesOf(dir);
      for (const d of entries) {
        const key = prefix + d.name;
        if (d.isDirectory()) {
          // Every key below starts with `key/`: skip the subtree when all of them sort before `from`.
          const sub = `${key}/`;
          if (from !== undefined && compareStrings(sub, from) < 0 && !from.startsWith(sub)) continue;
          await walk(join(dir, d.name), sub);
        } else if ((d.isFile() || d.isSymbolicLink()) && (from === undefined || compareStrings(key, from) >= 0)) {
          keys.push(key);
        }
      }
    };
    await walk(root, '');
    keys.sort(compareStrings);
    const metas: (FileMeta | undefined)[] = [];
    // Bounded: a table directory can hold hundreds of thousands of files.
    for (let i = 0; i < keys.length; i += 256) {
      metas.push(...(await Promise.all(keys.slice(i, i + 256).map((k) => fileMeta(join(root, k), base + encodeKey(k))))));
    }
    return metas.filter((m): m is FileMeta => m !== undefined);
  }

  async listDirectories(dirUrl: string): Promise<string[]> {
    // Symbolic links to directories count, as a table linked into a lake does.
    const dir = toPath(dirUrl);
    const entries = await entriesOf(dir);
    const names: string[] = [];
    for (const d of entries) {
      if (d.isDirectory() || (d.isSymbolicLink() && (await stat(join(dir, d.name)).then((s) => s.isDirectory(), () => false)))) names.push(d.name);
    }
    return names.sort(compareStrings);
  }

  async isDirectory(dirUrl: string): Promise<boolean> {
    // stat follows a symbolic link, as listDirectories counts one to a directory.
    return stat(toPath(dirUrl)).then(
      (s) => s.isDirectory(),
      () => false,
    );
  }

  async head(url: string): Promise<FileMeta | undefined> {
    return fileMeta(toPath(url), url);
  }

  async exists(url: string): Promise<boolean> {
    try {
      await stat(toPath(url));
      return true;
    } catch {
      return false;
    }
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

  async *readStream(url: string): AsyncIterable<Uint8Array> {
    const path = toPath(url);
    let fh;
    try {
      fh = await open(path, 'r');
    } catch (e) {
      throw ioError(e, path, 'read');
    }
    try {
      for await (const chunk of createReadStream('', { fd: fh.fd, autoClose: false })) yield chunk as Buffer;
    } catch (e) {
      throw ioError(e, path, 'read');
    } finally {
      await fh.close();
    }
  }

  async putIfAbsent(url: string, data: Uint8Array): Promise<void> {
    const path = toPath(url);
    await this.publish(await this.writeTemp(path, (tmp) => writeFile(tmp, data, { flush: true })), path, false);
  }

  async put(url: string, data: Uint8Array): Promise<void> {
    const path = toPath(url);
    await this.publish(await this.writeTemp(path, (tmp) => writeFile(tmp, data, { flush: true })), path, true);
  }

  async writeStream(url: string, chunks: AsyncIterable<Uint8Array>, options: StorageWriteOptions = {}): Promise<void> {
    const path = toPath(url);
    const tmp = await this.writeTemp(path, async (t) => {
      await pipeline(chunks, createWriteStream(t, { flush: true }));
    });
    await this.publish(tmp, path, options.overwrite === true);
  }

  async copy(fromUrl: string, toUrl: string, options: StorageWriteOptions = {}): Promise<void> {
    const from = toPath(fromUrl);
    const to = toPath(toUrl);
    // A clone of the extents where the filesystem can (btrfs, XFS), a plain copy elsewhere.
    const tmp = await this.writeTemp(to, async (t) => {
      try {
        await copyFile(from, t, constants.COPYFILE_FICLONE);
      } catch (e) {
        if (missing(e)) throw deltaError('DELTA_FILE_NOT_FOUND', `${from} does not exist`, e);
        throw e;
      }
    });
    await this.publish(tmp, to, options.overwrite === true);
  }

  async delete(url: string): Promise<void> {
    await rm(toPath(url), { force: true });
  }

  async deletePrefix(dirUrl: string): Promise<void> {
    const dir = toPath(dirUrl);
    try {
      await rm(dir, { recursive: true, force: true });
    } catch (e) {
      throw ioError(e, dir, 'delete');
    }
  }

  async renamePrefix(fromDirUrl: string, toDirUrl: string): Promise<void> {
    const from = toPath(fromDirUrl);
    const to = toPath(toDirUrl);
    if ((await entriesOf(from)).length === 0) throw deltaError('DELTA_FILE_NOT_FOUND', `${from} holds nothing to move`);
    if ((await entriesOf(to)).length > 0) throw deltaError('DELTA_FILE_ALREADY_EXISTS', `${to} already exists`);
    await mkdir(dirname(to), { recursive: true });
    try {
      // One rename: the directory is at one place or the other, never half at each.
      await rename(from, to);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOTEMPTY' || code === 'EEXIST') throw deltaError('DELTA_FILE_ALREADY_EXISTS', `${to} already exists`, e);
      throw ioError(e, from, 'rename');
    }
  }

  async removeEmptyDirectories(dirUrl: string, keep: (relativeDir: string) => boolean = () => false): Promise<number> {
    let removed = 0;
    // Deepest first, so that a directory holding only empty ones goes too.
    const visit = async (dir: string, prefix: string): Promise<void> => {
      const entries = await entriesOf(dir);
      for (const d of entries) {
        if (!d.isDirectory() || keep(prefix + d.name)) continue;
        const sub = join(dir, d.name);
        await visit(sub, `${prefix}${d.name}/`);
        try {
          await rmdir(sub);
          removed++;
        } catch {
          // not empty (or taken meanwhile): it stays
        }
      }
    };
    await visit(toPath(dirUrl), '');
    return removed;
  }

  localPath(url: string): string | undefined {
    return url.startsWith('file:') ? fileURLToPath(url) : undefined;
  }

  /**
   * Makes a hidden temporary file beside `path` with `fill` (which must sync it), creating the
   * directory; the temporary file is gone when this fails.
   */
  private async writeTemp(path: string, fill: (tmp: string) => Promise<void>): Promise<string> {
    const dir = dirname(path);
    const tmp = join(dir, `.${randomUUID()}.tmp`);
    try {
      await mkdir(dir, { recursive: true });
      await fill(tmp);
    } catch (e) {
      await unlink(tmp).catch(() => undefined);
      throw isDeltaError(e) ? e : ioError(e, path, 'write');
    }
    return tmp;
  }

  /** Moves a complete temporary file to `path`: a hard link when it must not replace anything, else a rename. */
  private async publish(tmp: string, path: string, overwrite: boolean): Promise<void> {
    try {
      if (overwrite) await rename(tmp, path);
      else await link(tmp, path);
    } catch (e) {
      if (!overwrite && (e as NodeJS.ErrnoException).code === 'EEXIST') {
        throw deltaError('DELTA_FILE_ALREADY_EXISTS', `${path} already exists`, e);
      }
      throw ioError(e, path, 'write');
    } finally {
      await unlink(tmp).catch(() => undefined);
    }
  }
}
