/** Streaming queries in processes of their own, killed and restarted by the recovery tests. */
import { spawn, type ChildProcess } from 'node:child_process';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));


/** A small seeded generator (mulberry32): the kill schedule is reproducible from the seed. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Child {
  readonly proc: ChildProcess;
  readonly lines: string[];
  started(): Promise<void>;
  readonly exited: Promise<number | null>;
}

/** Runs `script` (a fixture) with `config` as its JSON argument; it prints 'started' when its query runs. */
export function startScript(script: string, config: Record<string, unknown>): Child {
  const proc = spawn(process.execPath, [script, JSON.stringify(config)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let err = '';
  let partial = '';
  let onStart: (() => void) | undefined;
  proc.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop()!;
    for (const l of parts) {
      lines.push(l);
      if (l === 'started') onStart?.();
    }
  });
  proc.stderr!.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<number | null>((resolve) => proc.on('close', (code) => resolve(code)));
  return {
    proc,
    lines,
    exited,
    started: () =>
      new Promise<void>((resolve, reject) => {
        if (lines.includes('started')) return resolve();
        onStart = resolve;
        void exited.then((code) => reject(new Error(`the stream process ended (${code}) before starting: ${err}`)));
      }),
  };
}
