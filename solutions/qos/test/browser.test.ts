/**
 * The NOC dashboard in the console, in a real browser (Debian's Chromium through playwright-core)
 * against a real `loch server` over a lake the solution just filled: every widget draws data.
 * The screenshot is kept as docs/noc-dashboard.png when LOCH_QOS_SCREENSHOT is set (the README's).
 */
import assert from 'node:assert/strict';
import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { consoleModule } from '@loch/console';
import { runQos, nocDashboard } from '@loch/qos';
import { createServer } from '@loch/server';
import { chromium } from 'playwright-core';

const CHROMIUM = process.env.LOCH_CHROMIUM ?? '/usr/bin/chromium';
const DOCS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs');

test('the NOC dashboard opens in the console with every widget drawn from the solution’s tables', async (t) => {
  try {
    await access(CHROMIUM);
  } catch {
    throw new Error(`Chromium is not installed at ${CHROMIUM}: apt-get install -y chromium, or set LOCH_CHROMIUM`);
  }
  const root = await mkdtemp(join(tmpdir(), 'qos-browser-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const run = await runQos({ root });
  assert.ok(run.alerts.length > 0);
  const server = createServer({ lake: run.layout.lake, port: 0, modules: [consoleModule()] });
  const url = await server.start();
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  t.after(async () => {
    await browser.close();
    await server.stop();
  });
  const page = await browser.newPage({ viewport: { width: 1440, height: 1800 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${url}/#/dashboards/qos-noc`);
  await page.waitForSelector('[data-test=dashboard-title]');
  assert.equal(await page.textContent('[data-test=dashboard-title]'), 'QoS NOC');
  const widgets = nocDashboard().widgets as Array<{ id: string; chart: string }>;
  for (const w of widgets) {
    const sel = `[data-test=widget-${w.id}]`;
    if (w.chart === 'counter') {
      await page.waitForSelector(`${sel} [data-test=counter]`);
      const n = Number((await page.textContent(`${sel} [data-test=counter]`))?.replace(/[^\d.]/g, ''));
      assert.ok(n > 0, `${w.id}: ${n}`);
    } else if (w.chart === 'table') {
      await page.waitForSelector(`${sel} [data-row="0"]`);
    } else {
      await page.waitForSelector(`${sel} canvas[data-chart=${w.chart}]`);
      assert.ok(Number(await page.locator(`${sel} canvas`).first().getAttribute('data-points')) > 0, `${w.id} has points`);
    }
  }
  assert.equal(Number((await page.textContent('[data-test=widget-alerts-fired] [data-test=counter]'))?.replace(/[^\d]/g, '')), run.alerts.length);
  if (process.env.LOCH_QOS_SCREENSHOT) await page.screenshot({ path: join(DOCS, 'noc-dashboard.png'), fullPage: true });
  assert.deepEqual(errors, []);
});
