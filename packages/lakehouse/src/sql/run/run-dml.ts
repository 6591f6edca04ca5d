import { deltaError, findField, isDeltaError, type DataType, type PrimitiveTypeName, type Snapshot } from '@loch/delta';
import { sqlIdent } from '@loch/engine-node';
import { duckType } from '../../values/duck-types.js';
import type { Row } from '../../scan/execute.js';
import { describeQuery, duckDbHasTable, type SessionContext } from './context.js';
import { sqlError, unsupported } from '../errors.js';
import { isIdent, isPunct, tokenize } from '../parse/lexer.js';
import type { SqlColumn, SqlScanMetrics } from './result.js';
import type { Assignment, DeleteStatement, MergeStatement, UpdateStatement } from '../parse/statements-dml.js';

/** What a statement that writes and returns rows did. */
export interface WriteOutcome {
  readonly columns: SqlColumn[];
  readonly rows: Row[];
  readonly summary: string;
  readonly version?: number;
  readonly scans: readonly SqlScanMetrics[];
}

const p = (name: PrimitiveTypeName): DataType => ({ kind: 'primitive', name });
export const longColumns = (...names: string[]): SqlColumn[] => names.map((name) => ({ name, deltaType: p('long') }));

/** Session conf that turns on MERGE schema evolution, as in Spark. */
export const AUTO_MERGE = 'spark.databricks.delta.schema.autoMerge.enabled';

export const confIsTrue = (ctx: SessionContext, key: string) => ctx.conf.get(key)?.trim().toLowerCase() === 'true';

/** An expression as DuckDB reads it: Spark's `quoting` as DuckDB's, Delta tables it reads (in subqueries) as the session's views. */
export async function duckDbExpression(ctx: SessionContext, text: string): Promise<string> {
  return (await ctx.views.prepare(text)).sql;
}

/** A Delta error whose message names the session's views by their tables. */
export function renamed(ctx: SessionContext, e: unknown): unknown {
  if (!isDeltaError(e)) return e;
  const message = ctx.views.rename(e.message);
  return message === e.message ? e : deltaError(e.code, message, e);
}

/**
 * The expression without the qualifier `t.` before column names, for `t` in `names` (the table's
 * alias, or its name): DELETE and UPDATE evaluate their expressions over the table's rows alone.
 */
export function stripQualifiers(text: string, names: readonly string[]): string {
  if (names.length === 0) return text;
  const wanted = new Set(names.map((n) => n.toLowerCase()));
  const tokens = tokenize(text);
  let out = '';
  let previous: (typeof tokens)[number] | undefined;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (
      isIdent(t) &&
      wanted.has(t.value.toLowerCase()) &&
      isPunct(tokens[i + 1], '.') &&
      isIdent(tokens[i + 2]) &&
      !isPunct(previous, '.')
    ) {
      previous = tokens[i + 1];
      i++;
      continue;
    }
    out += t.text;
    if (t.kind !== 'space' && t.kind !== 'comment') previous = t;
  }
  return out;
}

/** The column an assignment sets: `c`, or `q.c` for a qualifier `q` of the table. */
function assignedColumn(a: Assignment, qualifiers: readonly string[], statement: string, others: readonly string[] = []): string {
  const parts = a.column;
  if (parts.length === 1) return parts[0];
  const q = parts[0].toLowerCase();
  if (parts.length === 2 && qualifiers.some((x) => x.toLowerCase() === q)) return parts[1];
  if (others.some((x) => x.toLowerCase() === q)) throw sqlError(`${statement} can only set columns of the target table, not ${parts.join('.')}`);
  throw unsupported(`${statement} of a nested field (${parts.join('.')})`);
}

/** Column → expression; a column set twice is an error, as in Spark. */
function assignments(entries: readonly [string, string][], statement: string): Record<string, string> {
  const out: Record<string, string> = {};
  const seen = new Set<string>();
  for (const [column, value] of entries) {
    if (seen.has(column.toLowerCase())) throw sqlError(`${statement} sets column '${column}' more than once`);
    seen.add(column.toLowerCase());
    out[column] = value;
  }
  return out;
}

/**
 * A table without files has no rows to evaluate expressions on, so a mistake in them (a column
 * that does not exist) would pass unnoticed: check that they bind against its columns, as Spark
 * checks before running anything.
 */
