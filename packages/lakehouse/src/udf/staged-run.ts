/**
 * Vectorized scalar UDFs as a stage of their own, the way Spark runs pandas UDFs
 * (ArrowEvalPythonExec): the rows the calls need are computed first, by DuckDB, into a
 * materialized result; then the query runs with each call replaced by a column of results that
 * the JS thread computes from that result in batches of maxRecordsPerBatch rows (see
 * stage-function.ts). A UDF called as a DuckDB scalar function instead costs a hand-off from
 * DuckDB's worker thread to the JS thread, and a wait, for every 2,048 rows.
 *
 * The default for the queries it takes (`loch.udf.staged` = false opts out): a few hand-offs per
 * query instead of one per chunk make it faster on large inputs and much steadier, as the
 * scalar function path's hand-off is bimodal on the VMs measured (fast in some runs, several
 * times slower in others). It pays a floor of its own, stage 1's materialization and reading each
 * of its chunks through the C API, and runs its phases one after another (stage 1, the JS thread,
 * DuckDB over the results); a small query pays its planning, which plan-cache.ts saves on repeats.
 * Figures: bench/RESULTS.md, "User functions".
 *
 * The staged path takes the queries staged-plan.ts accepts whose columns read after the calls
 * (and whose UDF results) are of fixed-width types (numbers, booleans, dates, timestamps,
 * decimals, intervals, UUIDs as stored); others keep the DuckDB scalar function path, as do
 * iterator and aggregate UDFs and statements other than queries (writes run their queries on
 * connections of their own). Stage 1 is held in DuckDB's memory (where DuckDB's buffer manager
 * may spill it) until the statement ends; the JS thread holds one call's share of it at a time
 * (up to 2,048 chunks).
 */
import type { DuckDBConnection, DuckDBMaterializedResult, DuckDBType } from '@duckdb/node-api';
import { parseExactJson } from '@loch/delta';
import { duckdbApi, runSql, sqlIdent, sqlString } from '@loch/engine-node';
import { SqlError } from '../sql/errors.js';
import { deserializeMany, isNode, type DuckNode } from '../planner/duck-json.js';
import { duckDbType, duckType } from '../values/duck-types.js';
import { CHUNK_SPACE, closeStage, fixedWidth, openStage, stageFunction, type StageCall } from './stage-function.js';
import { planStages, selectOf, type StagePlan, type Templates } from './staged-plan.js';
import type { UserFunction } from './types.js';
import { NOT_STAGED, planCache, planKey, type CachedPlan } from './plan-cache.js';

type ScalarFunction = Extract<UserFunction, { kind: 'scalar' }>;

/** Session conf that picks the path: `true` runs the calls as a stage of their own, `false` as DuckDB scalar functions. */
export const STAGED_KEY = 'loch.udf.staged';

/** The path a session without the conf takes (see the file's comment for why). */
const STAGED_BY_DEFAULT = true;

/** Whether the session's conf puts the staged path on: `true` or `false`, the default when unset; anything else is an error. */
export function stagedOn(get: (key: string) => string | undefined): boolean {
  const text = get(STAGED_KEY);
  if (text === undefined) return STAGED_BY_DEFAULT;
  const value = text.trim().toLowerCase();
  if (value !== 'true' && value !== 'false') throw new SqlError('LOCH_UDF_INVALID', `${STAGED_KEY} must be true or false, got '${text}'`);
  return value === 'true';
}

/** A query rewritten to read its UDF results from a stage; `release` ends the stage (after the statement). */
export interface StagedQuery {
  readonly sql: string;
  release(): void;
}

let templates: Templates | undefined;
let placeholders = 0;

/**
 * Runs stage 1 of `sql` on `c` and returns stage 2, or undefined when the query keeps the DuckDB
 * scalar function path (no staged call, or a shape the staged path does not take). `lookup`
 * finds the session's functions by name. Plans are cached (see plan-cache.ts).
 */
export async function stageQuery(c: DuckDBConnection, sql: string, lookup: (name: string) => UserFunction | undefined, scalarNames: ReadonlySet<string>, maxRecords: number): Promise<StagedQuery | undefined> {
  const named = [...scalarNames].filter((n) => new RegExp(`\\b${n}\\s*\\(`, 'i').test(sql));
  if (named.length === 0) return undefined;
  const key = planKey(sql, named.map((n) => [n, lookup(n)]));
  const cached = planCache.get(key);
  if (cached === NOT_STAGED) return undefined;
  if (cached) {
    const result = await rerun(c, cached);
    if (result) return runStage(c, cached, result, maxRecords);
    planCache.delete(key);
  }
  const planned = await plan(c, sql, named, lookup);
  if (!planned) {
    planCache.set(key, NOT_STAGED);
    return undefined;
  }
  const result = (await runSql(c, planned.stage1)) as DuckDBMaterializedResult;
  planCache.set(key, { ...planned, types: typesOf(result) });
  return runStage(c, planned, result, maxRecords);
}

