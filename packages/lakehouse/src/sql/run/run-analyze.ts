/**
 * ANALYZE TABLE: COMPUTE DELTA STATISTICS recomputes the per-file statistics in the Delta log
 * (ops/maintenance/compute-stats.ts); COMPUTE STATISTICS computes Spark's catalog statistics
 * (size and row count; with FOR COLUMNS, per column distinct count, min, max, null count and
 * lengths), kept in the lake's catalog for DESCRIBE to show, as Spark keeps them in its metastore.
 */
import { deltaError, snapshotSize, type DataType, type Snapshot } from '@loch/delta';
import { computeDeltaStatistics } from '../../ops/maintenance/compute-stats.js';
import type { SessionContext } from './context.js';
import { sqlError, unsupported } from '../errors.js';
import type { AnalyzeStatement } from '../parse/statements-analyze.js';
import { tableText, type TableName } from '../parse/parse-common.js';
import type { ColumnStatistics, LakeName, TableStatistics } from './lake-catalog.js';
import { sparkTypeName } from './run-show.js';

type Of<K extends AnalyzeStatement['kind']> = Extract<AnalyzeStatement, { kind: K }>;

export async function runAnalyze(ctx: SessionContext, st: Of<'analyze'>): Promise<{ summary: string; version?: number }> {
  const target = await ctx.views.target(st.table);
  if (st.what === 'delta') {
    const r = await computeDeltaStatistics(target.table.engine, target.url);
    const files = `${r.numFiles} file${r.numFiles === 1 ? '' : 's'}`;
    return { summary: `ANALYZE TABLE ${target.display} COMPUTE DELTA STATISTICS: ${files}${r.version !== undefined ? ` (version ${r.version})` : ''}`, ...(r.version !== undefined ? { version: r.version } : {}) };
  }
  const name = await lakeTable(ctx, st.table);
  const stats = await tableStatistics(ctx, name, st.table, st.noscan, st.columns);
  return { summary: `ANALYZE TABLE ${ctx.names.catalog}.${name.schema}.${name.name} COMPUTE STATISTICS: ${describeStats(stats)}` };
}

/** ANALYZE TABLES [IN s] COMPUTE STATISTICS [NOSCAN]: each table of the schema, as ANALYZE TABLE does it. */
export async function runAnalyzeTables(ctx: SessionContext, st: Of<'analyzeTables'>): Promise<string> {
  if (st.schema?.catalog !== undefined) ctx.names.checkCatalog(st.schema.catalog);
  const schema = st.schema?.schema ?? ctx.names.schema;
  const tables = await ctx.names.lake.list(schema);
  for (const t of tables) await tableStatistics(ctx, { schema: t.schema, name: t.name }, { kind: 'name', schema: t.schema, name: t.name }, st.noscan, undefined);
  return `ANALYZE TABLES IN ${ctx.names.catalog}.${schema.toLowerCase()} COMPUTE STATISTICS: ${tables.length} table${tables.length === 1 ? '' : 's'}`;
}

async function lakeTable(ctx: SessionContext, t: TableName): Promise<LakeName> {
  if (t.kind === 'path') throw unsupported(`ANALYZE TABLE ... COMPUTE STATISTICS of a table addressed by path (the statistics are kept in the lake's catalog; COMPUTE DELTA STATISTICS works on any table)`);
  if (!(await ctx.names.has(t))) throw deltaError('DELTA_TABLE_NOT_FOUND', `${tableText(t)} is not a table of the lake at ${ctx.names.lake.dir}`);
  return ctx.names.resolve(t);
}

const describeStats = (s: TableStatistics) => `${s.sizeInBytes} bytes${s.numRows !== undefined ? `, ${s.numRows} rows` : ''}${s.columns ? `, ${Object.keys(s.columns).length} columns` : ''}`;

async function tableStatistics(ctx: SessionContext, name: LakeName, table: TableName, noscan: boolean, columns: readonly string[] | 'all' | undefined): Promise<TableStatistics> {
  const target = await ctx.views.target(table);
  const snapshot = await target.table.snapshot();
  const previous = await ctx.names.lake.statistics(name, snapshot.metadata.id);
  const fields = columns === undefined ? [] : columnsToAnalyze(snapshot, target.display, columns);
  let numRows: number | undefined;
  let computed: Record<string, ColumnStatistics> = {};
  if (!noscan) ({ numRows, columns: computed } = await scanStatistics(ctx, target.location, snapshot, fields));
  const stats: TableStatistics = {
    tableId: snapshot.metadata.id,
    version: snapshot.version,
    sizeInBytes: snapshotSize(snapshot).sizeInBytes,
    // NOSCAN measures the size only; the row count counted before stays, as in Spark.
    ...(numRows !== undefined ? { numRows } : previous?.numRows !== undefined ? { numRows: previous.numRows } : {}),
    ...(previous?.columns || fields.length > 0 ? { columns: { ...(previous?.columns ?? {}), ...computed } } : {}),
  };
  await ctx.names.lake.setStatistics(name, stats);
  return stats;
}

