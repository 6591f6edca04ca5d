import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startConsole } from './support.js';

const app = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'app');

test('the console is served at / with its bundle; nothing else is reachable through it', async () => {
  const c = await startConsole({ token: 'sesame' });
  try {
    const page = await fetch(`${c.url}/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    const html = await page.text();
    assert.match(html, /<script type="module" src="\/console\/app.js">/);
    assert.doesNotMatch(html, /https?:\/\//, 'the page loads nothing from elsewhere');
    const js = await fetch(`${c.url}/console/app.js`);
    assert.equal(js.status, 200);
    assert.match(js.headers.get('content-type') ?? '', /javascript/);
    for (const path of ['/console/..%2F..%2Fpackage.json', '/console/../src/index.js', '/console/%2Fetc%2Fpasswd', '/console/..%5C..%5Cpackage.json', '/etc/passwd']) {
      const r = await fetch(`${c.url}${path}`);
      assert.notEqual(r.status, 200, path);
      assert.doesNotMatch(await r.text(), /"name"|root:/, path);
    }
    // The page and bundle are public; every API needs the token.
    assert.equal((await fetch(`${c.url}/api/2.0/dashboards`)).status, 401);
    assert.equal((await fetch(`${c.url}/api/2.0/events`)).status, 401);
  } finally {
    await c.close();
  }
});

test('the browser code talks to the server only over HTTP: it imports no Loch package and nothing from Node', async () => {
  const files = [...(await readdir(app)).filter((f) => f.endsWith('.ts')), ...(await readdir(join(app, 'pages'))).map((f) => `pages/${f}`)];
  assert.ok(files.length > 5);
  for (const f of files) {
    const text = await readFile(join(app, f), 'utf8');
    for (const m of text.matchAll(/from '([^']+)'/g)) {
      assert.ok(m[1].startsWith('.') || m[1] === 'chart.js', `${f} imports ${m[1]}`);
    }
  }
});
