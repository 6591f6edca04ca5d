import { InvalidArgumentError } from 'commander';

/** --port: 0 to 65535 (0 picks a free port). */
export function portOption(v: string): number {
  if (!/^\d+$/.test(v) || Number(v) > 65535) throw new InvalidArgumentError('--port must be a port number (0-65535)');
  return Number(v);
}

/**
 * Starts a server, prints `listening on <url>` on stdout once it is ready, and waits until it has
 * stopped; SIGINT and SIGTERM stop it cleanly.
 */
export async function serveUntilStopped(server: { start(): Promise<string>; stop(): Promise<void>; readonly closed: Promise<void> }): Promise<void> {
  const url = await server.start();
  process.stdout.write(`listening on ${url}\n`);
  const stop = () => void server.stop();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await server.closed;
}
