/**
 * DuckDB writes Parquet only into local directories, while a table lives wherever its storage
 * keeps it. A write's files go where DuckDB can put them: straight into the table's directory
 * when storage has a local path for it (nothing to move afterwards), else into a temporary
 * directory, from which each file is uploaded through storage. This module and the rows staged
 * for DuckDB's readers (source.ts) are the only file system access of a write.
 */
import type { StorageHandler } from '@loch/delta';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, sep } from 'node:path';
import { mapLimited } from '../util/map-limited.js';

export interface DataFileStage {
  /** The local directory that stands for the table root while DuckDB writes. */
  readonly root: string;
  /** Creates the parent of `dir` (under `root`): DuckDB's COPY creates only the last level. */
  prepare(dir: string): Promise<void>;
  /** Moves files DuckDB wrote under `dir` (in per-group subdirectories) up into `dir`'s parent. */
  flatten(files: readonly string[], dir: string): Promise<string[]>;
  /** Makes the written files (local paths under `root`) the table's files at the same relative paths. */
  publish(files: readonly string[]): Promise<void>;
  /** Deletes what a failed write left behind: its files (named with `writeId`) and `scratch` directories. */
  discard(writeId: string, scratch?: string): Promise<void>;
  /** Releases the temporary directory, if there is one. */
  close(): Promise<void>;
}

/** A table-relative path in URL form: segments escaped, `=` kept readable as Spark writes it. */
export function encodeRelativePath(rel: string): string {
  return rel
    .split(sep)
    .map((s) => encodeURIComponent(s).replaceAll('%3D', '='))
    .join('/');
}

/** Where the data files of one write to the table at `tableRoot` are put first. */
export async function stageDataFiles(storage: StorageHandler, tableRoot: string): Promise<DataFileStage> {
  const local = storage.localPath?.(tableRoot);
  const root = local ?? (await mkdtemp(join(tmpdir(), 'loch-write-')));
  const uploaded: string[] = [];
  const urlOf = (file: string) => tableRoot + encodeRelativePath(relative(root, file));
  return {
    root,
    async prepare(dir) {
      await mkdir(dirname(dir), { recursive: true });
    },
    async flatten(files, dir) {
      const parent = dirname(dir);
      const moved: string[] = [];
      for (const from of files) {
        const to = join(parent, basename(from));
        await rename(from, to);
        moved.push(to);
      }
      await rm(dir, { recursive: true, force: true });
      return moved;
    },
    async publish(files) {
      if (local !== undefined) return;
      // A few at a time: each is a stream from disk to storage.
      await mapLimited(files, 4, async (file) => {
        const url = urlOf(file);
        await storage.writeStream(url, createReadStream(file));
        uploaded.push(url);
        await rm(file, { force: true });
      });
    },
    async discard(writeId, scratch) {
      if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
      if (local === undefined) {
        await Promise.all(uploaded.map((url) => storage.delete(url)));
        return;
      }
      const leftovers = (await storage.listRecursive(tableRoot)).filter((f) => f.path.includes(writeId));
      await Promise.all(leftovers.map((f) => storage.delete(f.path)));
    },
    async close() {
      if (local === undefined) await rm(root, { recursive: true, force: true });
    },
  };
}
