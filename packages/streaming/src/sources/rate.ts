import type { Offset, Source, SourceBatch, SourceContext } from '../source.js';
import { invalidOption } from '../errors.js';
import { numberOption } from '../formats.js';

interface RateOffset {
  /** When the stream started (ms since the epoch): row v is stamped startTimeMs + v / rowsPerSecond s. */
  readonly startTimeMs: number;
  /** Rows generated so far: values 0 .. rows - 1. */
  readonly rows: number;
}

/**
 * Spark's `rate` source: `rowsPerSecond` rows a second, each with a `timestamp` and a `value`
 * (0, 1, 2, ...), for demos and benchmarks. Rows are made by DuckDB, so a batch costs little
 * more than the query that consumes it. The offset records the start time, so a restarted
 * query replays exactly the same rows.
 */
export class RateSource implements Source {
  readonly description: string;
  readonly identity = 'rate';
  private startTimeMs: number | undefined;
  private availableNowEnd: number | undefined;

  constructor(private readonly rowsPerSecond: number) {
    if (!Number.isFinite(rowsPerSecond) || rowsPerSecond <= 0) throw invalidOption(`rate source: rowsPerSecond must be a positive number, got ${rowsPerSecond}`);
    this.description = `RateStreamV2[rowsPerSecond=${rowsPerSecond}, rampUpTimeSeconds=0, numPartitions=1]`;
  }

  static fromOptions(options: Readonly<Record<string, string>>): RateSource {
    return new RateSource(numberOption(options, 'rowsPerSecond', 'rate source') ?? 1);
  }

  async start(_context: SourceContext, committed: Offset | undefined): Promise<void> {
    this.startTimeMs = committed ? (committed as unknown as RateOffset).startTimeMs : Date.now();
  }

  async latestOffset(start: Offset | undefined): Promise<Offset | undefined> {
    const startTimeMs = this.startTimeMs ?? Date.now();
    let rows = Math.floor(((Date.now() - startTimeMs) * this.rowsPerSecond) / 1000);
    if (this.availableNowEnd !== undefined) rows = Math.min(rows, this.availableNowEnd);
    const from = start ? (start as unknown as RateOffset).rows : 0;
    if (rows <= from) return start;
    return { startTimeMs, rows };
  }

  async prepareForTriggerAvailableNow(): Promise<void> {
    const startTimeMs = this.startTimeMs ?? Date.now();
    this.availableNowEnd = Math.floor(((Date.now() - startTimeMs) * this.rowsPerSecond) / 1000);
  }

  async getBatch(start: Offset | undefined, end: Offset): Promise<SourceBatch> {
    const e = end as unknown as RateOffset;
    const from = start ? (start as unknown as RateOffset).rows : 0;
    const startUs = e.startTimeMs * 1000;
    const stepUs = 1e6 / this.rowsPerSecond;
    return {
      kind: 'query',
      sql: `SELECT make_timestamp(CAST(${startUs} + floor(range * ${stepUs}) AS BIGINT))::TIMESTAMPTZ AS "timestamp", range AS "value" FROM range(${from}, ${e.rows})`,
    };
  }
}
