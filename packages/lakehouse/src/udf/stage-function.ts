/**
 * The DuckDB function through which a staged query's second stage reads its first stage's rows
 * and the UDFs' results (see staged-run.ts). Stage 2 scans `range(...)` over the first stage's
 * chunks and calls `__loch_stage_<n>(k)`: DuckDB hands the function up to 2,048 chunk numbers in
 * one call (one hand-off to the JS thread for up to ~4M rows, where a UDF called as a DuckDB
 * scalar function has one per 2,048 rows). For those chunks the function reads the first
 * stage's materialized result synchronously, calls each UDF on batches of up to
 * maxRecordsPerBatch rows, and answers one list per chunk of structs: the columns passed
 * through, then each call's result. `unnest` turns the lists back into rows, in order.
 */
import type { DuckDBMaterializedResult, DuckDBType } from '@duckdb/node-api';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { DataType } from '@loch/delta';
import { duckdbApi, duckdbBindings as ddb, rawResult } from '@loch/engine-node';
import type { Vector } from 'apache-arrow';
import { duckDbType } from '../values/duck-types.js';
import { flatType, vectorReader, type FlatType, type RawChunk, type RawVector } from './arrow-in.js';
import { failure } from './duckdb-functions.js';
import type { UserFunction } from './types.js';
import { ResultError, resultLength, writeResult } from './write-column.js';

type ScalarUdf = Extract<UserFunction, { kind: 'scalar' }>;

/** One call of a staged query: its function, its argument columns (indexes after the passed-through ones). */
export interface StageCall {
  readonly fn: ScalarUdf;
  readonly args: readonly number[];
}

/** What stage 2 reads from: the first stage's result and the calls to make over it. */
export interface Stage {
  readonly result: DuckDBMaterializedResult;
  /** Types of the first stage's columns passed through to stage 2 (its first columns). */
  readonly passed: readonly DuckDBType[];
  /** Types of its argument columns (after those). */
  readonly argTypes: readonly DuckDBType[];
  readonly calls: readonly StageCall[];
  readonly maxRecords: number;
}

const stages = new Map<number, Stage>();
let lastStage = 0;
/** A chunk number in stage 2 carries its stage: stage * 2^32 + chunk. */
export const CHUNK_SPACE = 2 ** 32;

export function openStage(s: Stage): number {
  const id = ++lastStage;
  stages.set(id, s);
  return id;
}

export function closeStage(id: number): void {
  stages.delete(id);
}

/** Bytes per value of the DuckDB types a stage passes through or returns (fixed width, flat in a vector); undefined for others. */
export function fixedWidth(t: DuckDBType): number | undefined {
  const id = duckdbApi.DuckDBTypeId;
  switch (t.typeId) {
    case id.BOOLEAN: case id.TINYINT: case id.UTINYINT: return 1;
    case id.SMALLINT: case id.USMALLINT: return 2;
    case id.INTEGER: case id.UINTEGER: case id.FLOAT: case id.DATE: return 4;
    case id.BIGINT: case id.UBIGINT: case id.DOUBLE: case id.TIME: case id.TIMESTAMP: case id.TIMESTAMP_S: case id.TIMESTAMP_MS: case id.TIMESTAMP_NS: case id.TIMESTAMP_TZ: case id.TIME_TZ: return 8;
    case id.HUGEINT: case id.UHUGEINT: case id.UUID: case id.INTERVAL: return 16;
    case id.DECIMAL: {
      const w = (t as unknown as { width: number }).width;
      return w <= 4 ? 2 : w <= 9 ? 4 : w <= 18 ? 8 : 16;
    }
    default: return undefined;
  }
}

/** Names of the stage functions registered in this process, by the types they return. */
const registered = new Map<string, string>();

/** The stage function for rows of `types` (passed-through columns, then results), registered on first use. */
export function stageFunction(c: DuckDBConnection, types: readonly DuckDBType[]): string {
  const signature = types.map((t) => t.toString()).join(',');
  const known = registered.get(signature);
  if (known) return known;
  const { BIGINT, DuckDBScalarFunction, LIST, STRUCT } = duckdbApi;
  const name = `__loch_stage_${registered.size + 1}`;
  const fn = DuckDBScalarFunction.create({
    name,
    returnType: LIST(STRUCT(Object.fromEntries(types.map((t, i) => [`c${i}`, t])))),
    parameterTypes: [BIGINT],
    volatile: true,
    mainFunction: () => {},
  });
  ddb.scalar_function_set_function(fn.scalar_function, (info, input, output) => {
    let stage: Stage | undefined;
    try {
      const n = ddb.data_chunk_get_size(input);
      const keys = new BigInt64Array(ddb.vector_get_data(ddb.data_chunk_get_vector(input, 0), n * 8).slice().buffer);
      stage = stages.get(Math.floor(Number(keys[0]) / CHUNK_SPACE));
      if (!stage) throw new Error('the staged query has ended');
      fillChunks(stage, Array.from(keys, (k) => Number(k) % CHUNK_SPACE), output);
    } catch (e) {
      ddb.scalar_function_set_error(info, e instanceof CallFailure ? e.message : `LOCH_UDF_FAILED: staged UDF call failed: ${(e as Error).message}`);
    }
  });
  c.registerScalarFunction(fn);
  registered.set(signature, name);
  return name;
}

