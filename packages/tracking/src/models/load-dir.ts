import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { trackingError } from '../errors.js';
import { LOCH_FLAVOR, readMLmodel, type MLmodel } from './mlmodel.js';

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

/**
 * Loads the model in a local directory (logged with the Loch flavor): imports its module and
 * calls `load(artifactsDir)` once; `predict(batch)` then scores batches. Imports nothing that
 * reaches a lake, so that worker threads scoring in SQL load only this.
 */
export async function loadModelDir(dir: string, uri = dir): Promise<LoadedModel> {
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
