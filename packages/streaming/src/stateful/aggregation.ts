import { sqlIdent } from '@loch/engine-node';
import { significant, sparkIdent, tokenize } from '@loch/lakehouse';
import type { StateStore } from '../checkpoint/state-store.js';
import type { GroupKey, Step } from '../frame/plan.js';
import type { BatchScope, StatefulOperator } from '../frame/run-steps.js';
import { expandWindows, isWindow, WINDOW_START, windowStruct, type WindowColumn } from '../frame/window.js';
import type { StateOperatorProgress } from '../query/progress.js';
import type { OutputMode } from '../sink.js';
import { decomposeAggregates, type DecomposedAggregates } from './aggregates.js';

interface Key {
  /** The key's column in the state and the output. */
  readonly name: string;
  /** SQL over the input rows (undefined for the window, which is computed by expansion). */
  readonly expr?: string;
}

/** A constant key for aggregations without groupBy: their single group. */
const GLOBAL_KEY = '__loch_group';

/**
 * A streaming aggregation (`groupBy(...).agg(...)`), Spark's StateStoreRestore/Save pair. Per
 * batch: the batch's rows are aggregated into partial values per group; the groups they touch
 * are merged with their state; windows the watermark has passed are evicted. What the sink gets
 * depends on the output mode: the updated groups (update), the evicted windows, final (append),
 * or every group (complete).
 */
export class AggregationOperator implements StatefulOperator {
  private readonly keys: readonly Key[];
  private readonly window: WindowColumn | undefined;
  private readonly parts: DecomposedAggregates;
  /** The key evicted by the watermark: the window start, or the watermark column itself. */
  private readonly eventKey: { readonly name: string; readonly window: boolean } | undefined;
  private eventColumnType = 'TIMESTAMP WITH TIME ZONE';

  constructor(
    step: Extract<Step, { kind: 'aggregate' }>,
    watermark: { readonly column: string } | undefined,
    private readonly outputMode: OutputMode,
    private readonly store: StateStore,
  ) {
    this.window = step.keys.find(isWindow);
    this.keys = keysOf(step.keys);
    this.parts = decomposeAggregates(step.aggregates);
    const byColumn = this.keys.find((k) => k.expr !== undefined && watermark && k.name.toLowerCase() === watermark.column.toLowerCase());
    this.eventKey = !watermark ? undefined : this.window && this.window.column.toLowerCase() === watermark.column.toLowerCase() ? { name: WINDOW_START, window: true } : byColumn ? { name: byColumn.name, window: false } : undefined;
  }

  /** The state's value columns (the partial aggregates), for the store. */
  static valueColumns(step: Extract<Step, { kind: 'aggregate' }>): string[] {
    return decomposeAggregates(step.aggregates).partials.map((p) => p.name);
  }

  async run(input: string, scope: BatchScope): Promise<{ output: string; progress: StateOperatorProgress }> {
    const started = performance.now();
    const { c, lake } = scope;
    const { kept, dropped } = await this.lateRowsDropped(input, scope);
    // The batch's partial values per group: user expressions, so through the lake's SQL.
    const partial = scope.table('partial');
    const keyItems = this.keys.map((k) => `${k.expr ?? k.name} AS ${sparkIdent(k.name)}`);
    const partItems = this.parts.partials.map((p) => `${p.expr} AS ${p.name}`);
    await lake.sql(`CREATE TABLE ${partial} AS SELECT ${[...keyItems, ...partItems].join(', ')} FROM ${kept} GROUP BY ALL`);

    await this.store.load(scope.batchId);
    await this.store.ensureShape(partial);
    const state = this.store.table;
    const keyCols = this.keys.map((k) => sqlIdent(k.name));
    const on = keyCols.map((k) => `s.${k} IS NOT DISTINCT FROM p.${k}`).join(' AND ');
    // Touched groups: their state merged with the batch's partials.
    const merged = scope.table('merged');
    const merges = this.parts.partials.map((p) => `${p.merge} AS ${p.name}`);
    await c.run(
      `CREATE TABLE ${merged} AS SELECT ${[...keyCols, ...merges].join(', ')} FROM (
         SELECT s.*, 0 AS __src FROM ${state} s SEMI JOIN ${partial} p ON ${on}
         UNION ALL BY NAME SELECT *, 1 AS __src FROM ${partial}
       ) GROUP BY ${keyCols.join(', ')}`,
    );
    // Groups the watermark has passed leave the state (never in complete mode, as in Spark).
    const expired = scope.table('expired');
    const expiry = this.outputMode === 'complete' ? undefined : this.pastWatermark(scope.watermarkMs);
    await c.run(
      `CREATE TABLE ${expired} AS SELECT * FROM (
         SELECT * FROM ${state} s ANTI JOIN ${merged} p ON ${on} UNION ALL BY NAME SELECT * FROM ${merged}
       ) WHERE ${expiry ?? 'false'}`,
    );
    const commitStarted = performance.now();
    const committed = await this.store.commit(scope.batchId + 1, merged, expired);
    const commitTimeMs = Math.round(performance.now() - commitStarted);
    const output = await this.finish(this.outputMode === 'update' ? merged : this.outputMode === 'append' ? expired : state, scope);
    return {
      output,
      progress: {
        operatorName: 'stateStoreSave',
        numRowsTotal: committed.numRowsTotal,
        numRowsUpdated: committed.numRowsUpdated,
        numRowsRemoved: committed.numRowsRemoved,
        numRowsDroppedByWatermark: dropped,
        memoryUsedBytes: committed.memoryUsedBytes,
        allUpdatesTimeMs: Math.round(commitStarted - started),
        commitTimeMs,
        numStateStoreInstances: 1,
        customMetrics: { stateOnCurrentVersionSizeBytes: committed.checkpointBytes },
      },
    };
  }

