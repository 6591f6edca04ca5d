import type { AddFile, LogFileActions, PartitionValues } from '@loch/delta';
import { emptyLogFileActions } from '@loch/delta';

/**
 * What a parse worker sends back. Structured clone of many small objects costs more than parsing
 * them did, so add actions travel as columns (strings and typed arrays clone as memcpy) and are
 * rebuilt as objects on the receiving side; partition-value maps are interned since a table has
 * far fewer partitions than files. Everything else is rare and travels as objects.
 */
export interface WireActions {
  readonly rest: Omit<LogFileActions, 'adds'>;
  readonly addCount: number;
  readonly paths: string[];
  readonly sizes: Float64Array;
  readonly modificationTimes: Float64Array;
  readonly dataChange: Uint8Array;
  readonly stats: (string | null)[] | undefined;
  readonly partitionIndex: Int32Array;
  readonly partitionDistinct: string[];
  /** Adds with fields beyond the common ones (deletion vectors, tags, row ids), by index. */
  readonly extras: [number, Partial<AddFile>][];
}

const COMMON = new Set(['path', 'partitionValues', 'size', 'modificationTime', 'dataChange', 'stats']);

export function encodeWire(actions: LogFileActions): WireActions {
  const { adds, ...rest } = actions;
  const n = adds.length;
  const paths = new Array<string>(n);
  const sizes = new Float64Array(n);
  const modificationTimes = new Float64Array(n);
  const dataChange = new Uint8Array(n);
  let stats: (string | null)[] | undefined;
  const partitionIndex = new Int32Array(n);
  const distinct = new Map<string, number>();
  const extras: [number, Partial<AddFile>][] = [];
  for (let i = 0; i < n; i++) {
    const a = adds[i];
    paths[i] = a.path;
    sizes[i] = a.size;
    modificationTimes[i] = a.modificationTime;
    dataChange[i] = a.dataChange ? 1 : 0;
    if (a.stats != null) {
      stats ??= new Array<string | null>(n).fill(null);
      stats[i] = a.stats;
    }
    const pvKey = JSON.stringify(a.partitionValues ?? {});
    let idx = distinct.get(pvKey);
    if (idx === undefined) {
      idx = distinct.size;
      distinct.set(pvKey, idx);
    }
    partitionIndex[i] = idx;
    let extra: Record<string, unknown> | undefined;
    for (const k in a) {
      if (COMMON.has(k)) continue;
      extra ??= {};
      extra[k] = (a as unknown as Record<string, unknown>)[k];
    }
    if (extra) extras.push([i, extra as Partial<AddFile>]);
  }
  return {
    rest,
    addCount: n,
    paths,
    sizes,
    modificationTimes,
    dataChange,
    stats,
    partitionIndex,
    partitionDistinct: [...distinct.keys()],
    extras,
  };
}

export function decodeWire(w: WireActions): LogFileActions {
  const pvs = w.partitionDistinct.map((s) => JSON.parse(s) as PartitionValues);
  const adds = new Array<AddFile>(w.addCount);
  for (let i = 0; i < w.addCount; i++) {
    adds[i] = {
      path: w.paths[i],
      partitionValues: pvs[w.partitionIndex[i]],
      size: w.sizes[i],
      modificationTime: w.modificationTimes[i],
      dataChange: w.dataChange[i] === 1,
      stats: w.stats?.[i] ?? undefined,
    };
  }
  for (const [i, extra] of w.extras) adds[i] = { ...adds[i], ...extra };
  return { ...w.rest, adds };
}

/** Merges the actions of consecutive chunks of one file into one. */
export function mergeChunks(file: string, chunks: LogFileActions[]): LogFileActions {
  if (chunks.length === 1) return chunks[0];
  const out = emptyLogFileActions(file);
  let cdcs = 0;
  for (const c of chunks) {
    out.adds.push(...c.adds);
    out.removes.push(...c.removes);
    out.txns.push(...c.txns);
    out.domainMetadata.push(...c.domainMetadata);
    out.sidecars.push(...c.sidecars);
    cdcs += c.cdcs;
    out.protocol ??= c.protocol;
    out.metaData ??= c.metaData;
    out.commitInfo ??= c.commitInfo;
    out.checkpointMetadata ??= c.checkpointMetadata;
  }
  return { ...out, cdcs };
}

