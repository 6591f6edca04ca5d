import type { DuckDBConnection } from '@duckdb/node-api';
import { deltaError, type AddCdcFile, type AddFile, type Engine, type Predicate, type RemoveFile, type Snapshot } from '@loch/delta';
import { sqlIdent, sqlString } from '@loch/engine-node';
import { fileURLToPath } from 'node:url';
import { scanSql } from '../../scan/query.js';
import { selectFiles } from '../../planner/index.js';
import { writeDataFiles, type WriteFilesArgs } from '../../write/write-files.js';
import { rowChecks } from '../../write/checks.js';
import { removeOf } from '../remove-of.js';
import { writeDeletionVectors } from './deletion-vectors.js';
import { recordsChangeData, rowChangeData } from './change-data.js';

/** A row-level change: delete the rows matching `predicate`, or set columns on them. */
export interface RowChange {
  readonly predicate?: string;
  /** Column → SQL expression over the row; absent for a delete. */
  readonly set?: Readonly<Record<string, string>>;
}

export interface RewriteOutcome {
  readonly removes: RemoveFile[];
  readonly adds: AddFile[];
  /** Change-data files (on a table with the change data feed on). */
  readonly cdcs: AddCdcFile[];
  /** Files that held at least one matching row. */
  readonly touched: AddFile[];
  /** The kernel form of the predicate, when it could be translated (for conflict detection). */
  readonly predicate?: Predicate;
  readonly matchedRows: number;
  readonly copiedRows: number;
  readonly deletionVectorsAdded: number;
  readonly deletionVectorsRemoved: number;
  readonly addedBytes: number;
  readonly removedBytes: number;
}

/**
 * Row positions per file from a query of distinct (__loch_file, __loch_row) pairs, sorted. They
 * travel as one joined string per file: converting each position on its own costs more than the
 * query. (The caller sorts nothing: deletion vectors are built from sets.)
 */
export async function positionsByFile(c: DuckDBConnection, rowsQuery: string): Promise<Map<string, number[]>> {
  const r = await c.runAndReadAll(`SELECT __loch_file, string_agg(__loch_row::VARCHAR, ',') FROM (${rowsQuery}) GROUP BY 1`);
  return new Map(r.getRows().map(([f, list]) => [String(f), String(list).split(',').map(Number)]));
}

export function usesDeletionVectors(snapshot: Snapshot): boolean {
  return (
    snapshot.metadata.configuration['delta.enableDeletionVectors'] === 'true' &&
    (snapshot.protocol.readerFeatures ?? []).includes('deletionVectors')
  );
}

/**
 * Applies a row change to the files it touches. Copy-on-write rewrites each touched file without
 * (or with updated) matching rows; with deletion vectors enabled, matching rows are marked deleted
 * in a DV instead and only updated rows are written anew.
 */
