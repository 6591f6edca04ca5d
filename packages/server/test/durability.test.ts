import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Lakehouse } from '@loch/lakehouse/core';

const fixture = join(dirname(fileURLToPath(import.meta.url)), 'serve-fixture.js');

async function spawnServer(lake: string): Promise<{ proc: ChildProcess; url: string; exited: Promise<unknown> }> {
  const proc = spawn(process.execPath, [fixture, lake], { stdio: ['ignore', 'pipe', 'inherit'] });
  // Listened for from the start: a killed process may exit before anyone waits for it.
  const exited = new Promise((r) => proc.once('exit', r));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (d) => {
      out += String(d);
      const m = /listening on (\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    proc.once('exit', (code) => reject(new Error(`server exited (${code}) before listening`)));
  });
  return { proc, url, exited };
}

async function post(url: string, path: string, body: unknown): Promise<any> {
  const r = await fetch(`${url}/api/2.0/mlflow/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (r.status !== 200) throw new Error(`${path}: ${r.status} ${await r.text()}`);
  return r.json();
}

test('16 concurrent loggers: every acknowledged metric survives a SIGKILL of the server', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'loch-durable-'));
  const lake = join(dir, 'lake');
  try {
    let { proc, url, exited } = await spawnServer(lake);
    const runIds: string[] = [];
    for (let i = 0; i < 16; i++) runIds.push((await post(url, 'runs/create', { experiment_id: '0', run_name: `logger-${i}` })).run.info.run_id);
    const acknowledged = new Map<string, number[]>(runIds.map((id) => [id, []]));
    let killed = false;
    const logger = async (runId: string) => {
      for (let step = 0; !killed; step++) {
        try {
          await post(url, 'runs/log-metric', { run_id: runId, key: 'loss', value: step / 10, timestamp: Date.now(), step });
          acknowledged.get(runId)!.push(step);
        } catch {
          return; // The server is gone: this request was never acknowledged.
        }
      }
    };
    const loggers = runIds.map(logger);
    // Kill once enough was acknowledged to span many group commits.
    while ([...acknowledged.values()].reduce((n, a) => n + a.length, 0) < 800) await new Promise((r) => setTimeout(r, 20));
    proc.kill('SIGKILL');
    killed = true;
    await Promise.all(loggers);
    await exited;

    ({ proc, url, exited } = await spawnServer(lake));
    try {
      let total = 0;
      for (const [runId, steps] of acknowledged) {
        const r = await fetch(`${url}/api/2.0/mlflow/metrics/get-history?run_id=${runId}&metric_key=loss`);
        const logged = new Set(((await r.json()) as { metrics: { step: number }[] }).metrics.map((m) => m.step));
        for (const s of steps) assert.ok(logged.has(s), `run ${runId}: acknowledged step ${s} is missing after the restart`);
        total += steps.length;
        // The restarted server keeps logging to the same run.
        await post(url, 'runs/log-metric', { run_id: runId, key: 'loss', value: -1, timestamp: Date.now(), step: 100_000 });
      }
      assert.ok(total >= 800);
    } finally {
      proc.kill('SIGTERM');
      await exited;
    }
    // The tables are plain Delta tables, readable by any reader afterwards.
    const [count] = await Lakehouse.open(lake).sql('SELECT count(*) AS n FROM mlflow.metrics WHERE step = 100000');
    assert.equal(Number(count.rows[0].n), 16);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
