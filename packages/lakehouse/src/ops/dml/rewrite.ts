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

/** A file holding rows the change matches: its local path, and how many rows it has and matches. */
interface Touched {
  readonly add: AddFile;
  readonly local: string;
  readonly total: number;
  readonly matching: number;
}

/** What rewriting touched files added and removed. */
interface FilesChanged {
  readonly removes: RemoveFile[];
  readonly adds: AddFile[];
  readonly addedBytes: number;
  readonly copiedRows: number;
  readonly deletionVectorsAdded: number;
  readonly deletionVectorsRemoved: number;
}

/** One row change under way: the scan of the files it may touch, and how rows are written. */
interface Rewrite {
  readonly c: DuckDBConnection;
  readonly engine: Engine;
  readonly snapshot: Snapshot;
  readonly now: number;
  /** The change's predicate as a condition that is TRUE for matching rows only. */
  readonly predicate: string;
  /** The scan of the files the change may touch, with each row's file (and position, with deletion vectors). */
  readonly inner: string;
  /** The table's columns as written back: set columns replaced on matching rows. */
  readonly columns: readonly string[];
  readonly fileArgs: Omit<WriteFilesArgs, 'relation' | 'data'>;
  readonly updates: boolean;
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
  const touched = await touchedFiles(c, snapshot, plan.files.map((f) => f.add), plan.files.map((f) => fileURLToPath(f.url)), inner, predicate, change);
  if (touched.length === 0) return empty;
  const columns = setColumns(snapshot, change, predicate);
  const rw: Rewrite = {
    c,
    engine,
    snapshot,
    now,
    predicate,
    inner,
    columns,
    updates: change.set !== undefined,
    fileArgs: {
      tableRoot: snapshot.tableRoot,
      table: snapshot.table,
      schema: snapshot.schema,
      partitionColumns: snapshot.partitionColumns,
      configuration: snapshot.metadata.configuration,
      checks: rowChecks(snapshot.schema, snapshot.metadata.configuration, snapshot.table),
    },
  };

  // Files whose every row is deleted go away whole, in either mode.
  const whole = change.set ? [] : touched.filter((t) => t.matching === t.total);
  const partial = touched.filter((t) => !whole.includes(t));
  const changed = partial.length === 0 ? undefined : dv ? await markRows(rw, partial) : await copyRows(rw, partial);
  const removes = [...whole.map((t) => removeOf(t.add, now)), ...(changed?.removes ?? [])];
  const cdcs = recordsChangeData(snapshot)
    ? await rowChangeData(c, engine, snapshot, { inner, predicate, files: touched.map((t) => t.local), ...(change.set ? { updated: columns } : {}) })
    : [];
  return {
    removes,
    adds: changed?.adds ?? [],
    cdcs,
    touched: touched.map((t) => t.add),
    ...(pruning ? { predicate: pruning } : {}),
    matchedRows: touched.reduce((n, t) => n + t.matching, 0),
    copiedRows: changed?.copiedRows ?? 0,
    deletionVectorsAdded: changed?.deletionVectorsAdded ?? 0,
    deletionVectorsRemoved: whole.filter((t) => t.add.deletionVector).length + (changed?.deletionVectorsRemoved ?? 0),
    addedBytes: changed?.addedBytes ?? 0,
    removedBytes: removes.reduce((n, r) => n + (r.size ?? 0), 0),
  };
}

/** The files of the scan holding at least one matching row, with their row counts. */
async function touchedFiles(
  c: DuckDBConnection,
  snapshot: Snapshot,
  adds: readonly AddFile[],
  locals: readonly string[],
  inner: string,
  predicate: string,
  change: RowChange,
): Promise<Touched[]> {
  let counts;
  try {
    counts = (await c.runAndReadAll(`SELECT __loch_file, count(*)::BIGINT, count(*) FILTER (WHERE ${predicate})::BIGINT FROM (${inner}) GROUP BY __loch_file`)).getRows();
  } catch (e) {
    throw deltaError('DELTA_INVALID_ARGUMENT', `${snapshot.table}: cannot evaluate "${change.predicate}": ${(e as Error).message.split('\n')[0]}`, e);
  }
  const byLocal = new Map(locals.map((l, i) => [l, adds[i]]));
  const touched: Touched[] = [];
  for (const [file, total, matching] of counts) {
    const add = byLocal.get(String(file));
    if (add && Number(matching) > 0) touched.push({ add, local: String(file), total: Number(total), matching: Number(matching) });
  }
  return touched;
}

