import {
  displayTable,
  loadSnapshot,
  snapshotSize,
  tableHistory,
  type Engine,
  type HistoryEntry,
  type Snapshot,
  type SnapshotOptions,
} from '@loch/delta';
import { localUrl, nodeEngine } from '@loch/engine-node';
import { resolve } from 'node:path';
import type { ScanRequest } from './scan/execute.js';
import { TableScan } from './scan/table-scan.js';
import { createTable, type CreateOptions } from './ops/create.js';
import { writeTable, type WriteOptions, type WriteResult } from './ops/write.js';
import type { WriteData } from './write/source.js';
import { MergeBuilder } from './ops/dml/merge/index.js';
import { optimizeTable, type OptimizeOptions, type OptimizeResult } from './ops/maintenance/optimize.js';
import { computeDeltaStatistics, type ComputeStatisticsResult } from './ops/maintenance/compute-stats.js';
import { restoreTable, type RestoreResult } from './ops/maintenance/restore.js';
import { vacuumTable, type VacuumOptions, type VacuumResult } from './ops/maintenance/vacuum.js';
import { deleteRows, truncateTable, updateRows, type DmlOptions, type DmlResult } from './ops/dml/delete-update.js';
import { cloneTable, type CloneOptions, type CloneResult } from './ops/clone.js';
import { alterTable, type AlterChange, type AlterOptions, type AlterResult } from './ops/alter/alter-table.js';
import type { OperationOptions } from './ops/commit-options.js';

export interface TableDetail {
  readonly version: number;
  readonly schema: unknown;
  readonly partitionColumns: readonly string[];
  readonly protocol: {
    readonly minReaderVersion: number;
    readonly minWriterVersion: number;
    readonly readerFeatures?: readonly string[];
    readonly writerFeatures?: readonly string[];
  };
  readonly configuration: Readonly<Record<string, string>>;
  readonly numFiles: number;
  readonly sizeInBytes: number;
}

let sharedEngine: Engine | undefined;

/** The engine tables use when none is given: local storage, DuckDB for Parquet. */
export function defaultEngine(): Engine {
  sharedEngine ??= nodeEngine();
  return sharedEngine;
}

/** Table root URL from a local path or a URL. */
export function tableUrl(location: string): string {
  if (/^[A-Za-z][A-Za-z0-9+.-]+:/.test(location)) return location.endsWith('/') ? location : `${location}/`;
  return localUrl(resolve(location), true);
}

/**
 * A Delta table, addressed by path or URL, or by its name in a lake (`lake.table('events')`).
 * Reads are snapshot-consistent. Nothing is read until a method needs it: a lake table finds
 * where it lives through the lake's storage on first use, and fails there as its name would
 * (LOCH_SCHEMA_NOT_FOUND, DELTA_TABLE_NOT_FOUND).
 */
export class DeltaTable {
  readonly engine: Engine;
  /** What the table was called: its path or URL, or its name in the lake. */
  readonly name: string;
  private readonly find: () => Promise<string>;
  private found: Promise<string> | undefined;

  private constructor(name: string, find: () => Promise<string>, engine: Engine) {
    this.name = name;
    this.find = find;
    this.engine = engine;
  }

  /** A handle on the table at `location`; nothing is read until a method needs it. */
  static forPath(location: string, options: { engine?: Engine } = {}): DeltaTable {
    const url = tableUrl(location);
    const found = Promise.resolve(url);
    return new DeltaTable(displayTable(url), () => found, options.engine ?? defaultEngine());
  }

  /**
   * A handle on a table whose root `find` looks up when first needed (a lake's name lookup).
   * A failed lookup is not kept: the next use asks again (the schema may exist by then).
   */
  static lazy(name: string, find: () => Promise<string>, options: { engine?: Engine } = {}): DeltaTable {
    return new DeltaTable(name, async () => tableUrl(await find()), options.engine ?? defaultEngine());
  }

  /** The URL of the table's root (`file:///data/events/`). */
  location(): Promise<string> {
    this.found ??= this.find().catch((e: unknown) => {
      this.found = undefined;
      throw e;
    });
    return this.found;
  }

  /** Opens the table, failing with DELTA_TABLE_NOT_FOUND when there is no Delta table there. */
  static async open(location: string, options: { engine?: Engine } = {}): Promise<DeltaTable> {
    const t = DeltaTable.forPath(location, options);
    await t.snapshot();
    return t;
  }

  /** Creates an empty table at `location` (version 0). */
  static async create(location: string, options: CreateOptions & { engine?: Engine }): Promise<DeltaTable> {
    const t = DeltaTable.forPath(location, options);
    await createTable(t.engine, await t.location(), t.name, options);
    return t;
  }

  /**
   * Writes data as one commit: append by default, or overwrite (all rows, or those matching
   * `replaceWhere`). Creates the table when it does not exist.
   */
  async write(data: WriteData, options: WriteOptions = {}): Promise<WriteResult> {
    const url = await this.location();
    return writeTable(this.engine, url, displayTable(url), data, options);
  }

