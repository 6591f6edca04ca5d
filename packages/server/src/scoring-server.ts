import { checkRows, LOCH_VERSION, scoringRows, signatureInputs, trackingError, type LoadedModel } from '@loch/tracking';
import Fastify, { type FastifyInstance } from 'fastify';
import { errorHandler, sendError } from './errors.js';

export interface ScoringServerOptions {
  readonly model: LoadedModel;
  readonly host?: string;
  /** Default 5000, as `mlflow models serve`; 0 picks a free port. */
  readonly port?: number;
}

/**
 * `loch models serve`: MLflow's scoring protocol for one model. POST /invocations takes JSON in
 * any of MLflow's input forms and answers `{"predictions": [...]}`; /ping and /health answer 200
 * once the model is loaded; /version names the server. A malformed request is a 400 whose
 * message names the problem.
 */
export class ScoringServer {
  readonly app: FastifyInstance;
  private address?: string;
  private settle!: () => void;
  readonly closed: Promise<void>;

  constructor(private readonly options: ScoringServerOptions) {
    this.app = Fastify({ logger: false, bodyLimit: 256 * 1024 * 1024, forceCloseConnections: true });
    this.closed = new Promise((resolve) => (this.settle = resolve));
    const app = this.app;
    const model = options.model;
    const inputs = signatureInputs(model.metadata);
    app.setErrorHandler(errorHandler);
    app.setNotFoundHandler((request, reply) => sendError(reply, trackingError('ENDPOINT_NOT_FOUND', `No endpoint ${request.method} ${request.url}`)));
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser(['application/json', 'text/plain'], { parseAs: 'string' }, (_request, body, done) => {
      try {
        done(null, JSON.parse(String(body)));
      } catch (e) {
        done(trackingError('BAD_REQUEST', `The request body is not valid JSON: ${(e as Error).message}`), undefined);
      }
    });
    // Other content types reach the handler, which names what it accepts.
    app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));
    const ok = async () => '\n';
    app.get('/ping', ok);
    app.get('/health', ok);
    app.get('/version', async () => LOCH_VERSION);
    app.post('/invocations', async (request) => {
      const type = String(request.headers['content-type'] ?? '');
      if (!/^application\/json\b/i.test(type)) {
        throw trackingError('BAD_REQUEST', `This predictor only supports the application/json content type (got '${type || 'none'}')`);
      }
      const rows = scoringRows(request.body);
      checkRows(rows, inputs);
      return { predictions: await model.predict(rows) };
    });
  }

  async start(): Promise<string> {
    const host = this.options.host ?? '127.0.0.1';
    await this.app.listen({ host, port: this.options.port ?? 5000 });
    const a = this.app.server.address();
    this.address = `http://${host}:${typeof a === 'object' && a ? a.port : this.options.port}`;
    return this.address;
  }

  get url(): string {
    if (!this.address) throw new Error('the scoring server has not started');
    return this.address;
  }

  async stop(): Promise<void> {
    try {
      await this.app.close();
    } finally {
      this.settle();
    }
  }
}

export function createScoringServer(options: ScoringServerOptions): ScoringServer {
  return new ScoringServer(options);
}
