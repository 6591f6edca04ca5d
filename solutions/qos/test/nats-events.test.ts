// Player events from a broker: the continuous run publishes them to a NATS JetStream stream, the
// pipeline's bronze (pipelines/bronze-nats.sql) reads the stream, and every event lands once.
// Needs NATS with JetStream on 127.0.0.1:4222 (started on this machine and in CI).
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { connect } from 'nats';
import { Lakehouse } from '@loch/lakehouse';
import { runContinuous, TABLES } from '@loch/qos';

const NATS = '127.0.0.1:4222';

async function natsReachable(): Promise<void> {
  try {
    await (await connect({ servers: NATS, timeout: 3000 })).close();
  } catch (e) {
    throw new Error(`NATS with JetStream is not reachable at ${NATS} (${(e as Error).message}); start it: start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server`);
  }
}

test('continuous run with player events from NATS JetStream: each published event is in bronze and silver once', async (t) => {
  await natsReachable();
  const root = await mkdtemp(join(tmpdir(), 'qos-nats-'));
  const stream = `QOS_TEST_${process.pid}_${Date.now()}`;
  t.after(async () => {
    const nc = await connect({ servers: NATS });
    await (await nc.jetstreamManager()).streams.delete(stream).catch(() => undefined);
    await nc.close();
    await rm(root, { recursive: true, force: true });
  });
  const r = await runContinuous({ root, traffic: { durationSeconds: 60 }, sliceSeconds: 10, speed: 60, chunks: 1, eventsNats: { servers: NATS, stream } });
  const events = r.publications.reduce((n, p) => n + p.events, 0);
  assert.ok(events > 500, `published ${events} events`);

  const lake = Lakehouse.open(r.layout.lake);
  const count = async (sql: string) => Number((await lake.sql(sql))[0].rows[0].n);
  assert.equal(await count(`SELECT count(*) AS n FROM ${TABLES.bronzeEvents}`), events);
  assert.equal(await count(`SELECT count(DISTINCT event_id) AS n FROM ${TABLES.bronzeEvents}`), events);
  assert.equal(await count(`SELECT count(*) AS n FROM ${TABLES.silverEvents}`), events);
  assert.equal(await count(`SELECT count(*) AS n FROM ${TABLES.bronzeEvents} WHERE event_date IS NULL OR event_type IS NULL`), 0);
  // No player event landed as a file: the stream was the only way in (CDN logs still land as files).
  assert.deepEqual(await readdir(r.layout.landingEvents).catch(() => []), []);
  assert.ok((await readdir(r.layout.landingCdnLogs, { recursive: true })).length > 0);
});
