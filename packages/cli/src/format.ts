import { parseSchema, typeName } from '@loch/delta';
import type { JsonValue, Row, TableDetail } from '@loch/lakehouse/core';

/** One JSON object per line. */
export function jsonl(rows: Iterable<unknown>): string {
  let out = '';
  for (const r of rows) out += `${JSON.stringify(r)}\n`;
  return out;
}

function cellText(v: JsonValue): string {
  if (v === null) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** RFC 4180 CSV with a header; nested values as their JSON text, null as an empty field. */
export function csv(columns: readonly string[], rows: readonly Row[]): string {
  const quote = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);
  const lines = [columns.map(quote).join(',')];
  for (const r of rows) lines.push(columns.map((c) => quote(cellText(r[c] ?? null))).join(','));
  return `${lines.join('\n')}\n`;
}

/** An aligned text table for people; null shows as NULL. */
export function table(columns: readonly string[], rows: readonly Row[]): string {
  const cells = rows.map((r) => columns.map((c) => (r[c] === null || r[c] === undefined ? 'NULL' : cellText(r[c]))));
  const widths = columns.map((c, i) => Math.min(60, Math.max(c.length, ...cells.map((row) => row[i].length))));
  const fit = (s: string, w: number) => (s.length > w ? `${s.slice(0, w - 1)}…` : s.padEnd(w));
  const line = (vals: string[]) => `| ${vals.map((v, i) => fit(v, widths[i])).join(' | ')} |`;
  const rule = `+${widths.map((w) => '-'.repeat(w + 2)).join('+')}+`;
  const out = [rule, line([...columns]), rule, ...cells.map(line), rule, `(${rows.length} row${rows.length === 1 ? '' : 's'})`];
  return `${out.join('\n')}\n`;
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
