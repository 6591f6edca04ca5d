/** Notifications to NATS and RabbitMQ (the brokers this machine runs: NATS on 4222, RabbitMQ on 5672). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { amqpNotifier, cdnLatencyAlert, natsNotifier } from '@loch/qos';

const alert = cdnLatencyAlert({ edge: 'FRA56-P1', windowStart: '2026-12-07T08:03:00.000Z', windowEnd: '2026-12-07T08:04:00.000Z', avgTimeTaken: 0.2, history: [0.1, 0.1] })!;

test('an alert published to a NATS subject arrives as the webhook body', async () => {
  const { connect, StringCodec } = await import('nats');
  const nc = await connect({ servers: '127.0.0.1:4222' }).catch((e: Error) => {
    throw new Error(`NATS is not reachable on 127.0.0.1:4222 (start nats-server -js): ${e.message}`);
  });
  try {
    const subject = `qos.alerts.test.${process.pid}`;
    const sub = nc.subscribe(subject, { max: 1 });
    await nc.flush();
    await natsNotifier(subject).send([alert]);
    for await (const m of sub) {
      const body = JSON.parse(StringCodec().decode(m.data)) as { entity: string; rule: string; window: { start: string } };
      assert.deepEqual([body.rule, body.entity, body.window.start], ['cdn_latency', 'FRA56-P1', '2026-12-07T08:03:00.000Z']);
    }
  } finally {
    await nc.close();
  }
});

test('an alert sent to a RabbitMQ queue arrives as the webhook body', async () => {
  const amqp = await import('amqplib');
  const queue = `qos-alerts-test-${process.pid}`;
  await amqpNotifier(queue).send([alert]);
  const conn = await amqp.connect('amqp://guest:guest@127.0.0.1:5672');
  try {
    const ch = await conn.createChannel();
    const m = await ch.get(queue, { noAck: true });
    assert.ok(m, 'a message in the queue');
    const body = JSON.parse(m.content.toString()) as { entity: string; measured: number; threshold: number };
    assert.equal(body.entity, 'FRA56-P1');
    assert.ok(body.measured > body.threshold);
    await ch.deleteQueue(queue);
  } finally {
    await conn.close();
  }
});
