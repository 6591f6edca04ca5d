import {
  deltaError,
  isDeltaError,
  loadSnapshot,
  schemaToJson,
  type AddFile,
  type Engine,
  type Metadata,
  type Snapshot,
  type StructType,
  type Transaction,
} from '@loch/delta';
import type { DuckDBConnection } from '@duckdb/node-api';
import { withConnection } from '@loch/engine-node';
import { deltaSchemaOf } from '../write/duck-schema.js';
import { higherProtocol, minimalProtocol } from '../write/protocol.js';
import { newTableMetadata } from '../write/table-metadata.js';
import { reconcileSchema } from '../write/schema-check.js';
import { prepareSource, type WriteData } from '../write/source.js';
import { writeDataFiles, type WriteFilesArgs } from '../write/write-files.js';
import { rowChecks } from '../write/checks.js';
import { afterCommit } from './after-commit.js';
import { openTransaction, operationSnapshot, txnAlreadyCommitted, type OperationOptions } from './commit-options.js';
import { rewriteRows } from './dml/rewrite.js';
import { removeOf } from './remove-of.js';
import { mayHoldMatches } from '../planner/index.js';
import { targetFileSizeOf } from '../write/file-size.js';

export type WriteMode = 'append' | 'overwrite' | 'errorIfExists' | 'ignore';

export interface WriteOptions extends OperationOptions {
  /** What to do when the table exists (default 'append'; it is created when it does not). */
  readonly mode?: WriteMode;
  /** Partition columns when the write creates the table. */
  readonly partitionBy?: readonly string[];
  /** The table's schema when the write creates it (default: the data's). */
  readonly schema?: StructType;
  /** Table properties when the write creates the table. */
  readonly configuration?: Readonly<Record<string, string>>;
  readonly name?: string;
  readonly description?: string;
  /** Add columns the data has and the table lacks (nested ones too). */
  readonly mergeSchema?: boolean;
  /** With mode 'overwrite': replace the schema (and partitioning) with the data's. */
  readonly overwriteSchema?: boolean;
  /** With mode 'overwrite': replace only the rows matching this SQL predicate. */
  readonly replaceWhere?: string;
  readonly targetFileSize?: number;
  /** Operation name for commitInfo (default WRITE; SQL statements pass their own). */
  readonly operation?: string;
  readonly operationParameters?: Readonly<Record<string, unknown>>;
}

export type WriteResult =
  | { readonly kind: 'committed'; readonly version: number; readonly metrics: Readonly<Record<string, number>> }
  | { readonly kind: 'skipped'; readonly reason: 'txn-already-committed'; readonly appId: string; readonly committedVersion: number }
  | { readonly kind: 'ignored'; readonly reason: 'table-exists'; readonly version: number };

const MODE_NAMES: Record<WriteMode, string> = { append: 'Append', overwrite: 'Overwrite', errorIfExists: 'ErrorIfExists', ignore: 'Ignore' };

export async function latestSnapshotOrUndefined(engine: Engine, url: string): Promise<Snapshot | undefined> {
  try {
    return await loadSnapshot(engine, url);
  } catch (e) {
    if (isDeltaError(e, 'DELTA_TABLE_NOT_FOUND')) return undefined;
    throw e;
  }
}


/** Writes data to the Delta table at `url`, creating it when needed, as one commit. */
export async function writeTable(engine: Engine, url: string, table: string, data: WriteData, options: WriteOptions = {}): Promise<WriteResult> {
  const mode = options.mode ?? 'append';
  const snapshot = options.snapshot ? await operationSnapshot(engine, url, options) : await latestSnapshotOrUndefined(engine, url);
  const early = settledBeforeWriting(snapshot, options, table, mode);
  if (early) return early;
  const now = Date.now();
  return withConnection(async (c) => {
    const src = await prepareSource(c, data, mode === 'overwrite' && options.overwriteSchema ? options.schema : (snapshot?.schema ?? options.schema));
    try {
      const dataSchema = deltaSchemaOf(src.names, src.types);
      const plan = planTableChange(snapshot, dataSchema, options, table, mode, src.fromRows);
      const tx = openTransaction(engine, url, snapshot, options);
      if (plan.protocol) tx.updateProtocol(plan.protocol);
      if (plan.metadata) tx.updateMetadata(plan.metadata);
      const metadata = plan.metadata ?? snapshot!.metadata;
      // Refused before any data file is written, so that nothing is left behind. As in Delta, it
      // is the table being written that must allow removes: a replace may make it append-only.
      if (snapshot && mode === 'overwrite' && snapshot.metadata.configuration['delta.appendOnly'] === 'true') {
        throw deltaError('DELTA_APPEND_ONLY', `${table} is append-only (delta.appendOnly = true); it cannot be overwritten`);
      }
      const written = await writeDataFiles(c, engine.storage, { ...fileArgsOf(url, table, plan.schema, metadata, options), relation: src.relation, data: dataSchema });
      const metrics: Record<string, number> = {
        numFiles: written.adds.length,
        numOutputRows: written.numOutputRows,
        numOutputBytes: written.numOutputBytes,
      };
      const adds = [...written.adds];
      if (snapshot && mode === 'overwrite') await removeOverwritten(c, engine, snapshot, tx, options, now, adds, metrics);
      tx.addFiles(adds);
      const result = await tx.commit({
        name: options.operation ?? 'WRITE',
        parameters: options.operationParameters ?? {
          mode: MODE_NAMES[mode],
          partitionBy: JSON.stringify(metadata.partitionColumns),
          ...(options.replaceWhere ? { predicate: JSON.stringify([options.replaceWhere]) } : {}),
        },
        metrics,
      });
      if (result.kind === 'skipped') return result;
      await afterCommit(engine, url, result.version, metadata.configuration);
      return { kind: 'committed', version: result.version, metrics };
    } finally {
      await src.cleanup();
    }
  });
}

