import { onUnauthenticated, setToken } from './api.js';
import { el } from './dom.js';
import { alertsPage } from './pages/alerts.js';
import { catalogPage } from './pages/catalog.js';
import { jobsPage } from './pages/jobs.js';
import { dashboardPage, dashboardsPage } from './pages/dashboards.js';
import { modelsPage } from './pages/models.js';
import { runsPage } from './pages/runs.js';
import { sqlPage } from './pages/sql.js';
import { streamsPage } from './pages/streams.js';

const root = document.getElementById('page')!;
let leave: (() => void) | undefined;

/** Asks for the server's token once (when an API answers 401) and keeps it in this browser. */
onUnauthenticated(() => new Promise<void>((resolve) => {
  const input = el('input', { type: 'password', 'data-test': 'token', placeholder: 'token' });
  const form = el('form', { class: 'panel', 'data-test': 'token-form' }, el('h2', {}, 'This server needs a token'), el('p', { class: 'muted' }, 'Start it with --token T and enter T here.'), input, ' ', el('button', {}, 'Sign in'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    setToken(input.value);
    form.remove();
    resolve();
  });
  document.body.prepend(form);
  input.focus();
}));

async function route(): Promise<void> {
  leave?.();
  leave = undefined;
  const hash = location.hash.replace(/^#\/?/, '');
  const [path, query = ''] = hash.split('?');
  const [page, arg] = [path.split('/')[0] || 'sql', decodeURIComponent(path.split('/').slice(1).join('/'))];
  for (const a of document.querySelectorAll<HTMLAnchorElement>('nav a')) a.classList.toggle('active', a.dataset.page === page);
  root.dataset.page = page;
  switch (page) {
    case 'catalog': await catalogPage(root, arg || undefined); break;
    case 'dashboards': leave = arg ? await dashboardPage(root, arg) : (await dashboardsPage(root), undefined); break;
    case 'streams': leave = await streamsPage(root); break;
    case 'runs': await runsPage(root, arg || undefined); break;
    case 'models': await modelsPage(root, arg || undefined); break;
    case 'alerts': leave = await alertsPage(root); break;
    case 'jobs': leave = await jobsPage(root); break;
    default: sqlPage(root, new URLSearchParams(query).get('q') ?? undefined);
  }
  root.dataset.ready = page;
}

window.addEventListener('hashchange', () => void route());
void route();
