import type { Command } from 'commander';
import { portOption, serveUntilStopped } from './serve.js';

/**
 * `loch models serve -m <uri>`: MLflow's scoring server for one model (runs:/, models:/name/N,
 * models:/name@alias or a directory), looked up in the lake at --lake or at the tracking URI.
 */
export function registerModels(p: Command): void {
  const models = p.command('models').description('MLflow models: serve one over REST');
  models
    .command('serve')
    .description('serve a model: POST /invocations, GET /ping, /health, /version')
    .requiredOption('-m, --model-uri <uri>', 'runs:/<run>/<path>, models:/<name>/<version>, models:/<name>@<alias>, or a model directory')
    .option('--lake <dir>', 'the lake holding the runs and registry (default: LOCH_TRACKING_URI, MLFLOW_TRACKING_URI, else ./lake)')
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('-p, --port <n>', 'port to listen on', portOption, 5000)
    .action(async (o: { modelUri: string; lake?: string; host: string; port: number }) => {
      const { createScoringServer } = await import('@loch/server');
      const { loadModel, Tracking, trackingUriFromEnv } = await import('@loch/tracking');
      const tracking = new Tracking({ uri: o.lake ?? trackingUriFromEnv() });
      const model = await loadModel(o.modelUri, { tracking });
      const server = createScoringServer({ model, host: o.host, port: o.port });
      await serveUntilStopped(server);
      await tracking.close();
    });
}
