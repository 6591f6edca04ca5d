import type { DataType } from '@loch/delta';
import type { RecordBatch, Table, Vector } from 'apache-arrow';

/**
 * What a scalar UDF may return for a batch: an Arrow vector, a typed array (`Float64Array`, ...)
 * or a plain array of values, one per input row, of the declared type (null for NULL).
 */
export type ColumnResult = Vector | ArrayLike<unknown>;

/** A scalar UDF: one Arrow vector per argument in, one column of the same length out. */
export type ScalarFunction = (...columns: Vector[]) => ColumnResult;

/**
 * An iterator UDF: the batches of its arguments in, one result column per batch out, in order.
 * Code before the loop runs once per query (loading a model, say). Written as a generator
 * function, which is how Loch tells it from a scalar one.
 */
export type IteratorFunction = (batches: Iterable<Vector[]>) => Iterator<ColumnResult>;

/** A grouped aggregate UDF: a group's values (one vector per argument) in, one value out. */
export type AggregateFunction = (...columns: Vector[]) => unknown;

/** Options of `lake.udf.register`. */
export interface UdfOptions {
  /** The type of the values it returns, in Spark's DDL (`double`, `array<string>`, `struct<a: int, b: string>`). */
  readonly returns: string;
  /**
   * Argument types (Spark's DDL): arguments are cast to them, as for a built-in function.
   * Without them a UDF takes any arguments and sees each in its own type.
   */
  readonly args?: readonly string[];
  /** `aggregate`: a grouped aggregate (a group's values -> one value). Otherwise scalar, or iterator for a generator function. */
  readonly kind?: 'scalar' | 'iterator' | 'aggregate';
  /** False for a function whose result may differ for the same input (random, time): DuckDB then calls it for every row. */
  readonly deterministic?: boolean;
}

interface Common {
  /** The name SQL calls it by (lower case: SQL names are case-insensitive). */
  readonly name: string;
  readonly returns: DataType;
  /** The declared argument types; undefined: any arguments. */
  readonly args?: readonly DataType[];
  readonly deterministic: boolean;
}

/** A registered user function, by kind. */
export type UserFunction =
  | (Common & { readonly kind: 'scalar'; readonly fn: ScalarFunction })
  | (Common & { readonly kind: 'iterator'; readonly fn: IteratorFunction })
  | (Common & { readonly kind: 'aggregate'; readonly fn: AggregateFunction });

/** A function over Arrow record batches, for `mapInArrow`: batches in, batches (any number, any sizes) out. */
export type MapInArrowFunction = (batches: AsyncIterable<RecordBatch>) => AsyncIterable<RecordBatch | Table> | Iterable<RecordBatch | Table>;

/** A function over one group's rows, for `groupBy(...).applyInArrow`: a table in, a table out. */
export type GroupedMapFunction = (group: Table) => Table | RecordBatch | Promise<Table | RecordBatch>;

/** A function over one key's rows of two frames, for `cogroup(...).applyInArrow`. */
export type CoGroupedMapFunction = (left: Table, right: Table) => Table | RecordBatch | Promise<Table | RecordBatch>;

/**
 * A function by module and export name (`{ module: '/abs/fns.mjs', export: 'fit' }`): how a
 * function reaches worker threads, where a grouped map's groups are spread. The module is
 * JavaScript (`.mjs`/`.js`; compile TypeScript first); a relative path is resolved from the
 * working directory. Closures cannot be shipped: they run on the calling thread.
 */
export interface FunctionRef {
  readonly module: string;
  /** The export's name; `default` when omitted. */
  readonly export?: string;
}

/** Options of the function APIs. */
export interface FunctionApiOptions {
  /** Worker threads for a function given as a FunctionRef (default: conf `loch.udf.workers`, else one per core but one). */
  readonly workers?: number;
}
