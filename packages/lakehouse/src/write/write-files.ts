import type { DuckDBConnection } from '@duckdb/node-api';
import {
  columnMappingMode,
  deltaError,
  isDeltaError,
  physicalName,
  physicalSchema,
  parseTimestampMicros,
  type AddFile,
  type DataType,
  type DeltaErrorCode,
  type StorageHandler,
  type StructField,
  type StructType,
} from '@loch/delta';
import { sqlIdent, sqlString } from '@loch/engine-node';
import { randomUUID } from 'node:crypto';
import { join, relative } from 'node:path';
import { duckType } from '../values/duck-types.js';
import { formatTimestamp } from '../values/json-values.js';
import { encodeRelativePath, stageDataFiles, type DataFileStage } from './staging.js';
import { deltaStats, statsColumns, type ColumnStats } from './stats.js';
import { fieldIdsOption, physicalPaths, toPhysicalValue } from './column-mapping.js';

export const DEFAULT_TARGET_FILE_SIZE = 128 * 1024 * 1024;

export interface WriteFilesArgs {
  readonly tableRoot: string;
  readonly table: string;
  /** A relation (table, view or subquery) with the data. */
  readonly relation: string;
  /** The data's columns with their Delta types. */
  readonly data: StructType;
  /** The table's schema after this write. */
  readonly schema: StructType;
  readonly partitionColumns: readonly string[];
  readonly configuration: Readonly<Record<string, string>>;
  readonly targetFileSize?: number;
  /** Extra row checks: SQL boolean expressions over the table's columns that must be true. */
  readonly checks?: readonly { readonly expression: string; readonly code: DeltaErrorCode; readonly message: string }[];
  readonly dataChange?: boolean;
  /** How file names start (default `part`; change-data files are `cdc-...`). */
  readonly filePrefix?: string;
  /**
   * Write every row into one partition directory in the order given (OPTIMIZE, ZORDER): files
   * are cut every `rowsPerFile` rows, so each covers a contiguous range of that order. The
   * relation then holds only the rows of that partition.
   */
  readonly layout?: {
    readonly partitionValues: Readonly<Record<string, string | null>>;
    /** A column of the relation to sort by (it is not written). */
    readonly orderBy?: string;
    /**
     * A column of the relation that assigns rows to files: one file per distinct value (it is
     * not written). Without it, files are cut every `rowsPerFile` rows.
     */
    readonly fileGroup?: string;
    readonly rowsPerFile: number;
    readonly tags?: Readonly<Record<string, string>>;
  };
}

export interface WrittenFiles {
  readonly adds: AddFile[];
  readonly numOutputRows: number;
  readonly numOutputBytes: number;
}

/**
 * The value `expr` (of Delta type `from`) as a value of the table's type `to`: structs rebuilt
 * field by field (fields the data lacks are null), everything else cast.
 */
function assign(expr: string, from: DataType, to: DataType): string {
  if (from.kind === 'struct' && to.kind === 'struct') {
    const parts = to.fields.map((f) => {
      const src = from.fields.find((x) => x.name.toLowerCase() === f.name.toLowerCase());
      const value = src ? assign(`(${expr}).${sqlIdent(src.name)}`, src.type, f.type) : `CAST(NULL AS ${duckType(f.type)})`;
      return `${sqlIdent(f.name)} := ${value}`;
    });
    return `CASE WHEN (${expr}) IS NULL THEN NULL ELSE struct_pack(${parts.join(', ')}) END`;
  }
  if (from.kind === 'array' && to.kind === 'array' && from.elementType.kind === 'struct') {
    const x = `__el${Math.random().toString(36).slice(2, 8)}`;
    return `list_transform(${expr}, ${x} -> ${assign(x, from.elementType, to.elementType)})`;
  }
  return `CAST(${expr} AS ${duckType(to)})`;
}

/** Delta's serialized form of a partition value DuckDB reported as text. */
function partitionString(raw: string | null, t: DataType, column: string): string | null {
  if (raw === null || raw === '') return null;
  if (t.kind === 'primitive' && (t.name === 'timestamp' || t.name === 'timestamp_ntz')) {
    const micros = parseTimestampMicros(raw, true);
    if (micros === undefined) throw deltaError('DELTA_INVALID_PARTITION_VALUE', `partition column '${column}': cannot serialize '${raw}'`);
    return formatTimestamp(micros).replace('T', ' ');
  }
  return raw;
}

const mapOf = (v: unknown): Map<string, unknown> => {
  const m = new Map<string, unknown>();
  if (v && typeof v === 'object' && 'entries' in (v as object)) {
    for (const e of (v as { entries: { key: unknown; value: unknown }[] }).entries) m.set(String(e.key), e.value);
  }
  return m;
};

