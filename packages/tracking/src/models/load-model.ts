import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Tracking } from '../client/tracking.js';
import { loadModelDir, type LoadedModel } from './load-dir.js';
import { modelsUriToArtifactUri, runsUriToArtifactUri } from './registry-client.js';

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
 * Loads a model logged with the Loch flavor, by URI: imports its module and calls
 * `load(artifactsDir)` once; `predict(batch)` then scores batches.
 */
export async function loadModel(uri: string, options: LoadModelOptions = {}): Promise<LoadedModel> {
  return loadModelDir(await modelDirectory(uri, options), uri);
}
