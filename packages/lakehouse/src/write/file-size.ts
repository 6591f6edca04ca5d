/**
 * Sizes as Delta and Spark write them in table properties and conf: bytes ('104857600') or with a
 * unit ('32mb', '1g', '256 KB'; binary multiples, as Spark's byte strings).
 */
import { deltaError } from '@loch/delta';

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, m: 1024 ** 2, mb: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, t: 1024 ** 4, tb: 1024 ** 4 };

/** The size in bytes, or undefined when `text` is not one. */
export function parseByteSize(text: string | undefined): number | undefined {
  const m = text?.trim().toLowerCase().match(/^(\d+(?:\.\d+)?)\s*([a-z]*)$/);
  if (!m || UNITS[m[2]] === undefined) return undefined;
  return Math.round(Number(m[1]) * UNITS[m[2]]);
}

/** A table's `delta.targetFileSize`, checked: a size that cannot be read fails the write by name. */
export function targetFileSizeOf(configuration: Readonly<Record<string, string>>, table: string): number | undefined {
  const text = configuration['delta.targetFileSize'];
  if (text === undefined) return undefined;
  const n = parseByteSize(text);
  if (n === undefined || n <= 0) throw deltaError('DELTA_INVALID_ARGUMENT', `${table}: delta.targetFileSize '${text}' is not a size (bytes, or with a unit: '32mb')`);
  return n;
}
