import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { demo } from '../src/demo.js';
import { jsonLines, loch, tempDir } from './support.js';

test('the demo builds a lake that the CLI reads back', async () => {
  const dir = join(await tempDir(), 'weather');
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = (() => true) as typeof process.stdout.write;
  const err = process.stderr.write.bind(process.stderr);
  process.stderr.write = (() => true) as typeof process.stderr.write;
  try {
    await demo(dir);
  } finally {
    process.stdout.write = write;
    process.stderr.write = err;
  }
  try {
    const latest = jsonLines((await loch('scan', dir)).stdout);
    const v1 = jsonLines((await loch('scan', dir, '--version', '1')).stdout);
    assert.equal(latest.length, 80);
    assert.equal(v1.length, 120);
    const history = jsonLines((await loch('history', dir)).stdout);
    assert.deepEqual(history.map((h) => h.operation), ['DELETE', 'WRITE', 'CREATE TABLE AS SELECT']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
