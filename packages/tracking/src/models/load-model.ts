import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { trackingError } from '../errors.js';
import { Tracking } from '../client/tracking.js';
import { LOCH_FLAVOR, readMLmodel, type MLmodel } from './mlmodel.js';
import { modelsUriToArtifactUri, runsUriToArtifactUri } from './registry-client.js';

/** One batch of model input: rows as objects (a data frame), or tensor instances. */
export type Batch = readonly unknown[];

/** What a Loch model module exports. */
export interface ModelModule {
  /** Called once with the model's artifacts directory; what it returns is passed to predict. */
  load?(artifactsDir: string): unknown;
  /** One prediction per input row, in order. */
  predict(batch: Batch, context?: unknown): unknown[] | Promise<unknown[]>;
}

export interface LoadedModel {
  readonly uri: string;
  /** The local model directory. */
  readonly dir: string;
  readonly metadata: MLmodel;
  predict(batch: Batch): Promise<unknown[]>;
}

export interface LoadModelOptions {
  /** Where runs:/ and models:/ URIs are looked up (default: the tracking URI from the environment). */
  readonly tracking?: Tracking;
  /** Where models from a remote server are downloaded to (default: a directory under the OS temp dir). */
  readonly cacheDir?: string;
}

/**
 * The local directory of a model URI: `runs:/<run>/<path>`, `models:/<name>/<version>`,
 * `models:/<name>/<stage>`, `models:/<name>@<alias>`, `mlflow-artifacts:/...`, or a local path.
 */
export async function modelDirectory(uri: string, options: LoadModelOptions = {}): Promise<string> {
  if (uri.startsWith('file:')) return fileURLToPath(uri);
  if (isAbsolute(uri) || !/^[A-Za-z][A-Za-z0-9+.-]+:/.test(uri)) return resolve(uri);
  let artifactUri: string;
  const tracking = options.tracking ?? new Tracking();
  if (uri.startsWith('runs:/')) artifactUri = (await runsUriToArtifactUri(tracking, uri)).artifactUri;
  else if (uri.startsWith('models:/')) artifactUri = (await modelsUriToArtifactUri(tracking, uri)).artifactUri;
  else artifactUri = uri;
  const local = tracking.backend.localDir(artifactUri);
  if (local) return local;
  const cache = options.cacheDir ?? join(tmpdir(), 'loch-models', createHash('sha256').update(artifactUri).digest('hex').slice(0, 16));
  return tracking.backend.download(artifactUri, cache);
}

/**
 * Loads a model logged with the Loch flavor: imports its module and calls `load(artifactsDir)`
 * once; `predict(batch)` then scores batches.
 */
export async function loadModel(uri: string, options: LoadModelOptions = {}): Promise<LoadedModel> {
  const dir = await modelDirectory(uri, options);
  const metadata = await readMLmodel(dir);
  const flavor = metadata.flavors[LOCH_FLAVOR];
  if (!flavor) {
    throw trackingError('INVALID_PARAMETER_VALUE', `Model ${uri} has no '${LOCH_FLAVOR}' flavor (it has ${Object.keys(metadata.flavors).join(', ') || 'none'}); Loch loads models logged with logModel`);
  }
  const modulePath = join(dir, flavor.module);
  if (!(await stat(modulePath).catch(() => undefined))?.isFile()) throw trackingError('RESOURCE_DOES_NOT_EXIST', `Model ${uri}: its module ${flavor.module} is missing`);
  const mod = (await import(pathToFileURL(modulePath).href)) as Partial<ModelModule>;
  if (typeof mod.predict !== 'function') throw trackingError('INVALID_PARAMETER_VALUE', `Model ${uri}: ${flavor.module} exports no predict(batch) function`);
  const context = typeof mod.load === 'function' ? await mod.load(join(dir, 'artifacts')) : undefined;
  const predict = mod.predict;
  return {
    uri,
    dir,
    metadata,
    async predict(batch: Batch): Promise<unknown[]> {
      const out = await predict(batch, context);
      if (!Array.isArray(out)) throw trackingError('INTERNAL_ERROR', `Model ${uri}: predict returned ${typeof out}, not an array`);
      if (out.length !== batch.length) throw trackingError('INTERNAL_ERROR', `Model ${uri}: predict returned ${out.length} predictions for ${batch.length} rows`);
      return out;
    },
  };
}
