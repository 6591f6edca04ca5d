import type { DuckDBConnection } from '@duckdb/node-api';
import { sqlIdent } from '@loch/engine-node';
import { sparkIdent, tokenize, type DataFrame, type Lakehouse } from '@loch/lakehouse';
import type { StateOperatorProgress } from '../query/progress.js';
import type { Step } from './plan.js';

/**
 * What a batch's operators share: the lake, the query's connection, the batch's watermark. SQL
 * the engine writes runs on the connection, in DuckDB's dialect; the user's expressions run
 * through the lake (Spark SQL: names in backquotes).
 */
export interface BatchScope {
  readonly lake: Lakehouse;
  /** The query's own DuckDB connection, for SQL the engine writes (not the user's expressions). */
  readonly c: DuckDBConnection;
  readonly batchId: number;
  /** The watermark this batch drops late rows and evicts state with (ms since the epoch; 0: none yet). */
  readonly watermarkMs: number;
  /** A fresh table name in the streaming schema; the batch's tables are dropped after it. */
  table(label: string): string;
}

/** A stateful operator (aggregation, deduplication) of a running query. */
export interface StatefulOperator {
  run(input: string, scope: BatchScope): Promise<{ output: string; progress: StateOperatorProgress }>;
  close(): Promise<void>;
}

export interface EventTimeStats {
  readonly minMs: number;
  readonly maxMs: number;
  readonly avgMs: number;
  readonly count: number;
}

export interface StepsResult {
  /** The batch's output rows. */
  readonly table: string;
  readonly eventTime?: EventTimeStats;
  readonly observed: Record<string, Record<string, unknown>>;
  readonly stateOperators: StateOperatorProgress[];
}

/**
 * Runs a frame's steps over one batch's input table. Stateless steps (select, filter,
 * withColumn, joins with static frames) pile up on a DataFrame of the lake, so they run as one
 * query through the lake's SQL front end (Spark functions, Delta tables at their latest
 * snapshot); the result is made a table where a step needs rows: watermark statistics, observed
 * metrics, stateful operators, and the output.
 */
export async function runSteps(
  scope: BatchScope,
  input: string,
  steps: readonly Step[],
  operators: ReadonlyMap<Step, StatefulOperator>,
): Promise<StepsResult> {
  let current = input;
  let pending: DataFrame | undefined;
  const frame = () => (pending ??= scope.lake.query(`SELECT * FROM ${current}`));
  const materialize = async (label: string): Promise<string> => {
    if (!pending) return current;
    const t = scope.table(label);
    await scope.lake.sql(`CREATE TABLE ${t} AS ${pending.toSql()}`);
    pending = undefined;
    current = t;
    return t;
  };
  const observed: Record<string, Record<string, unknown>> = {};
  const stateOperators: StateOperatorProgress[] = [];
  let eventTime: EventTimeStats | undefined;
  for (const step of steps) {
    switch (step.kind) {
      case 'alias':
        pending = frame().as(step.alias);
        break;
      case 'select':
        pending = frame().select(...step.columns);
        break;
      case 'filter':
        pending = frame().filter(step.condition);
        break;
      case 'withColumn':
        pending = frame().withColumn(step.name, step.expr);
        break;
      case 'join':
        pending = frame().join(step.other, step.on, step.how, step.hint ? { hint: step.hint } : {});
        break;
      case 'sql': {
        const t = await materialize('sql_in');
        pending = scope.lake.query(replaceIdentifier(step.query, step.input, t));
        break;
      }
      case 'watermark':
        eventTime = await eventTimeStats(scope.c, await materialize('watermarked'), step.column);
        break;
      case 'observe': {
        const t = await materialize('observed');
        const items = Object.entries(step.metrics).map(([name, e]) => `${e} AS ${sparkIdent(name)}`);
        const [result] = await scope.lake.sql(`SELECT ${items.join(', ')} FROM ${t}`);
        observed[step.name] = { ...(result.rows[0] ?? {}) };
        break;
      }
      case 'aggregate':
      case 'dropDuplicates': {
        const op = operators.get(step);
        if (!op) throw new Error(`no operator for the ${step.kind} step`);
        const { output, progress } = await op.run(await materialize('stateful_in'), scope);
        current = output;
        stateOperators.push(progress);
        break;
      }
    }
  }
  return { table: await materialize('output'), ...(eventTime ? { eventTime } : {}), observed, stateOperators };
}

async function eventTimeStats(c: DuckDBConnection, table: string, column: string): Promise<EventTimeStats | undefined> {
  const col = sqlIdent(column);
  const r = await c.runAndReadAll(`SELECT min(epoch_ms(${col}))::DOUBLE, max(epoch_ms(${col}))::DOUBLE, avg(epoch_ms(${col}))::DOUBLE, count(${col})::BIGINT FROM ${table}`);
  const [min, max, avg, count] = r.getRows()[0];
  if (Number(count) === 0) return undefined;
  return { minMs: Number(min), maxMs: Number(max), avgMs: Number(avg), count: Number(count) };
}

/** `query` with every occurrence of the bare identifier `name` (not in strings or comments) replaced by `relation`. */
export function replaceIdentifier(query: string, name: string, relation: string): string {
  let out = '';
  for (const t of tokenize(query, 'spark')) out += t.kind === 'word' && t.text === name ? relation : t.text;
  return out;
}