async function checkBinds(ctx: SessionContext, snapshot: Snapshot, table: string, exprs: readonly string[]): Promise<void> {
  if (snapshot.fileList.length > 0 || exprs.length === 0) return;
  const columns = snapshot.schema.fields.map((f) => `CAST(NULL AS ${duckType(f.type)}) AS ${sqlIdent(f.name)}`).join(', ');
  for (const e of exprs) {
    try {
      await ctx.c.run(`SELECT (${e}) FROM (SELECT ${columns}) AS __loch_t LIMIT 0`);
    } catch (err) {
      throw deltaError('DELTA_INVALID_ARGUMENT', `${table}: cannot evaluate "${e}": ${ctx.views.rename((err as Error).message.split('\n')[0])}`, err);
    }
  }
}

const rowCount = (n: number) => `${n} row${n === 1 ? '' : 's'}`;
const versionNote = (v: number | undefined) => (v === undefined ? 'no change' : `version ${v}`);

/** UPDATE t [alias] SET ... [WHERE ...]: one row, num_affected_rows, like Databricks. */
export async function runUpdate(ctx: SessionContext, st: UpdateStatement): Promise<WriteOutcome> {
  const target = await ctx.views.target(st.table);
  const qualifiers = st.alias !== undefined ? [st.alias] : st.table.kind === 'name' ? [st.table.name] : [];
  const entries: [string, string][] = [];
  for (const a of st.set) entries.push([assignedColumn(a, qualifiers, 'UPDATE'), await duckDbExpression(ctx, stripQualifiers(a.value, qualifiers))]);
  const set = assignments(entries, 'UPDATE');
  const where = st.where !== undefined ? await duckDbExpression(ctx, stripQualifiers(st.where, qualifiers)) : undefined;
  const snapshot = await target.table.snapshot();
  for (const column of Object.keys(set)) {
    if (!findField(snapshot.schema, column)) {
      throw deltaError('DELTA_COLUMN_NOT_FOUND', `${target.display} has no column '${column}' to set (columns: ${snapshot.schema.fields.map((f) => f.name).join(', ')})`);
    }
  }
  await checkBinds(ctx, snapshot, target.display, [...Object.values(set), ...(where !== undefined ? [where] : [])]);
  let result;
  try {
    // The version checked above is the one the UPDATE plans against and commits from.
    result = await target.table.update(set, where, { snapshot });
  } catch (e) {
    throw renamed(ctx, e);
  }
  const n = result.metrics.numUpdatedRows ?? 0;
  return {
    columns: longColumns('num_affected_rows'),
    rows: [{ num_affected_rows: n }],
    summary: `UPDATE ${target.display}: ${rowCount(n)} (${versionNote(result.version)})`,
    ...(result.version !== undefined ? { version: result.version } : {}),
    scans: [],
  };
}

/** DELETE FROM t [alias] [WHERE ...]: one row, num_affected_rows, like Databricks. */
export async function runDelete(ctx: SessionContext, st: DeleteStatement): Promise<WriteOutcome> {
  const target = await ctx.views.target(st.table);
  const qualifiers = st.alias !== undefined ? [st.alias] : st.table.kind === 'name' ? [st.table.name] : [];
  const where = st.where !== undefined ? await duckDbExpression(ctx, stripQualifiers(st.where, qualifiers)) : undefined;
  const snapshot = await target.table.snapshot();
  if (where !== undefined) await checkBinds(ctx, snapshot, target.display, [where]);
  let result;
  try {
    result = await target.table.delete(where, { snapshot });
  } catch (e) {
    throw renamed(ctx, e);
  }
  const n = result.metrics.numDeletedRows ?? 0;
  return {
    columns: longColumns('num_affected_rows'),
    rows: [{ num_affected_rows: n }],
    summary: `DELETE FROM ${target.display}: ${rowCount(n)} (${versionNote(result.version)})`,
    ...(result.version !== undefined ? { version: result.version } : {}),
    scans: [],
  };
}

/**
 * MERGE INTO, through DeltaTable.merge: the source (a Delta table at any version, or a query over
 * them) is handed to the merge as SQL over the session's views, which the merge's own connection
 * can read; conditions and values are SQL in the aliases' terms. One row, like Databricks:
 * num_affected_rows, num_updated_rows, num_deleted_rows, num_inserted_rows.
 */
