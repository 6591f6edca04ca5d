/**
 * `loch-qos`: the QoS solution from the command line.
 *
 *   loch-qos start [dir]                 the whole solution once (what `npm start` runs)
 *   loch-qos run --continuous [options]  traffic published in accelerated real time, everything
 *                                        streaming, until Ctrl+C
 *
 * Progress on stderr; errors as one line `CODE: message`.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { amqpNotifier, natsNotifier } from './alerts/broker-notifier.js';
import type { Notifier } from './alerts/notify.js';
import { runContinuous } from './run/continuous.js';
import { runQos } from './run/run-qos.js';
import { summaryText } from './run/summary.js';

const say = (s: string) => process.stderr.write(`${s}\n`);

const USAGE = `usage: loch-qos start [dir]
       loch-qos run --continuous [--dir DIR] [--speed N] [--webhook URL] [--seed N] [--events-stream NAME [--nats HOST:PORT]]
         --speed    simulated seconds published per real second (default 1)
         --events-stream  publish player events to this NATS JetStream stream (made afresh), which bronze reads
         [--nats-subject S [--nats HOST:PORT]] [--amqp-queue Q [--amqp URL]]
         --webhook  where notifications are POSTed (default: a local receiver)
         --nats-subject, --amqp-queue: also publish each notification to NATS / RabbitMQ`;

async function continuous(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { continuous: { type: 'boolean' }, dir: { type: 'string' }, speed: { type: 'string' }, webhook: { type: 'string' }, seed: { type: 'string' }, 'nats-subject': { type: 'string' }, nats: { type: 'string' }, 'amqp-queue': { type: 'string' }, amqp: { type: 'string' }, 'events-stream': { type: 'string' } } });
  if (!values.continuous) throw Object.assign(new Error(`say --continuous (a single run is 'loch-qos start')\n${USAGE}`), { code: 'LOCH_USAGE' });
  const root = resolve(values.dir ?? 'lake/qos-live');
  const notifiers: Notifier[] = [];
  if (values['nats-subject']) notifiers.push(natsNotifier(values['nats-subject'], values.nats));
  if (values['amqp-queue']) notifiers.push(amqpNotifier(values['amqp-queue'], values.amqp));
  const stop = new AbortController();
  process.once('SIGINT', () => stop.abort());
  process.once('SIGTERM', () => stop.abort());
  say(`Loch QoS, continuous, into ${root} (Ctrl+C stops); console: npx loch server --lake ${root}/lake`);
  const r = await runContinuous({
    root,
    chunks: Infinity,
    speed: Number(values.speed ?? 1),
    signal: stop.signal,
    notifiers,
    ...(values.webhook ? { webhookUrl: values.webhook } : {}),
    ...(values['events-stream'] ? { eventsNats: { servers: values.nats ?? '127.0.0.1:4222', stream: values['events-stream'] } } : {}),
    ...(values.seed ? { traffic: { seed: Number(values.seed) } } : {}),
    log: say,
  });
  say(`Stopped after ${r.seconds.toFixed(0)} s: ${r.publications.length} files published, ${r.alerts.length} alerts.`);
  for (const a of r.alerts) process.stdout.write(`[${a.rule}] ${a.message}\n`);
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === 'start') {
    const result = await runQos({ root: resolve(rest[0] ?? 'lake/qos'), traffic: { durationSeconds: 360 }, log: say });
    process.stdout.write(summaryText(result));
  } else if (command === 'run') {
    await continuous(rest);
  } else {
    process.stdout.write(`${USAGE}\n`);
    if (command !== undefined && command !== '--help' && command !== '-h') process.exitCode = 2;
  }
}

main(process.argv.slice(2)).catch((e: Error & { code?: string }) => {
  process.stderr.write(`${e.code ?? 'LOCH_INTERNAL'}: ${e.message}\n`);
  if (process.env.LOCH_DEBUG) process.stderr.write(`${e.stack}\n`);
  process.exitCode = 1;
});
