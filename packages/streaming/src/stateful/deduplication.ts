import { sqlIdent } from '@loch/engine-node';
import type { StateStore } from '../checkpoint/state-store.js';
import type { BatchScope, StatefulOperator } from '../frame/run-steps.js';
import type { StateOperatorProgress } from '../query/progress.js';

/** The state column holding the event time of a key's first row (the store's one value column). */
export const EVENT_TIME = '__loch_event_time';

/**
 * `dropDuplicates(columns)` on a stream: a row passes when no earlier row of any batch had its
 * key. The state keeps each key seen; with a watermark it also keeps the event time of the
 * key's first row and forgets the key once the watermark passes that time, and rows older than
 * the watermark are dropped as late (counted in numRowsDroppedByWatermark).
 */
export class DeduplicationOperator implements StatefulOperator {
  constructor(
    /** Key columns; undefined: every column. */
    private readonly columns: readonly string[] | undefined,
    private readonly watermark: { readonly column: string } | undefined,
    private readonly store: StateStore,
  ) {}

  async run(input: string, scope: BatchScope): Promise<{ output: string; progress: StateOperatorProgress }> {
    const started = performance.now();
    const { c } = scope;
    const keys = (this.columns ?? (await columnsOf(scope, input))).map(sqlIdent);
    const time = this.watermark ? `epoch_us(${sqlIdent(this.watermark.column)})` : undefined;
    const late = time && scope.watermarkMs > 0 ? `${time} <= ${scope.watermarkMs * 1000}` : undefined;
    let dropped = 0;
    if (late) dropped = Number((await c.runAndReadAll(`SELECT count(*)::BIGINT FROM ${input} WHERE ${late}`)).getRows()[0][0]);
    // One row per key within the batch, then only keys no earlier batch had.
    const distinct = `SELECT DISTINCT ON (${keys.join(', ')}) * FROM ${input}${late ? ` WHERE NOT (${late})` : ''}`;
    const keyRows = scope.table('dedup_keys');
    await c.run(`CREATE TABLE ${keyRows} AS SELECT ${keys.join(', ')}${time ? `, ${time} AS ${EVENT_TIME}` : ''} FROM (${distinct}) LIMIT 0`);
    await this.store.load(scope.batchId);
    await this.store.ensureShape(keyRows);
    const on = keys.map((k) => `s.${k} IS NOT DISTINCT FROM i.${k}`).join(' AND ');
    const output = scope.table('deduplicated');
    await c.run(`CREATE TABLE ${output} AS SELECT * FROM (${distinct}) AS i ANTI JOIN ${this.store.table} s ON ${on}`);
    await c.run(`INSERT INTO ${keyRows} SELECT ${keys.join(', ')}${time ? `, ${time}` : ''} FROM ${output}`);
    const expired = scope.table('dedup_expired');
    await c.run(`CREATE TABLE ${expired} AS SELECT * FROM ${this.store.table} WHERE ${time && scope.watermarkMs > 0 ? `${EVENT_TIME} <= ${scope.watermarkMs * 1000}` : 'false'}`);
    const commitStarted = performance.now();
    const committed = await this.store.commit(scope.batchId + 1, keyRows, expired);
    return {
      output,
      progress: {
        operatorName: 'dedupe',
        numRowsTotal: committed.numRowsTotal,
        numRowsUpdated: committed.numRowsUpdated,
        numRowsRemoved: committed.numRowsRemoved,
        numRowsDroppedByWatermark: dropped,
        memoryUsedBytes: committed.memoryUsedBytes,
        allUpdatesTimeMs: Math.round(commitStarted - started),
        commitTimeMs: Math.round(performance.now() - commitStarted),
        numStateStoreInstances: 1,
        customMetrics: { stateOnCurrentVersionSizeBytes: committed.checkpointBytes },
      },
    };
  }

  async close(): Promise<void> {
    await this.store.drop();
  }
}

async function columnsOf(scope: BatchScope, table: string): Promise<string[]> {
  const r = await scope.c.runAndReadAll(`DESCRIBE ${table}`);
  return r.getRows().map((row) => String(row[0]));
}
