import { deltaError, findField, type StructField } from '@loch/delta';
import { sqlIdent, sqlString } from '@loch/engine-node';
import { duckType } from '../../values/duck-types.js';
import { describeQuery, type SessionContext } from './context.js';
import { sqlError, unsupported } from '../errors.js';
import { readSourceTable, writeSourceFile } from '../plan/source-tables.js';
import { isPunct, isWord, significant, tokenize } from '../parse/lexer.js';
import type { InsertStatement } from '../parse/statements.js';

export interface InsertOutcome {
  readonly summary: string;
  readonly version?: number;
}

/**
 * INSERT INTO / INSERT OVERWRITE a Delta table, committed as one WRITE like Spark's. Spark's
 * INSERT is positional: the query's columns go, in order, to the listed columns (or to all of the
 * table's), whatever the query calls them; BY NAME matches names instead. Each value is cast to
 * its column's type; unlisted columns are null.
 */
export async function runInsert(ctx: SessionContext, st: InsertStatement): Promise<InsertOutcome> {
  const target = await ctx.views.target(st.table);
  const verb = st.overwrite ? 'INSERT OVERWRITE' : 'INSERT INTO';
  const label = `${verb} ${target.display}`;
  // A data source table (USING parquet | csv | json) has its columns in its description.
  const at = { storage: target.table.engine.storage, url: target.url };
  const sourceTable = await readSourceTable(at);
  const snapshot = sourceTable ? undefined : await target.table.snapshot();
  const fields = sourceTable?.columns ?? snapshot!.schema.fields;
  const partitionColumns = snapshot?.partitionColumns ?? [];
  const spec = partitionSpec(st, partitionColumns, fields, target.display);
  // VALUES rows are cast to their columns' types one by one: DuckDB would otherwise have to find
  // one type for each column of the rows first ('2024-01-01' in one row, DATE '...' in another).
  const positional = st.byName ? undefined : targetColumns(st, [], fields, target.display, spec);
  const source = positional ? (castValues(st.source, positional.map((f) => duckType(f.type))) ?? st.source) : st.source;
  const q = await ctx.views.prepare(source);
  const { names } = await describeQuery(ctx, q.sql);
  const targets = positional ?? targetColumns(st, names, fields, target.display, spec);
  if (targets.length !== names.length) {
    const what = st.columns ? `names ${targets.length} column${targets.length === 1 ? '' : 's'}` : `has ${targets.length} column${targets.length === 1 ? '' : 's'}`;
    throw deltaError('DELTA_SCHEMA_MISMATCH', `${label}: the ${st.columns ? 'statement' : spec.statics.size > 0 ? 'table (less its static partition columns)' : 'table'} ${what} but the query gives ${names.length}`);
  }
  // The query's columns take their target's name, so a value that does not fit names its column.
  const src = targets.map((f) => f.name);
  const exprs = fields.map((f) => {
    const k = targets.indexOf(f);
    const value = k < 0 ? (spec.statics.get(f) ?? 'NULL') : `__loch_src.${sqlIdent(src[k])}`;
    return `CAST(${value} AS ${duckType(f.type)}) AS ${sqlIdent(f.name)}`;
  });
  const data = `SELECT ${exprs.join(', ')} FROM (${q.sql}) AS __loch_src(${src.map(sqlIdent).join(', ')})`;
  if (sourceTable) {
    if (st.replaceWhere !== undefined) throw unsupported(`${label} ... REPLACE WHERE of a ${sourceTable.format} data source table`);
    const rows = await writeSourceFile(ctx.c, at, sourceTable, data, st.overwrite);
    return { summary: `${label}: ${rows} row${rows === 1 ? '' : 's'}` };
  }
  const shared = await ctx.views.shareable(data);
  let result;
  try {
    const replaceWhere = st.replaceWhere ?? (st.overwrite ? await overwrittenPartitions(ctx, st, spec, partitionColumns, fields, shared.sql) : undefined);
    result = await target.table.write(shared.sql, {
      mode: st.overwrite || st.replaceWhere !== undefined ? 'overwrite' : 'append',
      ...(replaceWhere !== undefined ? { replaceWhere } : {}),
      operation: 'WRITE',
      // The schema and partitioning the statement was checked against: the write commits from that version.
      snapshot,
    });
  } finally {
    await shared.release();
  }
  if (result.kind !== 'committed') throw sqlError(`${label}: the write was skipped`);
  const rows = result.metrics.numOutputRows ?? 0;
  return { summary: `${label}: ${rows} row${rows === 1 ? '' : 's'} (version ${result.version})`, version: result.version };
}

interface PartitionSpec {
  /** Static partition columns and their values (SQL). */
  readonly statics: Map<StructField, string>;
  /** Partition columns the query gives, after its other columns, in this order. */
  readonly dynamic: readonly StructField[];
}