/** A UDF's failure, as the message the statement fails with. */
class CallFailure extends Error {}

const align64 = (n: number) => Math.ceil(n / 64) * 64;

type RawResult = ReturnType<typeof rawResult>;

/**
 * A chunk of the first stage, read through the C API: its rows, where they start in the output
 * list's child, and per column its vector, values and null bits (views of DuckDB's memory, valid
 * while `chunk` is referenced; the null bits null where the column has none). Each is read once.
 */
interface Pulled {
  readonly chunk: RawChunk;
  readonly size: number;
  readonly offset: number;
  readonly vectors: readonly RawVector[];
  readonly data: readonly Uint8Array[];
  readonly bits: readonly (Uint8Array | null)[];
}

function pull(result: RawResult, index: number, offset: number, widths: readonly (number | undefined)[]): Pulled {
  const chunk = ddb.result_get_chunk(result, index);
  const size = ddb.data_chunk_get_size(chunk);
  const vectors: RawVector[] = [];
  const data: Uint8Array[] = [];
  const bits: (Uint8Array | null)[] = [];
  widths.forEach((width, j) => {
    const v = ddb.data_chunk_get_vector(chunk, j);
    vectors.push(v);
    // A column that is not flat is read through its vector (see ArgumentColumns).
    data.push(width === undefined ? EMPTY : ddb.vector_get_data(v, size * width));
    bits.push(width === undefined ? null : ddb.vector_get_validity(v, Math.ceil(size / 64) * 8) ?? null);
  });
  return { chunk, size, offset, vectors, data, bits };
}

const EMPTY = new Uint8Array(0);

/** Rows `start` to `end` of a pulled chunk. */
interface Piece {
  readonly pulled: Pulled;
  readonly start: number;
  readonly end: number;
}

/**
 * One list per chunk: its rows' passed-through columns and the calls' results, each chunk's
 * values starting at a multiple of 64 rows. The chunks are read first, in one tight loop (reading
 * each as the batches reach it, while its bytes are in cache, measured no better), then handed to
 * the calls in batches.
 */
function fillChunks(stage: Stage, chunks: readonly number[], output: RawVector): void {
  const args = new ArgumentColumns(stage);
  const result = rawResult(stage.result);
  const pulled: Pulled[] = [];
  let total = 0;
  for (const index of chunks) {
    const p = pull(result, index, total, args.widths);
    pulled.push(p);
    total += align64(p.size);
  }
  ddb.list_vector_reserve(output, total);
  const child = ddb.list_vector_get_child(output);
  const fields = [...stage.passed, ...stage.calls.map((c) => duckDbType(c.fn.returns))].map((t, j) => new FieldWriter(ddb.struct_vector_get_child(child, j), t, total));
  const entries = new BigUint64Array(2 * chunks.length);
  let batch: Piece[] = [];
  let rows = 0;
  pulled.forEach((p, c) => {
    entries[2 * c] = BigInt(p.offset);
    entries[2 * c + 1] = BigInt(p.size);
    for (let j = 0; j < stage.passed.length; j++) fields[j].copyFrom(p.data[j], p.bits[j], p.size, p.offset);
    for (let start = 0; start < p.size; ) {
      const end = Math.min(p.size, start + (stage.maxRecords - rows));
      batch.push({ pulled: p, start, end });
      rows += end - start;
      start = end;
      if (rows === stage.maxRecords) {
        callBatch(stage, args, fields, batch, rows);
        batch = [];
        rows = 0;
      }
    }
  });
  if (rows > 0) callBatch(stage, args, fields, batch, rows);
  for (const f of fields) f.finish();
  ddb.list_vector_set_size(output, total);
  ddb.copy_data_to_vector(output, 0, entries.buffer as ArrayBuffer, 0, entries.byteLength);
}

/** Each call over one batch of `rows` rows, its result written where the batch's rows lie. */
function callBatch(stage: Stage, args: ArgumentColumns, fields: readonly FieldWriter[], batch: readonly Piece[], rows: number): void {
  stage.calls.forEach((call, i) => {
    // Each call gets its own copies: a function may keep or change what it is handed.
    const vectors = call.args.map((a) => args.batch(a, batch, rows));
    try {
      const result = call.fn.fn(...vectors);
      const length = resultLength(result);
      if (length !== undefined && length !== rows) throw new ResultError('LOCH_UDF_RESULT_LENGTH', `returned ${length} values for ${rows} rows (expected ${rows}: one per input row)`);
      fields[stage.passed.length + i].write(call.fn.returns, result, batch, rows);
    } catch (e) {
      throw new CallFailure(failure(call.fn, e));
    }
  });
}

