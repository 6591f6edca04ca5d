/**
 * The server process of bench/tracking.ts: `node tracking-server.js <lake> durable|floor`.
 * `durable` is loch server; `floor` answers the same log-metric requests with the same framework
 * and JSON parsing but writes nothing (the HTTP floor). Prints `listening on <url>`.
 */
import { createServer } from '@loch/server';
import Fastify from 'fastify';

const [lake, mode] = process.argv.slice(2);
let url: string;
if (mode === 'floor') {
  const app = Fastify({ logger: false });
  app.post('/api/2.0/mlflow/runs/log-metric', async (request) => {
    const b = request.body as Record<string, unknown>;
    if (typeof b.run_id !== 'string' || typeof b.key !== 'string' || typeof b.value !== 'number') throw new Error('bad request');
    return {};
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const a = app.server.address();
  url = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
  process.once('SIGTERM', () => void app.close());
} else {
  const server = createServer({ lake, port: 0 });
  url = await server.start();
  process.once('SIGTERM', () => void server.stop());
}
process.stdout.write(`listening on ${url}\n`);
