import type { DuckDBConnection } from '@duckdb/node-api';
import {
  addAction,
  deltaError,
  emptyLogFileActions,
  displayPath,
  withAddColumns,
  type CheckpointColumn,
  type FileMeta,
  type LogFileActions,
  type ParquetHandler,
} from '@loch/delta';
import { fileURLToPath } from 'node:url';
import { sqlIdent, sqlString, withConnection } from '../duckdb/database.js';
import { readAddColumns } from './checkpoint-adds.js';
import { writeCheckpointFile } from './checkpoint-writer.js';

/**
 * Reads checkpoint Parquet files through DuckDB. Add actions are the bulk of a checkpoint and
 * come back column by column (see checkpoint-adds.ts); every other action is rare and comes back
 * as JSON text.
 */
export interface ParquetHandlerOptions {
  /** Checkpoint files up to this size are read as JSON in one query (default 1 MiB; 0: always in bulk). */
  readonly smallCheckpointBytes?: number;
}

export class DuckDBParquetHandler implements ParquetHandler {
  private readonly smallBytes: number;

  constructor(options: ParquetHandlerOptions = {}) {
    this.smallBytes = options.smallCheckpointBytes ?? SMALL_CHECKPOINT_BYTES;
  }

  writeCheckpoint(path: string, rows: readonly Readonly<Record<string, unknown>>[]): Promise<void> {
    return writeCheckpointFile(path, rows);
  }

  async readCheckpointActions(files: FileMeta[], columns: readonly CheckpointColumn[]): Promise<LogFileActions[]> {
    return withConnection((c) => Promise.all(files.map((f) => readOne(c, f, columns, f.size > this.smallBytes))));
  }
}

async function readOne(c: DuckDBConnection, file: FileMeta, wanted: readonly CheckpointColumn[], bulk: boolean): Promise<LogFileActions> {
  const local = fileURLToPath(file.path);
  const src = `read_parquet(${sqlString(local)}, file_row_number = true)`;
  const out = emptyLogFileActions(file.path);
  let schema: Map<string, string>;
  try {
    const d = await c.runAndReadAll(`DESCRIBE SELECT * FROM ${src}`);
    schema = new Map(d.getRowObjectsJson().map((r) => [String(r.column_name), String(r.column_type)]));
  } catch (e) {
    throw deltaError('DELTA_CORRUPT_CHECKPOINT', `${displayPath(file.path)} is not a readable Parquet checkpoint: ${(e as Error).message}`, e);
  }
  const where = () => displayPath(file.path);
  // A small checkpoint reads faster as JSON in one query: the bulk path's parallel queries cost
  // tens of milliseconds of fixed work, which only pays off for thousands of adds.
  const columnar = bulk && wanted.includes('add') && schema.has('add');
  const small = wanted.filter((col) => (col !== 'add' || !columnar) && schema.has(col));
  // With the adds read apart, every other row holds another action: finding them reads only the
  // add paths (testing each action struct for NULL would read every field of every struct).
  const othersWhere = columnar ? 'add.path IS NULL' : small.map((col) => `${sqlIdent(col)} IS NOT NULL`).join(' OR ');
  const othersSql = `SELECT ${small.map((col) => `to_json(${sqlIdent(col)})::VARCHAR`).join(', ')} FROM ${src} WHERE ${othersWhere}`;
  // In bulk, the adds (column by column) and the rest (one query for every other action kind)
  // are read in parallel, each on connections of their own.
  const [adds, others] = await Promise.all([
    columnar ? readAddColumns(src, structFields(schema.get('add')!), file) : undefined,
    small.length ? (columnar ? withConnection(async (c2) => (await c2.runAndReadAll(othersSql)).getRows()) : c.runAndReadAll(othersSql).then((r) => r.getRows())) : [],
  ]);
  for (const row of others) {
    row.forEach((j, i) => {
      if (j !== null) addAction(out, { [small[i]]: normalize(small[i], JSON.parse(String(j))) }, where);
    });
  }
  return adds ? withAddColumns(out, adds) : out;
}

/** Checkpoints up to this size are read as JSON in one query (a few thousand adds). */
const SMALL_CHECKPOINT_BYTES = 1024 * 1024;

/** Fields of a STRUCT type as DuckDB prints it, top level only. */
function structFields(type: string): Set<string> {
  const inner = type.slice(type.indexOf('(') + 1, type.lastIndexOf(')'));
  const names = new Set<string>();
  let depth = 0;
  let start = 0;
  for (let i = 0; i <= inner.length; i++) {
    const ch = inner[i];
    if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if ((ch === ',' || i === inner.length) && depth === 0) {
      const part = inner.slice(start, i).trim();
      const name = part.startsWith('"') ? part.slice(1, part.indexOf('"', 1)) : part.split(/\s+/)[0];
      names.add(name);
      start = i + 1;
    }
  }
  return names;
}

/** DuckDB's JSON for a checkpoint row matches the log's JSON except for empty maps and nulls. */
function normalize(col: string, v: Record<string, unknown>): Record<string, unknown> {
  if (col === 'add') {
    // As the bulk path reads them: absent fields are absent (not null), dataChange defaults to true.
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== null && k !== 'stats_parsed' && k !== 'partitionValues_parsed') out[k] = x;
    return { ...out, partitionValues: v.partitionValues ?? {}, dataChange: v.dataChange ?? true };
  }
  if (col === 'metaData') {
    return {
      ...v,
      partitionColumns: v.partitionColumns ?? [],
      configuration: v.configuration ?? {},
      format: v.format ?? { provider: 'parquet', options: {} },
    };
  }
  if (col === 'remove') return { ...v, partitionValues: v.partitionValues ?? undefined };
  return v;
}
