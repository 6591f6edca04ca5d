import type { DuckDBConnection } from '@duckdb/node-api';
import type { DataType } from '@loch/delta';
import { Cursor } from '../sql/parse/cursor.js';
import { parseSparkType } from '../sql/parse/spark-types.js';
import { SqlError } from '../sql/errors.js';
import { aggregateFunctionName, beginCalls, endCalls, installFunctions } from './duckdb-functions.js';
import { moduleUrl } from './module-url.js';
import { rewriteWindowedAggregates } from './window-calls.js';
import { confOf, maxRecordsPerBatch } from './batch-size.js';
import { stagedOn, stageQuery, type StagedQuery } from './staged-run.js';
import type { AggregateFunction, IteratorFunction, ScalarFunction, UdfOptions, UserFunction } from './types.js';

/** A call of a registered function in a DataFrame expression: `plusOne('x')` is `plus_one(x)`. */
export type UdfCall = (...args: string[]) => string;

/** What a SQL session installs on its connection: the functions of its lake. */
export interface SessionFunctions {
  /**
   * Makes the functions callable on `c`, whose session conf is `conf` (read when a call is bound:
   * `SET` counts for the statements after it); returns what undoes it before the connection closes.
   */
  install(c: DuckDBConnection, conf?: ReadonlyMap<string, string>): Promise<() => void>;
  /** Before each statement of a session. */
  beginStatement?(): void;
  /** After each statement on `c` (`ok`: it succeeded): the functions' calls end (an iterator UDF's cleanup runs). */
  endStatement?(c: DuckDBConnection, ok: boolean): void;
  /** A statement's text with calls DuckDB cannot take as written made callable (aggregate UDFs over windows). */
  rewrite?(sql: string): string;
  /**
   * A query's vectorized UDF calls run as a stage of their own (see staged-run.ts): stage 1 runs
   * on `c` now, and the query to run instead comes back; undefined when the query runs as it is.
   */
  stage?(c: DuckDBConnection, sql: string, conf: ReadonlyMap<string, string>): Promise<StagedQuery | undefined>;
}

const invalid = (message: string) => new SqlError('LOCH_UDF_INVALID', message);

/**
 * Members that packages above this one add to `lake.udf` (`@loch/tracking` adds `registerModel`),
 * declared by augmenting this interface and installed with `extendUdfRegistry`. The registry
 * never imports those packages.
 */
export interface UdfRegistryExtensions {}

// The class gets the extensions' members through declaration merging.
export interface UdfRegistry extends UdfRegistryExtensions {}

/**
 * A lake's user functions (`lake.udf`): named TypeScript functions over Apache Arrow vectors,
 * callable from the lake's SQL and DataFrames. Every SQL session of the lake installs them on its
 * DuckDB connection. Other kinds of function (models, say) are added with `define`.
 */
export class UdfRegistry implements SessionFunctions {
  private readonly functions = new Map<string, UserFunction>();

  /** `lake` is the lake whose sessions call these functions (where extensions look things up). */
  constructor(readonly lake?: { readonly dir: string }) {}

  /**
   * Registers `fn` as `name`, returning a helper for DataFrame expressions. Its kind: a generator
   * function is an iterator UDF, `kind: 'aggregate'` a grouped aggregate, else a scalar UDF.
   */
  register(name: string, fn: ScalarFunction | IteratorFunction | AggregateFunction, options: UdfOptions): UdfCall {
    if (typeof fn !== 'function') throw invalid(`UDF ${name}: expected a function, got ${typeof fn}`);
    const generator = fn.constructor?.name === 'GeneratorFunction';
    const kind = options.kind ?? (generator ? 'iterator' : 'scalar');
    if (kind === 'iterator' && !generator) throw invalid(`UDF ${name}: an iterator UDF is a generator function (function* (batches) { ... })`);
    const returns = parseType(options.returns, name, 'returns');
    const args = options.args?.map((t, i) => parseType(t, name, `args[${i}]`));
    if (kind === 'aggregate' && !args && fn.length === 0) throw invalid(`UDF ${name}: an aggregate UDF with rest parameters needs its argument types (args)`);
    return this.define({ kind, name, fn, returns, args, deterministic: options.deterministic !== false } as UserFunction);
  }

