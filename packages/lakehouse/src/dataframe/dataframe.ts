import { deltaError } from '@loch/delta';
import type { RecordBatch, Table } from 'apache-arrow';
import type { Row } from '../scan/execute.js';
import { sparkIdent, sparkString } from '../sql/parse/lexer.js';
import type { StatementResult } from '../sql/run/result.js';
import type { Observation } from './observation.js';

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
  sql(text: string, options?: { conf?: Readonly<Record<string, string>> }): Promise<StatementResult[]>;
  sqlStream(text: string, options?: { conf?: Readonly<Record<string, string>>; stream?: boolean }): AsyncGenerator<StatementResult>;
}

type Node =
  | { readonly kind: 'table'; readonly ref: string; readonly asOf?: { version?: number; timestamp?: string } }
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
  | { readonly kind: 'observe'; readonly child: Node; readonly observation: Observation; readonly metrics: Readonly<Record<string, Expr>> };

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
    if (nameOrPath.includes('/')) return new DataFrame(runner, { kind: 'table', ref: `delta.\`${nameOrPath.replaceAll('`', '``')}\`` });
    const parts = nameParts(nameOrPath);
    return new DataFrame(runner, { kind: 'table', ref: parts.map(sparkIdent).join('.') }, parts[parts.length - 1]);
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

  groupBy(...keys: Expr[]): { agg(aggregates: Readonly<Record<string, Expr>>): DataFrame } {
    return { agg: (aggregates) => this.derive({ kind: 'aggregate', child: this.node, keys, aggregates }) };
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

  private async run(prefix = ''): Promise<StatementResult> {
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
    for await (const r of this.runner.sqlStream(this.toSql(), { conf: this.conf, stream: true })) {
      if (r.stream) yield* r.stream.batches();
    }
  }

  /** The rows in Loch's JSON encoding, one DuckDB chunk (up to 2048 rows) at a time, in flat memory. */
  async *rowBatches(): AsyncGenerator<Row[]> {
    for await (const r of this.runner.sqlStream(this.toSql(), { conf: this.conf, stream: true })) {
      if (r.stream) yield* r.stream.rowBatches();
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
