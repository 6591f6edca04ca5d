/**
 * MQTT (the machine's Mosquitto, 127.0.0.1:1883) as a source: QoS 1, a persistent session, the
 * source's write-ahead log in the checkpoint, so messages land in Delta once across runs and
 * what arrives while the query is down is read when it starts again.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MqttClient } from 'mqtt';
import { rows, scratch, type Scratch } from './support/lake.js';

async function mqttOrFail(): Promise<MqttClient> {
  const mqtt = await import('mqtt');
  return mqtt.connectAsync('mqtt://127.0.0.1:1883', { reconnectPeriod: 0, connectTimeout: 3000 }).catch((e: Error) => {
    throw new Error(`Mosquitto is not reachable at 127.0.0.1:1883 (${e.message}); start it with mosquitto -d -c /etc/mosquitto/mosquitto.conf`);
  });
}

async function drain(s: Scratch, options: Record<string, string>): Promise<void> {
  const q = await s.lake.readStream.format('mqtt').options(options).load().writeStream.option('checkpointLocation', s.path('ck')).trigger({ availableNow: true }).toTable('sensors');
  await q.awaitTermination();
}

test('MQTT into Delta: JSON parsed, non-JSON rescued, each message once across runs, messages sent while down read on restart', async (t) => {
  const pub = await mqttOrFail();
  const s = await scratch();
  t.after(async () => {
    await pub.endAsync();
    await s.cleanup();
  });
  const base = `loch/test/${process.pid}/${Date.now()}`;
  const options = { topic: `${base}/#`, clientId: `loch-test-${process.pid}-${Date.now()}`, format: 'json', schema: 'device STRING, temp DOUBLE' };
  // The first run makes the persistent session (and reads nothing yet).
  await drain(s, options);
  for (let i = 0; i < 50; i++) await pub.publishAsync(`${base}/d${i % 3}`, JSON.stringify({ device: `d${i % 3}`, temp: 20 + i / 10 }), { qos: 1 });
  await pub.publishAsync(`${base}/d0`, 'garbage', { qos: 1 });
  await drain(s, options);
  for (let i = 50; i < 80; i++) await pub.publishAsync(`${base}/d${i % 3}`, JSON.stringify({ device: `d${i % 3}`, temp: 20 + i / 10 }), { qos: 1 });
  await drain(s, options);
  await drain(s, options);
  assert.deepEqual(await rows(s.lake, 'SELECT count(*) AS n, count(_rescued_data) AS bad, count(DISTINCT sequence) AS seqs FROM sensors'), [{ n: 81, bad: 1, seqs: 81 }]);
  assert.deepEqual(await rows(s.lake, "SELECT count(*) AS n FROM sensors WHERE subject LIKE '%/d1'"), [{ n: 27 }]);
});
