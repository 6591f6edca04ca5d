import { parseSchema, typeName } from '@loch/delta';
import { cellText, jsonLines, type Row, type TableDetail } from '@loch/lakehouse/core';

/** One JSON object per line. */
export const jsonl = jsonLines;

/** Cells wider than this are cut (with …) in a table. */
const MAX_WIDTH = 60;
/** Rows a table reads before it settles its column widths (later rows are cut to fit). */
const SAMPLE_ROWS = 1000;

/**
 * An aligned text table for people, written as rows arrive: column widths come from the header and
 * the first rows; null shows as NULL; the last line counts the rows.
 */
export class TableText {
  private readonly pending: string[][] = [];
  private widths: number[] | undefined;
  private rows = 0;

  constructor(private readonly columns: readonly string[]) {}

  /** Text for these rows (empty while the first rows are still being sampled). */
  push(rows: readonly Row[]): string {
    for (const r of rows) this.pending.push(this.columns.map((c) => (r[c] === null || r[c] === undefined ? 'NULL' : cellText(r[c]))));
    this.rows += rows.length;
    if (!this.widths && this.pending.length < SAMPLE_ROWS) return '';
    return this.flush();
  }

  /** The rest of the table and its closing lines. */
  end(): string {
    return `${this.flush()}${this.rule()}\n(${this.rows} row${this.rows === 1 ? '' : 's'})\n`;
  }

  private flush(): string {
    let out = '';
    if (!this.widths) {
      this.widths = this.columns.map((c, i) => Math.min(MAX_WIDTH, Math.max(c.length, ...this.pending.map((row) => row[i].length))));
      out += `${this.rule()}\n${this.line([...this.columns])}\n${this.rule()}\n`;
    }
    for (const row of this.pending) out += `${this.line(row)}\n`;
    this.pending.length = 0;
    return out;
  }

  private rule(): string {
    return `+${this.widths!.map((w) => '-'.repeat(w + 2)).join('+')}+`;
  }

  private line(values: string[]): string {
    const fit = (s: string, w: number) => (s.length > w ? `${s.slice(0, w - 1)}…` : s.padEnd(w));
    return `| ${values.map((v, i) => fit(v, this.widths![i])).join(' | ')} |`;
  }
}

/** A whole table at once (rows already in memory). */
export function table(columns: readonly string[], rows: readonly Row[]): string {
  const t = new TableText(columns);
  return t.push(rows) + t.end();
}

/**
 * `loch describe --format table`: the table's columns, then one line per fact (version,
 * partitioning, protocol, properties, size), for people rather than scripts.
 */
export function describeTables(d: TableDetail): string {
  const schema = parseSchema(JSON.stringify(d.schema));
  const columns = schema.fields.map((f) => ({
    col_name: f.name,
    data_type: typeName(f.type),
    nullable: f.nullable,
    comment: typeof f.metadata.comment === 'string' ? f.metadata.comment : null,
  }));
  const p = d.protocol;
  const facts: Row[] = [
    { name: 'version', value: d.version },
    { name: 'partitionColumns', value: d.partitionColumns.join(', ') },
    { name: 'minReaderVersion', value: p.minReaderVersion },
    { name: 'minWriterVersion', value: p.minWriterVersion },
    ...(p.readerFeatures ? [{ name: 'readerFeatures', value: p.readerFeatures.join(', ') }] : []),
    ...(p.writerFeatures ? [{ name: 'writerFeatures', value: p.writerFeatures.join(', ') }] : []),
    ...Object.entries(d.configuration).map(([k, v]) => ({ name: k, value: v })),
    { name: 'numFiles', value: d.numFiles },
    { name: 'sizeInBytes', value: d.sizeInBytes },
  ];
  return `${table(['col_name', 'data_type', 'nullable', 'comment'], columns)}\n${table(['name', 'value'], facts)}`;
}
