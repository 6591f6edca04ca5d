import { api, subscribe } from '../api.js';
import { el, errorBox, plainTable } from '../dom.js';

const EXAMPLE = {
  name: 'Error rate',
  sql: 'SELECT count(*) AS errors FROM events WHERE kind = \'error\'',
  column: 'errors',
  op: '>',
  threshold: 100,
  schedule: '*/1 * * * *',
  destinations: [{ type: 'webhook', url: 'http://127.0.0.1:9000/hook' }],
};

/** A destination in a few words: its kind, its broker or URL (secrets masked by the API) and where it sends. */
function destination(d: any): string {
  const at = d.url || d.servers ? ` ${d.url ?? d.servers}` : '';
  switch (d.type) {
    case 'webhook': return `webhook ${d.url}`;
    case 'nats': return `nats${at} ${d.subject}`;
    case 'amqp': return `amqp${at} ${d.queue ? `queue ${d.queue}` : `exchange ${d.exchange}${d.routing_key ? ` (${d.routing_key})` : ''}`}`;
    case 'mqtt': return `mqtt${at} ${d.topic}`;
    default: return String(d.type);
  }
}

/** Alerts with their current state, their transitions, evaluate now, and creating one from JSON. */
export async function alertsPage(root: HTMLElement): Promise<() => void> {
  const list = el('div', { 'data-test': 'alert-list' });
  const history = el('div');
  const json = el('textarea', { class: 'sql', 'data-test': 'alert-json' });
  json.value = JSON.stringify(EXAMPLE, null, 2);
  const message = el('div');
  const showHistory = async (id: string) => {
    const h = await api('GET', `/api/2.0/alerts/${encodeURIComponent(id)}/history`);
    history.replaceChildren(el('h3', {}, `${id}: state changes`), plainTable(['time', 'state', 'from', 'value', 'error'], h.history.map((x: any) => [x.evaluated_at, x.state, x.previous_state, x.value, x.error])));
  };
  const load = async () => {
    const { alerts } = await api('GET', '/api/2.0/alerts');
    list.replaceChildren(alerts.length === 0
      ? el('p', { class: 'muted' }, 'No alerts yet.')
      : plainTable(['name', 'condition', 'schedule', 'destinations', 'state', 'value', 'evaluated', 'last sent', ''], alerts.map((a: any) => [
        el('a', { href: 'javascript:void 0', onclick: () => void showHistory(a.id) }, a.name),
        `${a.column} ${a.op} ${a.threshold ?? ''}`,
        a.schedule,
        el('span', { 'data-test': `alert-destinations-${a.id}` }, (a.destinations ?? []).map(destination).join(', ')),
        el('b', { 'data-test': `alert-state-${a.id}` }, a.status.state),
        a.status.value,
        a.status.evaluated_at,
        el('span', { 'data-test': `alert-notified-${a.id}` }, Object.entries(a.status.notified ?? {}).map(([k, v]) => `${k}: ${v}`).join('; ')),
        el('span', {},
          el('button', { class: 'secondary', onclick: () => void api('POST', `/api/2.0/alerts/${encodeURIComponent(a.id)}/evaluate`).then(load, (e) => message.replaceChildren(errorBox(e))) }, 'Evaluate now'),
          el('button', { class: 'secondary', 'data-test': `alert-edit-${a.id}`, onclick: () => edit(a) }, 'Edit')),
      ])));
  };
  // The alert as the API read it, secrets masked: saving the mask back keeps the saved secret.
  const edit = ({ status: _status, updated_at: _updated, ...alert }: any) => {
    json.value = JSON.stringify(alert, null, 2);
    json.focus();
  };
  const save = async () => {
    try {
      await api('POST', '/api/2.0/alerts', JSON.parse(json.value));
      message.replaceChildren();
      await load();
    } catch (e) {
      message.replaceChildren(errorBox(e));
    }
  };
  root.replaceChildren(el('h2', {}, 'Alerts'), list, history, el('h3', {}, 'Create or replace an alert (JSON)'), el('p', { class: 'muted' }, 'Destinations: {"type": "webhook", "url"}, {"type": "nats", "subject"}, {"type": "amqp", "queue"} or {"type": "amqp", "exchange", "routing_key"}, {"type": "mqtt", "topic"}; brokers default to this machine\'s ports. Passwords and tokens read back as ****: saving **** keeps the saved one, a new value replaces it.'), json, el('div', { class: 'row' }, el('button', { 'data-test': 'alert-save', onclick: () => void save() }, 'Save')), message);
  await load().catch((e) => list.replaceChildren(errorBox(e)));
  return subscribe((type) => {
    if (type === 'alert-state') void load().catch(() => undefined);
  });
}
