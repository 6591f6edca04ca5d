/**
 * CONVERT TO DELTA: a directory of Parquet files (Hive-style `key=value` partition directories
 * included) becomes a Delta table in place: one commit naming every file, with statistics unless
 * asked not to. No data file is rewritten. Hidden entries (names starting with `_` or `.`, such as
 * `_SUCCESS` and `.crc` files) are not data, as in Spark.
 */
import { deltaError, displayTable, keyInTable, type AddFile, type Engine, type StructField } from '@loch/delta';
import { sqlString, withConnection } from '@loch/engine-node';
import { deltaSchemaOf } from '../write/duck-schema.js';
import { minimalProtocol } from '../write/protocol.js';
import { statsColumns } from '../write/stats.js';
import { statsOfFiles } from '../write/file-stats.js';
import { newTableMetadata } from '../write/table-metadata.js';
import { encodeRelativePath } from '../write/staging.js';
import { latestSnapshotOrUndefined } from './write.js';
import { openTransaction, type CommitOptions } from './commit-options.js';

export interface ConvertOptions extends CommitOptions {
  /** The partition columns and their types, in directory order (`PARTITIONED BY (day DATE)`). */
  readonly partitionBy?: readonly StructField[];
  /** NO STATISTICS: skip reading the files for min/max/null counts. */
  readonly noStatistics?: boolean;
}

export interface ConvertResult {
  readonly version: number;
  /** False when the directory already was a Delta table (nothing to do, as in Delta). */
  readonly converted: boolean;
  readonly numFiles: number;
}

const HIVE_NULL = '__HIVE_DEFAULT_PARTITION__';

interface Found {
  /** What DuckDB opens: a local path when storage has one, else the URL. */
  readonly path: string;
  readonly rel: string;
  readonly size: number;
  readonly modificationTime: number;
  readonly partitionValues: Record<string, string | null>;
}

export async function convertToDelta(engine: Engine, url: string, table: string, options: ConvertOptions = {}): Promise<ConvertResult> {
  const existing = await latestSnapshotOrUndefined(engine, url);
  if (existing) return { version: existing.version, converted: false, numFiles: existing.files.length };
  const partitions = options.partitionBy ?? [];
  const files = await dataFiles(engine, url, partitions.map((f) => f.name), table);
  if (files.length === 0) throw deltaError('DELTA_INVALID_ARGUMENT', `CONVERT TO DELTA ${table}: no Parquet files under ${displayTable(url)}`);

  return withConnection(async (c) => {
    const list = `[${files.map((f) => sqlString(f.path)).join(', ')}]`;
    let described;
    try {
      described = await c.run(`SELECT * FROM read_parquet(${list}, union_by_name = true, hive_partitioning = false) LIMIT 0`);
    } catch (e) {
      throw deltaError('DELTA_IO_ERROR', `CONVERT TO DELTA ${table}: cannot read the files as Parquet: ${(e as Error).message.split('\n')[0]}`, e);
    }
    const names = described.columnNames();
    const types = described.columnTypes();
    const clash = partitions.find((p) => names.some((n) => n.toLowerCase() === p.name.toLowerCase()));
    if (clash) throw deltaError('DELTA_INVALID_ARGUMENT', `CONVERT TO DELTA ${table}: partition column '${clash.name}' is also a column of the files`);
    // INT96 is how Spark (and Hive, Impala) wrote timestamps for years: instants, read by DuckDB
    // as local timestamps. Spark takes them for its TIMESTAMP type; so does Delta here.
    const int96 = new Set(
      (await c.runAndReadAll(`SELECT DISTINCT name FROM parquet_schema(${list}) WHERE type = 'INT96'`)).getRows().map((r) => String(r[0]).toLowerCase()),
    );
    const inferred = deltaSchemaOf(names, types);
    const dataSchema = {
      ...inferred,
      fields: inferred.fields.map((f) => (int96.has(f.name.toLowerCase()) && f.type.kind === 'primitive' && f.type.name === 'timestamp_ntz' ? { ...f, type: { kind: 'primitive' as const, name: 'timestamp' as const } } : f)),
    };
    // Spark puts the partition columns after the files' own columns.
    const schema = { kind: 'struct' as const, fields: [...dataSchema.fields, ...partitions.map((f) => ({ ...f, nullable: true }))] };
    const partitionColumns = partitions.map((f) => f.name);
    const metadata = newTableMetadata(table, schema, { partitionColumns, configuration: {} });
    const stats = options.noStatistics ? undefined : await statsOfFiles(c, files.map((f) => f.path), dataSchema, statsColumns(schema, partitionColumns, {}));
    const adds: AddFile[] = files.map((f, i) => ({
      path: encodeRelativePath(f.rel),
      partitionValues: f.partitionValues,
      size: f.size,
      modificationTime: f.modificationTime,
      dataChange: true,
      ...(stats ? { stats: stats[i] } : {}),
    }));
    const tx = openTransaction(engine, url, undefined, options).updateProtocol(minimalProtocol(schema, {})).updateMetadata(metadata).addFiles(adds);
    const result = await tx.commit({
      name: 'CONVERT',
      parameters: { numFiles: files.length, partitionedBy: JSON.stringify(partitionColumns), collectStats: !options.noStatistics },
      isBlindAppend: false,
    });
    if (result.kind !== 'committed') throw deltaError('DELTA_TABLE_ALREADY_EXISTS', `CONVERT TO DELTA ${table}: another writer made it a Delta table first`);
    return { version: result.version, converted: true, numFiles: files.length };
  });
}

