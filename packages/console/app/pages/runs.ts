import { api } from '../api.js';
import { el, errorBox, plainTable } from '../dom.js';
import { artifactBrowser } from './artifacts.js';
import { compareRuns, metricHistory, MLFLOW, runName, stepChart } from './run-compare.js';

/** A run's metrics over its steps (one line per metric key), then its artifacts. */
async function runDetail(box: HTMLElement, run: any): Promise<void> {
  const keys: string[] = (run.data.metrics ?? []).map((m: any) => m.key);
  const chart = el('div');
  if (keys.length === 0) chart.append(el('p', { class: 'muted' }, 'This run has no metrics.'));
  else {
    const histories = await Promise.all(keys.map(async (k) => ({ label: k, data: await metricHistory(run.info.run_id, k) })));
    const canvas = el('canvas', { 'data-test': 'metric-chart' });
    chart.append(el('h3', {}, `${runName(run)}: metrics by step`), el('div', { class: 'chart-box' }, canvas));
    stepChart(canvas, histories);
  }
  const artifacts = await artifactBrowser(run.info.run_id).catch((e) => errorBox(e));
  box.replaceChildren(el('div', { 'data-test': 'run-detail' }, chart, artifacts));
}

/** The selected experiment's runs: a filter (MLflow's grammar), a table with params and metrics, compare and detail. */
function runsPanel(main: HTMLElement, experimentId: string): () => Promise<void> {
  const filter = el('input', { placeholder: "metrics.rmse < 1 and params.model = 'gbt'", style: 'width: 420px', 'data-test': 'runs-filter' });
  const table = el('div', { 'data-test': 'runs-table' });
  const below = el('div');
  const selected = new Set<string>();
  let shown: any[] = [];
  const compare = el('button', { 'data-test': 'compare-runs', disabled: 'disabled', onclick: () => below.replaceChildren(compareRuns(shown.filter((r) => selected.has(r.info.run_id)))) }, 'Compare');
  const choose = (id: string, on: boolean) => {
    if (on) selected.add(id);
    else selected.delete(id);
    compare.toggleAttribute('disabled', selected.size < 2);
    compare.textContent = selected.size >= 2 ? `Compare ${selected.size} runs` : 'Compare';
  };
  const load = async () => {
    try {
      const { runs = [] } = await api('POST', `${MLFLOW}/runs/search`, { experiment_ids: [experimentId], filter: filter.value, max_results: 1000 });
      shown = runs;
      for (const id of [...selected]) if (!runs.some((r: any) => r.info.run_id === id)) choose(id, false);
      const params = [...new Set(runs.flatMap((r: any) => (r.data.params ?? []).map((p: any) => p.key)))] as string[];
      const metrics = [...new Set(runs.flatMap((r: any) => (r.data.metrics ?? []).map((m: any) => m.key)))] as string[];
      const value = (list: any[] | undefined, k: string) => String(list?.find((x) => x.key === k)?.value ?? '');
      table.replaceChildren(plainTable(['', 'run', 'status', ...params.map((p) => `params.${p}`), ...metrics.map((m) => `metrics.${m}`)], runs.map((r: any) => {
        const box = el('input', { type: 'checkbox', 'data-test': `select-${r.info.run_id}`, onchange: (e) => choose(r.info.run_id, (e.target as HTMLInputElement).checked) });
        box.checked = selected.has(r.info.run_id);
        return [
          box,
          el('a', { href: 'javascript:void 0', 'data-test': `run-${r.info.run_id}`, onclick: () => void runDetail(below, r).catch((e) => below.replaceChildren(errorBox(e))) }, runName(r)),
          r.info.status,
          ...params.map((p) => value(r.data.params, p)),
          ...metrics.map((m) => value(r.data.metrics, m)),
        ];
      })));
    } catch (e) {
      table.replaceChildren(errorBox(e));
    }
  };
  main.replaceChildren(el('h2', {}, 'Runs'), el('div', { class: 'row' }, filter, el('button', { onclick: () => void load() }, 'Filter'), compare), table, below);
  return load;
}

/** Experiments, their runs with params and metrics as columns (filtered with MLflow's grammar); compare runs; a run's metric chart and artifacts. */
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
  await runsPanel(main, experimentId)();
}
