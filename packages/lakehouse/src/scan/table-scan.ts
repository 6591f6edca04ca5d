import type { Engine, Snapshot, SnapshotOptions } from '@loch/delta';
import type { RecordBatch } from 'apache-arrow';
import type { ExportFormat, ExportResult } from '../export/copy.js';
import { executeScan, streamScan, type ScanRequest, type ScanResult } from './execute.js';
import type { Row } from './read-rows.js';
import type { RowStream } from './row-stream.js';

/**
 * A scan of a table, run when asked: awaited, it gives every row (`ScanResult`); `batches()`,
 * `rowBatches()` and `writeTo()` read the rows as DuckDB produces them, in flat memory whatever
 * the table's size. Each of them reads the snapshot as of when it is called (or the version or
 * time asked for).
 */
export class TableScan implements Promise<ScanResult> {
  private result: Promise<ScanResult> | undefined;

  constructor(
    private readonly engine: Engine,
    private readonly snapshot: (options: SnapshotOptions) => Promise<Snapshot>,
    private readonly request: ScanRequest & SnapshotOptions,
  ) {}

  readonly [Symbol.toStringTag] = 'TableScan';

  // Awaited, a scan is the promise of every row: run once, however often it is awaited.
  then<A = ScanResult, B = never>(onfulfilled?: ((value: ScanResult) => A | PromiseLike<A>) | null, onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null): Promise<A | B> {
    this.result ??= this.collect();
    return this.result.then(onfulfilled, onrejected);
  }

  catch<B = never>(onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null): Promise<ScanResult | B> {
    return this.then(undefined, onrejected);
  }

  finally(onfinally?: (() => void) | null): Promise<ScanResult> {
    return this.then().finally(onfinally);
  }

  /** Every row, with the scan's metrics (LOCH_RESULT_TOO_LARGE when they do not fit in memory). */
  async collect(): Promise<ScanResult> {
    return executeScan(this.engine, await this.load(), this.request);
  }

  /** The rows as Apache Arrow record batches, one per DuckDB chunk, typed by the table's schema. */
  async *batches(): AsyncGenerator<RecordBatch> {
    yield* (await this.stream()).batches();
  }

  /** The rows in Loch's JSON encoding (design/CLI.md), a DuckDB chunk at a time. */
  async *rowBatches(): AsyncGenerator<Row[]> {
    yield* (await this.stream()).rowBatches();
  }

  /** Writes the rows to a file with DuckDB's writers: JSON lines or CSV in Loch's encoding, or Parquet. */
  async writeTo(path: string, format: ExportFormat): Promise<ExportResult> {
    return (await this.stream()).writeTo(path, format);
  }

  /** The planned scan as a stream (its columns, then any of the readings above). */
  async stream(): Promise<RowStream> {
    return streamScan(this.engine, await this.load(), this.request);
  }

  private load(): Promise<Snapshot> {
    return this.snapshot({ version: this.request.version, timestamp: this.request.timestamp });
  }
}
