/**
 * Alert destinations' secrets are write-only: reads mask them, saving a read back keeps them, and
 * the monitor still sends with the real ones (the machine's RabbitMQ on loopback, guest/guest,
 * and a webhook receiver that records the URL it was called with).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as httpServer } from 'node:http';
import { Lakehouse } from '@loch/lakehouse';
import { keepSecrets, maskUrl } from '../src/alerts/secrets.js';
import { parseAlert } from '../src/alerts/format.js';
import { startServer } from './helpers.js';
import { get, post, sql } from './api.js';

const AMQP = 'amqp://guest:guest@127.0.0.1:5672';

test('maskUrl masks a password and secret-like query values, keeping the user, host and everything else as written', () => {
  assert.equal(maskUrl(AMQP), 'amqp://guest:****@127.0.0.1:5672');
  assert.equal(maskUrl('mqtts://ops:p%40ss@broker.example:8883/x'), 'mqtts://ops:****@broker.example:8883/x');
  assert.equal(maskUrl('https://hooks.example/a?channel=noc&token=t0k&apiKey=k&X-Amz-Signature=abc&sig=s&flag'), 'https://hooks.example/a?channel=noc&token=****&apiKey=****&X-Amz-Signature=****&sig=****&flag');
  assert.equal(maskUrl('nats://u:p@10.0.0.1:4222'), 'nats://u:****@10.0.0.1:4222');
  assert.equal(maskUrl('u:p@10.0.0.1:4222'), 'u:****@10.0.0.1:4222', 'a bare NATS server with credentials');
  for (const plain of ['amqp://guest@127.0.0.1:5672', 'http://127.0.0.1:9000/hook?channel=noc&token=', '127.0.0.1:4222', 'http://h/p@x?a=1']) assert.equal(maskUrl(plain), plain);
});

test('keepSecrets: a mask takes the stored secret only at the same position, type, scheme, user and host (and path for a query value)', () => {
  const alert = (...destinations: unknown[]) => parseAlert({ id: 'a', name: 'a', sql: 'SELECT 1 AS x', column: 'x', op: '>', threshold: 1, schedule: '0 0 1 1 *', destinations });
  const stored = alert(
    { type: 'amqp', url: AMQP, queue: 'q' },
    { type: 'webhook', url: 'https://hooks.example/a?channel=noc&token=t0k' },
    { type: 'nats', subject: 's', servers: 'nats://u:p1@h1:4222,nats://u:p2@h2:4222' },
  );
  const urls = (a: ReturnType<typeof alert>) => a.destinations.map((d) => ('url' in d ? d.url : 'servers' in d ? d.servers : undefined));
  // The round trip of a read: everything kept.
  assert.deepEqual(urls(keepSecrets(alert(
    { type: 'amqp', url: 'amqp://guest:****@127.0.0.1:5672', queue: 'other-queue' },
    { type: 'webhook', url: 'https://hooks.example/a?channel=ops&token=****' },
    { type: 'nats', subject: 's', servers: 'nats://u:****@h1:4222,nats://u:****@h2:4222' },
  ), stored)), urls(stored).map((u, i) => (i === 1 ? u!.replace('noc', 'ops') : u)));
  // New values replace, an address without a password has none.
  assert.deepEqual(urls(keepSecrets(alert({ type: 'amqp', url: 'amqp://guest:n3w@127.0.0.1:5672', queue: 'q' }, { type: 'webhook', url: 'https://hooks.example/a?token=other' }, { type: 'nats', subject: 's', servers: 'nats://u@h1:4222' }), stored)),
    ['amqp://guest:n3w@127.0.0.1:5672', 'https://hooks.example/a?token=other', 'nats://u@h1:4222']);
  const refused: [unknown[], RegExp][] = [
    [[{ type: 'amqp', url: 'amqp://guest:****@elsewhere:5672', queue: 'q' }], /^destinations\[0\]\.url: the password is '\*\*\*\*'.*same type, host and user/],
    [[{ type: 'amqp', url: 'amqp://admin:****@127.0.0.1:5672', queue: 'q' }], /destinations\[0\]\.url: the password/],
    [[{ type: 'webhook', url: 'https://hooks.example/a?token=t' }, { type: 'amqp', url: 'amqp://guest:****@127.0.0.1:5672', queue: 'q' }], /destinations\[1\]\.url: the password/],
    [[{ type: 'amqp', url: AMQP, queue: 'q' }, { type: 'webhook', url: 'https://hooks.example/b?token=****' }], /destinations\[1\]\.url: query parameter 'token' is '\*\*\*\*'/],
    [[{ type: 'amqp', url: AMQP, queue: 'q' }, { type: 'webhook', url: 'https://evil.example/a?token=****' }], /destinations\[1\]\.url: query parameter 'token'/],
    [[{ type: 'amqp', url: AMQP, queue: 'q' }, { type: 'webhook', url: 'https://hooks.example/a?token=t0k' }, { type: 'nats', subject: 's', servers: 'nats://u:****@h2:4222' }], /destinations\[2\]\.servers: the password/],
    [[{ type: 'mqtt', topic: 't', url: 'mqtt://guest:****@127.0.0.1:1883' }], /destinations\[0\]\.url: the password/],
  ];
  for (const [destinations, message] of refused) {
    assert.throws(() => keepSecrets(alert(...destinations), stored), (e: any) => e.code === 'LOCH_ALERT_INVALID' && message.test(e.message));
  }
  assert.throws(() => keepSecrets(alert({ type: 'amqp', url: 'amqp://guest:****@127.0.0.1:5672', queue: 'q' }), undefined), /password is '\*\*\*\*'/, 'a new alert has nothing to keep');
});

/** A webhook receiver on a free port: the URL (path and query) of every POST. */
async function webhook(): Promise<{ url: string; calls: string[]; close: () => Promise<void> }> {
  const calls: string[] = [];
  const server = httpServer((req, res) => {
    req.resume();
    req.on('end', () => {
      calls.push(req.url ?? '');
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/hook`, calls, close: () => new Promise((r) => server.close(() => r())) };
}

test('reads mask destination secrets, a read saved back keeps sending with the real ones, a new password replaces them, and no password reaches the audit log', { timeout: 120_000 }, async (t) => {
  const amqp = await import('amqplib');
  const conn = await amqp.connect(AMQP).catch((e: Error) => {
    throw new Error(`RabbitMQ is not reachable on loopback (${e.message}); start it: rabbitmq-server -detached`);
  });
  const ch = await conn.createChannel();
  const queue = `loch-secrets-${process.pid}-${Date.now()}`;
  const hook = await webhook();
  const s = await startServer();
  t.after(async () => {
    await s.close().catch(() => undefined);
    await hook.close();
    await ch.deleteQueue(queue).catch(() => undefined);
    await conn.close();
  });
  const delivered = async () => {
    let n = 0;
    while (await ch.get(queue, { noAck: true })) n++;
    return n;
  };
  const secrets = ['guest:guest', 's3cr3t', 'guest:wrong'];
  const noSecret = (what: string, json: unknown) => {
    for (const x of secrets) assert.ok(!JSON.stringify(json).includes(x), `${what} shows '${x}': ${JSON.stringify(json)}`);
  };
  const masked = [{ type: 'amqp', url: 'amqp://guest:****@127.0.0.1:5672', queue }, { type: 'webhook', url: `${hook.url}?channel=noc&token=****` }];

  await sql(s.url, 'CREATE TABLE errors (id BIGINT) USING DELTA; INSERT INTO errors VALUES (1)');
  const alert = { name: 'errors', sql: 'SELECT count(*) AS n FROM errors', column: 'n', op: '>', threshold: 5, schedule: '0 0 1 1 *', destinations: [{ type: 'amqp', url: AMQP, queue }, { type: 'webhook', url: `${hook.url}?channel=noc&token=s3cr3t` }] };
  const saved = await post(`${s.url}/api/2.0/alerts`, alert);
  assert.equal(saved.status, 200, JSON.stringify(saved.json));
  assert.deepEqual(saved.json.destinations, masked);
  const one = (await get(`${s.url}/api/2.0/alerts/errors`)).json;
  assert.deepEqual(one.destinations, masked);
  const list = (await get(`${s.url}/api/2.0/alerts`)).json;
  assert.deepEqual(list.alerts[0].destinations, masked);
  noSecret('GET', one);
  noSecret('the list', list);

  // GET → change the threshold → POST: the masked values keep the stored ones.
  const { status: _status, ...read } = one;
  const again = await post(`${s.url}/api/2.0/alerts`, { ...read, threshold: 2 });
  assert.equal(again.status, 200, JSON.stringify(again.json));
  assert.deepEqual(again.json.destinations, masked);
  const evaluate = async () => (await post(`${s.url}/api/2.0/alerts/errors/evaluate`, {})).json;
  assert.equal((await evaluate()).state, 'OK');
  await sql(s.url, 'INSERT INTO errors VALUES (2), (3)');
  const fired = await evaluate();
  assert.equal(fired.state, 'TRIGGERED');
  assert.deepEqual(fired.notified, { [`amqp amqp://guest:****@127.0.0.1:5672 queue ${queue}`]: 'sent', [`${hook.url}?channel=noc&token=****`]: '204' });
  assert.equal(await delivered(), 1, 'RabbitMQ took the message with the real password');
  assert.deepEqual(hook.calls, ['/hook?channel=noc&token=s3cr3t'], 'the webhook was called with the real token');

  // A new password replaces the stored one: RabbitMQ refuses it, and the error does not show it.
  const wrong = await post(`${s.url}/api/2.0/alerts`, { ...read, threshold: 2, destinations: [{ type: 'amqp', url: 'amqp://guest:wrong@127.0.0.1:5672', queue }, masked[1]] });
  assert.deepEqual(wrong.json.destinations, masked);
  await sql(s.url, 'DELETE FROM errors WHERE id > 1');
  const refused = await evaluate();
  assert.equal(refused.state, 'OK');
  assert.match(refused.notified[`amqp amqp://guest:****@127.0.0.1:5672 queue ${queue}`], /^error: .*ACCESS.REFUSED/);
  assert.equal(refused.notified[`${hook.url}?channel=noc&token=****`], '204');
  noSecret('a failed send', refused);
  // Saving the read back keeps the new (wrong) password; a URL without one removes it.
  await post(`${s.url}/api/2.0/alerts`, { ...read, threshold: 2, destinations: masked });
  const stored = async () => JSON.parse((await sql(s.url, "SELECT definition FROM console.alerts WHERE id = 'errors'")).result.data_array[0][0]).destinations.map((d: { url: string }) => d.url);
  assert.deepEqual(await stored(), ['amqp://guest:wrong@127.0.0.1:5672', `${hook.url}?channel=noc&token=s3cr3t`]);
  await post(`${s.url}/api/2.0/alerts`, { ...read, threshold: 2, destinations: [{ type: 'amqp', url: 'amqp://guest@127.0.0.1:5672', queue }, masked[1]] });
  assert.deepEqual(await stored(), ['amqp://guest@127.0.0.1:5672', `${hook.url}?channel=noc&token=s3cr3t`]);
  // A mask that has nothing to keep is a clear error, and nothing is saved.
  const bad = await post(`${s.url}/api/2.0/alerts`, { ...read, destinations: [{ type: 'amqp', url: 'amqp://guest:****@127.0.0.1:5672', queue }] });
  assert.equal(bad.status, 400);
  assert.equal(bad.json.error_code, 'LOCH_ALERT_INVALID');
  assert.match(bad.json.message, /destinations\[0\]\.url: the password is '\*\*\*\*'/);
  assert.deepEqual(await stored(), ['amqp://guest@127.0.0.1:5672', `${hook.url}?channel=noc&token=s3cr3t`]);

  await s.server.stop();
  const [audit] = await Lakehouse.open(s.server.lake.dir).sql("SELECT method, path, detail FROM console.audit WHERE path LIKE '/api/2.0/alerts%'");
  assert.ok(audit.rows.length >= 5, JSON.stringify(audit.rows));
  noSecret('the audit log', audit.rows);
});
