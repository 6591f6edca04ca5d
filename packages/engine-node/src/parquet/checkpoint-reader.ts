import type { DuckDBConnection, DuckDBDataChunk } from '@duckdb/node-api';
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
 * Reads checkpoint Parquet files through DuckDB. Add actions are the bulk of a checkpoint and
 * come back in bulk (see readAdds); every other action is rare and comes back as JSON text.
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
    throw deltaError('DELTA_CORRUPT_CHECKPOINT', `${shortName(file.path)} is not a readable Parquet checkpoint: ${(e as Error).message}`, e);
  }
  const where = () => shortName(file.path);
  // A small checkpoint reads faster as JSON in one query: the bulk path's parallel queries cost
  // tens of milliseconds of fixed work, which only pays off for thousands of adds.
  const small = wanted.filter((col) => (col !== 'add' || !bulk) && schema.has(col));
  const othersSql = `SELECT ${small.map((col) => `to_json(${sqlIdent(col)})::VARCHAR`).join(', ')} FROM ${src} WHERE ${small.map((col) => `${sqlIdent(col)} IS NOT NULL`).join(' OR ')}`;
  // Bulk: the add actions and the rest (one query for every other action kind) read in parallel,
  // each on a connection of its own: DuckDB works on one while JavaScript builds the other.
  const [adds, others] = bulk
    ? await Promise.all([
        wanted.includes('add') && schema.has('add') ? readAdds(src, schema.get('add')!, file) : Promise.resolve([]),
        small.length ? withConnection(async (c2) => (await c2.runAndReadAll(othersSql)).getRows()) : Promise.resolve([]),
      ])
    : [[], small.length ? (await c.runAndReadAll(othersSql)).getRows() : []];
  // The adds become the file's add list as they are (copying 300k entries is not free).
  const result: LogFileActions = adds.length ? { ...out, adds } : out;
  for (const row of others) {
    row.forEach((j, i) => {
      if (j !== null) addAction(result, { [small[i]]: normalize(small[i], JSON.parse(String(j))) }, where);
    });
  }
  return result;
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

/** Rows per joined-text group: long enough to amortize the query, short enough to split cheaply. */
const GROUP = 16_384;
const EXTRA_FIELDS = ['deletionVector', 'tags', 'baseRowId', 'defaultRowCommitVersion', 'clusteringProvider'] as const;
/**
 * A numeric column of a chunk as a typed array. Reading the vector's backing array avoids a
 * method call per value (which costs more than the scan itself at 300k rows); the columns read
 * this way are never null (the queries coalesce them).
 */
function numbersOf(chunk: DuckDBDataChunk, column: number, rows: number): ArrayLike<number> {
  const vector = chunk.getColumnVector(column) as unknown as { items?: unknown; getItem(i: number): unknown };
  const items = vector.items;
  if (ArrayBuffer.isView(items) && !(items instanceof DataView) && (items as unknown as ArrayLike<number>).length >= rows) {
    return (items as unknown as { subarray(a: number, b: number): ArrayLike<number> }).subarray(0, rows);
  }
  const out = new Float64Array(rows);
  for (let i = 0; i < rows; i++) out[i] = Number(vector.getItem(i));
  return out;
}

/** 31 bits of DuckDB's hash of a partition-value map, as a plain JS number. */
const pvHash = (expr: string) => `(hash(${expr}) >> 33)::INTEGER`;

/**
 * The add actions of a checkpoint file. Converting DuckDB text values to JS strings one by one
 * dominates a naive read (about 1 µs each), so the bulk comes back in bulk, from parallel queries:
 * paths (and stats) joined into a few long strings and split here; numbers from typed vectors;
 * partition values as a small dictionary keyed by a hash that each row carries. Rare fields
 * (deletion vectors, tags, row ids) come back as JSON for the rows that have them.
 */
