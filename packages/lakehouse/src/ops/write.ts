import type { DuckDBConnection } from '@duckdb/node-api';
import {
  deltaError,
  isDeltaError,
  loadSnapshot,
  planScan,
  schemaToJson,
  Transaction,
  type AddFile,
  type Engine,
  type IsolationLevel,
  type Metadata,
  type RemoveFile,
  type Snapshot,
  type StructType,
} from '@loch/delta';
import { withConnection } from '@loch/engine-node';
import { fileURLToPath } from 'node:url';
import { scanSql } from '../scan/query.js';
import { deltaSchemaOf } from '../write/duck-schema.js';
import { higherProtocol, minimalProtocol } from '../write/protocol.js';
import { newTableMetadata } from '../write/table-metadata.js';
import { reconcileSchema } from '../write/schema-check.js';
import { prepareSource, type WriteData } from '../write/source.js';
import { writeDataFiles, type WriteFilesArgs } from '../write/write-files.js';
import { rowChecks } from '../write/checks.js';
import { afterCommit } from './after-commit.js';

export type WriteMode = 'append' | 'overwrite' | 'errorIfExists' | 'ignore';

export interface WriteOptions {
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
  /** Idempotent write: skipped when the table already has this application version. */
  readonly txn?: { readonly appId: string; readonly version: number };
  readonly isolationLevel?: IsolationLevel;
  readonly targetFileSize?: number;
  readonly userMetadata?: string;
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

export function removeOf(add: AddFile, now: number, dataChange = true): RemoveFile {
  return {
    path: add.path,
    deletionTimestamp: now,
    dataChange,
    extendedFileMetadata: true,
    partitionValues: add.partitionValues,
    size: add.size,
    ...(add.stats ? { stats: add.stats } : {}),
    ...(add.tags ? { tags: add.tags } : {}),
    ...(add.deletionVector ? { deletionVector: add.deletionVector } : {}),
    ...(add.baseRowId != null ? { baseRowId: add.baseRowId } : {}),
    ...(add.defaultRowCommitVersion != null ? { defaultRowCommitVersion: add.defaultRowCommitVersion } : {}),
  };
}

/** Writes data to the Delta table at `url`, creating it when needed, as one commit. */
export async function writeTable(engine: Engine, url: string, table: string, data: WriteData, options: WriteOptions = {}): Promise<WriteResult> {
  const mode = options.mode ?? 'append';
  const snapshot = await latestSnapshotOrUndefined(engine, url);
  if (snapshot && mode === 'errorIfExists') {
    throw deltaError('DELTA_TABLE_ALREADY_EXISTS', `${table} already exists (version ${snapshot.version}); write with mode 'append' or 'overwrite'`);
  }
  if (snapshot && mode === 'ignore') return { kind: 'ignored', reason: 'table-exists', version: snapshot.version };
  if (options.txn && snapshot) {
    const seen = snapshot.txns.get(options.txn.appId);
    if (seen && seen.version >= options.txn.version) {
      return { kind: 'skipped', reason: 'txn-already-committed', appId: options.txn.appId, committedVersion: seen.version };
    }
  }
  if (options.replaceWhere && mode !== 'overwrite') {
    throw deltaError('DELTA_INVALID_ARGUMENT', `${table}: replaceWhere needs mode 'overwrite'`);
  }
  const now = Date.now();
  return withConnection(async (c) => {
    const src = await prepareSource(c, data, mode === 'overwrite' && options.overwriteSchema ? options.schema : (snapshot?.schema ?? options.schema));
    try {
      const dataSchema = deltaSchemaOf(src.names, src.types);
      const plan = planTableChange(snapshot, dataSchema, options, table, mode, src.fromRows);
      const tx = new Transaction(engine, url, snapshot, { txn: options.txn, isolationLevel: options.isolationLevel });
      if (plan.protocol) tx.updateProtocol(plan.protocol);
      if (plan.metadata) tx.updateMetadata(plan.metadata);
      const metadata = plan.metadata ?? snapshot!.metadata;
      // Refused before any data file is written, so that nothing is left behind.
      if (snapshot && mode === 'overwrite' && (metadata.configuration['delta.appendOnly'] === 'true' || snapshot.metadata.configuration['delta.appendOnly'] === 'true')) {
        throw deltaError('DELTA_APPEND_ONLY', `${table} is append-only (delta.appendOnly = true); it cannot be overwritten`);
      }
      const fileArgs: Omit<WriteFilesArgs, 'relation' | 'data'> = {
        tableRoot: url,
        table,
        schema: plan.schema,
        partitionColumns: metadata.partitionColumns,
        configuration: metadata.configuration,
        targetFileSize: options.targetFileSize,
        checks: [
          ...rowChecks(plan.schema, metadata.configuration, table),
          ...(options.replaceWhere
            ? [{ expression: options.replaceWhere, code: 'DELTA_REPLACE_WHERE_MISMATCH' as const, message: `${table}: written data does not match replaceWhere (${options.replaceWhere})` }]
            : []),
        ],
      };
      const written = await writeDataFiles(c, { ...fileArgs, relation: src.relation, data: dataSchema });
      const metrics: Record<string, number> = {
        numFiles: written.adds.length,
        numOutputRows: written.numOutputRows,
        numOutputBytes: written.numOutputBytes,
      };
      const adds = [...written.adds];
      if (snapshot && mode === 'overwrite') {
        const replaced = options.replaceWhere
          ? await replaceRows(c, engine, snapshot, options.replaceWhere, { ...fileArgs, checks: rowChecks(plan.schema, metadata.configuration, table) })
          : { removed: [...snapshot.files], copied: [] as AddFile[], copiedRows: 0, deletedRows: undefined as number | undefined };
        tx.readFiles(snapshot.files, () => true);
        tx.removeFiles(replaced.removed.map((a) => removeOf(a, now)));
        adds.push(...replaced.copied);
        metrics.numRemovedFiles = replaced.removed.length;
        metrics.numRemovedBytes = replaced.removed.reduce((n, f) => n + f.size, 0);
        if (options.replaceWhere) {
          metrics.numCopiedRows = replaced.copiedRows;
          if (replaced.deletedRows !== undefined) metrics.numDeletedRows = replaced.deletedRows;
          metrics.numAddedFiles = adds.length;
          metrics.numAddedBytes = adds.reduce((n, f) => n + f.size, 0);
        }
      }
      tx.addFiles(adds);
      const result = await tx.commit({
        name: options.operation ?? 'WRITE',
        parameters: options.operationParameters ?? {
          mode: MODE_NAMES[mode],
          partitionBy: JSON.stringify(metadata.partitionColumns),
          ...(options.replaceWhere ? { predicate: JSON.stringify([options.replaceWhere]) } : {}),
        },
        metrics,
        userMetadata: options.userMetadata,
      });
      if (result.kind === 'skipped') return result;
      await afterCommit(engine, url, result.version, metadata.configuration);
      return { kind: 'committed', version: result.version, metrics };
    } finally {
      await src.cleanup();
    }
  });
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

/**
 * replaceWhere on existing data: files whose rows all match are removed, files with some matching
 * rows are rewritten without them (copy-on-write), files with none are left alone.
 */
async function replaceRows(
  c: DuckDBConnection,
  engine: Engine,
  snapshot: Snapshot,
  predicate: string,
  fileArgs: Omit<WriteFilesArgs, 'relation' | 'data'>,
): Promise<{ removed: AddFile[]; copied: AddFile[]; copiedRows: number; deletedRows: number }> {
  const plan = planScan(snapshot);
  const inner = await scanSql(c, engine, plan, { withFile: true });
  if (!inner) return { removed: [], copied: [], copiedRows: 0, deletedRows: 0 };
  let counts;
  try {
    counts = (await c.runAndReadAll(`SELECT __loch_file, count(*)::BIGINT, count(*) FILTER (WHERE (${predicate}) IS TRUE)::BIGINT FROM (${inner}) GROUP BY __loch_file`)).getRows();
  } catch (e) {
    throw deltaError('DELTA_INVALID_ARGUMENT', `${snapshot.table}: cannot evaluate replaceWhere "${predicate}": ${(e as Error).message.split('\n')[0]}`, e);
  }
  const byLocal = new Map(plan.files.map((f) => [fileURLToPath(f.url), f.add]));
  const removed: AddFile[] = [];
  const partial: string[] = [];
  let deletedRows = 0;
  for (const [file, total, matching] of counts) {
    const add = byLocal.get(String(file));
    if (!add || Number(matching) === 0) continue;
    deletedRows += Number(matching);
    removed.push(add);
    if (Number(matching) < Number(total)) partial.push(String(file));
  }
  if (partial.length === 0) return { removed, copied: [], copiedRows: 0, deletedRows };
  const list = partial.map((p) => `'${p.replaceAll("'", "''")}'`).join(', ');
  const relation = `(SELECT * EXCLUDE (__loch_file) FROM (${inner}) WHERE __loch_file IN (${list}) AND (${predicate}) IS NOT TRUE)`;
  const copied = await writeDataFiles(c, { ...fileArgs, relation, data: snapshot.schema });
  return { removed, copied: copied.adds, copiedRows: copied.numOutputRows, deletedRows };
}
