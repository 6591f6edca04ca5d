import type { DuckDBAppender, DuckDBConnection } from '@duckdb/node-api';
import type { StructType } from '@loch/delta';
import { connect, duckdbApi, sqlIdent } from '@loch/engine-node';
import { RecordBatch, Table, util } from 'apache-arrow';
import { duckDbType, duckType } from '../values/duck-types.js';
import { SqlError } from '../sql/errors.js';
import { typeText } from './duck-values.js';
import { ResultError, writeColumn } from './write-column.js';

/** DuckDB's schema for function APIs' results: tables of the process's database, so every session's connection sees them. */
export const RESULT_SCHEMA = 'loch_udf';
const CHUNK = 2048;
let tables = 0;

/**
 * Where a function API (mapInArrow, applyInArrow) puts what its function returns: a DuckDB table
 * with the declared schema, which the rest of the frame's query reads. Each table the function
 * returns is checked against the schema (columns by name, values by type) as it is appended.
 */
export class ResultTable {
  private constructor(
    private readonly c: DuckDBConnection,
    private readonly appender: DuckDBAppender,
    readonly name: string,
    private readonly schema: StructType,
    /** The function, for messages (`applyInArrow function fit`). */
    private readonly what: string,
  ) {}

  static async create(schema: StructType, what: string): Promise<ResultTable> {
    const c = await connect();
    const name = `r_${process.pid}_${++tables}`;
    try {
      const columns = schema.fields.map((f) => `${sqlIdent(f.name)} ${duckType(f.type)}`).join(', ');
      await c.run(`CREATE SCHEMA IF NOT EXISTS ${RESULT_SCHEMA}; CREATE TABLE ${RESULT_SCHEMA}.${name} (${columns})`);
      return new ResultTable(c, await c.createAppender(name, RESULT_SCHEMA), name, schema, what);
    } catch (e) {
      c.closeSync();
      throw e;
    }
  }

  /** The SQL that reads the table. */
  get query(): string {
    return `SELECT * FROM ${RESULT_SCHEMA}.${this.name}`;
  }

  /**
   * Appends a table or batch the function returned, after checking its columns against the
   * schema. Small results (a grouped map's row per group) wait to be written together, a chunk
   * at a time; their values are checked when written.
   */
  append(result: unknown): void {
    const t = result as Table | RecordBatch;
    if (typeof t !== 'object' || t === null || typeof t.getChild !== 'function' || !t.schema) {
      throw new SqlError('LOCH_UDF_RESULT_TYPE', `${this.what} returned ${t === null ? 'null' : typeof t === 'object' ? (t as object).constructor?.name : typeof t}; expected an Arrow Table or RecordBatch`);
    }
    const names = t.schema.fields.map((f) => f.name);
    const missing = this.schema.fields.filter((f) => !names.includes(f.name)).map((f) => f.name);
    if (missing.length > 0) {
      throw new SqlError('LOCH_UDF_SCHEMA_MISMATCH', `${this.what} returned columns (${names.join(', ')}); the declared schema (${this.declared()}) needs ${missing.join(', ')}`);
    }
    if (this.pending.length > 0 && !util.compareSchemas(this.pending[0].schema, t.schema)) this.flush();
    // Arrow cannot put an empty batch in a table beside others (it loses its columns).
    for (const b of t instanceof Table ? t.batches : [t]) if (b.numRows > 0) this.pending.push(b);
    this.pendingRows += t.numRows;
    if (this.pendingRows >= CHUNK) this.flush();
  }

  private pending: RecordBatch[] = [];
  private pendingRows = 0;

  /** Writes what waits, a DuckDB chunk at a time. */
  private flush(): void {
    if (this.pending.length === 0) return;
    const t = new Table(this.pending);
    this.pending = [];
    this.pendingRows = 0;
    const { DuckDBDataChunk } = duckdbApi;
    const types = this.schema.fields.map((f) => duckDbType(f.type));
    for (let start = 0; start < t.numRows; start += CHUNK) {
      const part = t.slice(start, Math.min(t.numRows, start + CHUNK));
      const chunk = DuckDBDataChunk.create(types, part.numRows);
      this.schema.fields.forEach((f, j) => {
        try {
          writeColumn(chunk.getColumnVector(j), f.type, part.getChild(f.name), part.numRows);
        } catch (e) {
          if (!(e instanceof ResultError)) throw e;
          throw new SqlError('LOCH_UDF_SCHEMA_MISMATCH', `${this.what}: column ${f.name} of its result ${e.message.replace(/^returned /, 'is ')} (declared schema: ${this.declared()})`);
        }
      });
      this.appender.appendDataChunk(chunk);
    }
  }

  private open = true;

  /** Makes what was appended readable; the table stays until `drop`. */
  finish(): void {
    if (this.open) {
      this.flush();
      this.appender.closeSync();
    }
    this.open = false;
  }

  /** Drops the table and releases the connection. */
  async drop(): Promise<void> {
    try {
      this.pending = [];
      if (this.open) this.appender.clear();
      this.finish();
      await this.c.run(`DROP TABLE IF EXISTS ${RESULT_SCHEMA}.${this.name}`);
    } finally {
      this.c.closeSync();
    }
  }

  private declared(): string {
    return this.schema.fields.map((f) => `${f.name} ${typeText(f.type)}`).join(', ');
  }
}
