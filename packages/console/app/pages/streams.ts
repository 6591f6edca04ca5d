import { Chart } from 'chart.js';
import { api, subscribe } from '../api.js';
import { el, errorBox } from '../dom.js';

const POINTS = 100;

/** One query's card: status, and live charts of input and process rates and batch duration. */
function streamCard(s: any): { element: HTMLElement; add: (p: any) => void; destroy: () => void } {
  const canvas = el('canvas', { 'data-test': 'stream-chart' });
  const state = el('span', { class: 'muted', 'data-test': 'stream-state' });
  const batch = el('span', { 'data-test': 'stream-batch' });
  const chart = new Chart<'line', number[], string>(canvas, {
    type: 'line',
    data: { labels: [], datasets: [
      { label: 'input rows/s', data: [], borderColor: '#0b6bcb', yAxisID: 'y' },
      { label: 'processed rows/s', data: [], borderColor: '#2f9e44', yAxisID: 'y' },
      { label: 'batch duration ms', data: [], borderColor: '#e8590c', yAxisID: 'ms' },
    ] },
    options: { responsive: true, maintainAspectRatio: false, animation: false, scales: { y: { position: 'left' }, ms: { position: 'right', grid: { drawOnChartArea: false } } } },
  });
  const add = (p: any) => {
    chart.data.labels!.push(String(p.batchId));
    chart.data.datasets[0].data.push(p.inputRowsPerSecond ?? 0);
    chart.data.datasets[1].data.push(p.processedRowsPerSecond ?? 0);
    chart.data.datasets[2].data.push(p.durationMs?.triggerExecution ?? 0);
    if (chart.data.labels!.length > POINTS) {
      chart.data.labels!.shift();
      for (const d of chart.data.datasets) d.data.shift();
    }
    chart.update();
    batch.textContent = `batch ${p.batchId} · ${p.numInputRows} rows${p.stateOperators?.length ? ` · state rows ${p.stateOperators.map((o: any) => o.numRowsTotal).join('/')}` : ''}`;
    canvas.dataset.points = String(chart.data.labels!.length);
  };
  state.textContent = s.is_active ? 'running' : s.exception ? `failed: ${s.exception}` : 'stopped';
  for (const p of s.recent_progress ?? []) add(p);
  const element = el('div', { class: 'panel', 'data-test': `stream-${s.id}` }, el('h3', {}, s.name ?? s.id), el('div', { class: 'row' }, state, batch), el('div', { class: 'chart-box' }, canvas));
  return { element, add, destroy: () => chart.destroy() };
}

export async function streamsPage(root: HTMLElement): Promise<() => void> {
  const cards = el('div', { class: 'cards', 'data-test': 'streams' });
  root.replaceChildren(el('h2', {}, 'Streams'), cards);
  const shown = new Map<string, ReturnType<typeof streamCard>>();
  const show = async (id: string) => {
    const s = await api('GET', `/api/2.0/streams/${id}`);
    const card = streamCard(s);
    shown.get(id)?.destroy();
    shown.get(id)?.element.replaceWith(card.element);
    if (!shown.has(id)) cards.append(card.element);
    shown.set(id, card);
  };
  try {
    const { streams } = await api('GET', '/api/2.0/streams');
    if (streams.length === 0) cards.append(el('p', { class: 'muted', 'data-test': 'no-streams' }, 'No streaming queries on this server yet.'));
    for (const s of streams) await show(s.id);
  } catch (e) {
    cards.replaceChildren(errorBox(e));
  }
  const stop = subscribe((type, data) => {
    if (type === 'stream-progress') {
      const card = shown.get(data.id);
      if (card) card.add(data);
      else void show(data.id);
    } else if (type === 'stream-terminated' || type === 'stream-started') void show(data.id);
  });
  return () => {
    stop();
    for (const c of shown.values()) c.destroy();
  };
}
