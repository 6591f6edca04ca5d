import { withConnection } from '@loch/engine-node';
import { sparkIdent, sparkString, type Lakehouse } from '@loch/lakehouse';
import { randomUUID } from 'node:crypto';
import { ensureStreamSchema, STREAM_SCHEMA } from '../query/batch-tables.js';
import type { MaterializedViewDef } from './definition.js';
import { checkExpectations, type ExpectationCounts } from './expectations.js';
import { flowQuery } from './flow.js';

export interface ViewRefresh {
  readonly numOutputRows: number;
  readonly droppedRecords: number;
  readonly expectations: readonly ExpectationCounts[];
  readonly version?: number;
}

/**
 * Recomputes a materialized view: its query runs once over the lake's tables as they are now,
 * into a staging table the expectations are checked on; then the view's Delta table is replaced
 * by what passes (CREATE OR REPLACE TABLE: one commit, history kept, readers never see it empty).
 */
export async function refreshView(lake: Lakehouse, def: MaterializedViewDef, where: string): Promise<ViewRefresh> {
  const staging = `${STREAM_SCHEMA}.mv_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
  await withConnection((c) => ensureStreamSchema(c));
  try {
    await lake.sql(`CREATE TABLE ${staging} AS ${flowQuery(def.query, def.columns)}`);
    const check = await checkExpectations(lake, staging, def.expectations, def.name, where);
    const clauses = [
      def.partitionBy.length > 0 ? `PARTITIONED BY (${def.partitionBy.map(sparkIdent).join(', ')})` : '',
      def.comment !== undefined ? `COMMENT ${sparkString(def.comment)}` : '',
      Object.keys(def.properties).length > 0 ? `TBLPROPERTIES (${Object.entries(def.properties).map(([k, v]) => `${sparkString(k)} = ${sparkString(v)}`).join(', ')})` : '',
    ].filter(Boolean);
    const filter = check.keep !== undefined && check.dropped > 0 ? ` WHERE ${check.keep}` : '';
    const [r] = await lake.sql(`CREATE OR REPLACE TABLE ${def.name} ${clauses.join(' ')} AS SELECT * FROM ${staging}${filter}`);
    const [n] = await lake.sql(`SELECT count(*) AS n FROM ${def.name}`);
    return {
      numOutputRows: Number(n.rows[0]?.['n'] ?? 0),
      droppedRecords: check.dropped,
      expectations: check.counts,
      ...(r.version !== undefined ? { version: r.version } : {}),
    };
  } finally {
    await withConnection((c) => c.run(`DROP TABLE IF EXISTS ${staging}`));
  }
}
