import { extendUdfRegistry, SqlError, type ScalarFunction, type UdfCall, type UdfRegistry } from '@loch/lakehouse';
import { createSyncFn } from 'synckit';
import { Tracking } from '../client/tracking.js';
import { modelDirectory } from './load-model.js';
import { readMLmodel, signatureInputs, type ColumnSpec } from './mlmodel.js';

export interface RegisterModelOptions {
  /** The type of the predictions in Spark's DDL; default: the signature's single output, else double. */
  readonly returns?: string;
  /** Where runs:/ and models:/ URIs are looked up; default: the lake's own tracking tables. */
  readonly tracking?: Tracking;
}

declare module '@loch/lakehouse' {
  interface UdfRegistryExtensions {
    /**
     * Makes model `uri` (`models:/iot@champion`, `runs:/<id>/model`, a path) callable in SQL as
     * `name(col, ...)`, MLflow's spark_udf: the arguments are the signature's inputs in order,
     * each batch of rows is scored in one predict call, and the model is loaded once, in a worker
     * thread.
     */
    registerModel(name: string, uri: string, options?: RegisterModelOptions): Promise<UdfCall>;
  }
}

/** MLflow's column types in Spark's DDL. */
const SPARK_TYPES: Readonly<Record<string, string>> = {
  double: 'double', float: 'float', long: 'bigint', integer: 'int', string: 'string', boolean: 'boolean', binary: 'binary', datetime: 'timestamp',
};

// One worker for the process: synckit starts it on first use and it does not keep the process alive.
let predictSync: ((dir: string, uri: string, rows?: unknown[]) => unknown[]) | undefined;
const scorer = () => (predictSync ??= createSyncFn(new URL('./scoring-worker.js', import.meta.url).href));

const invalid = (message: string) => new SqlError('LOCH_UDF_INVALID', message);

async function registerModel(this: UdfRegistry, name: string, uri: string, options: RegisterModelOptions = {}): Promise<UdfCall> {
  const tracking = options.tracking ?? (this.lake ? new Tracking({ uri: this.lake.dir }) : new Tracking());
  const dir = await modelDirectory(uri, { tracking });
  const metadata = await readMLmodel(dir);
  const inputs = signatureInputs(metadata);
  if (!inputs?.length) throw invalid(`model ${uri} has no input signature: SQL scoring needs the input columns' names and types (log the model with a signature)`);
  const args = inputs.map((c, i) => sparkType(c, `${uri} input ${c.name ?? i}`));
  const returns = options.returns ?? outputType(metadata.signature?.outputs, uri);
  scorer()(dir, uri); // loads the model now, so that a broken one fails here and not in a query
  const names = inputs.map((c, i) => c.name ?? String(i));
  const fn: ScalarFunction = (...columns) => scorer()(dir, uri, rowsOf(names, columns));
  return this.register(name, fn, { returns, args });
}

function sparkType(c: ColumnSpec, what: string): string {
  const t = SPARK_TYPES[c.type];
  if (!t) throw invalid(`${what}: type '${c.type}' cannot be passed from SQL (supported: ${Object.keys(SPARK_TYPES).join(', ')})`);
  return t;
}

function outputType(outputs: string | undefined, uri: string): string {
  const specs = outputs ? (JSON.parse(outputs) as ColumnSpec[]) : [];
  if (specs.length === 0) return 'double';
  if (specs.length > 1) throw invalid(`model ${uri} has ${specs.length} outputs; pass returns: 'struct<...>' to score it in SQL`);
  return sparkType(specs[0], `${uri} output`);
}

/** A batch's rows as the objects predict takes, longs as numbers where they fit. */
function rowsOf(names: readonly string[], columns: readonly { readonly length: number; get(i: number): unknown }[]): Record<string, unknown>[] {
  const n = columns[0]?.length ?? 0;
  const rows = new Array<Record<string, unknown>>(n);
  for (let i = 0; i < n; i++) {
    const row: Record<string, unknown> = {};
    for (let j = 0; j < names.length; j++) {
      const v = columns[j].get(i);
      row[names[j]] = typeof v === 'bigint' && v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(v) : v;
    }
    rows[i] = row;
  }
  return rows;
}

extendUdfRegistry('registerModel', registerModel);
