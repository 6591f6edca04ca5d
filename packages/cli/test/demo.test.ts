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
    const v2 = jsonLines((await loch('scan', dir, '--version', '2')).stdout);
    assert.equal(v2.length, 1200);
    // +60 inserted by the MERGE, -80 Lima rows of the first day.
    assert.equal(latest.length, 1200 + 60 - 80);
    assert.ok(latest.every((r) => 'station' in r), 'the MERGE added the station column');
    const history = jsonLines((await loch('history', dir)).stdout);
    assert.deepEqual(history.map((h) => h.operation), ['OPTIMIZE', 'DELETE', 'MERGE', 'WRITE', 'WRITE', 'WRITE']);
    const merge = history.find((h) => h.operation === 'MERGE');
    assert.equal(merge.operationMetrics.numTargetRowsUpdated, '40');
    assert.equal(merge.operationMetrics.numTargetRowsInserted, '60');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
