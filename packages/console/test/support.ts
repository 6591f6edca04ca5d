import { access } from 'node:fs/promises';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer, type LochServer, type ServerOptions } from '@loch/server';
import { chromium, type Browser, type Page } from 'playwright-core';
import { consoleModule } from '../src/index.js';

export const CHROMIUM = process.env.LOCH_CHROMIUM ?? '/usr/bin/chromium';
/** Screenshots the tests keep, one per page (dist/screenshots). */
export const SCREENSHOTS = join(dirname(fileURLToPath(import.meta.url)), '..', 'screenshots');

/** Debian's Chromium, headless; a clear failure when it is not installed (.ci/run installs it). */
export async function launchChromium(): Promise<Browser> {
  try {
    await access(CHROMIUM);
  } catch {
    throw new Error(`Chromium is not installed at ${CHROMIUM}: apt-get install -y chromium (as .ci/run does), or set LOCH_CHROMIUM`);
  }
  await mkdir(SCREENSHOTS, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
}

export interface Console {
  readonly server: LochServer;
  readonly url: string;
  close(): Promise<void>;
}

/** `loch server` with the console over a fresh lake, on a free port. */
export async function startConsole(options: ServerOptions = {}): Promise<Console> {
  const dir = await mkdtemp(join(tmpdir(), 'loch-console-'));
  const server = createServer({ lake: join(dir, 'lake'), port: 0, modules: [consoleModule()], ...options });
  const url = await server.start();
  return {
    server,
    url,
    async close() {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export async function sql(c: Console, statement: string, token?: string): Promise<any> {
  const r = await fetch(`${c.url}/api/2.0/sql/statements`, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify({ statement, wait_timeout: '30s' }) });
  const json = (await r.json()) as any;
  if (json.status?.state !== 'SUCCEEDED') throw new Error(`${statement}: ${JSON.stringify(json)}`);
  return json;
}

/** A new page of the console at `path` (after the origin), page errors echoed to stderr. */
export async function openPage(browser: Browser, c: Console, path: string, height = 900): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height } });
  page.on('pageerror', (e) => process.stderr.write(`page error: ${e.message}\n`));
  await page.goto(`${c.url}/${path}`);
  return page;
}