/** Every data file under the table root, with the partition values its directories give. */
async function dataFiles(engine: Engine, url: string, partitionColumns: readonly string[], table: string): Promise<Found[]> {
  const listed = await engine.storage.listRecursive(url);
  // A store cannot tell a missing directory from an empty one; neither holds a table.
  if (listed.length === 0) throw deltaError('DELTA_TABLE_NOT_FOUND', `CONVERT TO DELTA ${table}: cannot list ${displayTable(url)}: there are no files there`);
  const out: Found[] = [];
  for (const f of listed) {
    const rel = keyInTable(url, f.path);
    if (rel === undefined || rel.split('/').some((name) => name.startsWith('_') || name.startsWith('.'))) continue;
    const path = engine.storage.localPath?.(f.path) ?? f.path;
    out.push({ path, rel, size: f.size, modificationTime: f.modificationTime, partitionValues: partitionValuesOf(rel, partitionColumns, table) });
  }
  return out;
}

/** `a=1/b=x/part-0.parquet` → { a: '1', b: 'x' }, checked against PARTITIONED BY. */
function partitionValuesOf(rel: string, columns: readonly string[], table: string): Record<string, string | null> {
  const dirs = rel.split('/').slice(0, -1);
  if (dirs.length !== columns.length) {
    const hint = columns.length === 0 ? '; give the partition columns with PARTITIONED BY (name type, ...)' : '';
    throw deltaError('DELTA_INVALID_ARGUMENT', `CONVERT TO DELTA ${table}: ${rel} is ${dirs.length} director${dirs.length === 1 ? 'y' : 'ies'} deep, expected ${columns.length} partition column(s) (${columns.join(', ') || 'none'})${hint}`);
  }
  const values: Record<string, string | null> = {};
  dirs.forEach((d, i) => {
    const at = d.indexOf('=');
    const name = at < 0 ? '' : d.slice(0, at);
    if (name.toLowerCase() !== columns[i].toLowerCase()) {
      throw deltaError('DELTA_INVALID_ARGUMENT', `CONVERT TO DELTA ${table}: directory '${d}' in ${rel} should be ${columns[i]}=<value>`);
    }
    const raw = unescapeHive(d.slice(at + 1));
    values[columns[i]] = raw === HIVE_NULL ? null : raw;
  });
  return values;
}

/** Hive escapes path-unsafe characters in partition values as %XX. */
function unescapeHive(s: string): string {
  return s.replace(/%([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}
