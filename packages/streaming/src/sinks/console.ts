import type { Row } from '@loch/lakehouse';
import type { Sink, SinkBatch, SinkCommit } from '../sink.js';

export interface ConsoleSinkOptions {
  /** Rows shown per batch (default 20). */
  readonly numRows: number;
  /** Cut values longer than 20 characters (default true). */
  readonly truncate: boolean;
  /** Where the text goes (default: stdout). */
  readonly write?: (text: string) => void;
}

/** Spark's console sink: each batch's first rows as a table on stdout, under a `Batch: N` header. */
export class ConsoleSink implements Sink {
  readonly description = 'ConsoleSink';
  readonly identity = 'console';

  constructor(private readonly options: ConsoleSinkOptions) {}

  async addBatch(batch: SinkBatch): Promise<SinkCommit> {
    const rows = await batch.df.limit(this.options.numRows).toRows();
    const columns = rows.length > 0 ? Object.keys(rows[0]) : [];
    const rule = '-'.repeat(43);
    const lines = [rule, `Batch: ${batch.batchId}`, rule, ...formatTable(columns, rows, this.options.truncate)];
    if (batch.numRows > this.options.numRows) lines.push(`only showing top ${this.options.numRows} rows`);
    (this.options.write ?? ((t) => process.stdout.write(t)))(`${lines.join('\n')}\n\n`);
    return { numOutputRows: batch.numRows };
  }
}

/** Rows as Spark's `show()` draws them. */
function formatTable(columns: readonly string[], rows: readonly Row[], truncate: boolean): string[] {
  if (columns.length === 0) return ['++', '||', '++', '++'];
  const cell = (v: unknown) => {
    const s = v === null || v === undefined ? 'NULL' : typeof v === 'object' ? JSON.stringify(v) : String(v);
    return truncate && s.length > 20 ? `${s.slice(0, 17)}...` : s;
  };
  const body = rows.map((r) => columns.map((c) => cell(r[c])));
  const widths = columns.map((c, i) => Math.max(c.length, ...body.map((b) => b[i].length)));
  const line = (cells: readonly string[]) => `|${cells.map((s, i) => s.padStart(widths[i])).join('|')}|`;
  const sep = `+${widths.map((w) => '-'.repeat(w)).join('+')}+`;
  return [sep, line(columns), sep, ...body.map(line), sep];
}