  /**
   * The input rows, expanded into their windows, without those the watermark says are too late
   * (their window, or key, has already been evicted); and how many were dropped.
   */
  private async lateRowsDropped(input: string, scope: BatchScope): Promise<{ kept: string; dropped: number }> {
    const { c } = scope;
    let rows = input;
    if (this.window) {
      this.eventColumnType = await columnType(scope, input, this.window.column);
      rows = scope.table('windowed');
      await c.run(`CREATE TABLE ${rows} AS ${expandWindows(this.window, input)}`);
    }
    const late = this.pastWatermark(scope.watermarkMs);
    if (!late) return { kept: rows, dropped: 0 };
    const kept = scope.table('on_time');
    await c.run(`CREATE TABLE ${kept} AS SELECT * FROM ${rows} WHERE NOT (${late})`);
    const r = await c.runAndReadAll(`SELECT (SELECT count(*) FROM ${rows}) - (SELECT count(*) FROM ${kept})`);
    return { kept, dropped: Number(r.getRows()[0][0]) };
  }

  /** The output rows, from state-shaped rows: the window as a struct, then the aggregates' final values. */
  private async finish(from: string, scope: BatchScope): Promise<string> {
    let shaped = from;
    if (this.window) {
      shaped = scope.table('shaped');
      await scope.c.run(`CREATE TABLE ${shaped} AS SELECT ${windowStruct(this.window, this.eventColumnType)} AS "window", * EXCLUDE (${WINDOW_START}) FROM ${from}`);
    }
    const keys = this.keys.filter((k) => k.name !== GLOBAL_KEY).map((k) => sparkIdent(k.name === WINDOW_START ? 'window' : k.name));
    const output = scope.table('aggregated');
    await scope.lake.sql(`CREATE TABLE ${output} AS SELECT ${[...keys, ...this.parts.outputs.map((o) => `${o.final} AS ${sparkIdent(o.name)}`)].join(', ')} FROM ${shaped}`);
    return output;
  }

  async close(): Promise<void> {
    await this.store.drop();
  }

  /**
   * DuckDB SQL true for rows (of expanded input, or of state) the watermark has passed: their
   * window ended, or their event-time key (the watermark column) is older.
   */
  private pastWatermark(watermarkMs: number): string | undefined {
    if (!this.eventKey || watermarkMs <= 0) return undefined;
    if (this.eventKey.window) return `${WINDOW_START} + ${this.window!.sizeMicros} <= ${watermarkMs * 1000}`;
    return `epoch_us(${sqlIdent(this.eventKey.name)}) <= ${watermarkMs * 1000}`;
  }
}

/** Grouping keys as named state columns (an aggregation without keys has one constant key). */
function keysOf(keys: readonly GroupKey[]): Key[] {
  const out: Key[] = keys.map((k) => (isWindow(k) ? { name: WINDOW_START } : { name: keyName(k), expr: keyExpr(k) }));
  return out.length > 0 ? out : [{ name: GLOBAL_KEY, expr: '0' }];
}

/** `expr AS name` → name; a bare column → its name; anything else is named by its text (as Spark does). */
function keyName(k: string): string {
  const t = significant(tokenize(k, 'spark'));
  const last = t.at(-1);
  if (t.length >= 3 && t.at(-2)?.kind === 'word' && t.at(-2)!.text.toUpperCase() === 'AS' && last && (last.kind === 'word' || last.kind === 'quoted')) return last.value;
  if (t.length === 1 && (t[0].kind === 'word' || t[0].kind === 'quoted')) return t[0].value;
  return k.trim();
}

function keyExpr(k: string): string {
  const t = significant(tokenize(k, 'spark'));
  if (t.length >= 3 && t.at(-2)?.kind === 'word' && t.at(-2)!.text.toUpperCase() === 'AS') return k.slice(0, t.at(-2)!.start).trim();
  return k;
}

async function columnType(scope: BatchScope, table: string, column: string): Promise<string> {
  const r = await scope.c.runAndReadAll(`SELECT typeof(${sqlIdent(column)}) FROM ${table} LIMIT 1`);
  if (r.currentRowCount > 0) return String(r.getRows()[0][0]);
  const d = await scope.c.runAndReadAll(`DESCRIBE SELECT ${sqlIdent(column)} FROM ${table}`);
  return String(d.getRows()[0][1]);
}
