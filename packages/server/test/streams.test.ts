import { test } from 'node:test';
import assert from 'node:assert/strict';
import '@loch/streaming';
import { startServer } from './helpers.js';
import { get } from './api.js';

test('streams started on the lake are listed with their progress, live on the event stream, and after they stop', async () => {
  const s = await startServer();
  try {
    const events = await fetch(`${s.url}/api/2.0/events`);
    const reader = events.body!.getReader();
    const q = await s.server.lake.readStream.format('rate').option('rowsPerSecond', 100).load()
      .writeStream.trigger({ processingTime: '100 milliseconds' }).format('memory').queryName('rated').start();
    let text = '';
    const deadline = Date.now() + 10_000;
    while (!text.includes('event: stream-progress') && Date.now() < deadline) text += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    assert.match(text, /event: stream-progress\ndata: \{/);
    const list = await get(`${s.url}/api/2.0/streams`);
    const listed = list.json.streams.find((x: any) => x.id === q.id);
    assert.equal(listed.name, 'rated');
    assert.equal(listed.is_active, true);
    assert.equal(typeof listed.last_progress.batchId, 'number');
    await q.stop();
    const one = await get(`${s.url}/api/2.0/streams/${q.id}`);
    assert.equal(one.json.is_active, false);
    assert.ok(one.json.recent_progress.length >= 1);
    assert.equal((await get(`${s.url}/api/2.0/streams/nope`)).status, 404);
  } finally {
    await s.close();
  }
});