/** The table's columns as written back, set columns replaced on matching rows; a set column the table lacks fails. */
function setColumns(snapshot: Snapshot, change: RowChange, predicate: string): string[] {
  const columns = snapshot.schema.fields.map((f) => {
    const expr = change.set?.[f.name] ?? Object.entries(change.set ?? {}).find(([k]) => k.toLowerCase() === f.name.toLowerCase())?.[1];
    return expr === undefined ? sqlIdent(f.name) : `CASE WHEN ${predicate} THEN (${expr}) ELSE ${sqlIdent(f.name)} END AS ${sqlIdent(f.name)}`;
  });
  for (const k of Object.keys(change.set ?? {})) {
    if (!snapshot.schema.fields.some((f) => f.name.toLowerCase() === k.toLowerCase())) {
      throw deltaError('DELTA_COLUMN_NOT_FOUND', `${snapshot.table} has no column '${k}' to set`);
    }
  }
  return columns;
}

const inList = (files: readonly string[]) => files.map(sqlString).join(', ');

/** With deletion vectors: matching rows marked deleted in each partly matching file; updated rows written anew. */
async function markRows(rw: Rewrite, partial: readonly Touched[]): Promise<FilesChanged> {
  const { c, engine, snapshot, predicate, inner } = rw;
  const files = inList(partial.map((t) => t.local));
  const rowsByFile = await positionsByFile(c, `SELECT __loch_file, __loch_row FROM (${inner}) WHERE ${predicate} AND __loch_file IN (${files})`);
  const updates = partial.map((t) => ({ add: t.add, rows: rowsByFile.get(t.local) ?? [] }));
  const written = await writeDeletionVectors(engine, snapshot.tableRoot, updates);
  const adds = [...written.adds];
  let addedBytes = written.bytes;
  if (rw.updates) {
    const relation = `(SELECT ${rw.columns.join(', ')} FROM (${inner}) WHERE ${predicate} AND __loch_file IN (${files}))`;
    const updated = await writeDataFiles(c, engine.storage, { ...rw.fileArgs, relation, data: snapshot.schema });
    adds.push(...updated.adds);
    addedBytes += updated.numOutputBytes;
  }
  return {
    removes: partial.map((t) => removeOf(t.add, rw.now)),
    adds,
    addedBytes,
    copiedRows: 0,
    deletionVectorsAdded: written.adds.length,
    deletionVectorsRemoved: partial.filter((t) => t.add.deletionVector).length,
  };
}

/** Copy-on-write: each partly matching file written again without its matching rows (or with them updated). */
async function copyRows(rw: Rewrite, partial: readonly Touched[]): Promise<FilesChanged> {
  const keep = rw.updates ? '' : ` AND NOT (${rw.predicate})`;
  const relation = `(SELECT ${rw.columns.join(', ')} FROM (${rw.inner}) WHERE __loch_file IN (${inList(partial.map((t) => t.local))})${keep})`;
  const rewritten = await writeDataFiles(rw.c, rw.engine.storage, { ...rw.fileArgs, relation, data: rw.snapshot.schema });
  return {
    removes: partial.map((t) => removeOf(t.add, rw.now)),
    adds: [...rewritten.adds],
    addedBytes: rewritten.numOutputBytes,
    copiedRows: partial.reduce((n, t) => n + t.total - t.matching, 0),
    deletionVectorsAdded: 0,
    deletionVectorsRemoved: 0,
  };
}
