import type { AddFile } from '../actions/add.js';
import type { DeletionVectorDescriptor } from '../dv/descriptor.js';
import { deltaError } from '../errors.js';
import type { Predicate } from '../expressions/ast.js';
import { filePruner } from '../skipping/prune.js';
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
}

/** Works out what a scan reads: the columns (mapped to physical names) and the live files. */
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

export function planScan(snapshot: Snapshot, options: ScanOptions = {}): ScanPlan {
  const mode = snapshot.columnMapping;
  const columns = scanColumns(snapshot, options.columns);

  const partitionFields = snapshot.partitionColumns.map((name) => {
    const f = findField(snapshot.schema, name);
    if (!f) throw deltaError('DELTA_INVALID_SCHEMA', `${snapshot.table}: partition column '${name}' is not in the schema`);
    return f;
  });
  // Partition values are keyed by physical name in the log. Parsing is cached per distinct raw
  // map: tables have far fewer partitions than files.
  const cache = new Map<AddFile['partitionValues'], Record<string, PartitionValue>>();
  const typed = (raw: AddFile['partitionValues']) => {
    let v = cache.get(raw);
    if (!v) {
      v = {};
      for (const f of partitionFields) {
        const p = physicalName(f, mode);
        v[f.name] = parsePartitionValue(raw[p] ?? raw[f.name], f.type, f.name);
      }
      cache.set(raw, v);
    }
    return v;
  };

  const pruner = options.filter ? filePruner(snapshot, options.filter) : undefined;
  let filesPrunedByPartition = 0;
  let filesPrunedByStats = 0;
  const files: ScanFile[] = [];
  for (const add of snapshot.files) {
    const partitionValues = partitionFields.length === 0 ? {} : typed(add.partitionValues ?? {});
    if ((options.partitionFilter && !options.partitionFilter(partitionValues)) || pruner?.prunedByPartition(partitionValues)) {
      filesPrunedByPartition++;
      continue;
    }
    if (pruner?.prunedByStats(add, partitionValues)) {
      filesPrunedByStats++;
      continue;
    }
    files.push({
      add,
      url: resolvePath(snapshot.tableRoot, add.path),
      partitionValues,
      deletionVector: add.deletionVector ?? undefined,
    });
  }
  return {
    snapshot,
    columns,
    files,
    filesTotal: snapshot.files.length,
    filesPrunedByPartition,
    filesPrunedByStats,
    ...(options.filter ? { filter: options.filter } : {}),
  };
}