/** The argument columns of the pulled chunks as Arrow vectors, a batch at a time (copied: the function may keep them). */
class ArgumentColumns {
  /** Bytes per value of each stage 1 column that is read as bytes (passed through, or a flat argument); undefined for the others. */
  readonly widths: readonly (number | undefined)[];
  private readonly readers: ReturnType<typeof vectorReader>[];
  private readonly flat: (FlatType | undefined)[];

  constructor(private readonly stage: Stage) {
    this.readers = stage.argTypes.map((t) => vectorReader(t));
    this.flat = stage.argTypes.map((t, a) => flatType(t, this.readers[a].type));
    this.widths = [...stage.passed.map((t) => fixedWidth(t)), ...this.flat.map((f) => f?.width)];
  }

  batch(a: number, pieces: readonly Piece[], rows: number): Vector {
    const column = this.stage.passed.length + a;
    const flat = this.flat[a];
    if (!flat) {
      const parts = pieces.map((p) => {
        const v = this.readers[a].read(p.pulled.vectors[column], p.pulled.size);
        return p.start === 0 && p.end === p.pulled.size ? v : v.slice(p.start, p.end);
      });
      return parts.length === 1 ? parts[0] : parts[0].concat(...parts.slice(1));
    }
    // One contiguous buffer for the batch: one copy of each piece's bytes, and of its null bits where it has any.
    const width = flat.width;
    // Uninitialized memory (every byte is written below): no zeroing, and malloc's reused pages rather than fresh ones.
    const bytes = new Uint8Array(Buffer.allocUnsafeSlow(rows * width).buffer, 0, rows * width);
    let validity: Uint8Array | null = null;
    let at = 0;
    for (const p of pieces) {
      const n = p.end - p.start;
      bytes.set(p.pulled.data[column].subarray(p.start * width, p.end * width), at * width);
      const bits = p.pulled.bits[column];
      if (bits) {
        validity ??= new Uint8Array(Math.ceil(rows / 64) * 8).fill(0xff);
        for (let i = 0; i < n; i++) if (!(bits[(p.start + i) >> 3] & (1 << ((p.start + i) & 7)))) validity[(at + i) >> 3] &= ~(1 << ((at + i) & 7));
      }
      at += n;
    }
    return flat.make(new flat.array(bytes.buffer as ArrayBuffer, 0, rows), validity, rows);
  }
}

/** One field of the output's structs: values written where each chunk's rows start, null bits gathered and written once. */
class FieldWriter {
  private readonly width: number;
  private validity: Uint8Array | undefined;

  constructor(
    private readonly vector: RawVector,
    private readonly type: DuckDBType,
    private readonly rows: number,
  ) {
    this.width = fixedWidth(type)!;
  }

  /** A pulled chunk's column (its values and null bits), its `n` rows at row `at`. */
  copyFrom(bytes: Uint8Array, bits: Uint8Array | null, n: number, at: number): void {
    ddb.copy_data_to_vector(this.vector, at * this.width, bytes.buffer as ArrayBuffer, bytes.byteOffset, n * this.width);
    if (bits) this.nulls().set(bits.subarray(0, Math.ceil(n / 64) * 8), at / 8);
  }

  /** A batch's result, each run of pieces that lie end to end in the output in one copy. */
  write(t: DataType, result: unknown, pieces: readonly Piece[], rows: number): void {
    const flat = flatType(this.type, t)?.array;
    let bytes: Uint8Array;
    let bits: Uint8Array | null = null;
    if (flat && result instanceof flat) {
      bytes = new Uint8Array(result.buffer, result.byteOffset, result.byteLength);
    } else {
      // Anything else through a vector of the result's type, as the scalar function path writes it (checks included).
      const scratch = ddb.create_vector(this.type.toLogicalType().logical_type, Math.max(rows, 1));
      writeResult(scratch, t, this.type, result, rows);
      bytes = ddb.vector_get_data(scratch, rows * this.width).slice();
      bits = ddb.vector_get_validity(scratch, Math.ceil(rows / 64) * 8)?.slice() ?? null;
    }
    let at = 0;
    for (let i = 0; i < pieces.length; ) {
      const to = pieces[i].pulled.offset + pieces[i].start;
      let n = 0;
      for (; i < pieces.length && pieces[i].pulled.offset + pieces[i].start === to + n; i++) n += pieces[i].end - pieces[i].start;
      ddb.copy_data_to_vector(this.vector, to * this.width, bytes.buffer as ArrayBuffer, bytes.byteOffset + at * this.width, n * this.width);
      if (bits) {
        const nulls = this.nulls();
        for (let r = 0; r < n; r++) if (!(bits[(at + r) >> 3] & (1 << ((at + r) & 7)))) nulls[(to + r) >> 3] &= ~(1 << ((to + r) & 7));
      }
      at += n;
    }
  }

  private nulls(): Uint8Array {
    this.validity ??= new Uint8Array(Math.ceil(this.rows / 64) * 8).fill(0xff);
    return this.validity;
  }

  finish(): void {
    if (!this.validity) return;
    ddb.vector_ensure_validity_writable(this.vector);
    ddb.copy_data_to_vector_validity(this.vector, 0, this.validity.buffer as ArrayBuffer, 0, this.validity.byteLength);
  }
}
