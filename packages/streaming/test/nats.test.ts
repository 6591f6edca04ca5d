/**
 * NATS JetStream as a source, against the machine's real server: JSON messages parsed (what is
 * not JSON rescued), offsets in the checkpoint, exactly once into Delta across SIGKILLs while a
 * producer keeps publishing and across a server restart; a server that is down fails clearly.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { NatsConnection } from 'nats';
import { random, sleep, startScript } from './support/child-process.js';
import { rows, scratch, type Scratch } from './support/lake.js';
import { natsOrFail, OwnNatsServer, tempStream } from './support/nats.js';
import { Pipeline } from '@loch/streaming';

const CHILD = fileURLToPath(new URL('../../test/fixtures/broker-child.mjs', import.meta.url));
const SCHEMA = 'id BIGINT, cdn STRING, ms INT';

async function drain(s: Scratch, options: Record<string, string>, table = 'bronze'): Promise<void> {
  const q = await s.lake.readStream.format('nats').options(options).load().writeStream.option('checkpointLocation', s.path('ck')).trigger({ availableNow: true }).toTable(table);
  await q.awaitTermination();
}

/** Waits (up to 10 s) until `table` exists and holds `n` rows; the assertion after it says what it holds. */
async function untilCount(s: Scratch, table: string, n: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const [r] = await rows(s.lake, `SELECT count(*) AS n FROM ${table}`).catch(() => [undefined]);
    if (r?.['n'] === n) return;
    await sleep(100);
  }
}

/** A connection to the machine's NATS, a scratch lake and a stream of the test's own, removed after the test. */
async function natsLake(t: TestContext): Promise<{ nc: NatsConnection; s: Scratch; stream: Awaited<ReturnType<typeof tempStream>> }> {
  const nc = await natsOrFail();
  const s = await scratch();
  const stream = await tempStream(nc);
  t.after(async () => {
    await stream.remove();
    await nc.close();
    await s.cleanup();
  });
  return { nc, s, stream };
}

/** Publishes ids from..to-1 as JSON, each acknowledged by the stream. */
async function publish(nc: NatsConnection, subject: string, from: number, to: number): Promise<void> {
  const js = nc.jetstream();
  const acks: Promise<unknown>[] = [];
  for (let i = from; i < to; i++) acks.push(js.publish(subject, JSON.stringify({ id: i, cdn: `edge-${i % 5}`, ms: i % 997 })));
  await Promise.all(acks);
}

test('JetStream into Delta: JSON parsed into columns, non-JSON rescued and counted, each message once across runs', async (t) => {
  const { nc, s, stream } = await natsLake(t);
  await publish(nc, stream.subject, 0, 500);
  await nc.jetstream().publish(stream.subject, 'this is not json');
  const options = { servers: '127.0.0.1:4222', stream: stream.name, format: 'json', schema: SCHEMA };
  await drain(s, options);
  await publish(nc, stream.subject, 500, 800);
  await drain(s, options);
  await drain(s, options);
  assert.deepEqual(await rows(s.lake, 'SELECT count(*) AS n, count(DISTINCT id) AS ids, count(_rescued_data) AS bad, max(sequence) AS last FROM bronze'), [{ n: 801, ids: 800, bad: 1, last: 801 }]);
  assert.deepEqual(await rows(s.lake, "SELECT _rescued_data, subject FROM bronze WHERE _rescued_data IS NOT NULL"), [{ _rescued_data: 'this is not json', subject: stream.subject }]);
});

test('raw messages (subject, data, headers, sequence, timestamp), and read_nats in a SQL pipeline', async (t) => {
  const { nc, s, stream } = await natsLake(t);
  await publish(nc, stream.subject, 0, 20);
  const p = Pipeline.fromText(
    `CREATE STREAMING TABLE raw AS SELECT subject, CAST(data AS STRING) AS body, sequence, timestamp FROM STREAM read_nats(stream => '${stream.name}', servers => '127.0.0.1:4222');
     CREATE STREAMING TABLE parsed (CONSTRAINT fast EXPECT (ms < 500) ON VIOLATION DROP ROW)
     AS SELECT id, cdn, ms FROM STREAM read_nats(stream => '${stream.name}', format => 'json', schema => '${SCHEMA}');`,
    'nats.sql',
  );
  const r = await p.run(s.lake);
  assert.deepEqual(r.map((u) => u.num_output_rows), [20, 20]);
  assert.deepEqual(await rows(s.lake, 'SELECT body, sequence FROM raw ORDER BY sequence LIMIT 1'), [{ body: JSON.stringify({ id: 0, cdn: 'edge-0', ms: 0 }), sequence: 1 }]);
  await publish(nc, stream.subject, 20, 30);
  const again = await p.run(s.lake);
  assert.deepEqual(again.map((u) => u.num_output_rows), [10, 10]);
});

test('SIGKILLed 10 times while a producer keeps publishing, restarted each time: every message exactly once', async (t) => {
  const { nc, s, stream } = await natsLake(t);
  const seed = Number(process.env.LOCH_RECOVERY_SEED ?? Date.now() % 100000);
  const rand = random(seed);
  const config = { lake: s.path('lake'), checkpoint: s.path('ck'), table: 'bronze', format: 'nats', options: { stream: stream.name, format: 'json', schema: SCHEMA, maxOffsetsPerTrigger: 300 } };
  let published = 0;
  let stopping = false;
  const producer = (async () => {
    while (!stopping) {
      await publish(nc, stream.subject, published, published + 50);
      published += 50;
      await sleep(20);
    }
  })();
  for (let k = 0; k < 10; k++) {
    const child = startScript(CHILD, { ...config, trigger: { processingTime: 0 } });
    if (rand() < 0.2) await sleep(rand() * 300);
    else {
      await child.started();
      await sleep(150 + rand() * 700);
    }
    child.proc.kill('SIGKILL');
    await child.exited;
  }
  stopping = true;
  await producer;
  const last = startScript(CHILD, { ...config, trigger: { availableNow: true } });
  assert.equal(await last.exited, 0, `seed ${seed}: the last run failed: ${last.lines.join(' | ')}`);
  assert.deepEqual(await rows(s.lake, 'SELECT count(*) AS n, count(DISTINCT id) AS ids, min(id) AS lo, max(id) AS hi FROM bronze'), [{ n: published, ids: published, lo: 0, hi: published - 1 }], `seed ${seed}`);
});

