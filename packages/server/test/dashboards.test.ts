import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './helpers.js';
import { get, post, sql } from './api.js';

const noc = {
  name: 'QoS NOC',
  schedule: '*/1 * * * * *',
  parameters: [{ name: 'min_id', default: '0', type: 'BIGINT' }],
  widgets: [
    { title: 'Events by kind', sql: 'SELECT kind, count(*) AS n FROM events WHERE id >= :min_id GROUP BY kind ORDER BY kind', chart: 'bar', x: 'kind', y: ['n'] },
    { id: 'total', title: 'Total', sql: 'SELECT count(*) AS total FROM events', chart: 'counter' },
    { title: 'Broken', sql: 'SELECT * FROM nowhere' },
  ],
};

test('a dashboard is imported, listed, exported, refreshed with parameters and deleted', async () => {
  const s = await startServer();
  try {
    assert.deepEqual((await get(`${s.url}/api/2.0/dashboards`)).json, { dashboards: [] });
    await sql(s.url, "CREATE TABLE events (id BIGINT, kind STRING) USING DELTA; INSERT INTO events VALUES (1, 'play'), (2, 'play'), (3, 'stop')");
    const saved = await post(`${s.url}/api/2.0/dashboards`, noc);
    assert.equal(saved.status, 200, JSON.stringify(saved.json));
    assert.equal(saved.json.id, 'qos-noc');
    assert.deepEqual(saved.json.widgets.map((w: any) => w.id), ['events-by-kind', 'total', 'broken']);
    assert.equal(saved.json.widgets[2].chart, 'table');
    const list = await get(`${s.url}/api/2.0/dashboards`);
    assert.deepEqual(list.json.dashboards.map((d: any) => [d.id, d.name, d.widgets]), [['qos-noc', 'QoS NOC', 3]]);
    const exported = await get(`${s.url}/api/2.0/dashboards/qos-noc`);
    assert.deepEqual(exported.json, saved.json);
    const refreshed = await post(`${s.url}/api/2.0/dashboards/qos-noc/refresh`, { parameters: { min_id: '2' } });
    assert.deepEqual(refreshed.json.parameters, { min_id: '2' });
    assert.deepEqual(refreshed.json.widgets[0].data_array, [['play', '1'], ['stop', '1']]);
    assert.deepEqual(refreshed.json.widgets[1].data_array, [['3']]);
    assert.match(refreshed.json.widgets[2].error.message, /nowhere/);
    // Saving again under the same id replaces it (one row per dashboard).
    await post(`${s.url}/api/2.0/dashboards`, { ...noc, widgets: noc.widgets.slice(0, 1) });
    assert.equal((await get(`${s.url}/api/2.0/dashboards/qos-noc`)).json.widgets.length, 1);
    const rows = await sql(s.url, 'SELECT count(*) FROM console.dashboards');
    assert.deepEqual(rows.result.data_array, [['1']]);
    assert.equal((await fetch(`${s.url}/api/2.0/dashboards/qos-noc`, { method: 'DELETE' })).status, 200);
    assert.equal((await get(`${s.url}/api/2.0/dashboards/qos-noc`)).status, 404);
  } finally {
    await s.close();
  }
});

test('a dashboard with a schedule refreshes on it and says so on the event stream', async () => {
  const s = await startServer();
  try {
    await sql(s.url, "CREATE TABLE events (id BIGINT, kind STRING) USING DELTA; INSERT INTO events VALUES (1, 'play')");
    const events = await fetch(`${s.url}/api/2.0/events`);
    const reader = events.body!.getReader();
    await post(`${s.url}/api/2.0/dashboards`, noc);
    let text = '';
    const deadline = Date.now() + 10_000;
    while (!text.includes('event: dashboard-refreshed') && Date.now() < deadline) text += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    assert.match(text, /event: dashboard-refreshed\ndata: \{"id":"qos-noc"/);
    const results = await get(`${s.url}/api/2.0/dashboards/qos-noc/results`);
    assert.deepEqual(results.json.widgets[1].data_array, [['1']]);
  } finally {
    await s.close();
  }
});

test('an invalid dashboard is refused with LOCH_DASHBOARD_INVALID naming the field', async () => {
  const s = await startServer();
  try {
    const cases: [unknown, RegExp][] = [
      [{ widgets: [] }, /name is required/],
      [{ name: 'x', widgets: [{ title: 't', sql: 'SELECT 1', chart: 'radar' }] }, /widgets\[0\]\.chart: 'radar'/],
      [{ name: 'x', widgets: [{ title: 't' }] }, /widgets\[0\]\.sql is required/],
      [{ name: 'x', schedule: 'every minute', widgets: [] }, /schedule: 'every minute'/],
      [{ name: 'x', widgets: [{ title: 't', sql: 'SELECT 1' }, { title: 't', sql: 'SELECT 2' }] }, /'t' is used by another widget/],
    ];
    for (const [body, message] of cases) {
      const r = await post(`${s.url}/api/2.0/dashboards`, body);
      assert.equal(r.status, 400);
      assert.equal(r.json.error_code, 'LOCH_DASHBOARD_INVALID');
      assert.match(r.json.message, message);
    }
  } finally {
    await s.close();
  }
});