  /** DELETE FROM the table [WHERE predicate (SQL)]. */
  async delete(predicate?: string, options: DmlOptions = {}): Promise<DmlResult> {
    return deleteRows(this.engine, await this.location(), predicate, options);
  }

  /** UPDATE the table SET column = SQL expression, ... [WHERE predicate]. */
  async update(set: Readonly<Record<string, string>>, predicate?: string, options: DmlOptions = {}): Promise<DmlResult> {
    return updateRows(this.engine, await this.location(), set, predicate, options);
  }

  /**
   * MERGE INTO this table: `merge(source, condition)` returns an immutable builder; add WHEN
   * clauses and call `execute()`.
   */
  merge(source: WriteData, condition: string, aliases: { target?: string; source?: string } = {}, options: OperationOptions = {}): MergeBuilder {
    const spec = { source, condition, targetAlias: aliases.target, sourceAlias: aliases.source, matched: [], notMatched: [], notMatchedBySource: [] };
    return new MergeBuilder(this.engine, () => this.location(), spec, options);
  }

  /** OPTIMIZE [WHERE partition predicate] [ZORDER BY (...)]: compaction or Z-order clustering. */
  async optimize(options: OptimizeOptions = {}): Promise<OptimizeResult> {
    return optimizeTable(this.engine, await this.location(), options);
  }

  /** ANALYZE TABLE ... COMPUTE DELTA STATISTICS: every file's statistics computed again for the columns the table indexes now. */
  async computeDeltaStatistics(options: OperationOptions = {}): Promise<ComputeStatisticsResult> {
    return computeDeltaStatistics(this.engine, await this.location(), options);
  }

  /** VACUUM [RETAIN n HOURS] [DRY RUN]: deletes files no version within the retention needs. */
  async vacuum(options: VacuumOptions = {}): Promise<VacuumResult> {
    return vacuumTable(this.engine, await this.location(), options);
  }

  /** RESTORE TABLE TO VERSION AS OF n / TIMESTAMP AS OF t, as a new commit. */
  async restore(to: { version?: number; timestamp?: Date | string | number }, options: OperationOptions = {}): Promise<RestoreResult> {
    return restoreTable(this.engine, await this.location(), to, options);
  }

  /**
   * SHALLOW CLONE to `targetPath` (at a version or time when given): a new table naming this
   * table's data files where they are; with `deep: true`, DEEP CLONE, which copies them. The two
   * tables change independently from then on.
   */
  async clone(targetPath: string, options: CloneOptions = {}): Promise<CloneResult & { table: DeltaTable }> {
    const target = DeltaTable.forPath(targetPath, { engine: this.engine });
    const r = await cloneTable(this.engine, await this.location(), await target.location(), target.name, options);
    return { ...r, table: target };
  }

  /** TRUNCATE TABLE: every row deleted in one commit. */
  async truncate(options: DmlOptions = {}): Promise<DmlResult> {
    return truncateTable(this.engine, await this.location(), options);
  }

  /** ALTER TABLE: ADD COLUMNS, SET/UNSET TBLPROPERTIES, ADD/DROP CONSTRAINT, as one metadata-only commit. */
  async alter(change: AlterChange, options: AlterOptions = {}): Promise<AlterResult> {
    return alterTable(this.engine, await this.location(), change, options);
  }

  async snapshot(options: SnapshotOptions = {}): Promise<Snapshot> {
    return loadSnapshot(this.engine, await this.location(), options);
  }

  /**
   * Rows of the table (at a version or time when given): `await table.scan()` gives them all;
   * `table.scan().batches()` reads them as Arrow record batches in flat memory (see TableScan).
   */
  scan(request: ScanRequest & SnapshotOptions = {}): TableScan {
    return new TableScan(this.engine, (options) => this.snapshot(options), request);
  }

  /** Commit history, newest first. */
  async history(limit?: number): Promise<HistoryEntry[]> {
    return tableHistory(this.engine, await this.location(), limit);
  }

  /** What `loch describe` prints. */
  async detail(options: SnapshotOptions = {}): Promise<TableDetail> {
    const s = await this.snapshot(options);
    const { numFiles, sizeInBytes } = snapshotSize(s);
    const p = s.protocol;
    return {
      version: s.version,
      schema: JSON.parse(s.metadata.schemaString),
      partitionColumns: s.partitionColumns,
      protocol: {
        minReaderVersion: p.minReaderVersion,
        minWriterVersion: p.minWriterVersion,
        ...(p.readerFeatures ? { readerFeatures: p.readerFeatures } : {}),
        ...(p.writerFeatures ? { writerFeatures: p.writerFeatures } : {}),
      },
      configuration: s.metadata.configuration,
      numFiles,
      sizeInBytes,
    };
  }
}