/** The plan of `sql` (without stage 1's types, known once it runs), or undefined when it keeps the scalar function path. */
async function plan(c: DuckDBConnection, sql: string, named: readonly string[], lookup: (name: string) => UserFunction | undefined): Promise<Omit<CachedPlan, 'types'> | undefined> {
  const trees = await serialize(c, sql);
  if (!trees) return undefined;
  const volatile = new Set(named.filter((n) => lookup(n)?.deterministic === false));
  const plan = planStages(trees, new Set(named), volatile, templates!, ++placeholders);
  if (typeof plan === 'string') return undefined;
  const calls = plan.calls.map((call) => lookup(call.name));
  if (calls.some((f, i) => f?.kind !== 'scalar' || !resultFits(f) || (f.args !== undefined && f.args.length !== plan.calls[i].args.length))) return undefined;
  const texts = await deserializeMany(c, [plan.probe, plan.rest, ...plan.names.map((n) => selectOf(templates!, n.original))]);
  if (texts.some((t) => t === undefined)) return undefined;
  const stage1 = await firstStage(c, texts[0]!, plan, calls as ScalarFunction[]);
  if (!stage1) return undefined;
  let rest = texts[1]!;
  plan.names.forEach((_, i) => {
    const original = texts[2 + i]!.replace(/^\s*SELECT\s+/i, '');
    rest = rest.replace(new RegExp(`"?__loch_name${i}"?`, 'g'), sqlIdent(original));
  });
  let at = 0;
  const stageCalls = (calls as ScalarFunction[]).map((fn, i) => ({ fn, args: plan.calls[i].args.map(() => at++) }));
  return { stage1: stage1.sql, passed: stage1.passed, probe: stage1.probe, calls: stageCalls, rest, placeholder: plan.placeholder };
}

/**
 * Stage 1 of a cached plan, run again; undefined where the plan no longer holds (the probe's
 * columns or stage 1's types differ, or stage 1 fails: a temp view redefined, a table altered),
 * for the caller to plan afresh. Stage 1 only reads, so running it again after that is safe.
 */
async function rerun(c: DuckDBConnection, cached: CachedPlan): Promise<DuckDBMaterializedResult | undefined> {
  if (cached.probe) {
    const now = await bindProbe(c, cached.probe.sql);
    if (!now || columnsText(now.names, now.types) !== cached.probe.columns) return undefined;
  }
  let result: DuckDBMaterializedResult;
  try {
    result = (await runSql(c, cached.stage1)) as DuckDBMaterializedResult;
  } catch {
    return undefined;
  }
  const types = typesOf(result);
  return types.length === cached.types.length && types.every((t, i) => t === cached.types[i]) ? result : undefined;
}

/** Opens the stage over stage 1's result and returns stage 2; the stage id, chunk range and rows text are this run's own. */
function runStage(c: DuckDBConnection, p: Omit<CachedPlan, 'types'>, result: DuckDBMaterializedResult, maxRecords: number): StagedQuery {
  const types = result.columnTypes();
  const passed = types.slice(0, p.passed.length);
  const fn = stageFunction(c, [...passed, ...p.calls.map((s) => duckDbType(s.fn.returns))]);
  const id = openStage({ result, passed, argTypes: types.slice(passed.length), calls: p.calls, maxRecords });
  const first = id * CHUNK_SPACE;
  const columns = [...p.passed.map((name, j) => `__loch_u.c${j} AS ${sqlIdent(name)}`), ...p.calls.map((_, i) => `__loch_u.c${passed.length + i} AS __loch_r${i}`)];
  const rows = `(SELECT ${columns.join(', ')} FROM (SELECT unnest(${fn}(__loch_k)) AS __loch_u FROM range(${first}, ${first + result.chunkCount}) AS __loch_ks(__loch_k)) AS __loch_s2)`;
  return { sql: p.rest.replace(new RegExp(`"?${p.placeholder}"?`, 'g'), () => rows), release: () => closeStage(id) };
}

const typesOf = (r: DuckDBMaterializedResult) => r.columnTypes().map((t) => t.toString());

/** Whether a UDF's result can be a stage's column: a fixed-width type (not decimal: its results go through the scalar function path). */
function resultFits(f: UserFunction): boolean {
  return f.returns.kind === 'primitive' && fixedWidth(duckDbType(f.returns)) !== undefined;
}