/**
 * What a write comes to before any data is read: a table that exists refused (errorIfExists) or
 * left alone (ignore), a transaction already committed skipped, replaceWhere without overwrite
 * refused; undefined when the write goes ahead.
 */
function settledBeforeWriting(snapshot: Snapshot | undefined, options: WriteOptions, table: string, mode: WriteMode): WriteResult | undefined {
  if (snapshot && mode === 'errorIfExists') {
    throw deltaError('DELTA_TABLE_ALREADY_EXISTS', `${table} already exists (version ${snapshot.version}); write with mode 'append' or 'overwrite'`);
  }
  if (snapshot && mode === 'ignore') return { kind: 'ignored', reason: 'table-exists', version: snapshot.version };
  const done = txnAlreadyCommitted(snapshot, options);
  if (done) return { kind: 'skipped', reason: 'txn-already-committed', ...done };
  if (options.replaceWhere && mode !== 'overwrite') {
    throw deltaError('DELTA_INVALID_ARGUMENT', `${table}: replaceWhere needs mode 'overwrite'`);
  }
  return undefined;
}

/** How the data files are written: the table's layout and target size, and the rows' checks (replaceWhere's too). */
function fileArgsOf(url: string, table: string, schema: StructType, metadata: Metadata, options: WriteOptions): Omit<WriteFilesArgs, 'relation' | 'data'> {
  return {
    tableRoot: url,
    table,
    schema,
    partitionColumns: metadata.partitionColumns,
    configuration: metadata.configuration,
    // Writes aim at the table's delta.targetFileSize too, as Databricks' optimized writes do.
    targetFileSize: options.targetFileSize ?? targetFileSizeOf(metadata.configuration, table),
    checks: [
      ...rowChecks(schema, metadata.configuration, table),
      ...(options.replaceWhere
        ? [{ expression: options.replaceWhere, code: 'DELTA_REPLACE_WHERE_MISMATCH' as const, message: `${table}: written data does not match replaceWhere (${options.replaceWhere})` }]
        : []),
    ],
  };
}

/**
 * An overwrite's removes, read files and metrics, into `tx`, `adds` and `metrics`: replaceWhere
 * removes the rows it matches the way DELETE does (dropping whole files, rewriting or marking
 * partial ones); a plain overwrite removes every file.
 */
async function removeOverwritten(
  c: DuckDBConnection,
  engine: Engine,
  snapshot: Snapshot,
  tx: Transaction,
  options: WriteOptions,
  now: number,
  adds: AddFile[],
  metrics: Record<string, number>,
): Promise<void> {
  const replaced = options.replaceWhere ? await rewriteRows(c, engine, snapshot, { predicate: options.replaceWhere }, now) : undefined;
  const removes = replaced ? replaced.removes : snapshot.files.map((a) => removeOf(a, now));
  if (replaced) tx.readFiles(replaced.touched, mayHoldMatches(snapshot, replaced.predicate));
  else tx.readFiles(snapshot.files, () => true);
  tx.removeFiles(removes);
  adds.push(...(replaced?.adds ?? []));
  metrics.numRemovedFiles = removes.length;
  metrics.numRemovedBytes = removes.reduce((n, r) => n + (r.size ?? 0), 0);
  if (replaced) {
    metrics.numCopiedRows = replaced.copiedRows;
    metrics.numDeletedRows = replaced.matchedRows;
    metrics.numAddedFiles = adds.length;
    metrics.numAddedBytes = adds.reduce((n, f) => n + f.size, 0);
  }
}

interface TableChange {
  readonly schema: StructType;
  readonly metadata?: Metadata;
  readonly protocol?: ReturnType<typeof minimalProtocol>;
}

function planTableChange(snapshot: Snapshot | undefined, data: StructType, options: WriteOptions, table: string, mode: WriteMode, fromRows: boolean): TableChange {
  if (!snapshot || (mode === 'overwrite' && options.overwriteSchema)) {
    const schema = options.schema ? reconcileSchema(options.schema, data, false, table, fromRows).schema : data;
    const partitionColumns = [...(options.partitionBy ?? (snapshot && !options.overwriteSchema ? snapshot.partitionColumns : []))];
    const configuration = { ...(snapshot && !options.configuration ? snapshot.metadata.configuration : {}), ...(options.configuration ?? {}) };
    const metadata = newTableMetadata(table, schema, {
      partitionColumns,
      configuration,
      name: options.name,
      description: options.description,
      id: snapshot?.metadata.id,
      createdTime: snapshot?.metadata.createdTime,
    });
    const wanted = minimalProtocol(schema, configuration);
    const protocol = snapshot ? higherProtocol(snapshot.protocol, wanted) : wanted;
    return { schema, metadata, protocol };
  }
  if (options.partitionBy && JSON.stringify(options.partitionBy) !== JSON.stringify(snapshot.partitionColumns)) {
    throw deltaError(
      'DELTA_SCHEMA_MISMATCH',
      `${table} is partitioned by [${snapshot.partitionColumns.join(', ')}], not [${options.partitionBy.join(', ')}]; overwrite with overwriteSchema to change it`,
    );
  }
  const { schema, changed } = reconcileSchema(snapshot.schema, data, options.mergeSchema ?? false, table, fromRows);
  if (!changed) return { schema };
  const metadata: Metadata = { ...snapshot.metadata, schemaString: schemaToJson(schema) };
  const wanted = minimalProtocol(schema, snapshot.metadata.configuration);
  const protocol = higherProtocol(snapshot.protocol, wanted);
  return { schema, metadata, protocol: protocol === snapshot.protocol ? undefined : protocol };
}
