/**
 * Rows in Loch's JSON encoding as text: JSON lines and CSV, the same text DuckDB's writers give
 * through export/encode.ts (CSV: RFC 4180 with a header, nested values as JSON, NULL as an empty
 * field and the empty string as "").
 */
import type { JsonValue } from '../values/json-values.js';
import type { Row } from '../scan/read-rows.js';

/** One JSON object per line. */
export function jsonLines(rows: Iterable<unknown>): string {
  let out = '';
  for (const r of rows) out += `${JSON.stringify(r)}\n`;
  return out;
}

const NEEDS_QUOTES = /[",\r\n]/;

/** A CSV field: quoted when it holds a quote, comma or line break, or is empty (NULL is not quoted). */
export function csvField(s: string): string {
  return s === '' ? '""' : NEEDS_QUOTES.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** A value's text in CSV and tables: strings as they are, other values as their JSON. */
export function cellText(v: JsonValue): string {
  if (v === null) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

export function csvHeader(columns: readonly string[]): string {
  return `${columns.map(csvField).join(',')}\n`;
}

/** CSV lines for rows, without the header. */
export function csvLines(columns: readonly string[], rows: readonly Row[]): string {
  let out = '';
  for (const r of rows) {
    let line = '';
    for (let j = 0; j < columns.length; j++) {
      const v = r[columns[j]] ?? null;
      line += (j > 0 ? ',' : '') + (v === null ? '' : csvField(cellText(v)));
    }
    out += `${line}\n`;
  }
  return out;
}
