import type { ServerModule } from '@loch/server';
import { loadAssets } from './static-assets.js';

/**
 * The console as a module of `loch server`: the page at `/` and its bundle under `/console/`.
 * The page and bundle are public (they hold no data) so that the console can ask for the token;
 * every API it calls needs it when the server has one.
 */
export function consoleModule(options: { dir?: string } = {}): ServerModule {
  return {
    name: 'console',
    publicPaths: ['/', '/console/'],
    async register(app) {
      const assets = await loadAssets(options.dir);
      const index = assets.get('index.html')!;
      app.get('/', async (_request, reply) => reply.type(index.type).header('cache-control', 'no-cache').send(index.body));
      app.get<{ Params: { file: string } }>('/console/:file', async (request, reply) => {
        const a = assets.get(request.params.file);
        if (!a) return reply.code(404).type('application/json').send({ error_code: 'RESOURCE_DOES_NOT_EXIST', message: `the console has no file '${request.params.file}'` });
        return reply.type(a.type).header('cache-control', 'no-cache').send(a.body);
      });
    },
  };
}