/** The columns FOR COLUMNS names (or all with FOR ALL COLUMNS) that Spark keeps statistics for. */
function columnsToAnalyze(s: Snapshot, table: string, columns: readonly string[] | 'all'): { name: string; type: DataType }[] {
  if (columns === 'all') return s.schema.fields.filter((f) => lengthOf(f.type) !== undefined).map((f) => ({ name: f.name, type: f.type }));
  return columns.map((c) => {
    const f = s.schema.fields.find((x) => x.name === c) ?? s.schema.fields.find((x) => x.name.toLowerCase() === c.toLowerCase());
    if (!f) throw deltaError('DELTA_COLUMN_NOT_FOUND', `${table} has no column '${c}' to compute statistics for (columns: ${s.schema.fields.map((x) => x.name).join(', ')})`);
    if (lengthOf(f.type) === undefined) throw sqlError(`${table}: column '${f.name}' is ${sparkTypeName(f.type)}; statistics are computed for columns of atomic types`);
    return { name: f.name, type: f.type };
  });
}

/** Spark's size of a value of a fixed-width type, 'string' and 'binary' measured; undefined for types without statistics. */
function lengthOf(t: DataType): number | 'measured' | undefined {
  if (t.kind === 'decimal') return t.precision <= 18 ? 8 : 16;
  if (t.kind !== 'primitive') return undefined;
  const sizes: Partial<Record<string, number>> = { byte: 1, short: 2, integer: 4, long: 8, float: 4, double: 8, boolean: 1, date: 4, timestamp: 8, timestamp_ntz: 8 };
  if (t.name === 'string' || t.name === 'binary') return 'measured';
  return sizes[t.name];
}

/** Types Spark keeps a minimum and maximum for. */
const hasRange = (t: DataType) => t.kind === 'decimal' || (t.kind === 'primitive' && t.name !== 'string' && t.name !== 'binary');

/** One pass over the snapshot: its row count and, per column, the figures Spark keeps. */
async function scanStatistics(ctx: SessionContext, location: string, s: Snapshot, fields: readonly { name: string; type: DataType }[]): Promise<{ numRows: number; columns: Record<string, ColumnStatistics> }> {
  const ident = (n: string) => `\`${n.replaceAll('`', '``')}\``;
  const aggs = fields.flatMap((f) => {
    const x = ident(f.name);
    const len = lengthOf(f.type) === 'measured' ? (f.type.kind === 'primitive' && f.type.name === 'binary' ? `octet_length(${x})` : `strlen(${x})`) : undefined;
    return [
      `approx_count_distinct(${x})`,
      hasRange(f.type) ? `CAST(min(${x}) AS VARCHAR)` : 'NULL',
      hasRange(f.type) ? `CAST(max(${x}) AS VARCHAR)` : 'NULL',
      `count(*) - count(${x})`,
      len ? `avg(${len})` : 'NULL',
      len ? `max(${len})` : 'NULL',
    ];
  });
  const q = await ctx.views.prepare(`SELECT count(*)${aggs.map((a) => `, ${a}`).join('')} FROM delta.\`${location.replaceAll('`', '``')}\` VERSION AS OF ${s.version}`);
  const row = (await ctx.c.runAndReadAll(q.sql)).getRows()[0];
  const columns: Record<string, ColumnStatistics> = {};
  fields.forEach((f, i) => {
    const [distinct, min, max, nulls, avgLen, maxLen] = row.slice(1 + i * 6, 7 + i * 6);
    const fixed = lengthOf(f.type);
    columns[f.name] = {
      distinctCount: Number(distinct),
      ...(min !== null ? { min: String(min) } : {}),
      ...(max !== null ? { max: String(max) } : {}),
      nullCount: Number(nulls),
      avgLen: typeof fixed === 'number' ? fixed : avgLen === null ? 20 : Math.round(Number(avgLen)),
      maxLen: typeof fixed === 'number' ? fixed : maxLen === null ? 20 : Number(maxLen),
    };
  });
  return { numRows: Number(row[0]), columns };
}
