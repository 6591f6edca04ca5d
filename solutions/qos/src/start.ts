#!/usr/bin/env node
/**
 * `npm start`: the QoS solution end to end on embedded defaults (no broker): six minutes of
 * simulated traffic with one incident of each kind, the pipeline over it, the alerts that fired
 * and a summary. Progress on stderr, the summary on stdout; it finishes by itself.
 */
import { resolve } from 'node:path';
import { runQos } from './run/run-qos.js';
import { summaryText } from './run/summary.js';

const say = (s: string) => process.stderr.write(`${s}\n`);

async function main(): Promise<void> {
  const root = resolve(process.argv[2] ?? 'lake/qos');
  say(`Loch QoS: video quality-of-service analytics, end to end (into ${root})`);
  const result = await runQos({ root, traffic: { durationSeconds: 360 }, log: say });
  say(`Done in ${result.seconds.toFixed(1)} s.`);
  process.stdout.write(summaryText(result));
}

main().catch((e: Error & { code?: string }) => {
  process.stderr.write(`${e.code ?? 'LOCH_INTERNAL'}: ${e.message}\n`);
  if (process.env.LOCH_DEBUG) process.stderr.write(`${e.stack}\n`);
  process.exitCode = 1;
});