/** `PARTITION (p = 'v', q)` resolved against the table: every named column must be a partition column. */
function partitionSpec(st: InsertStatement, partitionColumns: readonly string[], fields: readonly StructField[], table: string): PartitionSpec {
  const statics = new Map<StructField, string>();
  const dynamic: StructField[] = [];
  if (!st.partition) return { statics, dynamic };
  const schema = { kind: 'struct' as const, fields };
  for (const p of st.partition) {
    const f = findField(schema, p.column);
    if (!f || !partitionColumns.includes(f.name)) {
      throw deltaError('DELTA_INVALID_ARGUMENT', `${table}: '${p.column}' in PARTITION (...) is not a partition column (partitioned by: ${partitionColumns.join(', ') || 'nothing'})`);
    }
    if (p.value !== undefined) statics.set(f, p.value);
    else dynamic.push(f);
  }
  // Partition columns the clause leaves out are dynamic too, in the table's order.
  for (const name of partitionColumns) {
    const f = fields.find((x) => x.name === name)!;
    if (!statics.has(f) && !dynamic.includes(f)) dynamic.push(f);
  }
  return { statics, dynamic };
}

/**
 * The rows INSERT OVERWRITE replaces: those of its static partition values; with
 * `spark.sql.sources.partitionOverwriteMode = dynamic`, those of every partition the new rows
 * fall in (Delta's dynamic partition overwrite); otherwise the whole table.
 */
async function overwrittenPartitions(
  ctx: SessionContext,
  st: InsertStatement,
  spec: PartitionSpec,
  partitionColumns: readonly string[],
  fields: readonly StructField[],
  data: string,
): Promise<string | undefined> {
  const equals = (f: StructField, value: string) => `(${sqlIdent(f.name)} IS NOT DISTINCT FROM CAST(${value} AS ${duckType(f.type)}))`;
  const statics = [...spec.statics].map(([f, v]) => equals(f, v));
  const dynamicMode = ctx.conf.get('spark.sql.sources.partitionOverwriteMode')?.trim().toLowerCase() === 'dynamic';
  if (!dynamicMode || partitionColumns.length === 0) return statics.length > 0 ? statics.join(' AND ') : undefined;
  const pcs = partitionColumns.map((n) => fields.find((f) => f.name === n)!);
  const r = await ctx.c.runAndReadAll(`SELECT DISTINCT ${pcs.map((f) => `CAST(${sqlIdent(f.name)} AS VARCHAR)`).join(', ')} FROM (${data})`);
  const parts = r.getRows().map((row) => `(${pcs.map((f, i) => equals(f, row[i] === null ? 'NULL' : sqlString(String(row[i])))).join(' AND ')})`);
  // No rows: nothing is replaced (a dynamic overwrite touches only partitions it writes).
  return parts.length > 0 ? parts.join(' OR ') : 'false';
}

/**
 * `VALUES (a, b), (c, d)` with every value cast to its column's type; undefined when the source
 * is not a plain VALUES list of rows that many columns wide (DuckDB then reads it as it is).
 */
export function castValues(source: string, types: readonly string[]): string | undefined {
  const tokens = tokenize(source);
  const sig = significant(tokens);
  if (!isWord(sig[0], 'VALUES')) return undefined;
  const rows: string[] = [];
  let i = 1;
  for (;;) {
    if (!isPunct(sig[i], '(')) return undefined;
    const values: string[] = [];
    let depth = 0;
    let from = sig[i].end;
    let j = i + 1;
    for (; j < sig.length; j++) {
      const t = sig[j];
      if (t.kind !== 'punct') continue;
      if ('([{'.includes(t.text)) depth++;
      else if (')]}'.includes(t.text)) {
        if (depth === 0) break;
        depth--;
      } else if (t.text === ',' && depth === 0) {
        values.push(source.slice(from, t.start));
        from = t.end;
      }
    }
    if (j >= sig.length) return undefined;
    values.push(source.slice(from, sig[j].start));
    if (values.length !== types.length) return undefined;
    rows.push(`(${values.map((v, k) => (/^\s*DEFAULT\s*$/i.test(v) ? v : `CAST(${v.trim()} AS ${types[k]})`)).join(', ')})`);
    i = j + 1;
    if (i >= sig.length) break;
    if (!isPunct(sig[i], ',')) return undefined;
    i++;
  }
  return `VALUES ${rows.join(', ')}`;
}

function targetColumns(st: InsertStatement, names: readonly string[], fields: readonly StructField[], table: string, spec: PartitionSpec): StructField[] {
  const schema = { kind: 'struct' as const, fields };
  const wanted = st.byName ? names : st.columns;
  if (!wanted) {
    if (!st.partition) return [...fields];
    // With PARTITION (...): the other columns in table order, then the dynamic partition columns.
    return [...fields.filter((f) => !spec.statics.has(f) && !spec.dynamic.includes(f)), ...spec.dynamic];
  }
  const out: StructField[] = [];
  for (const name of wanted) {
    const f = findField(schema, name);
    if (!f) throw deltaError('DELTA_COLUMN_NOT_FOUND', `${table} has no column '${name}' (columns: ${fields.map((x) => x.name).join(', ')})`);
    if (out.includes(f)) throw deltaError('DELTA_INVALID_ARGUMENT', `${table}: column '${f.name}' is named twice in the INSERT`);
    out.push(f);
  }
  return out;
}
