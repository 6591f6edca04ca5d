import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { trackingError } from '../errors.js';

export const LOCH_FLAVOR = 'loch';
export const LOCH_VERSION = '0.1.0';

/** A column of a model signature, as MLflow's ColSpec: a name and an MLflow type. */
export interface ColumnSpec {
  readonly name?: string;
  readonly type: 'double' | 'float' | 'long' | 'integer' | 'string' | 'boolean' | 'binary' | 'datetime' | string;
  readonly optional?: boolean;
}

export interface ModelSignature {
  readonly inputs: readonly ColumnSpec[];
  readonly outputs?: readonly ColumnSpec[];
}

/** The Loch flavor: an ES module with `load(artifactsDir)` and `predict(batch)`. */
export interface LochFlavor {
  /** The module, relative to the model directory (`code/model.mjs`). */
  readonly module: string;
  /** Named artifacts, relative to the model directory. */
  readonly artifacts: Readonly<Record<string, string>>;
  readonly loch_version: string;
}

/** An MLmodel file: MLflow's model metadata. */
export interface MLmodel {
  readonly artifact_path?: string;
  readonly flavors: Readonly<Record<string, unknown>> & { readonly loch?: LochFlavor };
  readonly model_uuid?: string;
  readonly run_id?: string;
  readonly utc_time_created?: string;
  /** MLflow keeps the column lists as JSON text. */
  readonly signature?: { readonly inputs: string; readonly outputs?: string };
  readonly saved_input_example_info?: Readonly<Record<string, unknown>>;
}

export function mlmodelText(m: MLmodel): string {
  return stringify(m, { lineWidth: 0 });
}

export async function readMLmodel(modelDir: string): Promise<MLmodel> {
  let text: string;
  try {
    text = await readFile(join(modelDir, 'MLmodel'), 'utf8');
  } catch {
    throw trackingError('RESOURCE_DOES_NOT_EXIST', `No MLmodel file in ${modelDir}: not an MLflow model directory`);
  }
  const m = parse(text) as MLmodel;
  if (!m || typeof m !== 'object' || !m.flavors) throw trackingError('INVALID_PARAMETER_VALUE', `${join(modelDir, 'MLmodel')} has no flavors`);
  return m;
}

/** The signature's input columns, parsed. */
export function signatureInputs(m: MLmodel): ColumnSpec[] | undefined {
  return m.signature?.inputs ? (JSON.parse(m.signature.inputs) as ColumnSpec[]) : undefined;
}
