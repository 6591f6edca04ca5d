/**
 * The console in a real browser (Debian's Chromium through playwright-core) against a real
 * `loch server`: every page renders the lake's data. Screenshots are kept in screenshots/.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import '@loch/streaming';
import { launchChromium, SCREENSHOTS, sql, startConsole, openPage, type Console } from './support.js';

let browser: Browser;
let c: Console;

before(async () => {
  browser = await launchChromium();
  c = await startConsole();
  await sql(c, "CREATE TABLE events (id BIGINT, cdn STRING, ttff_ms DOUBLE) USING DELTA PARTITIONED BY (cdn)");
  await sql(c, "INSERT INTO events SELECT id, CASE id % 3 WHEN 0 THEN 'edge-a' WHEN 1 THEN 'edge-b' ELSE 'edge-c' END, 100 + (id % 17) * 10 FROM range(300)");
});

after(async () => {
  await browser?.close();
  await c?.close();
});

const open = (path: string): Promise<Page> => openPage(browser, c, path, 800);

const points = async (page: Page, selector: string) => Number(await page.locator(selector).first().getAttribute('data-points'));

test('the SQL editor runs a query, shows the rows, and draws a bar chart of them', async () => {
  const page = await open('#/sql');
  try {
    await page.fill('[data-test=sql-editor]', 'SELECT cdn, avg(ttff_ms) AS ttff, count(*) AS n FROM events GROUP BY cdn ORDER BY cdn');
    await page.click('[data-test=run]');
    await page.waitForSelector('[data-test=results-grid] [data-row="2"]');
    assert.match(await page.textContent('[data-test=sql-info]') ?? '', /^3 rows/);
    assert.equal(await page.textContent('[data-test=results-grid] [data-row="0"] .cell'), 'edge-a');
    await page.click('[data-test=view-chart]');
    await page.waitForSelector('canvas[data-test=chart][data-chart=bar]');
    assert.equal(await points(page, 'canvas[data-test=chart]'), 6);
    await page.selectOption('[data-test=chart-type]', 'pie');
    await page.waitForSelector('canvas[data-test=chart][data-chart=pie]');
    await page.selectOption('[data-test=chart-type]', 'bar');
    await page.screenshot({ path: join(SCREENSHOTS, 'sql.png') });
    await page.fill('[data-test=sql-editor]', 'SELECT * FROM nowhere');
    await page.click('[data-test=run]');
    assert.match(await page.locator('[data-test=error]').textContent() ?? '', /nowhere/);
  } finally {
    await page.close();
  }
});

test('the results grid stays responsive with 100,000 rows: only the rows in view are drawn', async () => {
  const page = await open('#/sql');
  try {
    await page.fill('[data-test=sql-editor]', 'SELECT id, id * 2 AS twice FROM range(100000)');
    await page.click('[data-test=run]');
    await page.waitForSelector('[data-test=results-grid] [data-row="0"]', { timeout: 60_000 });
    assert.ok((await page.locator('[data-test=results-grid] .line').count()) < 100);
    const t0 = Date.now();
    await page.locator('[data-test=results-grid]').evaluate((g) => (g.scrollTop = 25 * 99_990));
    await page.waitForSelector('[data-test=results-grid] [data-row="99999"]');
    assert.ok(Date.now() - t0 < 2000, 'scrolling to the end took more than 2 s');
  } finally {
    await page.close();
  }
});

test('the catalog shows a table with its columns, partitioning, history and sample rows', async () => {
  const page = await open('#/catalog/default.events');
  try {
    await page.waitForSelector('[data-test=table-name]');
    assert.equal(await page.textContent('[data-test=table-name]'), 'main.default.events');
    const text = await page.textContent('#page') ?? '';
    assert.match(text, /partitioned by cdn/);
    assert.match(text, /ttff_msDOUBLE/);
    assert.match(text, /WRITE/);
    await page.waitForSelector('[data-test=results-grid] [data-row="0"]');
    await page.screenshot({ path: join(SCREENSHOTS, 'catalog.png') });
  } finally {
    await page.close();
  }
});

test('a dashboard is imported in the console, drawn with data, survives a reload and refreshes on its schedule', async () => {
  const page = await open('#/dashboards');
  try {
    const dashboard = {
      name: 'QoS NOC',
      schedule: '*/1 * * * * *',
      parameters: [{ name: 'min_ttff', default: '0', type: 'DOUBLE' }],
      widgets: [
        { title: 'Time to first frame by CDN', sql: 'SELECT cdn, avg(ttff_ms) AS ttff FROM events WHERE ttff_ms >= :min_ttff GROUP BY cdn ORDER BY cdn', chart: 'bar', x: 'cdn', y: ['ttff'] },
        { title: 'Events', sql: 'SELECT count(*) AS n FROM events', chart: 'counter', width: 3 },
        { title: 'TTFF over ids', sql: 'SELECT id, ttff_ms, cdn FROM events WHERE id < 60 ORDER BY id', chart: 'line', x: 'id', y: ['ttff_ms'], series: 'cdn', width: 9 },
      ],
    };
    await page.fill('[data-test=dashboard-json]', JSON.stringify(dashboard));
    await page.click('[data-test=dashboard-save]');
    await page.waitForSelector('[data-test=dashboard-title]');
    assert.equal(await page.textContent('[data-test=dashboard-title]'), 'QoS NOC');
    await page.waitForSelector('[data-test=widget-time-to-first-frame-by-cdn] canvas[data-chart=bar]');
    assert.equal(await page.textContent('[data-test=widget-events] [data-test=counter]'), '300');
    await page.reload();
    await page.waitForSelector('[data-test=widget-ttff-over-ids] canvas[data-chart=line]');
    assert.equal(await points(page, '[data-test=widget-ttff-over-ids] canvas'), 60 * 3);
    // The server refreshes every second; the page redraws with each refresh it hears of.
    await sql(c, 'INSERT INTO events VALUES (1000, \'edge-a\', 50)');
    await page.waitForFunction("document.querySelector('[data-test=widget-events] [data-test=counter]')?.textContent === '301'", null, { timeout: 15_000 });
    await page.screenshot({ path: join(SCREENSHOTS, 'dashboard.png') });
  } finally {
    await page.close();
  }
});

