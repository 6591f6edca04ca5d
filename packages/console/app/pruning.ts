import { el, formatBytes } from './dom.js';

/** One Delta scan's pruning report as the Statement API returns it (`result.scans`). */
export interface ScanReport {
  readonly table: string;
  readonly version: number;
  readonly files_total: number;
  readonly files_read: number;
  readonly files_pruned_by_partition: number;
  readonly files_pruned_by_stats: number;
  readonly files_pruned_by_dynamic_filter: number;
  readonly rows_scanned: number;
  readonly bytes_scanned: number;
}

const HEADERS = ['table', 'version', 'files', 'read', 'skipped by partition', 'skipped by statistics', 'skipped by DFP', 'bytes read'];

/**
 * Per Delta scan: files in the snapshot, read, and skipped by partition values, by file
 * statistics and by Dynamic File Pruning, with a bar showing the share read. Each cell carries
 * a data-field so that tests (and people reading the DOM) know what it holds.
 */
export function pruningReport(scans: readonly ScanReport[]): HTMLElement {
  const rows = scans.map((s) => {
    const cell = (field: string, v: string | number) => el('td', { 'data-field': field }, String(v));
    const share = s.files_total === 0 ? 0 : Math.round((100 * s.files_read) / s.files_total);
    return el('tr', { 'data-test': 'scan', 'data-table': s.table },
      cell('table', s.table), cell('version', s.version), cell('files_total', s.files_total),
      el('td', { 'data-field': 'files_read' }, `${s.files_read} `, el('span', { class: 'bar' }, el('span', { style: `width:${share}%` })), el('span', { class: 'muted' }, ` ${share}%`)),
      cell('files_pruned_by_partition', s.files_pruned_by_partition), cell('files_pruned_by_stats', s.files_pruned_by_stats),
      cell('files_pruned_by_dynamic_filter', s.files_pruned_by_dynamic_filter), cell('bytes_scanned', formatBytes(s.bytes_scanned)));
  });
  return el('table', { class: 'plain pruning', 'data-test': 'pruning' }, el('thead', {}, el('tr', {}, ...HEADERS.map((h) => el('th', {}, h)))), el('tbody', {}, ...rows));
}

/** `EXPLAIN` before the last of `;`-separated statements (SET lines before a query stay as they are). */
export function explainLast(text: string): string {
  const parts = text.trim().replace(/;\s*$/, '').split(/;(?=[^;]*$)/);
  const last = parts.pop()!.trim();
  const explained = /^EXPLAIN\b/i.test(last) ? last : `EXPLAIN ${last}`;
  return [...parts, explained].join('; ');
}