export async function rewriteRows(c: DuckDBConnection, engine: Engine, snapshot: Snapshot, change: RowChange, now: number): Promise<RewriteOutcome> {
  const predicate = change.predicate?.trim() ? `(${change.predicate}) IS TRUE` : 'TRUE';
  const dv = usesDeletionVectors(snapshot);
  // Files that cannot hold a matching row (by partition values or stats) are never opened.
  const { plan, predicate: pruning } = await selectFiles(c, snapshot, change.predicate?.trim() ? change.predicate : undefined);
  const inner = await scanSql(c, engine, plan, { withFile: true, withRowNumber: dv });
  const empty: RewriteOutcome = { removes: [], adds: [], cdcs: [], touched: [], matchedRows: 0, copiedRows: 0, deletionVectorsAdded: 0, deletionVectorsRemoved: 0, addedBytes: 0, removedBytes: 0 };
  if (!inner) return empty;

  let counts;
  try {
    counts = (await c.runAndReadAll(`SELECT __loch_file, count(*)::BIGINT, count(*) FILTER (WHERE ${predicate})::BIGINT FROM (${inner}) GROUP BY __loch_file`)).getRows();
  } catch (e) {
    throw deltaError('DELTA_INVALID_ARGUMENT', `${snapshot.table}: cannot evaluate "${change.predicate}": ${(e as Error).message.split('\n')[0]}`, e);
  }
  const byLocal = new Map(plan.files.map((f) => [fileURLToPath(f.url), f.add]));
  const touched: { add: AddFile; local: string; total: number; matching: number }[] = [];
  for (const [file, total, matching] of counts) {
    const add = byLocal.get(String(file));
    if (add && Number(matching) > 0) touched.push({ add, local: String(file), total: Number(total), matching: Number(matching) });
  }
  if (touched.length === 0) return empty;
  const matchedRows = touched.reduce((n, t) => n + t.matching, 0);
  const fileArgs: Omit<WriteFilesArgs, 'relation' | 'data'> = {
    tableRoot: snapshot.tableRoot,
    table: snapshot.table,
    schema: snapshot.schema,
    partitionColumns: snapshot.partitionColumns,
    configuration: snapshot.metadata.configuration,
    checks: rowChecks(snapshot.schema, snapshot.metadata.configuration, snapshot.table),
  };
  const inList = (files: string[]) => files.map(sqlString).join(', ');
  const columns = snapshot.schema.fields.map((f) => {
    const expr = change.set?.[f.name] ?? Object.entries(change.set ?? {}).find(([k]) => k.toLowerCase() === f.name.toLowerCase())?.[1];
    return expr === undefined ? sqlIdent(f.name) : `CASE WHEN ${predicate} THEN (${expr}) ELSE ${sqlIdent(f.name)} END AS ${sqlIdent(f.name)}`;
  });
  for (const k of Object.keys(change.set ?? {})) {
    if (!snapshot.schema.fields.some((f) => f.name.toLowerCase() === k.toLowerCase())) {
      throw deltaError('DELTA_COLUMN_NOT_FOUND', `${snapshot.table} has no column '${k}' to set`);
    }
  }

  const removes: RemoveFile[] = [];
  const adds: AddFile[] = [];
  let copiedRows = 0;
  let addedBytes = 0;
  let deletionVectorsAdded = 0;
  let deletionVectorsRemoved = 0;

  // Files whose every row is deleted go away whole, in either mode.
  const whole = change.set ? [] : touched.filter((t) => t.matching === t.total);
  const partial = touched.filter((t) => !whole.includes(t));
  for (const t of whole) {
    removes.push(removeOf(t.add, now));
    if (t.add.deletionVector) deletionVectorsRemoved++;
  }

  if (dv && partial.length > 0) {
    const rowsByFile = await positionsByFile(c, `SELECT __loch_file, __loch_row FROM (${inner}) WHERE ${predicate} AND __loch_file IN (${inList(partial.map((t) => t.local))})`);
    const updates = partial.map((t) => ({ add: t.add, rows: rowsByFile.get(t.local) ?? [] }));
    const written = await writeDeletionVectors(engine, snapshot.tableRoot, updates);
    for (const t of partial) {
      removes.push(removeOf(t.add, now));
      if (t.add.deletionVector) deletionVectorsRemoved++;
    }
    adds.push(...written.adds);
    deletionVectorsAdded += written.adds.length;
    addedBytes += written.bytes;
    if (change.set) {
      const relation = `(SELECT ${columns.join(', ')} FROM (${inner}) WHERE ${predicate} AND __loch_file IN (${inList(partial.map((t) => t.local))}))`;
      const updated = await writeDataFiles(c, engine.storage, { ...fileArgs, relation, data: snapshot.schema });
      adds.push(...updated.adds);
      addedBytes += updated.numOutputBytes;
    }
  } else if (partial.length > 0) {
    const keep = change.set ? '' : ` AND NOT (${predicate})`;
    const relation = `(SELECT ${columns.join(', ')} FROM (${inner}) WHERE __loch_file IN (${inList(partial.map((t) => t.local))})${keep})`;
    const rewritten = await writeDataFiles(c, engine.storage, { ...fileArgs, relation, data: snapshot.schema });
    for (const t of partial) removes.push(removeOf(t.add, now));
    adds.push(...rewritten.adds);
    addedBytes += rewritten.numOutputBytes;
    copiedRows = partial.reduce((n, t) => n + t.total - t.matching, 0);
  }
  const cdcs = recordsChangeData(snapshot)
    ? await rowChangeData(c, engine, snapshot, { inner, predicate, files: touched.map((t) => t.local), ...(change.set ? { updated: columns } : {}) })
    : [];
  return {
    removes,
    adds,
    cdcs,
    touched: touched.map((t) => t.add),
    ...(pruning ? { predicate: pruning } : {}),
    matchedRows,
    copiedRows,
    deletionVectorsAdded,
    deletionVectorsRemoved,
    addedBytes,
    removedBytes: removes.reduce((n, r) => n + (r.size ?? 0), 0),
  };
}
