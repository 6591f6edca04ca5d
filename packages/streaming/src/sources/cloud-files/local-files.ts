import { displayTable, type FileMeta, type StorageHandler } from '@loch/delta';
import { randomUUID } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BatchFile } from './read-files.js';

/**
 * Local paths DuckDB can read for files of the store: the files themselves when the store is
 * local, else copies (removed by `release`).
 */
export async function localFiles(storage: StorageHandler, files: readonly FileMeta[]): Promise<{ files: BatchFile[]; release: () => Promise<void> }> {
  const out: BatchFile[] = [];
  let staging: string | undefined;
  for (const f of files) {
    const display = displayTable(f.path);
    const local = storage.localPath?.(f.path);
    if (local !== undefined) {
      out.push({ local, display });
      continue;
    }
    staging ??= join(tmpdir(), `loch-cloudfiles-${randomUUID()}`);
    await mkdir(staging, { recursive: true });
    const copy = join(staging, `${out.length}-${f.path.slice(f.path.lastIndexOf('/') + 1)}`);
    await writeFile(copy, await storage.read(f.path));
    out.push({ local: copy, display });
  }
  return { files: out, release: async () => (staging ? rm(staging, { recursive: true, force: true }) : undefined) };
}
