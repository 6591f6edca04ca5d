import type { Command } from 'commander';
import { portOption, serveUntilStopped } from './serve.js';

/**
 * `loch server`: the MLflow REST API and artifact service (and whatever else is mounted) over
 * the lake at --lake. Prints `listening on http://HOST:PORT` once ready; stops cleanly on
 * SIGINT or SIGTERM, finishing the writes under way.
 */
export function registerServer(p: Command): void {
  p.command('server')
    .description('serve the console (/), the SQL statements API, ingest, dashboards and the MLflow REST API over the lake')
    .option('--lake <dir>', 'the lake: tracking tables and artifacts live in it', './lake')
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--port <n>', 'port to listen on', portOption, 5000)
    .option('--token <token>', 'require Authorization: Bearer <token> on every API request (default: LOCH_TOKEN)')
    .action(async (o: { lake: string; host: string; port: number; token?: string }) => {
      // Loaded here so that other commands do not pay for the HTTP server's modules.
      const { createServer } = await import('@loch/server');
      const { consoleModule } = await import('@loch/console');
      const token = o.token ?? process.env.LOCH_TOKEN;
      const server = createServer({ lake: o.lake, host: o.host, port: o.port, modules: [consoleModule()], ...(token ? { token } : {}) });
      await serveUntilStopped(server);
    });
}
