import {
  encodeDvFile,
  loadDeletionVector,
  serializeRoaringBitmapArray,
  uuidToZ85,
  type AddFile,
  type DeletionVectorDescriptor,
  type Engine,
} from '@loch/delta';
import { randomUUID } from 'node:crypto';

/** Deleted-row positions to add to one file's deletion vector. */
export interface DvUpdate {
  readonly add: AddFile;
  /** Newly deleted row positions (any order). */
  readonly rows: readonly number[];
}

/**
 * Writes one deletion-vector file holding a bitmap per updated data file (old deletions merged
 * with new ones) and returns the data files' new add actions. Spark reads these: the file format
 * and the descriptor follow the protocol's "Deletion Vector Format".
 */
export async function writeDeletionVectors(
  engine: Engine,
  tableRoot: string,
  updates: readonly DvUpdate[],
): Promise<{ adds: AddFile[]; bytes: number }> {
  if (updates.length === 0) return { adds: [], bytes: 0 };
  const merged: number[][] = [];
  for (const u of updates) {
    const previous = u.add.deletionVector ? (await loadDeletionVector(engine.storage, tableRoot, u.add.deletionVector)).rows : [];
    const all = new Set<number>(previous);
    for (const r of u.rows) all.add(r);
    merged.push([...all].sort((a, b) => a - b));
  }
  const bitmaps = merged.map((rows) => serializeRoaringBitmapArray(rows));
  const { bytes, offsets } = encodeDvFile(bitmaps);
  const uuid = randomUUID();
  await engine.storage.putIfAbsent(`${tableRoot}deletion_vector_${uuid}.bin`, bytes);
  const pathOrInlineDv = uuidToZ85(uuid);
  const adds = updates.map((u, i): AddFile => {
    const dv: DeletionVectorDescriptor = {
      storageType: 'u',
      pathOrInlineDv,
      offset: offsets[i],
      sizeInBytes: bitmaps[i].length,
      cardinality: merged[i].length,
    };
    return { ...u.add, deletionVector: dv, dataChange: true, stats: looseStats(u.add.stats) };
  });
  return { adds, bytes: bytes.length };
}

/** With rows deleted through a DV, min/max still bound the rest but are no longer tight. */
function looseStats(stats: string | null | undefined): string | undefined {
  if (!stats) return undefined;
  try {
    const s = JSON.parse(stats) as Record<string, unknown>;
    s.tightBounds = false;
    return JSON.stringify(s);
  } catch {
    return undefined;
  }
}
