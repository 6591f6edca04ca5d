/**
 * Spark's descriptions of a Delta table: DESCRIBE [TABLE] [EXTENDED], SHOW TBLPROPERTIES,
 * SHOW COLUMNS, SHOW PARTITIONS and SHOW CREATE TABLE, with Spark's column names and type names.
 */
import { deltaError, typeName, type DataType, type PrimitiveTypeName, type Snapshot, type StructField } from '@loch/delta';
import { sqlString } from '@loch/engine-node';
import type { Row } from '../../scan/execute.js';
import type { SessionContext } from './context.js';
import type { Listing } from './run-describe.js';
import type { SqlColumn } from './result.js';
import type { TableName } from '../parse/statements.js';

const p = (name: PrimitiveTypeName): DataType => ({ kind: 'primitive', name });
const col = (name: string, deltaType: DataType = p('string')): SqlColumn => ({ name, deltaType });

const SPARK_NAMES: Partial<Record<PrimitiveTypeName, string>> = { long: 'bigint', integer: 'int', short: 'smallint', byte: 'tinyint' };

/** A type as Spark prints it (`bigint`, `decimal(10,2)`, `array<int>`, `struct<a:int,b:string>`). */
export function sparkTypeName(t: DataType): string {
  return typeName(t, (name) => SPARK_NAMES[name] ?? name);
}

const comment = (f: StructField): string | null => (typeof f.metadata.comment === 'string' ? f.metadata.comment : null);

async function snapshotOf(ctx: SessionContext, table: TableName) {
  const target = await ctx.views.target(table);
  return { target, snapshot: await target.table.snapshot() };
}

/** DESCRIBE [TABLE] [EXTENDED] t: col_name, data_type, comment; then partitioning, then (EXTENDED) the table. */
export async function describeTable(ctx: SessionContext, table: TableName, extended: boolean): Promise<Listing> {
  const { target, snapshot: s } = await snapshotOf(ctx, table);
  const row = (col_name: string, data_type: string, c: string | null): Row => ({ col_name, data_type, comment: c });
  const rows = s.schema.fields.map((f) => row(f.name, sparkTypeName(f.type), comment(f)));
  if (s.partitionColumns.length > 0) {
    rows.push(row('', '', ''), row('# Partition Information', '', ''), row('# col_name', 'data_type', 'comment'));
    for (const name of s.partitionColumns) {
      const f = s.schema.fields.find((x) => x.name === name)!;
      rows.push(row(f.name, sparkTypeName(f.type), comment(f)));
    }
  }
  if (extended) {
    const external = table.kind === 'path' || (await ctx.names.isExternal(table));
    const lakeName = table.kind === 'name' ? ctx.names.resolve(table) : undefined;
    rows.push(
      row('', '', ''),
      row('# Detailed Table Information', '', ''),
      ...(lakeName
        ? [row('Catalog', ctx.names.catalog, ''), row('Database', lakeName.schema, ''), row('Table', lakeName.name, '')]
        : [row('Name', `delta.\`${target.location}\``, '')]),
      row('Type', external ? 'EXTERNAL' : 'MANAGED', ''),
      row('Location', target.location, ''),
      row('Provider', 'delta', ''),
      row('Version', String(s.version), ''),
      ...(await statisticsRow(ctx, table, s)),
      ...(s.metadata.description ? [row('Comment', s.metadata.description, '')] : []),
      row('Table Properties', `[${Object.entries(tableProperties(s)).map(([k, v]) => `${k}=${v}`).join(',')}]`, ''),
    );
  }
  return { columns: [col('col_name'), col('data_type'), col('comment')], rows };
}

/** Spark's `Statistics` line (`1234 bytes, 10 rows`), when ANALYZE TABLE computed them. */
async function statisticsRow(ctx: SessionContext, table: TableName, s: Snapshot): Promise<Row[]> {
  const stats = table.kind === 'name' ? await ctx.names.lake.statistics(ctx.names.resolve(table), s.metadata.id) : undefined;
  if (!stats) return [];
  return [{ col_name: 'Statistics', data_type: `${stats.sizeInBytes} bytes${stats.numRows !== undefined ? `, ${stats.numRows} rows` : ''}`, comment: '' }];
}

/**
 * DESCRIBE [EXTENDED] t column: Spark's info_name / info_value rows; EXTENDED adds the column's
 * statistics from ANALYZE TABLE ... COMPUTE STATISTICS FOR COLUMNS (NULL where there are none).
 */
export async function describeColumn(ctx: SessionContext, table: TableName, column: readonly string[], extended: boolean): Promise<Listing> {
  const { target, snapshot: s } = await snapshotOf(ctx, table);
  let fields = s.schema.fields;
  let f: StructField | undefined;
  for (const [i, part] of column.entries()) {
    f = fields.find((x) => x.name === part) ?? fields.find((x) => x.name.toLowerCase() === part.toLowerCase());
    if (!f) throw deltaError('DELTA_COLUMN_NOT_FOUND', `${target.display} has no column '${column.slice(0, i + 1).join('.')}'`);
    fields = f.type.kind === 'struct' ? f.type.fields : [];
  }
  const item = (info_name: string, info_value: string | null) => ({ info_name, info_value });
  const rows = [item('col_name', f!.name), item('data_type', sparkTypeName(f!.type)), item('comment', comment(f!) ?? 'NULL')];
  if (extended) {
    const stats = table.kind === 'name' && column.length === 1 ? (await ctx.names.lake.statistics(ctx.names.resolve(table), s.metadata.id))?.columns?.[f!.name] : undefined;
    const text = (v: number | string | undefined) => (v === undefined ? 'NULL' : String(v));
    rows.push(
      item('min', text(stats?.min)),
      item('max', text(stats?.max)),
      item('num_nulls', text(stats?.nullCount)),
      item('distinct_count', text(stats?.distinctCount)),
      item('avg_col_len', text(stats?.avgLen)),
      item('max_col_len', text(stats?.maxLen)),
      item('histogram', 'NULL'),
    );
  }
  return { columns: [col('info_name'), col('info_value')], rows };
}

