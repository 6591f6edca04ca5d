import { deltaError } from '@loch/delta';
import { confOf, maxRecordsPerBatch } from '../udf/batch-size.js';
import type { RecordBatch, Table } from 'apache-arrow';
import type { DuckDBDataChunk } from '@duckdb/node-api';
import type { Row } from '../scan/execute.js';
import { sparkIdent, sparkString } from '../sql/parse/lexer.js';
import type { StatementResult } from '../sql/run/result.js';
import type { Observation } from './observation.js';
import type { FunctionApi } from '../udf/function-apis.js';
import type { CoGroupedMapFunction, FunctionApiOptions, FunctionRef, GroupedMapFunction, MapInArrowFunction } from '../udf/types.js';
import { parseSchemaDdl } from '../sql/parse/spark-types.js';
import type { StructType } from '@loch/delta';

/** A SQL expression over the frame's columns (DuckDB syntax; Spark's common forms work too). */
export type Expr = string;

export type JoinType = 'inner' | 'left' | 'right' | 'full' | 'semi' | 'anti' | 'cross';
/**
 * Spark's join strategy hints, on the frame joined in. DuckDB picks its own join algorithm;
 * BROADCAST makes that frame the build side that drives Dynamic File Pruning.
 */
export type JoinHint = 'broadcast' | 'merge' | 'shuffle_hash' | 'shuffle_replicate_nl';

/** What runs a frame's SQL: a Lakehouse (its `sql`), so frames and SQL share one planner. */
export interface SqlRunner {
  /** Conf every statement starts from (the lake's), beneath a frame's own. */
  readonly conf?: Readonly<Record<string, string>>;
  sql(text: string, options?: { conf?: Readonly<Record<string, string>> }): Promise<StatementResult[]>;
  sqlStream(text: string, options?: { conf?: Readonly<Record<string, string>>; stream?: boolean }): AsyncGenerator<StatementResult>;
  /** A query as the DuckDB SQL it runs as (see Lakehouse.planQuery): function APIs' workers read it themselves. */
  planQuery?(text: string, options?: { conf?: Readonly<Record<string, string>> }): Promise<{ readonly sql: string; readonly timeZone: string } | undefined>;
}

type Node =
  | { readonly kind: 'table'; readonly ref: string; readonly asOf?: { version?: number; timestamp?: string }; readonly name?: string }
  | { readonly kind: 'sql'; readonly query: string }
  | { readonly kind: 'filter'; readonly child: Node; readonly condition: Expr }
  | { readonly kind: 'select'; readonly child: Node; readonly columns: readonly string[] }
  | { readonly kind: 'withColumn'; readonly child: Node; readonly name: string; readonly expr: Expr }
  | { readonly kind: 'join'; readonly left: Node; readonly leftAlias: string; readonly right: Node; readonly rightAlias: string; readonly on: Expr | readonly string[]; readonly how: JoinType; readonly hint?: JoinHint }
  | { readonly kind: 'aggregate'; readonly child: Node; readonly keys: readonly Expr[]; readonly aggregates: Readonly<Record<string, Expr>> }
  | { readonly kind: 'orderBy'; readonly child: Node; readonly order: readonly Expr[] }
  | { readonly kind: 'limit'; readonly child: Node; readonly n: number }
  | { readonly kind: 'union'; readonly left: Node; readonly right: Node; readonly byName: boolean }
  | { readonly kind: 'distinct'; readonly child: Node }
  | { readonly kind: 'observe'; readonly child: Node; readonly observation: Observation; readonly metrics: Readonly<Record<string, Expr>> }
  /** A function API (mapInArrow, applyInArrow) over its inputs' rows: run in Node before the query (see materialize). */
  | { readonly kind: 'function'; readonly api: FunctionApi; readonly inputs: readonly Node[] };

/**
 * An immutable, lazily evaluated query over Delta tables: every method returns a new frame, and
 * nothing runs until `toRows()`, `toArrow()`, iteration or `explain()`. A frame compiles to SQL
 * and runs through the same front end and planner as `loch sql` (time travel, file pruning).
 */
export class DataFrame {
  private constructor(
    private readonly runner: SqlRunner,
    private readonly node: Node,
    private readonly given?: string,
    private readonly conf: Readonly<Record<string, string>> = {},
  ) {}

  /**
   * The name join conditions use for this frame: the one given by `as()` (or the table's name),
   * else one derived from what the frame computes, so the same frame always compiles to the same SQL.
   */
  get alias(): string {
    return this.given ?? `df_${hashText(compile(this.node))}`;
  }

