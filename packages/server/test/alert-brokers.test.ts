/**
 * Alert destinations beyond webhooks, against the machine's real brokers on loopback: a NATS
 * subject (4222), a RabbitMQ queue and exchange (5672, guest/guest), an MQTT topic (1883). Each
 * transition publishes exactly one message to each; a state that lasts publishes nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './helpers.js';
import { post, sql } from './api.js';

const AMQP = 'amqp://guest:guest@127.0.0.1:5672';
const reach = (what: string, start: string) => (e: Error) => {
  throw new Error(`${what} is not reachable on loopback (${e.message}); start it: ${start}`);
};
const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('an alert transition publishes exactly one message to a NATS subject, a RabbitMQ queue and exchange, and an MQTT topic', { timeout: 120_000 }, async (t) => {
  const { connect } = await import('nats');
  const amqp = await import('amqplib');
  const mqtt = await import('mqtt');
  const nc = await connect({ servers: '127.0.0.1:4222', timeout: 3000 }).catch(reach('NATS', 'nats-server -a 127.0.0.1 -p 4222 -js'));
  const conn = await amqp.connect(AMQP).catch(reach('RabbitMQ', 'rabbitmq-server -detached'));
  const client = await mqtt.connectAsync('mqtt://127.0.0.1:1883', { reconnectPeriod: 0, connectTimeout: 3000 }).catch(reach('Mosquitto', 'mosquitto -d'));
  const tag = `${process.pid}-${Date.now()}`;
  const subject = `loch.alerts.${tag}`;
  const queue = `loch-alerts-q-${tag}`;
  const exchange = `loch-alerts-x-${tag}`;
  const topic = `loch/alerts/${tag}`;
  const ch = await conn.createChannel();
  await ch.assertExchange(exchange, 'direct', { durable: false, autoDelete: false });
  const bound = (await ch.assertQueue('', { exclusive: true })).queue;
  await ch.bindQueue(bound, exchange, 'noc');
  const viaNats: any[] = [];
  const sub = nc.subscribe(subject);
  void (async () => {
    for await (const m of sub) viaNats.push(JSON.parse(m.string()));
  })();
  const viaMqtt: any[] = [];
  await client.subscribeAsync(topic, { qos: 1 });
  client.on('message', (_topic, payload) => viaMqtt.push(JSON.parse(payload.toString())));
  const s = await startServer();
  t.after(async () => {
    await s.close();
    sub.unsubscribe();
    await nc.close();
    await ch.deleteQueue(queue).catch(() => undefined);
    await ch.deleteExchange(exchange).catch(() => undefined);
    await conn.close();
    await client.endAsync();
  });
  const drain = async (q: string) => {
    const out: any[] = [];
    for (let m = await ch.get(q, { noAck: true }); m; m = await ch.get(q, { noAck: true })) out.push(JSON.parse(m.content.toString()));
    return out;
  };
  const viaQueue: any[] = [];
  const viaExchange: any[] = [];
  const received = async () => {
    viaQueue.push(...(await drain(queue).catch(() => [])));
    viaExchange.push(...(await drain(bound)));
    return [viaNats.length, viaQueue.length, viaExchange.length, viaMqtt.length];
  };

  await sql(s.url, 'CREATE TABLE errors (id BIGINT) USING DELTA; INSERT INTO errors VALUES (1)');
  const alert = {
    name: 'errors', sql: 'SELECT count(*) AS n FROM errors', column: 'n', op: '>', threshold: 2, schedule: '0 0 1 1 *',
    destinations: [
      { type: 'nats', subject },
      { type: 'amqp', url: AMQP, queue },
      { type: 'amqp', url: AMQP, exchange, routing_key: 'noc' },
      { type: 'mqtt', topic },
    ],
  };
  assert.equal((await post(`${s.url}/api/2.0/alerts`, alert)).status, 200);
  const evaluate = async () => (await post(`${s.url}/api/2.0/alerts/errors/evaluate`, {})).json;
  assert.equal((await evaluate()).state, 'OK');
  await sql(s.url, 'INSERT INTO errors VALUES (2), (3)');
  const fired = await evaluate();
  assert.equal(fired.state, 'TRIGGERED');
  assert.deepEqual(Object.values(fired.notified), ['sent', 'sent', 'sent', 'sent'], JSON.stringify(fired.notified));
  assert.ok(Object.keys(fired.notified).every((k) => !k.includes('guest:guest')), 'credentials are not shown');
  // Still TRIGGERED: no transition, nothing sent.
  assert.equal((await evaluate()).state, 'TRIGGERED');
  await settle(1000);
  assert.deepEqual(await received(), [1, 1, 1, 1]);
  const expected = { alert: { id: 'errors', name: 'errors', column: 'n', op: '>', threshold: 2 }, state: 'TRIGGERED', previous_state: 'OK', value: '3' };
  for (const m of [viaNats[0], viaQueue[0], viaExchange[0], viaMqtt[0]]) assert.deepEqual({ ...m, evaluated_at: undefined }, { ...expected, evaluated_at: undefined });
  await sql(s.url, 'DELETE FROM errors WHERE id > 1');
  assert.equal((await evaluate()).state, 'OK');
  await settle(1000);
  assert.deepEqual(await received(), [2, 2, 2, 2]);
  assert.deepEqual([viaNats[1].state, viaQueue[1].state, viaExchange[1].state, viaMqtt[1].state], ['OK', 'OK', 'OK', 'OK']);
});

test('a broker that cannot be reached is reported in notified; the transition is still recorded; bad destinations are refused naming the field', async () => {
  const s = await startServer();
  try {
    await sql(s.url, 'CREATE TABLE t (x BIGINT) USING DELTA; INSERT INTO t VALUES (5)');
    await post(`${s.url}/api/2.0/alerts`, { name: 'down', sql: 'SELECT max(x) AS x FROM t', column: 'x', op: '>', threshold: 1, schedule: '0 0 1 1 *', destinations: [{ type: 'nats', subject: 'loch.down', servers: '127.0.0.1:1' }] });
    const r = (await post(`${s.url}/api/2.0/alerts/down/evaluate`, {})).json;
    assert.equal(r.state, 'TRIGGERED');
    assert.match(r.notified['nats 127.0.0.1:1 loch.down'], /^error: .*NATS/);
    const yearly = '0 0 1 1 *';
    const base = { name: 'x', sql: 'SELECT 1 AS a', column: 'a', op: '>', threshold: 1, schedule: yearly };
    const cases: [unknown, RegExp][] = [
      [{ type: 'nats' }, /destinations\[0\]\.subject is required/],
      [{ type: 'nats', subject: 'alerts.>' }, /not a NATS subject/],
      [{ type: 'amqp' }, /needs a queue or an exchange/],
      [{ type: 'amqp', queue: 'q', url: 'http://x' }, /destinations\[0\]\.url: only amqp and amqps/],
      [{ type: 'mqtt', topic: 'a/#' }, /wildcard/],
      [{ type: 'mqtt', topic: 'a', qos: 3 }, /qos/],
      [{ type: 'sms', to: '+1' }, /'sms' is not supported \(webhook, nats, amqp, mqtt\)/],
    ];
    for (const [d, message] of cases) {
      const bad = await post(`${s.url}/api/2.0/alerts`, { ...base, destinations: [d] });
      assert.equal(bad.json.error_code, 'LOCH_ALERT_INVALID');
      assert.match(bad.json.message, message);
    }
  } finally {
    await s.close();
  }
});
