import type { DuckDBConnection } from '@duckdb/node-api';
import type { StorageHandler } from '@loch/delta';
import { sqlString } from '@loch/engine-node';
import { randomUUID } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Parquet files kept in a checkpoint (operator state). DuckDB writes and reads Parquet on local
 * paths; the bytes go to and come from the checkpoint through the Engine's storage, so a
 * checkpoint on another store works the same.
 */
export async function writeParquet(c: DuckDBConnection, storage: StorageHandler, url: string, query: string): Promise<number> {
  const tmp = join(tmpdir(), `loch-state-${randomUUID()}.parquet`);
  try {
    await c.run(`COPY (${query}) TO ${sqlString(tmp)} (FORMAT parquet, COMPRESSION zstd)`);
    const bytes = await readFile(tmp);
    await storage.put(url, bytes);
    return bytes.length;
  } finally {
    await rm(tmp, { force: true });
  }
}

/**
 * Runs `use` with a local path holding the Parquet file at `url` (read through storage); the
 * local copy is removed afterwards.
 */
export async function withParquet<T>(storage: StorageHandler, url: string, use: (path: string) => Promise<T>): Promise<T> {
  const tmp = join(tmpdir(), `loch-state-${randomUUID()}.parquet`);
  try {
    await writeFile(tmp, await storage.read(url));
    return await use(tmp);
  } finally {
    await rm(tmp, { force: true });
  }
}
