/** NATS for the broker tests: the machine's server (127.0.0.1:4222, JetStream), checked first, and servers of a test's own. */
import { spawn, type ChildProcess } from 'node:child_process';
import { connect, type NatsConnection } from 'nats';
import { sleep } from './child-process.js';

export const NATS = '127.0.0.1:4222';

/** A connection to the machine's NATS, or a failure that says how to start it. */
export async function natsOrFail(servers = NATS): Promise<NatsConnection> {
  try {
    return await connect({ servers, timeout: 3000 });
  } catch (e) {
    throw new Error(
      `NATS with JetStream is not reachable at ${servers} (${(e as Error).message}); start it: start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server`,
    );
  }
}

/** A JetStream stream of a unique name over `<name>.>`, deleted by the returned function. */
export async function tempStream(nc: NatsConnection, prefix = 'LOCH_TEST'): Promise<{ name: string; subject: string; remove(): Promise<void> }> {
  const name = `${prefix}_${process.pid}_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;
  const jsm = await nc.jetstreamManager();
  await jsm.streams.add({ name, subjects: [`${name}.>`] });
  return { name, subject: `${name}.events`, remove: () => jsm.streams.delete(name).then(() => undefined) };
}

/** A nats-server of the test's own (so that it can be stopped and started again), on `port`, keeping JetStream data in `dir`. */
export class OwnNatsServer {
  private proc: ChildProcess | undefined;

  constructor(
    readonly port: number,
    private readonly dir: string,
  ) {}

  get url(): string {
    return `127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.proc = spawn('/usr/sbin/nats-server', ['-a', '127.0.0.1', '-p', String(this.port), '-js', '-sd', this.dir], { stdio: 'ignore' });
    for (let i = 0; i < 100; i++) {
      try {
        const nc = await connect({ servers: this.url, timeout: 500 });
        await nc.close();
        return;
      } catch {
        await sleep(100);
      }
    }
    throw new Error(`the test's own nats-server on ${this.url} did not start`);
  }

  async stop(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGTERM');
    await exited;
  }
}
