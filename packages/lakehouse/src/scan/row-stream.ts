import type { DuckDBConnection, DuckDBDataChunk, DuckDBResult, DuckDBType, DuckDBValue } from '@duckdb/node-api';
import type { DataType, StructType } from '@loch/delta';
import type { RecordBatch } from 'apache-arrow';
import { streamSql } from '@loch/engine-node';
import { SqlError } from '../sql/errors.js';
import { toRecordBatch } from './arrow-output.js';
import type { JsonValue } from '../values/json-values.js';
import { chunkRows, chunks, readRows, type Row } from './read-rows.js';
import { copyQuery, type ExportFormat, type ExportOptions, type ExportResult } from '../export/copy.js';

/** An output column of a query: its name, the Delta type its values are encoded as, and how. */
export interface OutputColumn {
  readonly name: string;
  readonly deltaType: DataType;
  /** DuckDB's type of the column, which DuckDB's own writers encode from. */
  readonly duckType: DuckDBType;
  readonly convert: (v: DuckDBValue) => JsonValue;
  /** Every value is within ±2^53 (a long the JSON encoding may write as a number without checking). */
  readonly safeLong?: boolean;
}

/** Where a stream's query runs: a connection held for the stream's reading, released after. */
export interface StreamSource {
  readonly sql: string;
  readonly columns: readonly OutputColumn[];
  /** A connection to run the query on, and what to do when the reading is over. */
  acquire(): Promise<{ readonly c: DuckDBConnection; release(): void }>;
  /** DuckDB's errors as coded ones (a missing data file names the table and file). */
  fail(e: unknown): unknown;
  /** What the rows are, for messages (`events version 3`, `statement 2`). */
  readonly what: string;
  /** False when the source can run its query only once (a session's statement). */
  readonly repeatable: boolean;
  /** Whether the source may still be read (a session's statement: until the session moves on). */
  readonly current?: () => boolean;
  /** Rows the query reads from Delta tables, by their files' stats (undefined when unknown). */
  readonly rowsScanned?: number;
}

/**
 * A query's rows read as DuckDB produces them: as Arrow record batches, as batches of rows in
 * Loch's JSON encoding, or written to a file by DuckDB's own writers. Nothing holds more than one
 * chunk (2048 rows) at a time, so memory stays flat whatever the size of the result.
 */
export class RowStream {
  private started = false;

  constructor(private readonly source: StreamSource) {}

  get columns(): readonly OutputColumn[] {
    return this.source.columns;
  }

  /**
   * Rows the query reads from Delta tables, by their files' stats: a bound on what it returns
   * when it neither joins nor generates rows; undefined when unknown (a file without stats, a
   * source that is no Delta table).
   */
  get rowsScanned(): number | undefined {
    return this.source.rowsScanned;
  }

  /** The rows as Arrow record batches, one per DuckDB chunk, with the columns' Delta types. */
  async *batches(): AsyncGenerator<RecordBatch> {
    const schema: StructType = {
      kind: 'struct',
      fields: this.columns.map((c) => ({ name: c.name, type: c.deltaType, nullable: true, metadata: {} })),
    };
    const convert = this.columns.map((c) => c.convert);
    for await (const chunk of this.dataChunks()) yield toRecordBatch(schema, chunk, convert);
  }

  /** The rows in Loch's JSON encoding (design/CLI.md), one DuckDB chunk at a time. */
  async *rowBatches(): AsyncGenerator<Row[]> {
    const names = this.columns.map((c) => c.name);
    const convert = this.columns.map((c) => c.convert);
    for await (const chunk of this.dataChunks()) yield chunkRows(chunk, names, convert);
  }

  /** Every row as an object; LOCH_RESULT_TOO_LARGE when they do not fit in memory. */
  async toRows(): Promise<Row[]> {
    return this.run((result) => readRows(result, this.columns.map((c) => c.name), this.columns.map((c) => c.convert), this.source.what));
  }

  /**
   * Writes every row to `path` with DuckDB's writer for `format`: JSON lines and CSV in Loch's
   * encoding, Parquet with the columns' types.
   */
  async writeTo(path: string, format: ExportFormat, options: ExportOptions = {}): Promise<ExportResult> {
    this.start();
    const { c, release } = await this.source.acquire();
    try {
      return await copyQuery(c, this.source.sql, this.columns, format, path, () => this.rowBatchesOn(c), options);
    } catch (e) {
      throw this.source.fail(e);
    } finally {
      release();
    }
  }

  /** Row batches on a connection already held (what writeTo falls back to). */
  private async *rowBatchesOn(c: DuckDBConnection): AsyncGenerator<Row[]> {
    const names = this.columns.map((col) => col.name);
    const convert = this.columns.map((col) => col.convert);
    for await (const chunk of chunks(await streamSql(c, this.source.sql))) yield chunkRows(chunk, names, convert);
  }

  /** The rows as DuckDB's own data chunks, as they come: for readers of DuckDB's vectors in bulk (a grouped map's groups). */
  async *dataChunks(): AsyncGenerator<DuckDBDataChunk> {
    const { c, release } = await this.open();
    let result: DuckDBResult;
    try {
      result = await streamSql(c, this.source.sql);
    } catch (e) {
      release();
      throw this.source.fail(e);
    }
    try {
      for await (const chunk of chunks(result)) {
        yield chunk;
        this.checkCurrent();
      }
    } catch (e) {
      throw this.source.fail(e);
    } finally {
      release();
    }
  }

  private async run<T>(read: (result: DuckDBResult) => Promise<T>): Promise<T> {
    const { c, release } = await this.open();
    try {
      return await read(await streamSql(c, this.source.sql));
    } catch (e) {
      throw this.source.fail(e);
    } finally {
      release();
    }
  }

  private open() {
    this.start();
    return this.source.acquire();
  }

  private checkCurrent(): void {
    if (this.source.current && !this.source.current()) {
      throw new SqlError('LOCH_RESULT_CLOSED', `${this.source.what} was not read before the next statement ran: read a streamed result before asking for the next one`);
    }
  }

  private start(): void {
    this.checkCurrent();
    if (this.started && !this.source.repeatable) {
      throw new SqlError('LOCH_RESULT_CLOSED', `${this.source.what} was read already: a streamed result is read once`);
    }
    this.started = true;
  }
}
