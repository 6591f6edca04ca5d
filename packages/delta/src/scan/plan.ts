import type { AddFile, PartitionValues } from '../actions/add.js';
import type { AddFileList } from '../actions/add-list.js';
import type { DeletionVectorDescriptor } from '../actions/deletion-vector.js';
import { deltaError } from '../errors.js';
import type { Predicate } from '../expressions/ast.js';
import { filePruner, type FileWithStats } from '../skipping/prune.js';
import { statsRangesOf } from '../skipping/stats-memo.js';
import { parsePartitionValue, type PartitionValue } from '../partition/values.js';
import { physicalName } from '../schema/column-mapping.js';
import type { StructField } from '../schema/types.js';
import { findField, type Snapshot } from '../snapshot/snapshot.js';
import { resolvePath } from '../util/paths.js';

/** A column of a scan: its logical field and where its values come from. */
export interface ScanColumn {
  readonly field: StructField;
  /** Name in the data files (the physical name under column mapping). */
  readonly physicalName: string;
  /** True when the value comes from the file's partition values, not from its data. */
  readonly isPartition: boolean;
}

export interface ScanFile {
  readonly add: AddFile;
  /** Absolute URL of the data file. */
  readonly url: string;
  /** Partition values typed by the schema, keyed by logical column name. */
  readonly partitionValues: Readonly<Record<string, PartitionValue>>;
  readonly deletionVector?: DeletionVectorDescriptor;
}

export interface ScanPlan {
  readonly snapshot: Snapshot;
  readonly columns: readonly ScanColumn[];
  readonly files: readonly ScanFile[];
  /** Live files in the snapshot. */
  readonly filesTotal: number;
  /** Files left out because their partition values rule out every match. */
  readonly filesPrunedByPartition: number;
  /** Files left out because their stats (with their partition values) rule out every match. */
  readonly filesPrunedByStats: number;
  /** The filter the files were pruned with, if any. */
  readonly filter?: Predicate;
}

export interface ScanOptions {
  /** Logical column names to read, in this order; all columns when omitted. */
  readonly columns?: readonly string[];
  /** Keep only files whose partition values pass (partition pruning). */
  readonly partitionFilter?: (values: Readonly<Record<string, PartitionValue>>) => boolean;
  /**
   * A predicate over the table's logical columns: files that cannot hold a row for which it is
   * TRUE are left out (by partition values, then by stats). Rows still need filtering by the engine.
   */
  readonly filter?: Predicate;
  /** Plan over these files rather than the snapshot's live files (e.g. files a concurrent commit added). */
  readonly files?: AddFileList;
}

/** The columns a scan returns (logical names, in order; all when omitted), mapped to where they are stored. */
export function scanColumns(snapshot: Snapshot, names?: readonly string[]): ScanColumn[] {
  const mode = snapshot.columnMapping;
  const partitionSet = new Set(snapshot.partitionColumns.map((c) => c.toLowerCase()));
  const fields = names
    ? names.map((name) => {
        const f = findField(snapshot.schema, name);
        if (!f) {
          throw deltaError(
            'DELTA_COLUMN_NOT_FOUND',
            `${snapshot.table} has no column '${name}' (columns: ${snapshot.schema.fields.map((x) => x.name).join(', ')})`,
          );
        }
        return f;
      })
    : snapshot.schema.fields;
  return fields.map((field) => ({
    field,
    physicalName: physicalName(field, mode),
    isPartition: partitionSet.has(field.name.toLowerCase()),
  }));
}

/**
 * Works out what a scan reads: the columns (mapped to physical names) and the live files less
 * those the filter rules out. Partition values are decided once per distinct set (tables have far
 * fewer partitions than files), and an add action is made only for a file the scan reads.
 */
/**
 * File `index` of a list as the pruner sees it: its stats are read from the list only when the
 * pruner asks (a list may keep them as read, to be decoded; the memo answers most queries).
 */
class ListedFile implements FileWithStats {
  constructor(
    private readonly list: AddFileList,
    private readonly index: number,
    readonly memo: FileWithStats['memo'],
  ) {}
  get stats(): string | null | undefined {
    return this.list.stats(this.index);
  }
}

export function planScan(snapshot: Snapshot, options: ScanOptions = {}): ScanPlan {
  const mode = snapshot.columnMapping;
  const columns = scanColumns(snapshot, options.columns);
  const list = options.files ?? snapshot.fileList;

  const partitionFields = snapshot.partitionColumns.map((name) => {
    const f = findField(snapshot.schema, name);
    if (!f) throw deltaError('DELTA_INVALID_SCHEMA', `${snapshot.table}: partition column '${name}' is not in the schema`);
    return f;
  });
  const pruner = options.filter ? filePruner(snapshot, options.filter) : undefined;
  // Partition values are keyed by physical name in the log; typed and judged once per raw map.
  const decided = new Map<PartitionValues, { values: Readonly<Record<string, PartitionValue>>; pruned: boolean }>();
  const decide = (raw: PartitionValues) => {
    const values: Record<string, PartitionValue> = {};
    for (const f of partitionFields) {
      const p = physicalName(f, mode);
      values[f.name] = parsePartitionValue(raw[p] ?? raw[f.name], f.type, f.name);
    }
    const pruned = (options.partitionFilter !== undefined && !options.partitionFilter(values)) || pruner?.prunedByPartition(values) === true;
    const d = { values, pruned };
    decided.set(raw, d);
    return d;
  };
  const NO_VALUES = {};

  // Only a snapshot's own list is kept with what its stats say: a list given in the options may be made for this call.
  const ranges = pruner && !options.files ? statsRangesOf(list) : undefined;
  let filesPrunedByPartition = 0;
  let filesPrunedByStats = 0;
  const files: ScanFile[] = [];
  for (let i = 0; i < list.length; i++) {
    const raw = partitionFields.length === 0 ? NO_VALUES : (list.partitionValues(i) ?? NO_VALUES);
    const d = decided.get(raw) ?? decide(raw);
    if (d.pruned) {
      filesPrunedByPartition++;
      continue;
    }
    if (pruner?.prunedByStats(new ListedFile(list, i, ranges ? { ranges, index: i } : undefined), d.values)) {
      filesPrunedByStats++;
      continue;
    }
    const add: AddFile = list.get(i);
    files.push({
      add,
      url: resolvePath(snapshot.tableRoot, add.path),
      partitionValues: d.values,
      deletionVector: add.deletionVector ?? undefined,
    });
  }
  return {
    snapshot,
    columns,
    files,
    filesTotal: list.length,
    filesPrunedByPartition,
    filesPrunedByStats,
    ...(options.filter ? { filter: options.filter } : {}),
  };
}