export async function runMerge(ctx: SessionContext, st: MergeStatement): Promise<WriteOutcome> {
  const target = await ctx.views.target(st.target);
  const label = `MERGE INTO ${target.display}`;
  const snapshot = await target.table.snapshot();
  const T = st.targetAlias ?? (st.target.kind === 'name' ? st.target.name : 'target');
  const S = st.sourceAlias ?? (st.source.kind === 'table' && st.source.table.kind === 'name' ? st.source.table.name : 'source');
  if (T.toLowerCase() === S.toLowerCase()) throw sqlError(`${label}: the target and the source are both called ${T}; give one of them an alias`);

  const src = st.source;
  if (src.kind === 'table' && src.table.kind === 'name' && !(await ctx.names.has(src.table)) && !(await duckDbHasTable(ctx, src.table.name))) {
    // Fails as a missing table does anywhere else (DELTA_TABLE_NOT_FOUND).
    await (await ctx.views.target(src.table)).table.snapshot();
  }
  const q = await ctx.views.prepare(src.kind === 'table' ? `SELECT * FROM ${src.text}` : src.text);
  await describeQuery(ctx, q.sql);
  const condition = await duckDbExpression(ctx, st.condition);
  const evolve = st.schemaEvolution || confIsTrue(ctx, AUTO_MERGE);

  const shared = await ctx.views.shareable(q.sql);
  let result;
  try {
    let b = target.table.merge(shared.sql, condition, { target: T, source: S }, { snapshot });
    for (const clause of st.clauses) {
      const cond = clause.condition !== undefined ? { condition: await duckDbExpression(ctx, clause.condition) } : {};
      const values = async (statement: string) => {
        const entries: [string, string][] = [];
        for (const a of clause.assignments ?? []) entries.push([assignedColumn(a, [T], statement, [S]), await duckDbExpression(ctx, a.value)]);
        return assignments(entries, statement);
      };
      // `* EXCEPT (a, b)`: every target column but those, from the source column of its name.
      const allBut = (except: readonly string[], statement: string): Record<string, string> => {
        const fields = snapshot.schema.fields;
        for (const name of except) {
          if (!findField(snapshot.schema, name)) throw deltaError('DELTA_COLUMN_NOT_FOUND', `${statement} EXCEPT: ${target.display} has no column '${name}' (columns: ${fields.map((f) => f.name).join(', ')})`);
        }
        const kept = fields.filter((f) => !except.some((x) => x.toLowerCase() === f.name.toLowerCase()));
        return Object.fromEntries(kept.map((f) => [f.name, `${sqlIdent(S)}.${sqlIdent(f.name)}`]));
      };
      if (clause.when === 'matched') {
        if (clause.action === 'update') b = b.whenMatchedUpdate({ set: await values('MERGE ... UPDATE SET'), ...cond });
        else if (clause.action === 'updateAll' && clause.except) b = b.whenMatchedUpdate({ set: allBut(clause.except, 'MERGE ... UPDATE SET *'), ...cond });
        else if (clause.action === 'updateAll') b = b.whenMatchedUpdateAll(cond);
        else b = b.whenMatchedDelete(cond);
      } else if (clause.when === 'notMatched') {
        if (clause.action === 'insert') {
          const v = await values('MERGE ... INSERT');
          for (const column of Object.keys(v)) {
            if (!findField(snapshot.schema, column)) {
              throw deltaError('DELTA_COLUMN_NOT_FOUND', `${target.display} has no column '${column}' to INSERT in MERGE (columns: ${snapshot.schema.fields.map((f) => f.name).join(', ')})`);
            }
          }
          b = b.whenNotMatchedInsert({ values: v, ...cond });
        } else if (clause.except) b = b.whenNotMatchedInsert({ values: allBut(clause.except, 'MERGE ... INSERT *'), ...cond });
        else b = b.whenNotMatchedInsertAll(cond);
      } else if (clause.action === 'update') b = b.whenNotMatchedBySourceUpdate({ set: await values('MERGE ... UPDATE SET'), ...cond });
      else b = b.whenNotMatchedBySourceDelete(cond);
    }
    if (evolve) b = b.withSchemaEvolution();
    result = await b.execute();
  } catch (e) {
    throw renamed(ctx, e);
  } finally {
    await shared.release();
  }
  const m = result.metrics;
  const updated = m.numTargetRowsUpdated ?? 0;
  const deleted = m.numTargetRowsDeleted ?? 0;
  const inserted = m.numTargetRowsInserted ?? 0;
  return {
    columns: longColumns('num_affected_rows', 'num_updated_rows', 'num_deleted_rows', 'num_inserted_rows'),
    rows: [{ num_affected_rows: updated + deleted + inserted, num_updated_rows: updated, num_deleted_rows: deleted, num_inserted_rows: inserted }],
    summary: `${label}: ${updated} updated, ${deleted} deleted, ${inserted} inserted (${versionNote(result.version)})`,
    ...(result.version !== undefined ? { version: result.version } : {}),
    scans: q.scans,
  };
}
