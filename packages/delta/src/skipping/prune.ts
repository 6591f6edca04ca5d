/**
 * File pruning for a scan: partition pruning (a file's partition values alone rule out every
 * match) and data skipping (its partition values with its stats do). Pure: the kernel evaluates
 * the predicate itself over parsed partition values and stats, and never drops a file that may
 * hold a row for which the predicate is TRUE.
 */
import type { AddFile } from '../actions/add.js';
import { referencedColumns, type Predicate } from '../expressions/ast.js';
import { evaluate, family, mayBeTrue, type ColumnRange, type Outcomes } from '../expressions/evaluate.js';
import { MICROS_PER_DAY, dateToDays, decFromBigInt, parseDec } from '../expressions/values.js';
import type { PartitionValue } from '../partition/values.js';
import { physicalName, type ColumnMappingMode } from '../schema/column-mapping.js';
import { TYPE_CHANGES } from '../schema/type-widening.js';
import type { DataType, StructField, StructType } from '../schema/types.js';
import { parseFileStats, statsRange, type FileStats } from './stats.js';
import type { StatsRanges } from './stats-memo.js';

/** The parts of a snapshot that pruning needs. */
export interface PruningTable {
  readonly schema: StructType;
  readonly partitionColumns: readonly string[];
  readonly columnMapping: ColumnMappingMode;
}

export type PartitionValuesByName = Readonly<Record<string, PartitionValue>>;

/**
 * What pruning reads of a file beyond its partition values: its stats, and optionally where in
 * a list they are, so that what they say is worked out once per list (stats-memo.ts).
 */
export type FileWithStats = Pick<AddFile, 'stats'> & { readonly memo?: { readonly ranges: StatsRanges; readonly index: number } };

export interface FilePruner {
  readonly predicate: Predicate;
  /** True when the file's partition values (keyed by logical name) rule out every match. */
  prunedByPartition(values: PartitionValuesByName): boolean;
  /** True when its partition values together with its stats rule out every match. */
  prunedByStats(add: FileWithStats, values: PartitionValuesByName): boolean;
  /** The truth values the predicate may take on a file's rows, from partition values and stats. */
  outcomes(add: FileWithStats | undefined, values: PartitionValuesByName): Outcomes;
}

interface ResolvedColumn {
  readonly type: DataType;
  /** Logical name of a partition column; undefined for a data column. */
  readonly partition?: string;
  /** Physical path in the stats of a data column. */
  readonly physicalPath?: readonly string[];
}

/** What a data column's range in a file's stats depends on, besides the stats. */
const rangeKey = (c: ResolvedColumn) => `${JSON.stringify(c.physicalPath)}\u0000${JSON.stringify(c.type)}`;

const byName = (fields: readonly StructField[], name: string) =>
  fields.find((f) => f.name === name) ?? fields.find((f) => f.name.toLowerCase() === name.toLowerCase());

/** Resolves a logical column path (case-insensitively, as Spark and DuckDB do). */
export function resolveColumn(table: PruningTable, path: readonly string[]): ResolvedColumn | undefined {
  if (path.length === 0) return undefined;
  const top = byName(table.schema.fields, path[0]);
  if (!top) return undefined;
  const isPartition = table.partitionColumns.some((c) => c.toLowerCase() === top.name.toLowerCase());
  if (isPartition) return path.length === 1 ? { type: top.type, partition: top.name } : undefined;
  const physicalPath = [physicalName(top, table.columnMapping)];
  let field = top;
  // Files written before a column's type was widened keep statistics in the older type (a float
  // maximum is no bound for the double it became): such a column's statistics are not used.
  let widened = TYPE_CHANGES in top.metadata;
  for (const name of path.slice(1)) {
    if (field.type.kind !== 'struct') return undefined;
    const next = byName(field.type.fields, name);
    if (!next) return undefined;
    physicalPath.push(physicalName(next, table.columnMapping));
    widened ||= TYPE_CHANGES in next.metadata;
    field = next;
  }
  return widened ? undefined : { type: field.type, physicalPath };
}

