import { runSql, type QueryResult } from '../api.js';
import { CHART_TYPES, renderChart, resolveSpec, type ChartType } from '../chart.js';
import { el, errorBox } from '../dom.js';
import { resultsGrid } from '../grid.js';
import { explainLast, pruningReport } from '../pruning.js';

const LAST_SQL = 'loch.sql';

/** The chart builder over a result: type, x, values, series; redraws on every change. */
function chartBuilder(result: QueryResult): HTMLElement {
  const names = result.columns.map((c) => c.name);
  const option = (v: string, label = v) => el('option', { value: v }, label);
  const type = el('select', { 'data-test': 'chart-type' }, ...CHART_TYPES.filter((t) => t !== 'table').map((t) => option(t)));
  type.value = 'bar';
  const { x: dx, y: dy } = resolveSpec(result.columns, { chart: 'bar' });
  const x = el('select', { 'data-test': 'chart-x' }, ...names.map((n) => option(n)));
  x.value = dx;
  const y = el('select', { 'data-test': 'chart-y', multiple: 'multiple', size: String(Math.min(4, names.length)) }, ...names.map((n) => option(n)));
  for (const o of Array.from(y.options)) o.selected = dy.includes(o.value);
  const series = el('select', { 'data-test': 'chart-series' }, option('', '(none)'), ...names.map((n) => option(n)));
  const area = el('div');
  let destroy = () => undefined as void;
  const draw = () => {
    destroy();
    try {
      const chosen = Array.from(y.selectedOptions).map((o) => o.value);
      const r = renderChart(result.columns, result.rows, { chart: type.value as ChartType, x: x.value, y: chosen, ...(series.value ? { series: series.value } : {}) });
      destroy = r.destroy;
      area.replaceChildren(r.element);
    } catch (e) {
      area.replaceChildren(errorBox(e));
    }
  };
  for (const s of [type, x, y, series]) s.addEventListener('change', draw);
  setTimeout(draw);
  return el('div', {}, el('div', { class: 'row' }, 'Chart', type, 'x', x, 'values', y, 'series', series), area);
}

export function sqlPage(root: HTMLElement, initial?: string): void {
  const editor = el('textarea', { class: 'sql', 'data-test': 'sql-editor', spellcheck: 'false' });
  editor.value = initial ?? localStorage.getItem(LAST_SQL) ?? 'SHOW TABLES';
  const out = el('div', { 'data-test': 'sql-output' });
  const info = el('span', { class: 'muted', 'data-test': 'sql-info' });
  const pruning = el('div', { 'data-test': 'sql-pruning' });
  let view: 'table' | 'chart' = 'table';
  let last: QueryResult | undefined;
  const show = () => {
    if (!last) return;
    out.replaceChildren(view === 'table' ? resultsGrid(last.columns.map((c) => c.name), last.rows) : chartBuilder(last));
  };
  const run = async () => {
    localStorage.setItem(LAST_SQL, editor.value);
    info.textContent = 'running…';
    out.replaceChildren();
    pruning.replaceChildren();
    try {
      last = await runSql(editor.value);
      if (last.scans.length > 0) pruning.replaceChildren(el('h3', {}, 'Files read and skipped'), pruningReport(last.scans));
      info.textContent = last.columns.length > 0 ? `${last.rows.length.toLocaleString()} rows in ${Math.round(last.elapsedMs)} ms` : (last.summary ?? 'done');
      show();
    } catch (e) {
      last = undefined;
      info.textContent = '';
      out.replaceChildren(errorBox(e));
    }
  };
  editor.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      void run();
    }
  });
  const explain = async () => {
    editor.value = explainLast(editor.value);
    await run();
  };
  const tab = (name: 'table' | 'chart', label: string) =>
    el('button', { class: 'secondary', 'data-test': `view-${name}`, onclick: () => { view = name; show(); } }, label);
  root.replaceChildren(
    el('h2', {}, 'SQL'),
    editor,
    el('div', { class: 'row' }, el('button', { 'data-test': 'run', onclick: () => void run() }, 'Run (Ctrl+Enter)'), el('button', { class: 'secondary', onclick: () => void explain() }, 'Explain'), tab('table', 'Results'), tab('chart', 'Chart'), info),
    pruning,
    out,
  );
}