test('the NATS server stopped and started again mid-stream: the query waits, reconnects and loses or repeats nothing', async (t) => {
  const s = await scratch();
  const server = new OwnNatsServer(14222 + (process.pid % 1000), s.path('nats-data'));
  await server.start();
  const nc = await natsOrFail(server.url);
  t.after(async () => {
    await nc.close().catch(() => undefined);
    await server.stop();
    await s.cleanup();
  });
  const stream = await tempStream(nc);
  await publish(nc, stream.subject, 0, 200);
  const q = await s.lake.readStream.format('nats').options({ servers: server.url, stream: stream.name, format: 'json', schema: SCHEMA }).load()
    .writeStream.option('checkpointLocation', s.path('ck')).toTable('bronze');
  t.after(() => q.stop());
  // processAllAvailable can settle on a trigger that ran before the consumer's first delivery (under load): wait for the rows.
  await q.processAllAvailable();
  await untilCount(s, 'bronze', 200);
  assert.deepEqual(await rows(s.lake, 'SELECT count(*) AS n FROM bronze'), [{ n: 200 }]);
  await server.stop();
  await sleep(500);
  assert.equal(q.isActive, true, `the query ended while the server was down: ${q.exception?.message}`);
  await server.start();
  const nc2 = await natsOrFail(server.url);
  t.after(() => nc2.close());
  await publish(nc2, stream.subject, 200, 400);
  await untilCount(s, 'bronze', 400);
  assert.deepEqual(await rows(s.lake, 'SELECT count(*) AS n, count(DISTINCT id) AS ids FROM bronze'), [{ n: 400, ids: 400 }]);
});

test('a NATS server that is down at start fails with STREAM_SOURCE_UNAVAILABLE naming the address', async (t) => {
  const s = await scratch();
  t.after(() => s.cleanup());
  const start = s.lake.readStream.format('nats').options({ servers: '127.0.0.1:1', stream: 'X' }).load().writeStream.option('checkpointLocation', s.path('ck')).toTable('t');
  await assert.rejects(start, (e: Error & { code?: string }) => e.code === 'STREAM_SOURCE_UNAVAILABLE' && /127\.0\.0\.1:1/.test(e.message));
});

test("consumer => 'name': a durable pull consumer, made if absent and acknowledged as batches commit; the checkpoint's offsets stay the ones of record", async (t) => {
  const { nc, s, stream } = await natsLake(t);
  const jsm = await nc.jetstreamManager();
  const durable = 'loch_bronze';
  await publish(nc, stream.subject, 0, 300);
  const options = { servers: '127.0.0.1:4222', stream: stream.name, format: 'json', schema: SCHEMA, consumer: durable };
  await drain(s, options);
  let info = await jsm.consumers.info(stream.name, durable);
  assert.equal(info.config.durable_name, durable);
  assert.equal(info.ack_floor.stream_seq, 300, 'the committed batches are acknowledged');
  assert.equal(info.num_pending, 0);

  await publish(nc, stream.subject, 300, 450);
  await drain(s, options);
  await drain(s, options);
  info = await jsm.consumers.info(stream.name, durable);
  assert.equal(info.ack_floor.stream_seq, 450);
  assert.deepEqual(await rows(s.lake, 'SELECT count(*) AS n, count(DISTINCT id) AS ids, max(sequence) AS last FROM bronze'), [{ n: 450, ids: 450, last: 450 }]);

  // A consumer that has gone past what a checkpoint needs (another query's, say) cannot give it back: a query with a
  // new checkpoint makes it again at its own position (the stream keeps messages by limits), and reads all 450 once.
  const q = await s.lake.readStream.format('nats').options(options).load().writeStream.option('checkpointLocation', s.path('ck2')).trigger({ availableNow: true }).toTable('again');
  await q.awaitTermination();
  assert.deepEqual(await rows(s.lake, 'SELECT count(*) AS n, count(DISTINCT id) AS ids FROM again'), [{ n: 450, ids: 450 }]);
  assert.equal((await jsm.consumers.info(stream.name, durable)).ack_floor.stream_seq, 450);

  // A consumer name that is not one, and a consumer of other subjects, fail clearly.
  await assert.rejects(drain(s, { ...options, consumer: 'a.b' }), (e: Error & { code?: string }) => e.code === 'STREAM_INVALID_OPTION' && /'a\.b' is not a durable name/.test(e.message));
  await jsm.consumers.add(stream.name, { durable_name: 'other_subjects', filter_subject: `${stream.name}.other`, ack_policy: 'explicit' as never });
  const other = s.lake.readStream.format('nats').options({ ...options, consumer: 'other_subjects' }).load().writeStream.option('checkpointLocation', s.path('ck3')).trigger({ availableNow: true }).toTable('third');
  await assert.rejects(other.then((q) => q.awaitTermination()), (e: Error & { code?: string }) => e.code === 'STREAM_INVALID_OPTION' && /consumer 'other_subjects' of stream .* reads subjects/.test(e.message));
});
