import { checkArtifactPath, listDir, trackingError } from '@loch/tracking';
import type { FastifyInstance } from 'fastify';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';

const PREFIXES = ['/api/2.0/mlflow-artifacts', '/ajax-api/2.0/mlflow-artifacts'];

/**
 * MLflow's proxied artifact service (`mlflow server --serve-artifacts`): artifacts under the
 * server's artifact root, uploaded with PUT, downloaded with GET, listed with GET ?path=.
 * Uploads stream to a temporary file renamed into place, so a reader never sees half a file.
 */
export async function artifactRoutes(app: FastifyInstance, root: string): Promise<void> {
  // Any content type is an artifact's bytes (JSON files too): hand the request stream over unparsed.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
  for (const prefix of PREFIXES) {
    app.get(`${prefix}/artifacts`, async (request) => {
      const path = String((request.query as Record<string, unknown>).path ?? '');
      return { files: await listDir(root, path) };
    });
    app.get(`${prefix}/artifacts/*`, async (request, reply) => {
      const rel = checkArtifactPath(decodeURIComponent((request.params as { '*': string })['*']));
      const file = join(root, rel);
      const s = await stat(file).catch(() => undefined);
      if (!s || !s.isFile()) throw trackingError('RESOURCE_DOES_NOT_EXIST', `Artifact '${rel}' does not exist`);
      return reply.type('application/octet-stream').header('content-length', s.size).send(createReadStream(file));
    });
    app.put(`${prefix}/artifacts/*`, { bodyLimit: 1024 ** 4 }, async (request) => {
      const rel = checkArtifactPath(decodeURIComponent((request.params as { '*': string })['*']));
      if (rel === '') throw trackingError('INVALID_PARAMETER_VALUE', 'An artifact upload needs a file path');
      const file = join(root, rel);
      await mkdir(dirname(file), { recursive: true });
      const tmp = `${file}.${process.pid}.${Date.now()}.uploading`;
      try {
        const body = request.body as Readable | Buffer | undefined;
        const out = createWriteStream(tmp);
        if (body && typeof (body as Readable).pipe === 'function') await pipeline(body as Readable, out);
        else await pipeline(async function* () { if (body) yield body; }, out);
        await rename(tmp, file);
      } catch (e) {
        await rm(tmp, { force: true });
        throw e;
      }
      return {};
    });
    app.delete(`${prefix}/artifacts/*`, async (request) => {
      const rel = checkArtifactPath(decodeURIComponent((request.params as { '*': string })['*']));
      if (rel === '') throw trackingError('INVALID_PARAMETER_VALUE', 'Refusing to delete the artifact root');
      await rm(join(root, rel), { recursive: true, force: true });
      return {};
    });
  }
}