/** The query's tree, with the templates the plan builds from (parsed once per process). */
async function serialize(c: DuckDBConnection, sql: string): Promise<DuckNode | undefined> {
  const extra = templates ? '' : `, json_serialize_sql('SELECT * FROM __loch_t'), json_serialize_sql('SELECT 1')`;
  const r = await c.runAndReadAll(`SELECT json_serialize_sql(${sqlString(sql)})${extra}`);
  const [text, star, select] = r.getRows()[0] ?? [];
  if (!templates) {
    const [s, e] = [star, select].map((t) => (typeof t === 'string' ? parseExactJson(t) : undefined));
    if (!isNode(s) || !isNode(e)) return undefined;
    templates = { star: s, select: e };
  }
  const tree = typeof text === 'string' ? parseExactJson(text) : undefined;
  return isNode(tree) && tree.error === false ? tree : undefined;
}

/** The probe's columns (names and types) as DuckDB binds it, without running it; undefined where it does not bind. */
async function bindProbe(c: DuckDBConnection, probe: string): Promise<{ names: string[]; types: DuckDBType[] } | undefined> {
  try {
    const p = await c.prepare(probe);
    try {
      return { names: Array.from({ length: p.columnCount }, (_, i) => p.columnName(i)), types: Array.from({ length: p.columnCount }, (_, i) => p.columnType(i)) };
    } finally {
      p.destroySync();
    }
  } catch {
    return undefined;
  }
}

/** Bound columns as one text, to compare a probe's now with its columns when planned. */
const columnsText = (names: readonly string[], types: readonly DuckDBType[]) => JSON.stringify(names.map((n, i) => [n, types[i].toString()]));

/**
 * Stage 1's SQL: the FROM's columns stage 2 reads, then each call's arguments cast to the types
 * it declares. Undefined where the staged path does not apply (see the file's comment). `probe`
 * is set where stage 1's result types alone cannot tell a cached plan still holds (see needsProbe).
 */
async function firstStage(c: DuckDBConnection, probe: string, plan: StagePlan, calls: readonly ScalarFunction[]): Promise<{ sql: string; passed: string[]; probe?: { sql: string; columns: string } } | undefined> {
  const bound = await bindProbe(c, probe);
  // Stage 1 alone does not bind (a CTE of an outer query, say): the query runs as it is.
  if (!bound) return undefined;
  const { names, types } = bound;
  const own = names.length - plan.args;
  const lower = names.slice(0, own).map((n) => n.toLowerCase());
  if (new Set(lower).size !== own) return undefined;
  const passed = names.slice(0, own).filter((n, j) => plan.reads === 'all' || plan.reads.has(lower[j]));
  if (passed.some((n) => fixedWidth(types[names.indexOf(n)]) === undefined)) return undefined;
  const args: string[] = [];
  let casts = false;
  for (const [i, call] of plan.calls.entries()) {
    for (const [p, a] of call.args.entries()) {
      const declared = calls[i].args?.[p];
      const given = types[own + a];
      // A string where a declared type is not one is refused by the scalar function path's binding, with DuckDB's message.
      if (declared && given.typeId === duckdbApi.DuckDBTypeId.VARCHAR && !(declared.kind === 'primitive' && declared.name === 'string')) return undefined;
      casts ||= declared !== undefined && given.toString() !== duckType(declared);
      args.push(declared ? `CAST(__loch_a${a} AS ${duckType(declared)})` : `__loch_a${a}`);
    }
  }
  if (passed.length + args.length === 0) return undefined;
  const sql = `SELECT ${[...passed.map(sqlIdent), ...args].join(', ')} FROM (${probe}) AS __loch_s1`;
  if (!needsProbe(plan.reads, new Set([...lower, ...plan.calls.map((_, i) => `__loch_r${i}`)]), casts)) return { sql, passed };
  return { sql, passed, probe: { sql: probe, columns: columnsText(names, types) } };
}

/**
 * Whether a cached plan must bind its probe again before stage 1 reruns: stage 1's result types
 * cover the columns it names and the arguments it passes uncast, but not a `*` (the FROM may gain
 * a column), a name stage 2 reads that the FROM lacked (it may gain it), or an argument cast to
 * its declared type (the cast hides a change, to a string say, which the scalar function path refuses).
 * `known`: the FROM's columns and the results' (stage 2 reads those from the stage).
 */
function needsProbe(reads: ReadonlySet<string> | 'all', known: ReadonlySet<string>, casts: boolean): boolean {
  return casts || reads === 'all' || [...reads].some((r) => !known.has(r));
}
