import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { jsonLines, loch, tempDir } from './support.js';

test('loch dashboard import saves a dashboard JSON in the lake; export, list and delete read it back', async () => {
  const dir = await tempDir();
  try {
    const lake = join(dir, 'lake');
    const file = join(dir, 'noc.json');
    const dashboard = { name: 'QoS NOC', schedule: '*/5 * * * *', widgets: [{ title: 'Viewers', sql: 'SELECT 1 AS viewers', chart: 'counter' }] };
    await writeFile(file, JSON.stringify(dashboard));
    const imported = await loch('dashboard', 'import', file, '--lake', lake);
    assert.equal(imported.code, 0, imported.stderr);
    assert.deepEqual(JSON.parse(imported.stdout), { id: 'qos-noc', name: 'QoS NOC', widgets: 1 });
    const exported = await loch('dashboard', 'export', 'qos-noc', '--lake', lake);
    assert.deepEqual(JSON.parse(exported.stdout), { id: 'qos-noc', ...dashboard, widgets: [{ id: 'viewers', ...dashboard.widgets[0] }] });
    const list = await loch('dashboard', 'list', '--lake', lake);
    assert.deepEqual(jsonLines(list.stdout).map((d) => d.id), ['qos-noc']);
    await writeFile(file, JSON.stringify({ name: 'bad', widgets: [{ title: 'x', sql: 'SELECT 1', chart: 'radar' }] }));
    const bad = await loch('dashboard', 'import', file, '--lake', lake);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^LOCH_DASHBOARD_INVALID: widgets\[0\]\.chart: 'radar'/);
    assert.equal((await loch('dashboard', 'delete', 'qos-noc', '--lake', lake)).code, 0);
    const gone = await loch('dashboard', 'export', 'qos-noc', '--lake', lake);
    assert.match(gone.stderr, /^RESOURCE_DOES_NOT_EXIST: dashboard 'qos-noc' does not exist/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
