/** A scratch lake and checkpoint folder for streaming tests. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Lakehouse, type Row } from '@loch/lakehouse';
import '@loch/streaming';

export interface Scratch {
  readonly dir: string;
  readonly lake: Lakehouse;
  /** A path under the scratch folder. */
  path(...parts: string[]): string;
  cleanup(): Promise<void>;
}

export async function scratch(prefix = 'loch-stream-'): Promise<Scratch> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const lake = Lakehouse.open(join(dir, 'lake'));
  return {
    dir,
    lake,
    path: (...parts) => join(dir, ...parts),
    // Queries a failed test left running are stopped, or the test process would never end.
    cleanup: async () => {
      for (const q of lake.streams.active) await q.stop().catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Rows of a query, as plain objects. */
export async function rows(lake: Lakehouse, sql: string): Promise<Row[]> {
  const r = await lake.sql(sql);
  return [...r[r.length - 1].rows];
}
