import type { DuckDBConnection } from '@duckdb/node-api';
import {
  addAction,
  deltaError,
  emptyLogFileActions,
  shortName,
  type AddFile,
  type CheckpointColumn,
  type FileMeta,
  type LogFileActions,
  type ParquetHandler,
  type PartitionValues,
} from '@loch/delta';
import { fileURLToPath } from 'node:url';
import { sqlIdent, sqlString, withConnection } from '../duckdb/database.js';
import { writeCheckpointFile } from './checkpoint-writer.js';

/**
 * Reads checkpoint Parquet files through DuckDB. Add actions are the bulk of a checkpoint, so
 * their fields come back as plain columns (strings and doubles convert cheaply); every other
 * action is rare and comes back as JSON text.
 */
export class DuckDBParquetHandler implements ParquetHandler {
  writeCheckpoint(path: string, rows: readonly Readonly<Record<string, unknown>>[]): Promise<void> {
    return writeCheckpointFile(path, rows);
  }

  async readCheckpointActions(files: FileMeta[], columns: readonly CheckpointColumn[]): Promise<LogFileActions[]> {
    return withConnection((c) => Promise.all(files.map((f) => readOne(c, f, columns))));
  }
}

async function readOne(c: DuckDBConnection, file: FileMeta, wanted: readonly CheckpointColumn[]): Promise<LogFileActions> {
  const local = fileURLToPath(file.path);
  const src = `read_parquet(${sqlString(local)})`;
  const out = emptyLogFileActions(file.path);
  let schema: Map<string, string>;
  try {
    const d = await c.runAndReadAll(`DESCRIBE SELECT * FROM ${src}`);
    schema = new Map(d.getRowObjectsJson().map((r) => [String(r.column_name), String(r.column_type)]));
  } catch (e) {
    throw deltaError('DELTA_CORRUPT_CHECKPOINT', `${shortName(file.path)} is not a readable Parquet checkpoint: ${(e as Error).message}`, e);
  }
  const where = () => shortName(file.path);
  for (const col of wanted) {
    if (!schema.has(col)) continue;
    if (col === 'add') {
      out.adds.push(...(await readAdds(c, src, schema.get('add')!, file)));
      continue;
    }
    const r = await c.runAndReadAll(`SELECT to_json(${sqlIdent(col)})::VARCHAR AS j FROM ${src} WHERE ${sqlIdent(col)} IS NOT NULL`);
    for (const [j] of r.getRows()) addAction(out, { [col]: normalize(col, JSON.parse(String(j))) }, where);
  }
  return out;
}

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

async function readAdds(c: DuckDBConnection, src: string, type: string, file: FileMeta): Promise<AddFile[]> {
  const fields = structFields(type);
  const opt = (name: string, expr: string) => (fields.has(name) ? expr : 'NULL');
  const sql = `SELECT add.path, to_json(add.partitionValues)::VARCHAR, add.size::DOUBLE, add.modificationTime::DOUBLE,
      add.dataChange, ${opt('stats', 'add.stats')},
      ${opt('deletionVector', 'to_json(add.deletionVector)::VARCHAR')}, ${opt('tags', 'to_json(add.tags)::VARCHAR')},
      ${opt('baseRowId', 'add.baseRowId::DOUBLE')}, ${opt('defaultRowCommitVersion', 'add.defaultRowCommitVersion::DOUBLE')},
      ${opt('clusteringProvider', 'add.clusteringProvider')}
    FROM ${src} WHERE add IS NOT NULL`;
  const result = await c.run(sql);
  const adds: AddFile[] = [];
  const pvCache = new Map<string, PartitionValues>();
  const pv = (s: unknown): PartitionValues => {
    if (s === null) return {};
    const key = String(s);
    let v = pvCache.get(key);
    if (!v) {
      v = JSON.parse(key) as PartitionValues;
      pvCache.set(key, v);
    }
    return v;
  };
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    const cols = chunk.getColumns();
    const [path, pvs, size, mtime, dataChange, stats, dv, tags, baseRowId, drcv, clustering] = cols;
    for (let i = 0; i < chunk.rowCount; i++) {
      if (typeof path[i] !== 'string') {
        throw deltaError('DELTA_CORRUPT_CHECKPOINT', `${shortName(file.path)}: an add action has no path`);
      }
      const a: Record<string, unknown> = {
        path: path[i],
        partitionValues: pv(pvs[i]),
        size: size[i] as number,
        modificationTime: mtime[i] as number,
        dataChange: dataChange[i] !== false,
      };
      if (stats[i] !== null) a.stats = stats[i];
      if (dv[i] !== null) a.deletionVector = JSON.parse(String(dv[i]));
      if (tags[i] !== null) a.tags = JSON.parse(String(tags[i]));
      if (baseRowId[i] !== null) a.baseRowId = baseRowId[i];
      if (drcv[i] !== null) a.defaultRowCommitVersion = drcv[i];
      if (clustering[i] !== null) a.clusteringProvider = clustering[i];
      adds.push(a as unknown as AddFile);
    }
  }
  return adds;
}

/** DuckDB's JSON for a checkpoint row matches the log's JSON except for empty maps and nulls. */
function normalize(col: string, v: Record<string, unknown>): Record<string, unknown> {
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
