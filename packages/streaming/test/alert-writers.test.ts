/**
 * Ready writers for alerts: a windowed alert stream publishing to RabbitMQ (the machine's real
 * broker, 127.0.0.1:5672), to NATS and MQTT, and to a webhook that fails before it succeeds, with
 * rows that keep failing kept in a dead-letter Delta table.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { amqpWriter, MemoryStream, mqttWriter, natsWriter, webhookWriter, window, type ForeachWriter } from '@loch/streaming';
import { rows, scratch, type Scratch } from './support/lake.js';
import { natsOrFail } from './support/nats.js';

const AMQP = 'amqp://guest:guest@127.0.0.1:5672';

/** Per 1-minute window and CDN, the share of slow requests; an alert when above 50%. */
async function alerts(s: Scratch, writer: ForeachWriter, ck: string): Promise<void> {
  const input = new MemoryStream({ at: 'timestamp', cdn: 'string', ms: 'long' });
  const q = await input
    .toDF(s.lake)
    .withWatermark('at', '1 minute')
    .groupBy(window('at', '1 minute'), 'cdn')
    .agg({ n: 'count(*)', slow: 'avg(CASE WHEN ms > 1000 THEN 1.0 ELSE 0.0 END)' })
    .filter('slow > 0.5')
    .select('cdn', '`window`.start AS window_start', 'n', 'slow')
    .writeStream.option('checkpointLocation', s.path(ck))
    .outputMode('append')
    .foreach(writer)
    .start();
  input.addData([
    { at: '2026-12-07T08:00:05Z', cdn: 'edge-fra', ms: 1500 },
    { at: '2026-12-07T08:00:15Z', cdn: 'edge-fra', ms: 2500 },
    { at: '2026-12-07T08:00:25Z', cdn: 'edge-ams', ms: 100 },
  ]);
  await q.processAllAvailable();
  // A later event moves the watermark past the first window: it is final, and alerts once.
  input.addData([{ at: '2026-12-07T08:03:00Z', cdn: 'edge-ams', ms: 100 }]);
  await q.processAllAvailable();
  input.addData([{ at: '2026-12-07T08:03:01Z', cdn: 'edge-ams', ms: 100 }]);
  await q.processAllAvailable();
  await q.stop();
}

test('a windowed alert stream publishes each alert once to a RabbitMQ queue', async (t) => {
  const amqp = await import('amqplib');
  const conn = await amqp.connect(AMQP).catch((e: Error) => {
    throw new Error(`RabbitMQ is not reachable at 127.0.0.1:5672 (guest/guest): ${e.message}; start it with rabbitmq-server -detached`);
  });
  const s = await scratch();
  const queue = `loch-alerts-${process.pid}-${Date.now()}`;
  const ch = await conn.createChannel();
  t.after(async () => {
    await ch.deleteQueue(queue);
    await conn.close();
    await s.cleanup();
  });
  await alerts(s, amqpWriter({ url: AMQP, queue }), 'ck');
  const got: unknown[] = [];
  for (;;) {
    const m = await ch.get(queue, { noAck: true });
    if (!m) break;
    got.push({ ...JSON.parse(m.content.toString()), batch: m.properties.headers?.['loch-batch-id'] !== undefined });
  }
  assert.deepEqual(got, [{ cdn: 'edge-fra', window_start: '2026-12-07T08:00:00.000000Z', n: 2, slow: 1, batch: true }]);
});

test('alerts to NATS and MQTT subjects', async (t) => {
  const nc = await natsOrFail();
  const mqtt = await import('mqtt');
  const client = await mqtt.connectAsync('mqtt://127.0.0.1:1883', { reconnectPeriod: 0, connectTimeout: 3000 }).catch((e: Error) => {
    throw new Error(`Mosquitto is not reachable at 127.0.0.1:1883: ${e.message}; start it with mosquitto -d -c /etc/mosquitto/mosquitto.conf`);
  });
  const s = await scratch();
  t.after(async () => {
    await nc.close();
    await client.endAsync();
    await s.cleanup();
  });
  const subject = `loch.alerts.${process.pid}.${Date.now()}`;
  const viaNats: string[] = [];
  const sub = nc.subscribe(subject);
  void (async () => {
    for await (const m of sub) viaNats.push(m.string());
  })();
  const viaMqtt: string[] = [];
  const topic = `loch/alerts/${process.pid}/${Date.now()}`;
  client.on('message', (_t, payload) => viaMqtt.push(payload.toString()));
  await client.subscribeAsync(topic, { qos: 1 });
  await alerts(s, natsWriter({ subject }), 'ck-nats');
  await alerts(s, mqttWriter({ topic }), 'ck-mqtt');
  for (let i = 0; i < 50 && (viaNats.length === 0 || viaMqtt.length === 0); i++) await new Promise((r) => setTimeout(r, 100));
  sub.unsubscribe();
  assert.deepEqual(viaNats.map((m) => JSON.parse(m).cdn), ['edge-fra']);
  assert.deepEqual(viaMqtt.map((m) => JSON.parse(m).cdn), ['edge-fra']);
});

test('a webhook that fails twice then succeeds gets each alert once; one that keeps failing fills the dead-letter table', async (t) => {
  const s = await scratch();
  const received: { body: string; key: string | undefined }[] = [];
  let calls = 0;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      calls++;
      if (req.url === '/down' || calls <= 2) {
        res.statusCode = 503;
        return res.end();
      }
      received.push({ body, key: req.headers['idempotency-key'] as string | undefined });
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  t.after(async () => {
    server.close();
    await s.cleanup();
  });
  const noWait = async () => undefined;
  await alerts(s, webhookWriter({ url: `http://127.0.0.1:${port}/hook`, sleep: noWait }), 'ck-ok');
  assert.equal(received.length, 1);
  assert.equal(JSON.parse(received[0].body).cdn, 'edge-fra');
  assert.match(received[0].key ?? '', /^\d+-0$/);
  await alerts(s, webhookWriter({ url: `http://127.0.0.1:${port}/down`, attempts: 3, sleep: noWait, deadLetter: s.lake.table('alerts_dead_letter') }), 'ck-down');
  assert.deepEqual(await rows(s.lake, 'SELECT status, attempts, error FROM alerts_dead_letter'), [{ status: 503, attempts: 3, error: 'HTTP 503 Service Unavailable' }]);
});

test('a broker that cannot be reached is named in the error without its user and password', async () => {
  const writers: [ForeachWriter, RegExp][] = [
    [amqpWriter({ url: 'amqp://ops:s3cr3t@127.0.0.1:1', queue: 'q' }), /cannot reach RabbitMQ at amqp:\/\/127\.0\.0\.1:1\b/],
    [mqttWriter({ url: 'mqtt://ops:s3cr3t@127.0.0.1:1', topic: 't' }), /cannot reach MQTT at mqtt:\/\/127\.0\.0\.1:1\b/],
    [natsWriter({ servers: 'nats://ops:s3cr3t@127.0.0.1:1', subject: 's' }), /cannot reach NATS at nats:\/\/127\.0\.0\.1:1\b/],
  ];
  for (const [writer, message] of writers) {
    await assert.rejects(async () => writer.open!(0, 1), (e: Error) => message.test(e.message) && !e.message.includes('s3cr3t'));
  }
});
