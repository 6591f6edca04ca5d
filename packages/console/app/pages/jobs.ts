import { api, subscribe } from '../api.js';
import { el, errorBox, plainTable } from '../dom.js';

const EXAMPLE = { name: 'Hourly rollup', sql: 'INSERT INTO rollup SELECT date_trunc(\'hour\', ts), count(*) FROM events GROUP BY 1', schedule: '0 * * * *', retries: 2, retry_delay_seconds: 30 };

/** Jobs: scheduled SQL with their run history (start, end, status, attempts, error), run now, create from JSON. */
export async function jobsPage(root: HTMLElement): Promise<() => void> {
  const list = el('div', { 'data-test': 'job-list' });
  const runs = el('div', { 'data-test': 'job-runs' });
  const json = el('textarea', { class: 'sql', 'data-test': 'job-json' });
  json.value = JSON.stringify(EXAMPLE, null, 2);
  const message = el('div');
  let shown: string | undefined;
  const showRuns = async (id: string) => {
    shown = id;
    const r = await api('GET', `/api/2.0/jobs/${encodeURIComponent(id)}/runs`);
    runs.replaceChildren(el('h3', {}, `${id}: runs`), plainTable(['started', 'ended', 'trigger', 'status', 'attempts', 'result'], r.runs.map((x: any) => [x.started_at, x.ended_at, x.trigger, el('b', { 'data-test': 'run-status' }, x.status), String(x.attempts), x.error ?? x.summary])));
  };
  const load = async () => {
    const { jobs } = await api('GET', '/api/2.0/jobs');
    list.replaceChildren(jobs.length === 0
      ? el('p', { class: 'muted' }, 'No jobs yet.')
      : plainTable(['name', 'schedule', 'retries', 'now', ''], jobs.map((j: any) => [
        el('a', { href: 'javascript:void 0', onclick: () => void showRuns(j.id) }, j.name),
        j.schedule ?? 'on demand',
        String(j.retries),
        j.running ? 'running' : '',
        el('button', { class: 'secondary', 'data-test': `job-run-${j.id}`, onclick: () => void api('POST', `/api/2.0/jobs/${encodeURIComponent(j.id)}/run-now`).then(() => showRuns(j.id), (e) => message.replaceChildren(errorBox(e))) }, 'Run now'),
      ])));
  };
  const save = async () => {
    try {
      await api('POST', '/api/2.0/jobs', JSON.parse(json.value));
      message.replaceChildren();
      await load();
    } catch (e) {
      message.replaceChildren(errorBox(e));
    }
  };
  root.replaceChildren(el('h2', {}, 'Jobs'), list, runs, el('h3', {}, 'Create or replace a job (JSON)'), json, el('div', { class: 'row' }, el('button', { 'data-test': 'job-save', onclick: () => void save() }, 'Save')), message);
  await load().catch((e) => list.replaceChildren(errorBox(e)));
  return subscribe((type, data) => {
    if (type !== 'job-run') return;
    void load().catch(() => undefined);
    if (shown !== undefined && data.job_id === shown) void showRuns(shown).catch(() => undefined);
  });
}