test("a streaming query's chart updates live", async () => {
  const q = await c.server.lake.readStream.format('rate').option('rowsPerSecond', 50).load()
    .writeStream.trigger({ processingTime: '200 milliseconds' }).format('memory').queryName('rated').start();
  const page = await open('#/streams');
  try {
    const chart = `[data-test=stream-${q.id}] canvas`;
    await page.waitForSelector(chart);
    const first = await points(page, chart);
    await page.waitForFunction(`Number(document.querySelector(${JSON.stringify(chart)})?.getAttribute('data-points')) > ${first + 2}`, null, { timeout: 15_000 });
    await page.screenshot({ path: join(SCREENSHOTS, 'streams.png') });
  } finally {
    await q.stop();
    await page.close();
  }
});

test("a run's metric chart shows its steps", async () => {
  const call = async (path: string, body: unknown) => (await (await fetch(`${c.url}/api/2.0/mlflow/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).json()) as any;
  const { experiment_id } = await call('experiments/create', { name: 'gbt' });
  const { run } = await call('runs/create', { experiment_id, run_name: 'depth-6' });
  const metrics = Array.from({ length: 12 }, (_, step) => ({ key: 'rmse', value: 1 / (step + 1), timestamp: Date.now(), step }));
  await call('runs/log-batch', { run_id: run.info.run_id, metrics, params: [{ key: 'max_depth', value: '6' }] });
  const page = await open(`#/runs/${experiment_id}`);
  try {
    await page.waitForSelector(`[data-test=run-${run.info.run_id}]`);
    assert.match(await page.textContent('[data-test=runs-table]') ?? '', /params\.max_depth.*metrics\.rmse/);
    await page.click(`[data-test=run-${run.info.run_id}]`);
    await page.waitForSelector('canvas[data-test=metric-chart]');
    assert.equal(await points(page, 'canvas[data-test=metric-chart]'), 12);
    await page.screenshot({ path: join(SCREENSHOTS, 'runs.png') });
  } finally {
    await page.close();
  }
});

test("the alerts page shows each alert's state and its transitions", async () => {
  const post = (path: string, body: unknown) => fetch(`${c.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  // The machine's NATS (127.0.0.1:4222) takes the notification.
  await post('/api/2.0/alerts', { name: 'Slow edge', sql: 'SELECT max(ttff_ms) AS worst FROM events', column: 'worst', op: '>', threshold: 200, schedule: '0 0 1 1 *', destinations: [{ type: 'nats', subject: `loch.console.${process.pid}` }] });
  await post('/api/2.0/alerts/slow-edge/evaluate', {});
  const page = await open('#/alerts');
  try {
    await page.waitForSelector('[data-test=alert-state-slow-edge]');
    assert.equal(await page.textContent('[data-test=alert-state-slow-edge]'), 'TRIGGERED');
    assert.equal(await page.textContent('[data-test=alert-destinations-slow-edge]'), `nats loch.console.${process.pid}`);
    assert.match(await page.textContent('[data-test=alert-notified-slow-edge]') ?? '', /: sent$/);
    await page.click('text=Slow edge');
    await page.waitForSelector('text=slow-edge: state changes');
    await page.screenshot({ path: join(SCREENSHOTS, 'alerts.png') });
  } finally {
    await page.close();
  }
});

test('the alerts page shows destination secrets masked, and Edit then Save keeps sending with the real ones', { timeout: 60_000 }, async (t) => {
  const call = async (path: string, body: unknown): Promise<any> => (await fetch(`${c.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).json();
  // The machine's RabbitMQ (127.0.0.1:5672, guest/guest) takes the notification: a masked password would be refused.
  const amqp = await import('amqplib');
  const conn = await amqp.connect('amqp://guest:guest@127.0.0.1:5672');
  const ch = await conn.createChannel();
  const queue = `loch-console-secrets-${process.pid}`;
  t.after(async () => {
    await ch.deleteQueue(queue).catch(() => undefined);
    await conn.close();
  });
  const destinations = [{ type: 'amqp', url: 'amqp://guest:guest@127.0.0.1:5672', queue }, { type: 'webhook', url: 'http://127.0.0.1:9/hook?channel=noc&token=s3cr3t' }];
  await call('/api/2.0/alerts', { name: 'Secret edge', sql: 'SELECT max(ttff_ms) AS worst FROM events', column: 'worst', op: '>', threshold: 100000, schedule: '0 0 1 1 *', destinations });
  const page = await open('#/alerts');
  try {
    await page.waitForSelector('[data-test=alert-destinations-secret-edge]');
    assert.equal(await page.textContent('[data-test=alert-destinations-secret-edge]'), `amqp amqp://guest:****@127.0.0.1:5672 queue ${queue}, webhook http://127.0.0.1:9/hook?channel=noc&token=****`);
    await page.click('[data-test=alert-edit-secret-edge]');
    const edited = JSON.parse(await page.inputValue('[data-test=alert-json]'));
    assert.deepEqual(edited.destinations.map((d: { url: string }) => d.url), ['amqp://guest:****@127.0.0.1:5672', 'http://127.0.0.1:9/hook?channel=noc&token=****']);
    for (const secret of ['guest:guest', 's3cr3t']) assert.ok(!(await page.content()).includes(secret), `the page shows '${secret}'`);
    await page.fill('[data-test=alert-json]', JSON.stringify({ ...edited, threshold: 200 }, null, 2));
    await page.click('[data-test=alert-save]');
    for (let tries = 0; ((await (await fetch(`${c.url}/api/2.0/alerts/secret-edge`)).json()) as { threshold?: number }).threshold !== 200; tries++) {
      assert.ok(tries < 100, 'the edited alert was saved');
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await page.close();
  }
  const fired = await call('/api/2.0/alerts/secret-edge/evaluate', {});
  assert.equal(fired.state, 'TRIGGERED');
  assert.equal(fired.notified[`amqp amqp://guest:****@127.0.0.1:5672 queue ${queue}`], 'sent', JSON.stringify(fired.notified));
  assert.ok(await ch.get(queue, { noAck: true }), 'RabbitMQ took the message');
  assert.match(fired.notified['http://127.0.0.1:9/hook?channel=noc&token=****'], /^error: /);
});

test('with --token the console asks for it: nothing runs without it, everything with it', async () => {
  const secured = await startConsole({ token: 'sesame' });
  try {
    await sql(secured, 'CREATE TABLE t (x INT) USING DELTA', 'sesame');
    const refused = await fetch(`${secured.url}/api/2.0/sql/statements`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"statement": "DROP TABLE t"}' });
    assert.equal(refused.status, 401);
    const page = await browser.newPage();
    try {
      await page.goto(`${secured.url}/#/catalog`);
      await page.waitForSelector('[data-test=token-form]');
      await page.fill('[data-test=token]', 'sesame');
      await page.press('[data-test=token]', 'Enter');
      await page.waitForSelector('[data-test="table-default.t"]');
    } finally {
      await page.close();
    }
  } finally {
    await secured.close();
  }
});