/** One partition value as a range: the single value (or null). */
export function partitionRange(v: PartitionValue, type: DataType): ColumnRange {
  if (v === null) return { type, hasNull: true, hasValue: false };
  const point = (x: ColumnRange['min']): ColumnRange =>
    x === undefined ? { type, hasNull: false, hasValue: true } : { type, hasNull: false, hasValue: true, min: x, max: x };
  switch (family(type)) {
    case 'exact':
      if (typeof v === 'bigint') return point(decFromBigInt(v));
      if (typeof v === 'number') return point(Number.isSafeInteger(v) ? decFromBigInt(BigInt(v)) : undefined);
      return point(typeof v === 'string' ? parseDec(v) : undefined);
    case 'float':
    case 'double':
      return point(typeof v === 'number' ? v : undefined);
    case 'string':
      return point(typeof v === 'string' ? v : undefined);
    case 'time': {
      if (typeof v === 'bigint') return point(v);
      if (typeof v === 'string') {
        const d = dateToDays(v);
        return point(d === undefined ? undefined : BigInt(d) * MICROS_PER_DAY);
      }
      return point(undefined);
    }
    case 'bool':
      return point(typeof v === 'boolean' ? v : undefined);
    default:
      return point(undefined);
  }
}

/** Builds the pruner for one predicate over one table's schema. */
export function filePruner(table: PruningTable, predicate: Predicate): FilePruner {
  const columns = new Map<string, ResolvedColumn | undefined>();
  for (const c of referencedColumns(predicate)) columns.set(JSON.stringify(c.path), resolveColumn(table, c.path));
  const usesData = [...columns.values()].some((c) => c?.physicalPath !== undefined);
  const usesPartitions = [...columns.values()].some((c) => c?.partition !== undefined);
  const partitionCache = new Map<PartitionValuesByName, Outcomes>();
  const rangeKeys = new Map([...columns].filter(([, c]) => c?.physicalPath !== undefined).map(([k, c]) => [k, rangeKey(c!)]));

  const partitionResolver = (values: PartitionValuesByName) => (path: readonly string[]): ColumnRange | undefined => {
    const c = columns.get(JSON.stringify(path));
    if (!c || c.partition === undefined) return undefined;
    return partitionRange(values[c.partition] ?? null, c.type);
  };

  const outcomes = (add: FileWithStats | undefined, values: PartitionValuesByName): Outcomes => {
    const partition = partitionResolver(values);
    if (!add || !usesData) return evaluate(predicate, partition);
    // Parsed only when some range is not memoized yet.
    let parsed: FileStats | undefined | null = null;
    const stats = () => (parsed === null ? (parsed = parseFileStats(add.stats)) : parsed);
    const memo = add.memo;
    if (memo ? memo.ranges.isEmpty(memo.index, () => stats()?.numRecords === 0) : stats()?.numRecords === 0) return 0;
    const ranges = new Map<string, ColumnRange | undefined>();
    return evaluate(predicate, (path) => {
      const key = JSON.stringify(path);
      const c = columns.get(key);
      if (!c) return undefined;
      if (c.partition !== undefined) return partition(path);
      if (!ranges.has(key)) {
        const read = () => statsRange(stats(), c.physicalPath!, c.type);
        ranges.set(key, memo ? memo.ranges.range(rangeKeys.get(key)!, memo.index, read) : read());
      }
      return ranges.get(key);
    });
  };

  return {
    predicate,
    outcomes,
    prunedByPartition(values) {
      if (!usesPartitions) return !mayBeTrue(outcomes(undefined, values));
      let o = partitionCache.get(values);
      if (o === undefined) {
        o = outcomes(undefined, values);
        partitionCache.set(values, o);
      }
      return !mayBeTrue(o);
    },
    prunedByStats(add, values) {
      if (!usesData) return false;
      return !mayBeTrue(outcomes(add, values));
    },
  };
}

/**
 * A predicate over one file's partition values, three-valued: true, false or null when the
 * partition values decide it for every row of the file, 'unknown' when data columns matter.
 */
export function evaluateOnPartitionValues(table: PruningTable, predicate: Predicate, values: PartitionValuesByName): boolean | null | 'unknown' {
  const o = filePruner(table, predicate).outcomes(undefined, values);
  return o === 1 ? true : o === 2 ? false : o === 4 ? null : 'unknown';
}