/** The table's properties as Databricks shows them: its configuration, protocol versions and features. */
function tableProperties(s: Snapshot): Record<string, string> {
  const out: Record<string, string> = { ...s.metadata.configuration };
  out['delta.minReaderVersion'] = String(s.protocol.minReaderVersion);
  out['delta.minWriterVersion'] = String(s.protocol.minWriterVersion);
  for (const f of new Set([...(s.protocol.readerFeatures ?? []), ...(s.protocol.writerFeatures ?? [])])) out[`delta.feature.${f}`] = 'supported';
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** SHOW TBLPROPERTIES t [(key)]: key, value rows (a key the table lacks says so, as Spark does). */
export async function showTblProperties(ctx: SessionContext, table: TableName, key?: string): Promise<Listing> {
  const { target, snapshot } = await snapshotOf(ctx, table);
  const props = tableProperties(snapshot);
  const columns = [col('key'), col('value')];
  if (key !== undefined) return { columns, rows: [{ key, value: props[key] ?? `Table ${target.display} does not have property: ${key}` }] };
  return { columns, rows: Object.entries(props).map(([k, value]) => ({ key: k, value })) };
}

export async function showColumns(ctx: SessionContext, table: TableName): Promise<Listing> {
  const { snapshot } = await snapshotOf(ctx, table);
  return { columns: [col('col_name')], rows: snapshot.schema.fields.map((f) => ({ col_name: f.name })) };
}

/** SHOW PARTITIONS t: the distinct partition values of the live files, one column per partition column. */
export async function showPartitions(ctx: SessionContext, table: TableName): Promise<Listing> {
  const { target, snapshot: s } = await snapshotOf(ctx, table);
  if (s.partitionColumns.length === 0) throw deltaError('DELTA_INVALID_ARGUMENT', `SHOW PARTITIONS: ${target.display} is not partitioned`);
  const fields = s.partitionColumns.map((name) => s.schema.fields.find((f) => f.name === name)!);
  const seen = new Map<string, Row>();
  for (const f of s.files) {
    const values = fields.map((field) => partitionValue(f.partitionValues?.[field.name] ?? null, field.type));
    const key = JSON.stringify(values);
    if (!seen.has(key)) seen.set(key, Object.fromEntries(fields.map((field, i) => [field.name, values[i]])));
  }
  // In value order per column (numbers as numbers), NULLs first as Spark sorts them.
  const compare = (x: unknown, y: unknown): number => {
    if (x === y) return 0;
    if (x === null) return -1;
    if (y === null) return 1;
    return typeof x === 'number' && typeof y === 'number' ? x - y : String(x) < String(y) ? -1 : 1;
  };
  const rows = [...seen.values()].sort((a, b) => {
    for (const f of fields) {
      const c = compare(a[f.name], b[f.name]);
      if (c !== 0) return c;
    }
    return 0;
  });
  return { columns: fields.map((f) => col(f.name, f.type)), rows };
}

/** A partition value (Delta's string form) in the JSON encoding of its type. */
function partitionValue(v: string | null, t: DataType): string | number | boolean | null {
  if (v === null) return null;
  if (t.kind !== 'primitive') return v;
  switch (t.name) {
    case 'byte':
    case 'short':
    case 'integer':
    case 'double':
    case 'float':
      return Number(v);
    case 'long':
      return Number.isSafeInteger(Number(v)) ? Number(v) : v;
    case 'boolean':
      return v === 'true';
    default:
      return v;
  }
}

/** SHOW CREATE TABLE t: the DDL that makes this table again (columns, partitioning, comment, properties). */
export async function showCreateTable(ctx: SessionContext, table: TableName): Promise<Listing> {
  const { target, snapshot: s } = await snapshotOf(ctx, table);
  const ident = (name: string) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? name : `\`${name.replaceAll('`', '``')}\``);
  const columns = s.schema.fields.map(
    (f) => `  ${ident(f.name)} ${sparkTypeName(f.type).toUpperCase()}${f.nullable ? '' : ' NOT NULL'}${comment(f) !== null ? ` COMMENT ${sqlString(comment(f)!)}` : ''}`,
  );
  const name = table.kind === 'name' ? ctx.names.qualifiedText(table) : `delta.\`${target.location}\``;
  const external = table.kind === 'path' || (await ctx.names.isExternal(table));
  const lines = [
    `CREATE TABLE ${name} (`,
    columns.join(',\n'),
    ')',
    'USING delta',
    ...(s.partitionColumns.length > 0 ? [`PARTITIONED BY (${s.partitionColumns.map(ident).join(', ')})`] : []),
    ...(s.metadata.description ? [`COMMENT ${sqlString(s.metadata.description)}`] : []),
    ...(external ? [`LOCATION ${sqlString(target.location)}`] : []),
    `TBLPROPERTIES (\n${Object.entries(tableProperties(s)).map(([k, v]) => `  ${sqlString(k)} = ${sqlString(v)}`).join(',\n')})`,
  ];
  return { columns: [col('createtab_stmt')], rows: [{ createtab_stmt: `${lines.join('\n')}\n` }] };
}