  /**
   * Registers the UDFs a JavaScript module exports (`loch sql --udf ./fns.mjs`): each exported
   * function made with `defineUdf(fn, options)` (or carrying a `udf` options property), under
   * its export name. `path` is a file path, a URL, or a package specifier (`@loch/qos/udfs`).
   * Returns the names registered.
   */
  async registerModule(path: string): Promise<string[]> {
    const m = (await import(moduleUrl(path))) as Record<string, unknown>;
    const names: string[] = [];
    for (const [name, value] of Object.entries(m)) {
      const options = typeof value === 'function' ? (value as { udf?: UdfOptions }).udf : undefined;
      if (!options) continue;
      this.register(name, value as ScalarFunction, options);
      names.push(name);
    }
    if (names.length === 0) throw invalid(`${path} exports no UDF: export functions made with defineUdf(fn, { returns: 'double' })`);
    return names;
  }

  /** Adds a function of any kind (what `register` and packages above this one build on). */
  define(f: UserFunction): UdfCall {
    const name = f.name.toLowerCase();
    if (!/^[a-z_][a-z0-9_]*$/.test(name) || name.startsWith('__loch')) throw invalid(`UDF name '${f.name}' must be a plain SQL name (letters, digits, _)`);
    this.functions.set(name, { ...f, name });
    return (...args: string[]) => `${name}(${args.join(', ')})`;
  }

  /** A call of `name` for DataFrame expressions: `lake.udf.call('plus_one', 'x')`. */
  call(name: string, ...args: string[]): string {
    if (!this.functions.has(name.toLowerCase())) throw invalid(`no UDF called ${name}; registered: ${this.names().join(', ') || 'none'}`);
    return `${name.toLowerCase()}(${args.join(', ')})`;
  }

  /** Removes a function; true when there was one. */
  unregister(name: string): boolean {
    return this.functions.delete(name.toLowerCase());
  }

  get(name: string): UserFunction | undefined {
    return this.functions.get(name.toLowerCase());
  }

  names(): string[] {
    return [...this.functions.keys()].sort();
  }

  rewrite(sql: string): string {
    const aggregates = new Set([...this.functions.values()].filter((f) => f.kind === 'aggregate').map((f) => f.name));
    return rewriteWindowedAggregates(sql, aggregates, aggregateFunctionName);
  }

  stage(c: DuckDBConnection, sql: string, conf: ReadonlyMap<string, string>): Promise<StagedQuery | undefined> {
    const scalar = new Set([...this.functions.values()].filter((f) => f.kind === 'scalar').map((f) => f.name));
    if (scalar.size === 0 || !stagedOn(confOf(conf))) return Promise.resolve(undefined);
    return stageQuery(c, sql, (name) => this.get(name), scalar, maxRecordsPerBatch(confOf(conf)));
  }

  install(c: DuckDBConnection, conf?: ReadonlyMap<string, string>): Promise<() => void> {
    return installFunctions(c, new Map(this.functions), conf);
  }

  beginStatement(): void {
    beginCalls();
  }

  endStatement(c: DuckDBConnection, ok: boolean): void {
    endCalls(c, ok);
  }
}

function parseType(text: string, udf: string, what: string): DataType {
  try {
    const c = new Cursor(text);
    const t = parseSparkType(c);
    c.expectEnd();
    return t;
  } catch (e) {
    throw invalid(`UDF ${udf}: ${what} '${text}' is not a type (${(e as Error).message})`);
  }
}

/**
 * Installs method `name` on every UdfRegistry, for packages above this one (see
 * UdfRegistryExtensions); installing a name twice keeps the last, so a package loaded again
 * replaces its own member.
 */
export function extendUdfRegistry<K extends keyof UdfRegistryExtensions>(name: K, method: (this: UdfRegistry, ...args: never[]) => unknown): void {
  const own = Object.getOwnPropertyDescriptor(UdfRegistry.prototype, name);
  if (own && !extendedUdf.has(name)) throw invalid(`lake.udf already has a member '${String(name)}'; an extension cannot replace it`);
  extendedUdf.add(name);
  Object.defineProperty(UdfRegistry.prototype, name, { configurable: true, enumerable: false, writable: true, value: method });
}

const extendedUdf = new Set<PropertyKey>();

/** A function with its UDF options attached, for modules registered by path (`registerModule`, `loch sql --udf`). */
export function defineUdf<F extends ScalarFunction | IteratorFunction | AggregateFunction>(fn: F, options: UdfOptions): F & { readonly udf: UdfOptions } {
  return Object.assign(fn, { udf: options });
}
