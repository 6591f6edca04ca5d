import { api, subscribe } from '../api.js';
import { renderChart, type ChartType } from '../chart.js';
import { el, errorBox, plainTable } from '../dom.js';

interface Widget { id: string; title: string; sql: string; chart: ChartType; x?: string; y?: string[]; series?: string; width?: number }
interface Dashboard { id: string; name: string; description?: string; schedule?: string; parameters?: { name: string; default?: string | null }[]; widgets: Widget[] }

/** The list of dashboards, and importing one from its JSON. */
export async function dashboardsPage(root: HTMLElement): Promise<void> {
  const list = el('div', { 'data-test': 'dashboard-list' });
  const json = el('textarea', { class: 'sql', 'data-test': 'dashboard-json', placeholder: '{"name": "…", "widgets": [{"title": "…", "sql": "SELECT …", "chart": "bar"}]}' });
  const message = el('div');
  const load = async () => {
    const { dashboards } = await api('GET', '/api/2.0/dashboards');
    list.replaceChildren(dashboards.length === 0
      ? el('p', { class: 'muted' }, 'No dashboards yet: import one below, or with loch dashboard import <file>.')
      : plainTable(['name', 'widgets', 'schedule', 'updated'], dashboards.map((d: any) => [el('a', { href: `#/dashboards/${d.id}`, 'data-test': `dashboard-${d.id}` }, d.name), String(d.widgets), d.schedule ?? '', d.updated_at])));
  };
  const save = async () => {
    try {
      const d = await api('POST', '/api/2.0/dashboards', JSON.parse(json.value));
      location.hash = `#/dashboards/${d.id}`;
    } catch (e) {
      message.replaceChildren(errorBox(e));
    }
  };
  root.replaceChildren(el('h2', {}, 'Dashboards'), list, el('h3', {}, 'Import a dashboard (JSON)'), json, el('div', { class: 'row' }, el('button', { 'data-test': 'dashboard-save', onclick: () => void save() }, 'Save')), message);
  await load().catch((e) => list.replaceChildren(errorBox(e)));
}

/**
 * One dashboard: its widgets on a 12-column grid, parameters, refresh now, and the latest results
 * whenever the server refreshes it on its schedule (the live event stream says when).
 */
export async function dashboardPage(root: HTMLElement, id: string): Promise<() => void> {
  let d: Dashboard;
  try {
    d = await api('GET', `/api/2.0/dashboards/${encodeURIComponent(id)}`);
  } catch (e) {
    root.replaceChildren(errorBox(e));
    return () => undefined;
  }
  const inputs = new Map<string, HTMLInputElement>();
  for (const p of d.parameters ?? []) inputs.set(p.name, el('input', { value: p.default ?? '', 'data-test': `param-${p.name}` }));
  const grid = el('div', { class: 'dash', 'data-test': 'dashboard-grid' });
  const stamp = el('span', { class: 'muted', 'data-test': 'refreshed-at' });
  let destroyers: (() => void)[] = [];
  const draw = (results: any) => {
    for (const f of destroyers) f();
    destroyers = [];
    stamp.textContent = `refreshed ${new Date(results.refreshed_at).toLocaleTimeString()}`;
    stamp.dataset.at = results.refreshed_at;
    grid.replaceChildren(...d.widgets.map((w) => {
      const r = results.widgets.find((x: any) => x.id === w.id);
      let body: HTMLElement;
      if (!r || r.error) body = errorBox(r?.error ?? { message: 'no result' });
      else {
        try {
          const c = renderChart(r.manifest.schema.columns, r.data_array, w);
          destroyers.push(c.destroy);
          body = c.element;
        } catch (e) {
          body = errorBox(e);
        }
      }
      return el('div', { class: 'widget', style: `grid-column: span ${w.width ?? 6}`, 'data-test': `widget-${w.id}` }, el('h4', {}, w.title), body);
    }));
  };
  const refresh = async () => {
    const parameters = Object.fromEntries([...inputs].map(([k, v]) => [k, v.value]));
    draw(await api('POST', `/api/2.0/dashboards/${encodeURIComponent(d.id)}/refresh`, { parameters }));
  };
  const exportLink = el('button', { class: 'secondary', onclick: () => {
    const blob = new Blob([JSON.stringify(d, null, 2)], { type: 'application/json' });
    const a = el('a', { href: URL.createObjectURL(blob), download: `${d.id}.json` });
    a.click();
  } }, 'Export JSON');
  root.replaceChildren(
    el('h2', { 'data-test': 'dashboard-title' }, d.name),
    ...(d.description ? [el('p', { class: 'muted' }, d.description)] : []),
    el('div', { class: 'row' }, ...[...inputs].flatMap(([k, v]) => [k, v]), el('button', { 'data-test': 'dashboard-refresh', onclick: () => void refresh().catch((e) => grid.replaceChildren(errorBox(e))) }, 'Refresh'), exportLink, d.schedule ? el('span', { class: 'muted' }, `schedule ${d.schedule}`) : null, stamp),
    grid,
  );
  try {
    draw(await api('GET', `/api/2.0/dashboards/${encodeURIComponent(d.id)}/results`));
  } catch (e) {
    grid.replaceChildren(errorBox(e));
  }
  // Scheduled refreshes arrive as events; the page redraws with the server's latest results.
  const stop = subscribe((type, data) => {
    if (type === 'dashboard-refreshed' && data.id === d.id) void api('GET', `/api/2.0/dashboards/${encodeURIComponent(d.id)}/results`).then(draw, () => undefined);
  });
  return () => {
    stop();
    for (const f of destroyers) f();
  };
}
