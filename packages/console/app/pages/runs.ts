import { Chart } from 'chart.js';
import { api } from '../api.js';
import { el, errorBox, plainTable } from '../dom.js';

const MLFLOW = '/ajax-api/2.0/mlflow';

/** A run's metric over its steps, one line per metric key. */
async function metricChart(box: HTMLElement, run: any): Promise<void> {
  const keys: string[] = (run.data.metrics ?? []).map((m: any) => m.key);
  if (keys.length === 0) {
    box.replaceChildren(el('p', { class: 'muted' }, 'This run has no metrics.'));
    return;
  }
  const histories = await Promise.all(keys.map((k) => api('GET', `${MLFLOW}/metrics/get-history?run_id=${run.info.run_id}&metric_key=${encodeURIComponent(k)}`)));
  const canvas = el('canvas', { 'data-test': 'metric-chart' });
  box.replaceChildren(el('h3', {}, `${run.info.run_name ?? run.info.run_id}: metrics by step`), el('div', { class: 'chart-box' }, canvas));
  const colors = ['#0b6bcb', '#e8590c', '#2f9e44', '#ae3ec9', '#f08c00'];
  new Chart(canvas, {
    type: 'line',
    data: { datasets: histories.map((h, i) => ({ label: keys[i], borderColor: colors[i % colors.length], data: (h.metrics ?? []).map((m: any) => ({ x: Number(m.step), y: Number(m.value) })) })) },
    options: { responsive: true, maintainAspectRatio: false, animation: false, scales: { x: { type: 'linear', title: { display: true, text: 'step' } } } },
  });
  canvas.dataset.points = String(histories.reduce((n, h) => n + (h.metrics ?? []).length, 0));
}

/** Experiments, their runs with params and metrics as columns (filtered with MLflow's grammar), and a run's metric chart. */
export async function runsPage(root: HTMLElement, experimentId?: string): Promise<void> {
  const nav = el('div', { class: 'list panel' });
  const main = el('div', { class: 'panel' });
  root.replaceChildren(el('div', { class: 'split' }, nav, main));
  try {
    const { experiments = [] } = await api('POST', `${MLFLOW}/experiments/search`, { max_results: 1000 });
    nav.append(el('h3', {}, 'Experiments'), ...experiments.map((x: any) => el('a', { href: `#/runs/${x.experiment_id}`, class: x.experiment_id === experimentId ? 'active' : '', 'data-test': `experiment-${x.experiment_id}` }, x.name)));
  } catch (e) {
    nav.replaceChildren(errorBox(e));
  }
  if (!experimentId) {
    main.replaceChildren(el('p', { class: 'muted' }, 'Choose an experiment.'));
    return;
  }
  const filter = el('input', { placeholder: "metrics.rmse < 1 and params.model = 'gbt'", style: 'width: 420px', 'data-test': 'runs-filter' });
  const table = el('div', { 'data-test': 'runs-table' });
  const chart = el('div');
  const load = async () => {
    try {
      const { runs = [] } = await api('POST', `${MLFLOW}/runs/search`, { experiment_ids: [experimentId], filter: filter.value, max_results: 1000 });
      const params = [...new Set(runs.flatMap((r: any) => (r.data.params ?? []).map((p: any) => p.key)))] as string[];
      const metrics = [...new Set(runs.flatMap((r: any) => (r.data.metrics ?? []).map((m: any) => m.key)))] as string[];
      const value = (list: any[] | undefined, k: string) => String(list?.find((x) => x.key === k)?.value ?? '');
      table.replaceChildren(plainTable(['run', 'status', ...params.map((p) => `params.${p}`), ...metrics.map((m) => `metrics.${m}`)], runs.map((r: any) => [
        el('a', { href: 'javascript:void 0', 'data-test': `run-${r.info.run_id}`, onclick: () => void metricChart(chart, r).catch((e) => chart.replaceChildren(errorBox(e))) }, r.info.run_name ?? r.info.run_id),
        r.info.status,
        ...params.map((p) => value(r.data.params, p)),
        ...metrics.map((m) => value(r.data.metrics, m)),
      ])));
    } catch (e) {
      table.replaceChildren(errorBox(e));
    }
  };
  main.replaceChildren(el('h2', {}, 'Runs'), el('div', { class: 'row' }, filter, el('button', { onclick: () => void load() }, 'Filter')), table, chart);
  await load();
}
