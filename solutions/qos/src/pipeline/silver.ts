import { toStructType, type DataFrame, type Lakehouse, type SchemaInput } from '@loch/lakehouse';
import type { IpDatabase } from '../ip/ip-database.js';
import { EXPECTATIONS_SCHEMA } from './tables.js';
import { applyExpectations, type Expectation, type RawRow, type SilverRow } from './transform.js';

/** What one silver batch did: rows written and rows dropped by each expectation. */
export interface SilverBatchResult {
  readonly written: number;
  readonly failed: ReadonlyMap<string, number>;
}

/**
 * A foreachBatch function writing a silver table: each batch's rows transformed (IP anonymized and
 * enriched), checked against the expectations (failing rows dropped, counts kept in the
 * expectations table), and appended with the batch id as the Delta transaction version, so a
 * batch replayed after a crash is written once.
 */
export function silverWriter(
  lake: Lakehouse,
  db: IpDatabase,
  spec: { table: string; schema: Readonly<Record<string, string>>; partitionBy: readonly string[]; expectations: readonly Expectation[]; transform: (r: RawRow, db: IpDatabase) => SilverRow; expectationsTable: string },
  onBatch?: (r: SilverBatchResult) => void,
): (df: DataFrame, batchId: number) => Promise<void> {
  const appId = `loch-qos:${spec.table}`;
  return async (df, batchId) => {
    const raw = await df.toRows();
    if (raw.length === 0) return;
    const { kept, failed } = applyExpectations(raw.map((r) => spec.transform(r as RawRow, db)), spec.expectations);
    if (kept.length > 0) {
      await lake.table(spec.table).write(kept, { schema: toSchema(spec.schema), partitionBy: spec.partitionBy, txn: { appId, version: batchId } });
    }
    const now = new Date().toISOString();
    const counts = [...failed].map(([expectation, n]) => ({ table_name: spec.table, batch_id: batchId, expectation, failed_rows: n, passed_rows: raw.length - n, recorded_at: now }));
    await lake.table(spec.expectationsTable).write(counts, { schema: toSchema(EXPECTATIONS_SCHEMA), txn: { appId: `${appId}:expectations`, version: batchId } });
    onBatch?.({ written: kept.length, failed });
  };
}

const toSchema = (s: Readonly<Record<string, string>>) => toStructType(s as SchemaInput);
