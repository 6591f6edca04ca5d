import { Chart } from 'chart.js';
import { api } from '../api.js';
import { el, errorBox } from '../dom.js';

export const MLFLOW = '/ajax-api/2.0/mlflow';
export const COLORS = ['#0b6bcb', '#e8590c', '#2f9e44', '#ae3ec9', '#f08c00', '#1098ad', '#c2255c', '#5c940d'];

export const runName = (r: any): string => r.info.run_name ?? r.info.run_id;
const valueOf = (list: any[] | undefined, k: string): string | undefined => {
  const v = list?.find((x) => x.key === k)?.value;
  return v === undefined ? undefined : String(v);
};

export async function metricHistory(runId: string, key: string): Promise<{ x: number; y: number }[]> {
  const h = await api('GET', `${MLFLOW}/metrics/get-history?run_id=${encodeURIComponent(runId)}&metric_key=${encodeURIComponent(key)}`);
  return (h.metrics ?? []).map((m: any) => ({ x: Number(m.step), y: Number(m.value) })).sort((a: { x: number }, b: { x: number }) => a.x - b.x);
}

/** A line chart over steps; `points` counts what was drawn (for tests and for the eye). */
export function stepChart(canvas: HTMLCanvasElement, series: { label: string; data: { x: number; y: number }[] }[]): Chart {
  const chart = new Chart(canvas, {
    type: 'line',
    data: { datasets: series.map((s, i) => ({ label: s.label, borderColor: COLORS[i % COLORS.length], backgroundColor: COLORS[i % COLORS.length], data: s.data })) },
    options: { responsive: true, maintainAspectRatio: false, animation: false, scales: { x: { type: 'linear', title: { display: true, text: 'step' } } } },
  });
  canvas.dataset.points = String(series.reduce((n, s) => n + s.data.length, 0));
  canvas.dataset.series = String(series.length);
  return chart;
}

/** Keys × runs: one row per key, one column per run; rows whose values differ are marked. */
function sideBySide(title: string, runs: any[], keys: string[], values: (r: any, k: string) => string | undefined, test: string): HTMLElement {
  if (keys.length === 0) return el('p', { class: 'muted' }, `No ${title.toLowerCase()}.`);
  const rows = keys.map((k) => {
    const vs = runs.map((r) => values(r, k));
    const differs = new Set(vs).size > 1;
    return el('tr', { class: differs ? 'differs' : '', 'data-key': k }, el('th', {}, k), ...vs.map((v) => el('td', {}, v ?? '—')));
  });
  return el('table', { class: 'plain compare', 'data-test': test }, el('thead', {}, el('tr', {}, el('th', {}, title), ...runs.map((r) => el('th', {}, runName(r))))), el('tbody', {}, ...rows));
}

/**
 * Runs side by side: their params and latest metrics (differences marked), and one metric's
 * history with a line per run.
 */
export function compareRuns(runs: any[]): HTMLElement {
  const params = [...new Set(runs.flatMap((r) => (r.data.params ?? []).map((p: any) => String(p.key))))].sort();
  const metrics = [...new Set(runs.flatMap((r) => (r.data.metrics ?? []).map((m: any) => String(m.key))))].sort();
  const box = el('div', { 'data-test': 'compare' }, el('h3', {}, `Comparing ${runs.length} runs`));
  box.append(
    sideBySide('Parameters', runs, params, (r, k) => valueOf(r.data.params, k), 'compare-params'),
    sideBySide('Metrics', runs, metrics, (r, k) => valueOf(r.data.metrics, k), 'compare-metrics'),
  );
  if (metrics.length === 0) return box;
  const pick = el('select', { 'data-test': 'compare-metric' }, ...metrics.map((m) => el('option', { value: m }, m)));
  const area = el('div', { class: 'chart-box' });
  let chart: Chart | undefined;
  const draw = async () => {
    const key = pick.value;
    try {
      const series = await Promise.all(runs.map(async (r) => ({ label: runName(r), data: await metricHistory(r.info.run_id, key) })));
      if (pick.value !== key) return;
      chart?.destroy();
      const canvas = el('canvas', { 'data-test': 'compare-chart', 'data-metric': key });
      area.replaceChildren(canvas);
      chart = stepChart(canvas, series);
    } catch (e) {
      area.replaceChildren(errorBox(e));
    }
  };
  pick.addEventListener('change', () => void draw());
  box.append(el('div', { class: 'row' }, 'Metric', pick, 'by step, one line per run'), area);
  void draw();
  return box;
}
