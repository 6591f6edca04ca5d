import type { DataType, StructField, StructType } from '@loch/delta';

/** One column's statistics as DuckDB's COPY ... RETURN_STATS reports them (all values as text). */
export type ColumnStats = ReadonlyMap<string, string | null>;

const STRING_PREFIX = 32;
/** Appended to a truncated maximum so that it still bounds every string with that prefix. */
const TIE_BREAKER = '\uffff';

/** Splits DuckDB's column path `"a"."b ""c"""` into ['a', 'b "c"']. */
export function parseColumnPath(key: string): string[] {
  const parts: string[] = [];
  const re = /"((?:[^"]|"")*)"/g;
  for (let m = re.exec(key); m; m = re.exec(key)) parts.push(m[1].replaceAll('""', '"'));
  return parts.length > 0 ? parts : [key];
}

/** Which leaf columns get min/max/nullCount: Delta's `dataSkippingStatsColumns` or the first N leaves. */
export function statsColumns(schema: StructType, partitionColumns: readonly string[], configuration: Readonly<Record<string, string>>): Set<string> {
  const partitions = new Set(partitionColumns.map((c) => c.toLowerCase()));
  const leaves: string[][] = [];
  const walk = (fields: readonly StructField[], prefix: string[]) => {
    for (const f of fields) {
      if (prefix.length === 0 && partitions.has(f.name.toLowerCase())) continue;
      if (f.type.kind === 'struct') walk(f.type.fields, [...prefix, f.name]);
      else leaves.push([...prefix, f.name]);
    }
  };
  walk(schema.fields, []);
  const explicit = configuration['delta.dataSkippingStatsColumns'];
  if (explicit) {
    const wanted = explicit.split(',').map((s) => s.trim().replaceAll('`', '').toLowerCase()).filter(Boolean);
    return new Set(leaves.filter((l) => wanted.some((w) => l.join('.').toLowerCase() === w || l.join('.').toLowerCase().startsWith(`${w}.`))).map((l) => l.join('\u0000')));
  }
  const n = Number(configuration['delta.dataSkippingNumIndexedCols'] ?? 32);
  const chosen = n < 0 ? leaves : leaves.slice(0, n);
  return new Set(chosen.map((l) => l.join('\u0000')));
}

/** A statistic's text as the JSON value Delta stores for the type, or undefined to leave it out. */
function statValue(text: string, t: DataType, isMax: boolean): string | undefined {
  if (t.kind === 'decimal') return /^-?\d+(\.\d+)?$/.test(text) ? text : undefined;
  if (t.kind !== 'primitive') return undefined;
  switch (t.name) {
    case 'byte':
    case 'short':
    case 'integer':
    case 'long':
      return /^-?\d+$/.test(text) ? text : undefined;
    case 'float':
    case 'double': {
      const v = Number(text);
      return Number.isFinite(v) ? JSON.stringify(v) : undefined;
    }
    case 'string': {
      const chars = Array.from(text);
      if (chars.length <= STRING_PREFIX) return JSON.stringify(text);
      const prefix = chars.slice(0, STRING_PREFIX).join('');
      return JSON.stringify(isMax ? prefix + TIE_BREAKER : prefix);
    }
    case 'date':
      return /^\d{4}-\d{2}-\d{2}$/.test(text) ? JSON.stringify(text) : undefined;
    case 'timestamp':
    case 'timestamp_ntz': {
      // Delta keeps timestamps to the millisecond: round the minimum down and the maximum up so
      // that both still bound the microsecond values.
      const m = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(?:\.(\d+))?(?:\+00(?::00)?)?$/.exec(text);
      if (!m) return undefined;
      const micros = BigInt(Date.parse(`${m[1]}T${m[2]}Z`)) * 1000n + BigInt((m[3] ?? '').padEnd(6, '0').slice(0, 6) || '0');
      // BigInt division truncates toward zero: that is the ceiling for negative values (before
      // 1970) and the floor for positive ones.
      let ms = micros / 1000n;
      if (micros % 1000n !== 0n) {
        if (isMax && micros > 0n) ms += 1n;
        if (!isMax && micros < 0n) ms -= 1n;
      }
      const iso = new Date(Number(ms)).toISOString();
      return JSON.stringify(t.name === 'timestamp' ? iso : iso.slice(0, -1));
    }
    default:
      return undefined; // boolean, binary: Delta keeps only null counts
  }
}

/**
 * The `stats` JSON of an add action from DuckDB's per-file statistics: numRecords, and for the
 * indexed leaf columns minValues/maxValues/nullCount, nested like the schema.
 */
export function deltaStats(
  numRecords: number,
  columnStats: ReadonlyMap<string, ColumnStats>,
  schema: StructType,
  indexed: Set<string>,
): string {
  const byPath = new Map<string, ColumnStats>();
  for (const [key, s] of columnStats) byPath.set(parseColumnPath(key).join('\u0000'), s);

  const build = (fields: readonly StructField[], prefix: string[], kind: 'min' | 'max' | 'null_count'): string | undefined => {
    const parts: string[] = [];
    for (const f of fields) {
      const path = [...prefix, f.name];
      let v: string | undefined;
      if (f.type.kind === 'struct') v = build(f.type.fields, path, kind);
      else if (indexed.has(path.join('\u0000'))) {
        const s = byPath.get(path.join('\u0000'));
        const text = s?.get(kind);
        if (s && text != null) {
          if (kind === 'null_count') v = /^\d+$/.test(text) ? text : undefined;
          else if (s.get('has_nan') !== 'true') v = statValue(text, f.type, kind === 'max');
        } else if (s && kind === 'null_count') v = undefined;
      }
      if (v !== undefined) parts.push(`${JSON.stringify(f.name)}:${v}`);
    }
    return parts.length > 0 ? `{${parts.join(',')}}` : undefined;
  };
  const out = [`"numRecords":${numRecords}`];
  const min = build(schema.fields, [], 'min');
  const max = build(schema.fields, [], 'max');
  const nulls = build(schema.fields, [], 'null_count');
  if (min) out.push(`"minValues":${min}`);
  if (max) out.push(`"maxValues":${max}`);
  if (nulls) out.push(`"nullCount":${nulls}`);
  return `{${out.join(',')}}`;
}