/**
 * Writes the data as Parquet files under the table root through DuckDB's COPY, one directory per
 * partition, and returns their add actions with statistics. Rows that break a NOT NULL column,
 * an invariant or a CHECK constraint abort the write; the files it had started are deleted.
 * DuckDB writes into the table's local directory, or into a staging directory whose files are
 * then uploaded through `storage` (see staging.ts).
 */
export async function writeDataFiles(c: DuckDBConnection, storage: StorageHandler, args: WriteFilesArgs): Promise<WrittenFiles> {
  const stage = await stageDataFiles(storage, args.tableRoot);
  try {
    return await writeStaged(c, stage, args);
  } finally {
    await stage.close();
  }
}

async function writeStaged(c: DuckDBConnection, stage: DataFileStage, args: WriteFilesArgs): Promise<WrittenFiles> {
  const root = stage.root;
  const writeId = randomUUID();
  const partitionSet = new Set(args.partitionColumns.map((p) => p.toLowerCase()));
  const select = args.schema.fields.map((f) => {
    const src = args.data.fields.find((x) => x.name.toLowerCase() === f.name.toLowerCase());
    const value = src ? assign(`src.${sqlIdent(src.name)}`, src.type, f.type) : `CAST(NULL AS ${duckType(f.type)})`;
    return `${value} AS ${sqlIdent(f.name)}`;
  });
  const checks = [
    ...args.schema.fields
      .filter((f) => !f.nullable)
      .map((f) => ({
        expression: `${sqlIdent(f.name)} IS NOT NULL`,
        code: 'DELTA_NOT_NULL_VIOLATION' as const,
        message: `${args.table}: column '${f.name}' is NOT NULL but the data has a null in it`,
      })),
    ...(args.checks ?? []),
  ];
  const where = checks.length
    ? `WHERE ${checks.map((k) => `(CASE WHEN (${k.expression}) IS NOT TRUE THEN error(${sqlString(`${k.code}: ${k.message}`)}) ELSE TRUE END)`).join(' AND ')}`
    : '';
  const layout = args.layout;
  const prefix = args.filePrefix ?? 'part';
  // Under column mapping, files, partition directories, values and statistics use physical names.
  const mode = columnMappingMode(args.configuration);
  const stored = (f: StructField) => physicalName(f, mode);
  const partitionFields = args.partitionColumns.map((p) => args.schema.fields.find((f) => f.name.toLowerCase() === p.toLowerCase()) as StructField);
  const partitionBy = partitionFields.length ? `PARTITION_BY (${partitionFields.map((f) => sqlIdent(stored(f))).join(', ')}), ` : '';
  const fieldIds = mode === 'none' ? '' : `${fieldIdsOption(args.schema.fields.filter((f) => !partitionSet.has(f.name.toLowerCase())), mode)}, `;
  // An empty string partition value is a null partition (as Spark writes it): the same
  // __HIVE_DEFAULT_PARTITION__ directory, not a directory of its own. After the checks, which see
  // the value as written.
  const emptyToNull = (f: StructField) => partitionSet.has(f.name.toLowerCase()) && f.type.kind === 'primitive' && f.type.name === 'string';
  const outerOf = (f: StructField) => {
    const value = emptyToNull(f) ? `NULLIF(${sqlIdent(f.name)}, '')` : mode === 'none' ? sqlIdent(f.name) : toPhysicalValue(sqlIdent(f.name), f.type, mode);
    return `${value} AS ${sqlIdent(stored(f))}`;
  };
  const outer = mode === 'none' && !args.schema.fields.some(emptyToNull) ? '*' : args.schema.fields.map(outerOf).join(', ');
  // DuckDB cannot split partitioned output by size; partitions are written one file per thread.
  const targetSize = args.targetFileSize ?? DEFAULT_TARGET_FILE_SIZE;
  let sql: string;
  // Where COPY writes: the table root, a partition directory, or a group directory within one.
  let target = root;
  let groupDir: string | undefined;
  if (layout) {
    // DuckDB cannot rotate files inside PARTITION_BY, so a partition is written to its own
    // directory with the partition columns left out, as Delta stores them.
    const dataCols = args.schema.fields.filter((f) => !partitionSet.has(f.name.toLowerCase())).map(outerOf);
    const dir = join(root, partitionDirectory(partitionFields.map(stored), layout.partitionValues));
    const order = layout.orderBy ? `, src.${sqlIdent(layout.orderBy)} AS __loch_order` : '';
    if (layout.fileGroup) {
      // One file per group: DuckDB writes a directory per group value, whose files are then moved
      // up into the partition directory (see below).
      const group = `, src.${sqlIdent(layout.fileGroup)} AS __loch_group`;
      groupDir = join(dir, `.loch-${writeId}`);
      target = groupDir;
      sql = `COPY (SELECT ${dataCols.join(', ')}, __loch_group FROM (SELECT ${select.join(', ')}${order}${group} FROM ${args.relation} AS src) ${where}${order ? ' ORDER BY __loch_order' : ''})
        TO ${sqlString(groupDir)} (FORMAT parquet, COMPRESSION snappy, ${fieldIds}PARTITION_BY (__loch_group), FILENAME_PATTERN ${sqlString(`${prefix}-00000-${writeId}-{uuid}`)}, RETURN_STATS)`;
    } else {
      const rowGroup = Math.max(2048, Math.min(122_880, layout.rowsPerFile));
      const perFile = Math.max(1, Math.round(layout.rowsPerFile / rowGroup));
      target = dir;
      sql = `COPY (SELECT ${dataCols.join(', ')} FROM (SELECT ${select.join(', ')}${order} FROM ${args.relation} AS src) ${where}${order ? ' ORDER BY __loch_order' : ''})
        TO ${sqlString(dir)} (FORMAT parquet, COMPRESSION snappy, ${fieldIds}APPEND, FILENAME_PATTERN ${sqlString(`${prefix}-00000-${writeId}-{uuid}`)},
          ROW_GROUP_SIZE ${rowGroup}, ROW_GROUPS_PER_FILE ${perFile}, RETURN_STATS)`;
    }
  } else {
    sql = `COPY (SELECT ${outer} FROM (SELECT ${select.join(', ')} FROM ${args.relation} AS src) ${where})
    TO ${sqlString(root)} (FORMAT parquet, COMPRESSION snappy, ${fieldIds}${partitionBy}APPEND, FILENAME_PATTERN ${sqlString(`${prefix}-00000-${writeId}-{uuid}`)},
      ${args.partitionColumns.length ? '' : `FILE_SIZE_BYTES ${targetSize}, `}RETURN_STATS)`;
  }

  let rows;
  try {
    await stage.prepare(target);
    rows = (await c.runAndReadAll(sql)).getRows();
    if (groupDir) {
      const moved = await stage.flatten(rows.map((r) => String(r[0])), groupDir);
      rows = rows.map((r, i) => [moved[i], ...r.slice(1)]);
    }
    await stage.publish(rows.map((r) => String(r[0])));
  } catch (e) {
    await stage.discard(writeId, groupDir);
    if (isDeltaError(e)) throw e;
    const msg = (e as Error).message;
    const coded = /(DELTA_[A-Z_]+): (.*)$/m.exec(msg);
    if (coded) throw deltaError(coded[1] as DeltaErrorCode, coded[2], e);
    if (/Conversion Error|Could not convert|out of range/i.test(msg)) {
      throw deltaError('DELTA_SCHEMA_MISMATCH', `${args.table}: a value does not fit its column: ${msg.split('\n')[0]}`, e);
    }
    throw deltaError('DELTA_IO_ERROR', `${args.table}: writing data files failed: ${msg.split('\n')[0]}`, e);
  }

  const logicalData: StructType = { kind: 'struct', fields: args.schema.fields.filter((f) => !partitionSet.has(f.name.toLowerCase())) };
  const dataSchema = physicalSchema(logicalData, mode);
  const indexed = physicalPaths(logicalData, dataSchema, statsColumns(args.schema, args.partitionColumns, args.configuration));
  const now = Date.now();
  const adds: AddFile[] = [];
  let numOutputRows = 0;
  let numOutputBytes = 0;
  for (const [filename, count, size, , columnStatistics, partitionKeys] of rows) {
    const n = Number(count);
    if (n === 0) continue;
    const stats = new Map<string, ColumnStats>();
    for (const [k, v] of mapOf(columnStatistics)) stats.set(k, mapOf(v) as ColumnStats);
    const keys = mapOf(partitionKeys);
    const partitionValues: Record<string, string | null> = {};
    for (const f of partitionFields) {
      const key = stored(f);
      partitionValues[key] = layout ? (layout.partitionValues[key] ?? null) : partitionString((keys.get(key) as string | null) ?? null, f.type, f.name);
    }
    adds.push({
      path: encodeRelativePath(relative(root, String(filename))),
      partitionValues,
      size: Number(size),
      modificationTime: now,
      dataChange: args.dataChange ?? true,
      stats: deltaStats(n, stats, dataSchema, indexed),
      ...(layout?.tags ? { tags: layout.tags } : {}),
    });
    numOutputRows += n;
    numOutputBytes += Number(size);
  }
  return { adds, numOutputRows, numOutputBytes };
}

/** Characters Spark escapes in partition directory names (as %XX). */
const ESCAPED = /[\u0000-\u001f"#%'*/:=?\\\u007f{}[\]^]/g;

/** The Hive-style directory of a partition: `a=1/b=x%2Fy`, nulls as __HIVE_DEFAULT_PARTITION__. */
export function partitionDirectory(columns: readonly string[], values: Readonly<Record<string, string | null>>): string {
  const esc = (s: string) => s.replace(ESCAPED, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
  return columns.map((c) => `${esc(c)}=${values[c] == null ? '__HIVE_DEFAULT_PARTITION__' : esc(values[c]!)}`).join('/');
}
