/**
 * The pruning report in Chromium: a table page's query box explains which files a query reads
 * and what skipped the others; the SQL editor shows the same under any query's result, with
 * Dynamic File Pruning from a join's build side.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, SCREENSHOTS, sql, startConsole, openPage, type Console } from './support.js';

let browser: Browser;
let c: Console;

/** 8 files: two regions (partitions) × four id ranges, one INSERT each (so statistics can skip them). */
before(async () => {
  browser = await launchChromium();
  c = await startConsole();
  await sql(c, 'CREATE TABLE sales (id BIGINT, region STRING, amount DOUBLE) USING DELTA PARTITIONED BY (region)');
  for (let i = 0; i < 4; i++) {
    await sql(c, `INSERT INTO sales SELECT id, CASE WHEN id % 2 = 0 THEN 'eu' ELSE 'us' END, id * 1.5 FROM range(${i * 100}, ${(i + 1) * 100}) t(id)`);
  }
  await sql(c, 'CREATE TABLE picks (id BIGINT) USING DELTA');
  await sql(c, 'INSERT INTO picks VALUES (4), (6)');
});

after(async () => {
  await browser?.close();
  await c?.close();
});

const open = (path: string): Promise<Page> => openPage(browser, c, path);

const field = async (page: Page, scope: string, name: string) => (await page.textContent(`${scope} [data-test=scan] [data-field=${name}]`))?.trim().split(' ')[0];

test("a table page's query box reports the files read and those skipped by partition and by statistics", async () => {
  const page = await open('#/catalog/default.sales');
  try {
    await page.waitForSelector('[data-test=pruning-query]');
    await page.fill('[data-test=pruning-query]', "SELECT * FROM sales WHERE region = 'eu' AND id >= 300");
    await page.click('[data-test=pruning-run]');
    await page.waitForSelector('[data-test=pruning-output] [data-test=scan]');
    const out = '[data-test=pruning-output]';
    assert.deepEqual(await Promise.all(['files_total', 'files_read', 'files_pruned_by_partition', 'files_pruned_by_stats', 'files_pruned_by_dynamic_filter'].map((f) => field(page, out, f))), ['8', '1', '4', '3', '0']);
    assert.match(await page.textContent('[data-test=pruning-filters]') ?? '', /static filter: .*region.*eu/);
    await page.locator('[data-test=pruning-output]').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(SCREENSHOTS, 'catalog-pruning.png'), fullPage: true });
  } finally {
    await page.close();
  }
});

test('the SQL editor shows what each scan pruned, Dynamic File Pruning included', async () => {
  const page = await open('#/sql');
  try {
    // The tables are tiny: DFP's thresholds are lowered so that sales qualifies as a probe side.
    await page.fill('[data-test=sql-editor]', [
      'SET spark.databricks.optimizer.deltaTableFilesThreshold = 1;',
      'SET spark.databricks.optimizer.deltaTableSizeThreshold = 0;',
      'SELECT s.id, s.region FROM sales s JOIN picks p ON s.id = p.id WHERE p.id < 100 ORDER BY s.id',
    ].join('\n'));
    await page.click('[data-test=run]');
    await page.waitForSelector('[data-test=sql-pruning] [data-test=scan][data-table=sales]');
    const sales = '[data-test=sql-pruning] [data-test=scan][data-table=sales]';
    const value = async (f: string) => (await page.textContent(`${sales} [data-field=${f}]`))?.trim().split(' ')[0];
    assert.deepEqual([await value('files_total'), await value('files_read'), await value('files_pruned_by_dynamic_filter')], ['8', '2', '6']);
    assert.match(await page.textContent('[data-test=sql-info]') ?? '', /^2 rows/);
    await page.screenshot({ path: join(SCREENSHOTS, 'sql-pruning.png') });
  } finally {
    await page.close();
  }
});