async function readAdds(src: string, type: string, file: FileMeta): Promise<AddFile[]> {
  const fields = structFields(type);
  const extras = EXTRA_FIELDS.filter((f) => fields.has(f));
  const pv = 'to_json(add.partitionValues)::VARCHAR';
  const joined = (expr: string, sep: string) =>
    withConnection(async (c) => {
      const groups = (await c.runAndReadAll(
        `SELECT string_agg(${expr}, ${sep} ORDER BY file_row_number), count(*)::BIGINT FROM ${src}
         WHERE add IS NOT NULL AND ${expr} IS NOT NULL GROUP BY file_row_number // ${GROUP} ORDER BY file_row_number // ${GROUP}`,
      )).getRows();
      const out: string[] = [];
      for (const [text, count] of groups) {
        const parts = String(text).split(sep === 'chr(10)' ? '\n' : '\u0001');
        // A value holding the separator itself would shift everything after it: refuse to guess.
        if (parts.length !== Number(count)) return undefined;
        for (const p of parts) out.push(p);
      }
      return out;
    });
  const [paths, stats, dictionary, extraRows, numbers] = await Promise.all([
    joined('add.path', 'chr(10)'),
    fields.has('stats') ? joined('add.stats', 'chr(1)') : Promise.resolve([] as string[]),
    withConnection(async (c) => (await c.runAndReadAll(`SELECT DISTINCT ${pv}, ${pvHash(pv)} FROM ${src} WHERE add IS NOT NULL`)).getRows()),
    extras.length
      ? withConnection(async (c) =>
          (await c.runAndReadAll(
            `SELECT file_row_number::BIGINT, ${extras.map((f) => `to_json(add.${sqlIdent(f)})::VARCHAR`).join(', ')} FROM ${src}
             WHERE add IS NOT NULL AND (${extras.map((f) => `add.${sqlIdent(f)} IS NOT NULL`).join(' OR ')}) ORDER BY file_row_number`,
          )).getRows(),
        )
      : Promise.resolve([]),
    withConnection(async (c) => {
      const n = Number((await c.runAndReadAll(`SELECT count(*)::BIGINT FROM ${src} WHERE add IS NOT NULL`)).getRows()[0][0]);
      const cols = {
        size: new Float64Array(n),
        mtime: new Float64Array(n),
        dc: new Uint8Array(n),
        pv: new Int32Array(n),
        hasStats: new Uint8Array(n),
        rowNumber: new Float64Array(extras.length ? n : 0),
      };
      const result = await c.run(
        `SELECT coalesce(add.size, 0)::DOUBLE, coalesce(add.modificationTime, 0)::DOUBLE, coalesce(add.dataChange, TRUE)::UTINYINT,
                coalesce(${pvHash(pv)}, 0), ${fields.has('stats') ? '(add.stats IS NOT NULL)::UTINYINT' : '0::UTINYINT'}, file_row_number::DOUBLE
         FROM ${src} WHERE add IS NOT NULL ORDER BY file_row_number`,
      );
      let at = 0;
      for (;;) {
        const chunk = await result.fetchChunk();
        if (!chunk || chunk.rowCount === 0) break;
        const rows = chunk.rowCount;
        if (at + rows > n) throw deltaError('DELTA_CORRUPT_CHECKPOINT', `${shortName(file.path)} changed while it was read`);
        cols.size.set(numbersOf(chunk, 0, rows), at);
        cols.mtime.set(numbersOf(chunk, 1, rows), at);
        cols.dc.set(numbersOf(chunk, 2, rows), at);
        cols.pv.set(numbersOf(chunk, 3, rows), at);
        cols.hasStats.set(numbersOf(chunk, 4, rows), at);
        if (extras.length) cols.rowNumber.set(numbersOf(chunk, 5, rows), at);
        at += rows;
      }
      return cols;
    }),
  ]);

  const pvByHash = new Map<number, PartitionValues>();
  let collision = false;
  for (const [json, h] of dictionary) {
    if (pvByHash.has(Number(h))) collision = true;
    pvByHash.set(Number(h), json === null ? {} : (JSON.parse(String(json)) as PartitionValues));
  }
  if (!paths || !stats || collision || paths.length !== numbers.size.length) return readAddsOneByOne(src, extras, file);

  const n = paths.length;
  const adds = new Array<AddFile>(n);
  let s = 0;
  for (let i = 0; i < n; i++) {
    const a: { -readonly [K in keyof AddFile]: AddFile[K] } = {
      path: paths[i],
      partitionValues: pvByHash.get(numbers.pv[i]) ?? {},
      size: numbers.size[i],
      modificationTime: numbers.mtime[i],
      dataChange: numbers.dc[i] === 1,
    };
    if (numbers.hasStats[i]) a.stats = stats[s++];
    adds[i] = a;
  }
  if (extraRows.length) {
    const index = new Map<number, number>();
    numbers.rowNumber.forEach((r, i) => index.set(r, i));
    for (const [rowNumber, ...values] of extraRows) applyExtras(adds[index.get(Number(rowNumber))!], extras, values);
  }
  return adds;
}

function applyExtras(add: AddFile, extras: readonly string[], values: unknown[]): void {
  const a = add as unknown as Record<string, unknown>;
  extras.forEach((f, i) => {
    if (values[i] !== null) a[f] = JSON.parse(String(values[i]));
  });
}

/** The plain path, for the odd checkpoint whose paths or stats contain a separator character. */
async function readAddsOneByOne(src: string, extras: readonly string[], file: FileMeta): Promise<AddFile[]> {
  return withConnection(async (c) => {
    const r = await c.runAndReadAll(
      `SELECT add.path, add.size::DOUBLE, add.modificationTime::DOUBLE, add.dataChange, to_json(add.partitionValues)::VARCHAR, add.stats
              ${extras.map((f) => `, to_json(add.${sqlIdent(f)})::VARCHAR`).join('')}
       FROM ${src} WHERE add IS NOT NULL ORDER BY file_row_number`,
    );
    const pvCache = new Map<string, PartitionValues>();
    return r.getRows().map(([path, size, mtime, dc, pv, stats, ...rest]) => {
      if (typeof path !== 'string') throw deltaError('DELTA_CORRUPT_CHECKPOINT', `${shortName(file.path)}: an add action has no path`);
      const key = String(pv);
      let values = pvCache.get(key);
      if (!values) pvCache.set(key, (values = pv === null ? {} : (JSON.parse(key) as PartitionValues)));
      const a: { -readonly [K in keyof AddFile]: AddFile[K] } = {
        path,
        partitionValues: values,
        size: size as number,
        modificationTime: mtime as number,
        dataChange: dc !== false,
      };
      if (stats !== null) a.stats = String(stats);
      applyExtras(a, extras, rest);
      return a as AddFile;
    });
  });
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
