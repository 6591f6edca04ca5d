import { api, runSql } from '../api.js';
import { el, errorBox, formatBytes, plainTable } from '../dom.js';
import { resultsGrid } from '../grid.js';
import { explainLast, pruningReport } from '../pruning.js';

const ident = (s: string) => `\`${s.replaceAll('`', '``')}\``;

/**
 * A query box over the table: EXPLAIN (nothing is read) reports, per Delta scan, the files read
 * and those skipped by partition values, statistics and Dynamic File Pruning, with the filters
 * that did it.
 */
function pruningBox(schema: string, name: string): HTMLElement {
  const query = el('textarea', { class: 'sql', 'data-test': 'pruning-query', spellcheck: 'false', style: 'min-height: 60px' });
  query.value = `SELECT * FROM ${ident(schema)}.${ident(name)} WHERE `;
  const out = el('div', { 'data-test': 'pruning-output' });
  const run = async () => {
    out.replaceChildren(el('span', { class: 'muted' }, 'planning…'));
    try {
      const text = query.value.trim().replace(/\bWHERE\s*$/i, '');
      const r = await runSql(explainLast(text));
      const key = r.columns.findIndex((c) => c.name === 'explain_key');
      const scans = r.rows.filter((row) => row[key] === 'delta_scan').map((row) => row[key + 1] ?? '');
      out.replaceChildren(
        r.scans.length === 0 ? el('p', { class: 'muted' }, 'The query reads no Delta table.') : pruningReport(r.scans),
        ...(scans.length > 0 ? [el('pre', { class: 'explain', 'data-test': 'pruning-filters' }, scans.join('\n'))] : []),
      );
    } catch (e) {
      out.replaceChildren(errorBox(e));
    }
  };
  return el('div', {}, el('h3', {}, 'Pruning'), el('p', { class: 'muted' }, 'Which files a query reads, and what skips the others (EXPLAIN: nothing is read).'), query, el('div', { class: 'row' }, el('button', { 'data-test': 'pruning-run', onclick: () => void run() }, 'Explain pruning')), out);
}

async function tableDetail(box: HTMLElement, schema: string, name: string): Promise<void> {
  box.replaceChildren(el('span', { class: 'muted' }, 'loading…'));
  try {
    const full = `${schema}.${name}`;
    const [t, h] = await Promise.all([api('GET', `/api/2.1/unity-catalog/tables/${full}`), api('GET', `/api/2.0/lake/tables/${full}/history?limit=50`)]);
    const d = t.delta;
    const props = Object.entries(t.properties as Record<string, string>);
    const sample = el('div', {}, el('span', { class: 'muted' }, 'loading sample…'));
    box.replaceChildren(
      el('h2', { 'data-test': 'table-name' }, t.full_name),
      el('p', { class: 'muted' }, `version ${d.version} · ${d.num_files} files · ${formatBytes(d.size_in_bytes)} · reader ${d.protocol.minReaderVersion} / writer ${d.protocol.minWriterVersion}${t.partition_columns.length ? ` · partitioned by ${t.partition_columns.join(', ')}` : ''}`),
      el('h3', {}, 'Columns'),
      plainTable(['name', 'type', 'nullable', 'partition', 'comment'], t.columns.map((c: any) => [c.name, c.type_text, String(c.nullable), c.partition_index === undefined ? '' : String(c.partition_index), c.comment ?? ''])),
      ...(props.length ? [el('h3', {}, 'Properties'), plainTable(['key', 'value'], props)] : []),
      el('h3', {}, 'History'),
      plainTable(['version', 'time', 'operation', 'metrics'], h.history.map((x: any) => [String(x.version), new Date(x.timestamp).toISOString(), x.operation ?? '', Object.entries(x.operation_metrics).map(([k, v]) => `${k}=${v}`).join(' ')])),
      pruningBox(schema, name),
      el('h3', {}, 'Sample rows'),
      sample,
      el('p', {}, el('a', { href: `#/sql?q=${encodeURIComponent(`SELECT * FROM ${ident(schema)}.${ident(name)} LIMIT 100`)}` }, 'Query in the SQL editor')),
    );
    const r = await runSql(`SELECT * FROM ${ident(schema)}.${ident(name)} LIMIT 20`);
    sample.replaceChildren(resultsGrid(r.columns.map((c) => c.name), r.rows));
  } catch (e) {
    box.replaceChildren(errorBox(e));
  }
}

export async function catalogPage(root: HTMLElement, selected?: string): Promise<void> {
  const nav = el('div', { class: 'list panel', 'data-test': 'catalog-tree' });
  const detail = el('div', { class: 'panel' }, el('p', { class: 'muted' }, 'Choose a table.'));
  root.replaceChildren(el('div', { class: 'split' }, nav, detail));
  try {
    const { schemas } = await api('GET', '/api/2.1/unity-catalog/schemas');
    for (const s of schemas) {
      const { tables } = await api('GET', `/api/2.1/unity-catalog/tables?schema_name=${encodeURIComponent(s.name)}`);
      nav.append(el('h3', {}, s.name));
      if (tables.length === 0) nav.append(el('span', { class: 'muted' }, 'no tables'));
      for (const t of tables) nav.append(el('a', { href: `#/catalog/${s.name}.${t.name}`, 'data-test': `table-${s.name}.${t.name}` }, t.name));
    }
  } catch (e) {
    nav.replaceChildren(errorBox(e));
  }
  if (selected) {
    const [schema, name] = selected.includes('.') ? selected.split('.') : ['default', selected];
    await tableDetail(detail, schema, name);
  }
}
