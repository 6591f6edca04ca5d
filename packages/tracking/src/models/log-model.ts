import { randomUUID } from 'node:crypto';
import { cp, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { trackingError } from '../errors.js';
import type { Run } from '../client/tracking.js';
import { LOCH_FLAVOR, LOCH_VERSION, mlmodelText, type MLmodel, type ModelSignature } from './mlmodel.js';
import { registerModel, type ModelVersionInfo } from './registry-client.js';

export interface LogModelOptions {
  /** Path of the ES module exporting `load(artifactsDir)` and `predict(batch)`. */
  readonly module: string;
  /** Other files or directories the module imports, copied beside it under code/. */
  readonly codePaths?: readonly string[];
  /** Named files or directories the model loads (weights, encoders): copied under artifacts/. */
  readonly artifacts?: Readonly<Record<string, string>>;
  readonly signature?: ModelSignature;
  /** Example rows, saved as input_example.json (MLflow's dataframe_split form). */
  readonly inputExample?: readonly Readonly<Record<string, unknown>>[];
  /** Also register the model under this name (a new version). */
  readonly registeredModelName?: string;
}

export interface ModelInfo {
  readonly modelUri: string;
  readonly runId: string;
  readonly artifactPath: string;
  readonly flavors: MLmodel['flavors'];
  readonly registeredModelVersion?: ModelVersionInfo;
}

/**
 * Logs an MLflow model directory to the run under `artifactPath`: an MLmodel file with the Loch
 * flavor (and signature and input example when given), the module under code/ and the named
 * artifacts under artifacts/. Loaded back with loadModel('runs:/<run>/<artifactPath>').
 */
export async function logModel(run: Run, artifactPath: string, options: LogModelOptions): Promise<ModelInfo> {
  const dir = await mkdtemp(join(tmpdir(), 'loch-model-'));
  try {
    const mlmodel = await writeModelDir(dir, { ...options, artifactPath, runId: run.id });
    await run.logArtifacts(dir, artifactPath);
    const modelUri = `runs:/${run.id}/${artifactPath}`;
    const registeredModelVersion = options.registeredModelName
      ? await registerModel(run.tracking, modelUri, options.registeredModelName)
      : undefined;
    return { modelUri, runId: run.id, artifactPath, flavors: mlmodel.flavors, ...(registeredModelVersion ? { registeredModelVersion } : {}) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Writes a model directory (MLflow's save_model); returns its MLmodel. */
export async function writeModelDir(dir: string, o: LogModelOptions & { artifactPath?: string; runId?: string }): Promise<MLmodel> {
  const moduleStat = await stat(o.module).catch(() => undefined);
  if (!moduleStat?.isFile()) throw trackingError('INVALID_PARAMETER_VALUE', `model module '${o.module}' is not a file`);
  await mkdir(join(dir, 'code'), { recursive: true });
  const moduleName = basename(o.module);
  await cp(o.module, join(dir, 'code', moduleName));
  for (const p of o.codePaths ?? []) await cp(p, join(dir, 'code', basename(p)), { recursive: true });
  const artifacts: Record<string, string> = {};
  for (const [name, path] of Object.entries(o.artifacts ?? {})) {
    if (!/^[\w.-]+$/.test(name)) throw trackingError('INVALID_PARAMETER_VALUE', `model artifact name '${name}': letters, digits, '.', '_' and '-' only`);
    await cp(path, join(dir, 'artifacts', name), { recursive: true });
    artifacts[name] = `artifacts/${name}`;
  }
  let inputExample: Record<string, unknown> | undefined;
  if (o.inputExample?.length) {
    const columns = [...new Set(o.inputExample.flatMap((r) => Object.keys(r)))];
    await writeFile(join(dir, 'input_example.json'), JSON.stringify({ columns, data: o.inputExample.map((r) => columns.map((c) => r[c] ?? null)) }));
    inputExample = { artifact_path: 'input_example.json', type: 'dataframe', pandas_orient: 'split' };
  }
  const mlmodel: MLmodel = {
    ...(o.artifactPath ? { artifact_path: o.artifactPath } : {}),
    flavors: { [LOCH_FLAVOR]: { module: `code/${moduleName}`, artifacts, loch_version: LOCH_VERSION } },
    model_uuid: randomUUID().replaceAll('-', ''),
    ...(o.runId ? { run_id: o.runId } : {}),
    utc_time_created: new Date().toISOString().replace('T', ' ').replace('Z', ''),
    ...(o.signature
      ? { signature: { inputs: JSON.stringify(o.signature.inputs), ...(o.signature.outputs ? { outputs: JSON.stringify(o.signature.outputs) } : {}) } }
      : {}),
    ...(inputExample ? { saved_input_example_info: inputExample } : {}),
  };
  await writeFile(join(dir, 'MLmodel'), mlmodelText(mlmodel));
  return mlmodel;
}
