import { isTrackingError, trackingError } from '../errors.js';
import type { Tracking } from '../client/tracking.js';
import type { ModelVersionJson } from '../store/registry.js';
import type { RunJson } from '../store/runs.js';

export type ModelVersionInfo = ModelVersionJson;

/** The run artifact URI a `runs:/<id>/<path>` URI names. */
export async function runsUriToArtifactUri(tracking: Tracking, uri: string): Promise<{ artifactUri: string; runId: string }> {
  const m = /^runs:\/([^/]+)\/?(.*)$/.exec(uri);
  if (!m) throw trackingError('INVALID_PARAMETER_VALUE', `'${uri}' is not a runs:/<run_id>/<path> URI`);
  const { run } = await tracking.backend.call<{ run: RunJson }>('runs/get', { run_id: m[1] });
  return { artifactUri: m[2] ? `${run.info.artifact_uri}/${m[2]}` : run.info.artifact_uri, runId: m[1] };
}

/** mlflow.register_model: a new version of `name` (created when missing) from a model URI. */
export async function registerModel(tracking: Tracking, modelUri: string, name: string): Promise<ModelVersionInfo> {
  try {
    await tracking.backend.call('registered-models/create', { name });
  } catch (e) {
    if (!isTrackingError(e, 'RESOURCE_ALREADY_EXISTS')) throw e;
  }
  const source = modelUri.startsWith('runs:/') ? await runsUriToArtifactUri(tracking, modelUri) : { artifactUri: modelUri, runId: undefined };
  const { model_version } = await tracking.backend.call<{ model_version: ModelVersionJson }>('model-versions/create', {
    name,
    source: source.artifactUri,
    ...(source.runId ? { run_id: source.runId } : {}),
  });
  return model_version;
}

/** The artifact URI of a `models:/name/<version | stage | latest>` or `models:/name@alias` URI. */
export async function modelsUriToArtifactUri(tracking: Tracking, uri: string): Promise<{ artifactUri: string; version: ModelVersionJson }> {
  const alias = /^models:\/([^/@]+)@([\w-]+)\/?$/.exec(uri);
  const plain = /^models:\/([^/@]+)\/([^/]+)\/?$/.exec(uri);
  let version: ModelVersionJson;
  if (alias) {
    version = (await tracking.backend.call<{ model_version: ModelVersionJson }>('registered-models/alias', { name: alias[1], alias: alias[2] }, 'GET')).model_version;
  } else if (plain && /^\d+$/.test(plain[2])) {
    version = (await tracking.backend.call<{ model_version: ModelVersionJson }>('model-versions/get', { name: plain[1], version: plain[2] })).model_version;
  } else if (plain) {
    const stages = plain[2].toLowerCase() === 'latest' ? [] : [plain[2]];
    const { model_versions = [] } = await tracking.backend.call<{ model_versions?: ModelVersionJson[] }>('registered-models/get-latest-versions', { name: plain[1], stages });
    const newest = model_versions.sort((a, b) => Number(b.version) - Number(a.version))[0];
    if (!newest) throw trackingError('RESOURCE_DOES_NOT_EXIST', `No versions of model '${plain[1]}' in stage '${plain[2]}'`);
    version = newest;
  } else {
    throw trackingError('INVALID_PARAMETER_VALUE', `'${uri}' is not a models:/<name>/<version>, models:/<name>/<stage> or models:/<name>@<alias> URI`);
  }
  const { artifact_uri } = await tracking.backend.call<{ artifact_uri: string }>('model-versions/get-download-uri', { name: version.name, version: version.version });
  return { artifactUri: artifact_uri, version };
}
