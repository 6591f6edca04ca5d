import type { JsonValue, Row } from '@loch/lakehouse/core';

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
