import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as httpServer, type IncomingMessage } from 'node:http';
import { createServer } from '../src/index.js';
import { startServer } from './helpers.js';
import { get, post, sql } from './api.js';

/** A webhook receiver on a free port: every POST's JSON body, in order. */
async function webhook(): Promise<{ url: string; received: any[]; close: () => Promise<void> }> {
  const received: any[] = [];
  const server = httpServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      received.push(JSON.parse(body));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const a = server.address() as { port: number };
  return { url: `http://127.0.0.1:${a.port}/hook`, received, close: () => new Promise((r) => server.close(() => r())) };
}

const until = async (what: () => boolean | Promise<boolean>, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!(await what())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
};

test('an alert fires to its webhook once per transition, on its schedule, and keeps its state across restarts', async () => {
  const hook = await webhook();
  const s = await startServer();
  try {
    await sql(s.url, 'CREATE TABLE errors (id BIGINT) USING DELTA; INSERT INTO errors VALUES (1)');
    const alert = { name: 'Too many errors', sql: 'SELECT count(*) AS n FROM errors', column: 'n', op: '>', threshold: 2, schedule: '*/1 * * * * *', destinations: [{ type: 'webhook', url: hook.url }] };
    const saved = await post(`${s.url}/api/2.0/alerts`, alert);
    assert.equal(saved.status, 200, JSON.stringify(saved.json));
    assert.equal(saved.json.id, 'too-many-errors');
    await until(async () => (await get(`${s.url}/api/2.0/alerts/too-many-errors`)).json.status.state === 'OK');
    assert.equal(hook.received.length, 0, 'UNKNOWN -> OK is not notified');
    await sql(s.url, 'INSERT INTO errors VALUES (2), (3)');
    await until(() => hook.received.length === 1);
    assert.deepEqual({ ...hook.received[0], evaluated_at: undefined }, { alert: { id: 'too-many-errors', name: 'Too many errors', column: 'n', op: '>', threshold: 2 }, state: 'TRIGGERED', previous_state: 'OK', value: '3', evaluated_at: undefined });
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal(hook.received.length, 1, 'a state that lasts is notified once');
    await sql(s.url, 'DELETE FROM errors WHERE id > 1');
    await until(() => hook.received.length === 2);
    assert.equal(hook.received[1].state, 'OK');
    assert.equal(hook.received[1].previous_state, 'TRIGGERED');
    const history = await get(`${s.url}/api/2.0/alerts/too-many-errors/history`);
    assert.deepEqual(history.json.history.map((h: any) => h.state), ['OK', 'TRIGGERED', 'OK']);
  } finally {
    await s.server.stop();
  }
  // A restarted server knows the alert is OK: nothing is sent again.
  const again = createServer({ lake: s.server.lake.dir, port: 0 });
  const url = await again.start();
  try {
    assert.equal((await get(`${url}/api/2.0/alerts/too-many-errors`)).json.status.state, 'OK');
    await new Promise((r) => setTimeout(r, 2000));
    assert.equal(hook.received.length, 2);
  } finally {
    await again.stop();
    await hook.close();
    await s.close().catch(() => undefined);
  }
});

test('alerts evaluate on demand; change, text and failing queries; invalid alerts are refused naming the field', async () => {
  const hook = await webhook();
  const s = await startServer();
  try {
    await sql(s.url, "CREATE TABLE status (v STRING) USING DELTA; INSERT INTO status VALUES ('green')");
    const yearly = '0 0 1 1 *';
    await post(`${s.url}/api/2.0/alerts`, { name: 'status changed', sql: 'SELECT max(v) AS v FROM status', column: 'v', op: 'change', schedule: yearly, destinations: [{ type: 'webhook', url: hook.url }] });
    assert.equal((await post(`${s.url}/api/2.0/alerts/status-changed/evaluate`, {})).json.state, 'OK');
    await sql(s.url, "UPDATE status SET v = 'red'");
    const fired = await post(`${s.url}/api/2.0/alerts/status-changed/evaluate`, {});
    assert.equal(fired.json.state, 'TRIGGERED');
    assert.deepEqual(Object.values(fired.json.notified), ['204']);
    assert.equal((await post(`${s.url}/api/2.0/alerts/status-changed/evaluate`, {})).json.state, 'OK');
    await post(`${s.url}/api/2.0/alerts`, { name: 'broken', sql: 'SELECT * FROM nowhere', column: 'x', op: '=', threshold: 'a', schedule: yearly, destinations: [] });
    const broken = await post(`${s.url}/api/2.0/alerts/broken/evaluate`, {});
    assert.equal(broken.json.state, 'ERROR');
    assert.match(broken.json.error, /nowhere/);
    const list = await get(`${s.url}/api/2.0/alerts`);
    assert.deepEqual(list.json.alerts.map((a: any) => [a.id, a.status.state]), [['broken', 'ERROR'], ['status-changed', 'OK']]);
    const cases: [unknown, RegExp][] = [
      [{ name: 'x', sql: 'SELECT 1 AS a', column: 'a', op: '>', schedule: yearly, destinations: [] }, /threshold is required/],
      [{ name: 'x', sql: 'SELECT 1 AS a', column: 'a', op: '~', threshold: 1, schedule: yearly, destinations: [] }, /op: '~'/],
      [{ name: 'x', sql: 'SELECT 1 AS a', column: 'a', op: '>', threshold: 1, schedule: 'soon', destinations: [] }, /schedule: 'soon'/],
      [{ name: 'x', sql: 'SELECT 1 AS a', column: 'a', op: '>', threshold: 1, schedule: yearly, destinations: [{ type: 'webhook', url: 'file:///etc/passwd' }] }, /only http and https/],
    ];
    for (const [body, message] of cases) {
      const r = await post(`${s.url}/api/2.0/alerts`, body);
      assert.equal(r.json.error_code, 'LOCH_ALERT_INVALID');
      assert.match(r.json.message, message);
    }
  } finally {
    await s.close();
    await hook.close();
  }
});