  /** A Delta table by lake name (`events`, `sales.orders`) or path (a path is anything with a '/'). */
  static table(runner: SqlRunner, nameOrPath: string): DataFrame {
    if (nameOrPath.includes('/')) return new DataFrame(runner, { kind: 'table', ref: `delta.\`${nameOrPath.replaceAll('`', '``')}\``, name: nameOrPath });
    const parts = nameParts(nameOrPath);
    return new DataFrame(runner, { kind: 'table', ref: parts.map(sparkIdent).join('.'), name: nameOrPath }, parts[parts.length - 1]);
  }

  /** Any SQL query (which may name Delta tables) as a frame. */
  static sql(runner: SqlRunner, query: string): DataFrame {
    return new DataFrame(runner, { kind: 'sql', query });
  }

  private derive(node: Node, alias = this.given): DataFrame {
    return new DataFrame(this.runner, node, alias, this.conf);
  }

  /** The table as of a version or a time (only directly on a table). */
  asOf(at: { version?: number; timestamp?: Date | string }): DataFrame {
    if (this.node.kind !== 'table') throw deltaError('DELTA_INVALID_ARGUMENT', 'asOf() applies to a table, before other operations');
    const timestamp = at.timestamp instanceof Date ? at.timestamp.toISOString() : at.timestamp;
    return this.derive({ ...this.node, asOf: { version: at.version, timestamp } });
  }

  /** Names the frame for join conditions (`a.id = b.id`). */
  as(alias: string): DataFrame {
    return new DataFrame(this.runner, this.node, alias, this.conf);
  }

  /** Session settings for the query, as SET would give them (e.g. DFP switches). */
  withConf(conf: Readonly<Record<string, string>>): DataFrame {
    return new DataFrame(this.runner, this.node, this.given, { ...this.conf, ...conf });
  }

  filter(condition: Expr): DataFrame {
    return this.derive({ kind: 'filter', child: this.node, condition });
  }

  where(condition: Expr): DataFrame {
    return this.filter(condition);
  }

  /** Columns or expressions (`'amount * 2 AS doubled'`). */
  select(...columns: Expr[]): DataFrame {
    if (columns.length === 0) throw deltaError('DELTA_INVALID_ARGUMENT', 'select() needs at least one column');
    return this.derive({ kind: 'select', child: this.node, columns });
  }

  /** Adds (or replaces) a column computed by `expr`. */
  withColumn(name: string, expr: Expr): DataFrame {
    return this.derive({ kind: 'withColumn', child: this.node, name, expr });
  }

  /**
   * Joins with another frame: `on` is a condition over both frames' aliases, or column names
   * both have (USING). `hint` is Spark's strategy hint for `other` (see JoinHint).
   */
  join(other: DataFrame, on: Expr | readonly string[], how: JoinType = 'inner', options: { hint?: JoinHint } = {}): DataFrame {
    return this.derive(
      { kind: 'join', left: this.node, leftAlias: this.alias, right: other.node, rightAlias: other.alias, on, how, hint: options.hint },
      undefined,
    );
  }

  /** The frame grouped by `keys`: aggregates (`agg`), a function per group (`applyInArrow`), or `cogroup` with another grouped frame. */
  groupBy(...keys: Expr[]): GroupedData {
    return new GroupedData(this, keys, (aggregates) => this.derive({ kind: 'aggregate', child: this.node, keys, aggregates }));
  }

  /**
   * Spark's mapInArrow: `fn` gets the frame's rows as an async iterable of Arrow record batches
   * and yields record batches or tables (any number, any sizes) with the columns of `schema`
   * (Spark's DDL, `'id long, score double'`). Runs in this process when the frame is read.
   */
  mapInArrow(fn: MapInArrowFunction | FunctionRef, schema: string | StructType): DataFrame {
    return this.withFunction({ kind: 'mapInArrow', fn, schema: schemaOf(schema) }, []);
  }

  /** @internal A frame of a function API over this frame (and `others`). */
  withFunction(api: FunctionApi, others: readonly DataFrame[]): DataFrame {
    return this.derive({ kind: 'function', api, inputs: [this.node, ...others.map((o) => o.node)] }, undefined);
  }

  /** Whole-frame aggregates: `agg({ n: 'count(*)' })`. */
  agg(aggregates: Readonly<Record<string, Expr>>): DataFrame {
    return this.derive({ kind: 'aggregate', child: this.node, keys: [], aggregates });
  }

  orderBy(...order: Expr[]): DataFrame {
    return this.derive({ kind: 'orderBy', child: this.node, order });
  }

  limit(n: number): DataFrame {
    if (!Number.isInteger(n) || n < 0) throw deltaError('DELTA_INVALID_ARGUMENT', `limit must be a non-negative integer, got ${n}`);
    return this.derive({ kind: 'limit', child: this.node, n });
  }

  /** Rows of both frames, matched by position (Spark's union); `unionByName` matches by name. */
  union(other: DataFrame): DataFrame {
    return this.derive({ kind: 'union', left: this.node, right: other.node, byName: false });
  }

  unionByName(other: DataFrame): DataFrame {
    return this.derive({ kind: 'union', left: this.node, right: other.node, byName: true });
  }

  distinct(): DataFrame {
    return this.derive({ kind: 'distinct', child: this.node });
  }

  /**
   * Named aggregates over the frame's rows at this point (`{ rows: 'count(*)', bad:
   * 'count_if(ip IS NULL)' }`), computed when an action runs and handed to `observation`
   * (Spark's observable metrics). The rows pass through unchanged.
   */
  observe(observation: Observation, metrics: Readonly<Record<string, Expr>>): DataFrame {
    if (Object.keys(metrics).length === 0) throw deltaError('DELTA_INVALID_ARGUMENT', `observe('${observation.name}') needs at least one metric`);
    return this.derive({ kind: 'observe', child: this.node, observation, metrics });
  }

  /** The SQL this frame runs. */
  toSql(): string {
    return compile(this.node);
  }

  /**
   * The frame with each function API run and replaced by a query of its result, and what
   * releases those results. Frames without function APIs are returned as they are.
   */
  private async materialize(): Promise<{ frame: DataFrame; release(): Promise<void> }> {
    if (!hasFunction(this.node)) return { frame: this, release: async () => {} };
    const { runFunctionApi } = await import('../udf/function-apis.js');
    const made: { drop(): Promise<void> }[] = [];
    const reader = {
      batches: (sql: string) => new DataFrame(this.runner, { kind: 'sql', query: sql }, undefined, this.conf),
      chunks: (sql: string) => new DataFrame(this.runner, { kind: 'sql', query: sql }, undefined, this.conf).dataChunks(),
      empty: (sql: string) => new DataFrame(this.runner, { kind: 'sql', query: `SELECT * FROM (${sql}) AS q LIMIT 0` }, undefined, this.conf).toArrow(),
      plan: async (sql: string) => this.runner.planQuery?.(sql, { conf: this.conf }),
    };
    const resolve = async (n: Node): Promise<Node> => {
      if (n.kind !== 'function') return mapChildren(n, resolve);
      const inputs = await Promise.all(n.inputs.map(resolve));
      // The lake's conf, then the frame's.
      const conf = { ...this.runner.conf, ...this.conf };
      const workers = n.api.workers ?? (conf['loch.udf.workers'] === undefined ? undefined : Number(conf['loch.udf.workers']));
      const table = await runFunctionApi({ ...n.api, ...(workers === undefined ? {} : { workers }), maxRecordsPerBatch: maxRecordsPerBatch(confOf(conf)) }, inputs.map((i) => compile(i)), reader);
      made.push(table);
      return { kind: 'sql', query: table.query };
    };
    const release = async () => {
      for (const t of made.splice(0)) await t.drop();
    };
    try {
      return { frame: new DataFrame(this.runner, await resolve(this.node), this.given, this.conf), release };
    } catch (e) {
      await release();
      throw e;
    }
  }

  private async run(prefix = ''): Promise<StatementResult> {
    const { frame, release } = await this.materialize();
    try {
      return await frame.runSql(prefix);
    } finally {
      await release();
    }
  }

  private async runSql(prefix: string): Promise<StatementResult> {
    // Observed metrics run in the same session, after the query, each over its frame's rows.
    const observed = prefix === '' ? observations(this.node) : [];
    const metricQueries = observed.map((o) => `;\nSELECT ${Object.entries(o.metrics).map(([name, e]) => `${e} AS ${sparkIdent(name)}`).join(', ')} FROM (${compile(o.child)}) AS q1`);
    const results = await this.runner.sql(`${prefix}${this.toSql()}${metricQueries.join('')}`, { conf: this.conf });
    observed.forEach((o, i) => o.observation.fulfil({ ...results[results.length - observed.length + i].rows[0] }));
    return results[results.length - 1 - observed.length];
  }

  /** Rows in Loch's JSON encoding. */
  async toRows(): Promise<Row[]> {
    return [...(await this.run()).rows];
  }

  async toArrow(): Promise<Table> {
    return (await this.run()).toArrow();
  }

  /** Rows and the per-scan metrics (files scanned and pruned). */
  async collect(): Promise<StatementResult> {
    return this.run();
  }

  /** The plan: pruning decisions per Delta scan, then DuckDB's plan. */
  async explain(): Promise<string> {
    const r = await this.run('EXPLAIN ');
    return r.rows.map((row) => Object.values(row).join('\n')).join('\n');
  }

  /**
   * The rows as Apache Arrow record batches, as DuckDB produces them (`for await (const batch of
   * df)`): memory stays flat whatever the size of the result.
   */
  async *[Symbol.asyncIterator](): AsyncGenerator<RecordBatch> {
    const { frame, release } = await this.materialize();
    try {
      for await (const r of this.runner.sqlStream(frame.toSql(), { conf: this.conf, stream: true })) {
        if (r.stream) yield* r.stream.batches();
      }
    } finally {
      await release();
    }
  }

  /** The rows as DuckDB's own data chunks (a grouped map on the calling thread reads its groups from them in bulk). */
  private async *dataChunks(): AsyncGenerator<DuckDBDataChunk> {
    for await (const r of this.runner.sqlStream(this.toSql(), { conf: this.conf, stream: true })) {
      if (r.stream) yield* r.stream.dataChunks();
    }
  }

  /** The rows in Loch's JSON encoding, one DuckDB chunk (up to 2048 rows) at a time, in flat memory. */
  async *rowBatches(): AsyncGenerator<Row[]> {
    const { frame, release } = await this.materialize();
    try {
      for await (const r of this.runner.sqlStream(frame.toSql(), { conf: this.conf, stream: true })) {
        if (r.stream) yield* r.stream.rowBatches();
      }
    } finally {
      await release();
    }
  }
}

/** 32 bits of FNV-1a over a text, in hex: a short name that depends only on the text. */
function hashText(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}

/** SQL for a frame: each operation wraps the one below it in a subquery, named by its depth. */
function compile(n: Node, depth = 0): string {
  const sub = (child: Node) => `(${compile(child, depth + 1)}) AS q${depth + 1}`;
  switch (n.kind) {
    case 'table': {
      const at = n.asOf?.version !== undefined ? ` VERSION AS OF ${n.asOf.version}` : n.asOf?.timestamp !== undefined ? ` TIMESTAMP AS OF ${sparkString(n.asOf.timestamp)}` : '';
      return `SELECT * FROM ${n.ref}${at}`;
    }
    case 'sql':
      return n.query;
    case 'filter':
      return `SELECT * FROM ${sub(n.child)} WHERE ${n.condition}`;
    case 'select':
      return `SELECT ${n.columns.join(', ')} FROM ${sub(n.child)}`;
    case 'withColumn': {
      // Every other column, then the new value: works whether or not the column exists yet.
      return `SELECT COLUMNS(c -> lower(c) <> ${sparkString(n.name.toLowerCase())}), ${n.expr} AS ${sparkIdent(n.name)} FROM ${sub(n.child)}`;
    }
    case 'join': {
      const kind = { inner: 'INNER JOIN', left: 'LEFT JOIN', right: 'RIGHT JOIN', full: 'FULL OUTER JOIN', semi: 'SEMI JOIN', anti: 'ANTI JOIN', cross: 'CROSS JOIN' }[n.how];
      const left = `(${compile(n.left, depth + 1)}) AS ${sparkIdent(n.leftAlias)}`;
      const right = `(${compile(n.right, depth + 1)}) AS ${sparkIdent(n.rightAlias)}`;
      const on = n.how === 'cross' ? '' : Array.isArray(n.on) ? ` USING (${(n.on as string[]).map(sparkIdent).join(', ')})` : ` ON ${n.on as string}`;
      const hint = n.hint ? `/*+ ${n.hint.toUpperCase()}(${sparkIdent(n.rightAlias)}) */ ` : '';
      return `SELECT ${hint}* FROM ${left} ${kind} ${right}${on}`;
    }
    case 'aggregate': {
      const aggs = Object.entries(n.aggregates).map(([name, e]) => `${e} AS ${sparkIdent(name)}`);
      return `SELECT ${[...n.keys, ...aggs].join(', ')} FROM ${sub(n.child)}${n.keys.length ? ` GROUP BY ${n.keys.join(', ')}` : ''}`;
    }
    case 'orderBy':
      return `SELECT * FROM ${sub(n.child)} ORDER BY ${n.order.join(', ')}`;
    case 'limit':
      return `SELECT * FROM ${sub(n.child)} LIMIT ${n.n}`;
    case 'union':
      return `SELECT * FROM ((${compile(n.left, depth + 1)}) UNION ALL ${n.byName ? 'BY NAME ' : ''}(${compile(n.right, depth + 1)}))`;
    case 'distinct':
      return `SELECT DISTINCT * FROM ${sub(n.child)}`;
    case 'observe':
      return `SELECT * FROM ${sub(n.child)}`;
    case 'function':
      // Not SQL DuckDB runs: the function's result replaces this before the query runs.
      return `SELECT * FROM ${n.api.kind}(${n.inputs.map((i) => `(${compile(i, depth + 1)})`).join(', ')})`;
  }
}

/** Whether a frame's tree has a function API anywhere. */
function hasFunction(n: Node): boolean {
  if (n.kind === 'function') return true;
  return 'child' in n ? hasFunction(n.child) : n.kind === 'join' || n.kind === 'union' ? hasFunction(n.left) || hasFunction(n.right) : false;
}

/** A node with its children replaced by `f` of them. */
async function mapChildren(n: Node, f: (child: Node) => Promise<Node>): Promise<Node> {
  if ('child' in n) return { ...n, child: await f(n.child) } as Node;
  if (n.kind === 'join' || n.kind === 'union') return { ...n, left: await f(n.left), right: await f(n.right) };
  return n;
}

const workersOf = (o: FunctionApiOptions) => (o.workers === undefined ? {} : { workers: o.workers });

function schemaOf(schema: string | StructType): StructType {
  return typeof schema === 'string' ? parseSchemaDdl(schema) : schema;
}

/**
 * A frame grouped by keys (`df.groupBy('ticker')`): aggregates, a function per group, or the
 * groups of two frames together.
 */
export class GroupedData {
  constructor(
    /** @internal */ readonly frame: DataFrame,
    /** @internal */ readonly keys: readonly Expr[],
    private readonly aggregate: (aggregates: Readonly<Record<string, Expr>>) => DataFrame,
  ) {}

  /** Named aggregates per group: `agg({ total: 'sum(amount)' })`. */
  agg(aggregates: Readonly<Record<string, Expr>>): DataFrame {
    return this.aggregate(aggregates);
  }

  /**
   * Spark's grouped map: `fn` gets each group's rows as an Arrow table and returns a table (or a
   * record batch) with the columns of `schema` (Spark's DDL). Groups come in key order, NULL
   * keys together; the results are the frame's rows in that order. A function given by module
   * (FunctionRef) runs on worker threads, groups spread over them (`options.workers`, else conf
   * `loch.udf.workers`, else one per core but one); a closure runs on the calling thread.
   */
  applyInArrow(fn: GroupedMapFunction | FunctionRef, schema: string | StructType, options: FunctionApiOptions = {}): DataFrame {
    return this.frame.withFunction({ kind: 'applyInArrow', keys: this.keys, fn, schema: schemaOf(schema), ...workersOf(options) }, []);
  }

  /** The groups of this frame and `other` together, by key (the first key with the first, ...): `.applyInArrow(fn, schema)`. */
  cogroup(other: GroupedData): { applyInArrow(fn: CoGroupedMapFunction | FunctionRef, schema: string | StructType, options?: FunctionApiOptions): DataFrame } {
    return {
      applyInArrow: (fn, schema, options = {}) =>
        this.frame.withFunction({ kind: 'cogroup', keys: this.keys, otherKeys: other.keys, fn, schema: schemaOf(schema), ...workersOf(options) }, [other.frame]),
    };
  }
}

/** `sales.orders` as its parts; text that is not a dotted name of plain words is one name, as written. */
function nameParts(name: string): string[] {
  const parts = name.split('.');
  return parts.length <= 3 && parts.every((p) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(p)) ? parts : [name];
}

/** The observe nodes of a frame's tree, innermost first. */
function observations(n: Node): Extract<Node, { kind: 'observe' }>[] {
  const children = 'child' in n ? [n.child] : n.kind === 'join' || n.kind === 'union' ? [n.left, n.right] : [];
  const inner = children.flatMap(observations);
  return n.kind === 'observe' ? [...inner, n] : inner;
}
