import { Chart, registerables, type ChartConfiguration } from 'chart.js';
import type { Column } from './api.js';
import { el } from './dom.js';
import { resultsGrid } from './grid.js';

Chart.register(...registerables);

export const CHART_TYPES = ['table', 'line', 'bar', 'area', 'scatter', 'pie', 'counter'] as const;
export type ChartType = (typeof CHART_TYPES)[number];

export interface ChartSpec {
  readonly chart: ChartType;
  readonly x?: string;
  readonly y?: readonly string[];
  readonly series?: string;
}

const NUMERIC = new Set(['BYTE', 'SHORT', 'INT', 'LONG', 'FLOAT', 'DOUBLE', 'DECIMAL']);
const PALETTE = ['#0b6bcb', '#e8590c', '#2f9e44', '#ae3ec9', '#f08c00', '#1098ad', '#c2255c', '#5c940d', '#495057', '#364fc7'];

export const isNumeric = (c: Column): boolean => NUMERIC.has(c.type_name);

/** The x column and value columns a spec means: what was asked, else the first column and the numeric others. */
export function resolveSpec(columns: Column[], spec: ChartSpec): { x: string; y: string[] } {
  const x = spec.x ?? columns[0]?.name ?? '';
  const y = spec.y && spec.y.length > 0 ? [...spec.y] : columns.filter((c) => c.name !== x && c.name !== spec.series && isNumeric(c)).map((c) => c.name);
  return { x, y };
}

function datasets(columns: Column[], rows: (string | null)[][], spec: ChartSpec, x: string, y: string[]) {
  const ix = columns.findIndex((c) => c.name === x);
  const iy = y.map((n) => columns.findIndex((c) => c.name === n));
  const missing = [x, ...y].find((n) => !columns.some((c) => c.name === n));
  if (missing) throw new Error(`the result has no column '${missing}'`);
  const labels = [...new Set(rows.map((r) => r[ix] ?? 'NULL'))];
  const area = spec.chart === 'area';
  const base = (label: string, i: number) => ({ label, borderColor: PALETTE[i % PALETTE.length], backgroundColor: area ? `${PALETTE[i % PALETTE.length]}55` : PALETTE[i % PALETTE.length], fill: area, spanGaps: true, pointRadius: spec.chart === 'scatter' ? 3 : 1 });
  if (spec.series) {
    const is = columns.findIndex((c) => c.name === spec.series);
    if (is < 0) throw new Error(`the result has no column '${spec.series}'`);
    const groups = new Map<string, Map<string, number | null>>();
    for (const r of rows) {
      const g = r[is] ?? 'NULL';
      if (!groups.has(g)) groups.set(g, new Map());
      groups.get(g)!.set(r[ix] ?? 'NULL', r[iy[0]] === null ? null : Number(r[iy[0]]));
    }
    return { labels, datasets: [...groups].map(([g, m], i) => ({ ...base(g, i), data: labels.map((l) => m.get(l) ?? null) })) };
  }
  return { labels, datasets: iy.map((j, i) => ({ ...base(y[i], i), data: rows.map((r) => (r[j] === null ? null : Number(r[j]))) })) };
}

/**
 * Draws a result as the spec says into a new element; returns it and a function that releases
 * the chart. A table is the results grid; a counter the first value, large.
 */
export function renderChart(columns: Column[], rows: (string | null)[][], spec: ChartSpec): { element: HTMLElement; destroy: () => void } {
  if (spec.chart === 'table') return { element: resultsGrid(columns.map((c) => c.name), rows), destroy: () => undefined };
  const { x, y } = resolveSpec(columns, spec);
  if (spec.chart === 'counter') {
    const col = columns.findIndex((c) => c.name === (spec.y?.[0] ?? y[0] ?? columns[0]?.name));
    const v = rows[0]?.[col] ?? '—';
    return { element: el('div', { class: 'counter', 'data-test': 'counter' }, v), destroy: () => undefined };
  }
  const canvas = el('canvas', { 'data-test': 'chart', 'data-chart': spec.chart });
  const box = el('div', { class: 'chart-box' }, canvas);
  const data = datasets(columns, rows, spec, x, spec.chart === 'pie' ? y.slice(0, 1) : y);
  const type = spec.chart === 'area' ? 'line' : spec.chart === 'pie' ? 'pie' : spec.chart;
  const config = {
    type,
    data: type === 'scatter' ? { datasets: data.datasets.map((d) => ({ ...d, data: d.data.map((v, i) => ({ x: Number(data.labels[i]), y: v })) })) } : data,
    options: { responsive: true, maintainAspectRatio: false, animation: false, plugins: { legend: { display: data.datasets.length > 1 || type === 'pie' } } },
  } as unknown as ChartConfiguration;
  if (type === 'pie') (config.data.datasets[0] as { backgroundColor?: string[] }).backgroundColor = data.labels.map((_l, i) => PALETTE[i % PALETTE.length]);
  const chart = new Chart(canvas, config);
  canvas.dataset.points = String(data.datasets.reduce((n, d) => n + d.data.length, 0));
  return { element: box, destroy: () => chart.destroy() };
}
