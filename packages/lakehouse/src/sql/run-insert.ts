import { deltaError, findField, type StructField } from '@loch/delta';
import { sqlIdent } from '@loch/engine-node';
import { duckType } from '../scan/duck-types.js';
import { describeQuery, type SessionContext } from './context.js';
import { sqlError } from './errors.js';
import type { InsertStatement } from './statements.js';

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
  const target = ctx.views.target(st.table);
  const verb = st.overwrite ? 'INSERT OVERWRITE' : 'INSERT INTO';
  const label = `${verb} ${target.display}`;
  const snapshot = await target.table.snapshot();
  const q = await ctx.views.prepare(st.source);
  const { names } = await describeQuery(ctx, q.sql);
  const fields = snapshot.schema.fields;
  const targets = targetColumns(st, names, fields, target.display);
  if (targets.length !== names.length) {
    const what = st.columns ? `names ${targets.length} column${targets.length === 1 ? '' : 's'}` : `has ${targets.length} column${targets.length === 1 ? '' : 's'}`;
    throw deltaError('DELTA_SCHEMA_MISMATCH', `${label}: the ${st.columns ? 'statement' : 'table'} ${what} but the query gives ${names.length}`);
  }
  // The query's columns take their target's name, so a value that does not fit names its column.
  const src = targets.map((f) => f.name);
  const exprs = fields.map((f) => {
    const k = targets.indexOf(f);
    const value = k < 0 ? 'NULL' : `__loch_src.${sqlIdent(src[k])}`;
    return `CAST(${value} AS ${duckType(f.type)}) AS ${sqlIdent(f.name)}`;
  });
  const data = `SELECT ${exprs.join(', ')} FROM (${q.sql}) AS __loch_src(${src.map(sqlIdent).join(', ')})`;
  const shared = await ctx.views.shareable(data);
  let result;
  try {
    result = await target.table.write(shared.sql, {
      mode: st.overwrite || st.replaceWhere !== undefined ? 'overwrite' : 'append',
      ...(st.replaceWhere !== undefined ? { replaceWhere: st.replaceWhere } : {}),
      operation: 'WRITE',
    });
  } finally {
    await shared.release();
  }
  if (result.kind !== 'committed') throw sqlError(`${label}: the write was skipped`);
  const rows = result.metrics.numOutputRows ?? 0;
  return { summary: `${label}: ${rows} row${rows === 1 ? '' : 's'} (version ${result.version})`, version: result.version };
}

function targetColumns(st: InsertStatement, names: readonly string[], fields: readonly StructField[], table: string): StructField[] {
  const schema = { kind: 'struct' as const, fields };
  const wanted = st.byName ? names : st.columns;
  if (!wanted) return [...fields];
  const out: StructField[] = [];
  for (const name of wanted) {
    const f = findField(schema, name);
    if (!f) throw deltaError('DELTA_COLUMN_NOT_FOUND', `${table} has no column '${name}' (columns: ${fields.map((x) => x.name).join(', ')})`);
    if (out.includes(f)) throw deltaError('DELTA_INVALID_ARGUMENT', `${table}: column '${f.name}' is named twice in the INSERT`);
    out.push(f);
  }
  return out;
}
