/**
 * A `--where` predicate (DuckDB SQL) as the kernel's predicate AST, parsed by DuckDB itself:
 * `json_serialize_sql('SELECT * FROM t WHERE ' || where)` gives the parse tree. Comparisons,
 * IN, BETWEEN, IS [NOT] NULL, LIKE / starts_with, AND/OR/NOT over columns and constants are
 * translated; anything else becomes `unknown`, which never prunes a file. Columns are resolved
 * against the table schema case-insensitively; a column DuckDB would not find is unknown too.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { expr, resolveColumn, type CompareOp, type DataType, type Literal, type Operand, type Predicate, type PruningTable } from '@loch/delta';
import { literalsFor } from './constants.js';
import { isNode, nodes, serializeSql, str, type DuckNode } from './duck-json.js';

/** The alias execute.ts gives the scanned rows (`FROM (...) AS t`): `t.col` names a column. */
const ROW_ALIAS = 't';

const COMPARE: Record<string, CompareOp> = {
  COMPARE_EQUAL: '=',
  COMPARE_NOTEQUAL: '<>',
  COMPARE_LESSTHAN: '<',
  COMPARE_LESSTHANOREQUALTO: '<=',
  COMPARE_GREATERTHAN: '>',
  COMPARE_GREATERTHANOREQUALTO: '>=',
};

/**
 * Parses `where` with DuckDB and translates it (`parsed`: its tree as `SELECT * FROM t WHERE ...`,
 * when the caller has it already). Never throws for a predicate it cannot model:
 * the result is then (partly) `unknown`. A predicate DuckDB cannot parse gives `unknown`
 * (the query itself will report the error).
 */
export async function wherePredicate(c: DuckDBConnection, where: string, table: PruningTable, parsed?: DuckNode): Promise<Predicate> {
  let tree: DuckNode | undefined = parsed;
  try {
    tree ??= await serializeSql(c, `SELECT * FROM ${ROW_ALIAS} WHERE ${where}`);
  } catch {
    return expr.unknown('DuckDB could not parse the predicate');
  }
  const statements = nodes(tree?.statements);
  const node = statements.length === 1 && isNode(statements[0].node) ? statements[0].node : undefined;
  // Text like "x = 1) UNION SELECT ..." parses into another shape: then prune nothing.
  if (
    !tree || !node || str(node.type) !== 'SELECT_NODE' || !isNode(node.where_clause) ||
    (Array.isArray(node.modifiers) && node.modifiers.length > 0) ||
    (Array.isArray(node.group_expressions) && node.group_expressions.length > 0) ||
    isNode(node.having) || isNode(node.qualify) ||
    !isNode(node.from_table) || str(node.from_table.type) !== 'BASE_TABLE' || str(node.from_table.table_name) !== ROW_ALIAS
  ) {
    return expr.unknown('not a plain predicate');
  }
  return new Translator(c, tree, table).predicate(node.where_clause);
}

interface ColumnOperand {
  readonly ref: Operand & { kind: 'column' };
  readonly type: DataType;
}

class Translator {
  constructor(
    private readonly c: DuckDBConnection,
    private readonly statement: DuckNode,
    private readonly table: PruningTable,
  ) {}

  async predicate(n: DuckNode): Promise<Predicate> {
    const kind = str(n.class);
    const type = str(n.type);
    switch (kind) {
      case 'CONJUNCTION': {
        const children = await Promise.all(nodes(n.children).map((ch) => this.predicate(ch)));
        if (type === 'CONJUNCTION_AND') return expr.and(...children);
        if (type === 'CONJUNCTION_OR') return expr.or(...children);
        return expr.unknown(type);
      }
      case 'OPERATOR': {
        const children = nodes(n.children);
        switch (type) {
          case 'OPERATOR_NOT':
            return children.length === 1 ? expr.not(await this.predicate(children[0])) : expr.unknown(type);
          case 'OPERATOR_IS_NULL':
          case 'OPERATOR_IS_NOT_NULL': {
            const col = children.length === 1 ? this.column(children[0]) : undefined;
            if (!col) return expr.unknown(type);
            return type === 'OPERATOR_IS_NULL' ? expr.isNull(col.ref) : expr.isNotNull(col.ref);
          }
          case 'COMPARE_IN':
          case 'COMPARE_NOT_IN': {
            const [value, ...list] = children;
            const col = value ? this.column(value) : undefined;
            if (!col || list.length === 0) return expr.unknown(type);
            const lits = await literalsFor(this.c, this.statement, list, col.type);
            if (lits.some((l) => l === undefined)) return expr.unknown(`${type} with a non-constant`);
            const p = expr.inList(col.ref, lits as Literal[]);
            return type === 'COMPARE_IN' ? p : expr.not(p);
          }
          default:
            return expr.unknown(type);
        }
      }
      case 'COMPARISON': {
        const op = type ? COMPARE[type] : undefined;
        if (!op || !isNode(n.left) || !isNode(n.right)) return expr.unknown(type);
        return this.comparison(op, n.left, n.right);
      }
      case 'BETWEEN': {
        if (!isNode(n.input) || !isNode(n.lower) || !isNode(n.upper)) return expr.unknown(type);
        const col = this.column(n.input);
        if (!col) return expr.unknown('BETWEEN over an expression');
        const [low, high] = await literalsFor(this.c, this.statement, [n.lower, n.upper], col.type);
        if (!low || !high) return expr.unknown('BETWEEN with a non-constant bound');
        return expr.between(col.ref, low, high);
      }
      case 'FUNCTION':
        return this.fn(n);
      case 'COLUMN_REF': {
        // A boolean column on its own: `WHERE active`.
        const col = this.column(n);
        if (col?.type.kind === 'primitive' && col.type.name === 'boolean') return expr.eq(col.ref, expr.lit(true));
        return expr.unknown('a non-boolean column as a predicate');
      }
      case 'CONSTANT':
      case 'CAST': {
        const [l] = await literalsFor(this.c, this.statement, [n], undefined);
        if (l?.type === 'null') return expr.constant(null);
        if (l?.type === 'boolean') return expr.constant(l.value);
        return expr.unknown(`${kind} predicate`);
      }
      default:
        return expr.unknown(kind);
    }
  }

  private async comparison(op: CompareOp, left: DuckNode, right: DuckNode): Promise<Predicate> {
    const lc = this.column(left);
    const rc = this.column(right);
    if (lc && rc) return expr.unknown('column compared with column');
    const col = lc ?? rc;
    if (!col) return expr.unknown('comparison without a plain column');
    const [lit] = await literalsFor(this.c, this.statement, [lc ? right : left], col.type);
    if (!lit) return expr.unknown('comparison with a non-constant');
    return lc ? expr.compare(op, col.ref, lit) : expr.compare(op, lit, col.ref);
  }

  private async fn(n: DuckNode): Promise<Predicate> {
    const name = str(n.function_name)?.toLowerCase();
    const children = nodes(n.children);
    const like = async (negated: boolean, prefixOnly: boolean): Promise<Predicate> => {
      if (children.length !== 2) return expr.unknown(name);
      const col = this.column(children[0]);
      if (!col || col.type.kind !== 'primitive' || col.type.name !== 'string') return expr.unknown(`${name} over a non-string column`);
      const [pattern] = await literalsFor(this.c, this.statement, [children[1]], col.type);
      if (pattern?.type !== 'string') return expr.unknown(`${name} with a non-constant pattern`);
      let p: Predicate;
      if (prefixOnly) {
        // starts_with(s, p): a LIKE 'p%' only when p has no wildcard characters of its own.
        if (/[%_\\]/.test(pattern.value)) return expr.unknown('starts_with with wildcard characters');
        p = expr.like(col.ref, `${pattern.value}%`);
      } else {
        p = expr.like(col.ref, pattern.value);
      }
      return negated ? expr.not(p) : p;
    };
    switch (name) {
      case '~~':
        return like(false, false);
      case '!~~':
        return like(true, false);
      case 'starts_with':
      case 'prefix':
        return like(false, true);
      default:
        return expr.unknown(`function ${name}`);
    }
  }

  /** A COLUMN_REF naming a table column (or a struct field), with its type; undefined otherwise. */
  private column(n: DuckNode): ColumnOperand | undefined {
    if (str(n.class) !== 'COLUMN_REF' || !Array.isArray(n.column_names)) return undefined;
    let names = n.column_names.filter((x): x is string => typeof x === 'string');
    if (names.length !== n.column_names.length || names.length === 0) return undefined;
    if (names.length > 1 && names[0].toLowerCase() === ROW_ALIAS) {
      // `t.x` is column x of the scanned rows, unless the table has a column named t (ambiguous).
      if (resolveColumn(this.table, [names[0]])) return undefined;
      names = names.slice(1);
    }
    const resolved = resolveColumn(this.table, names);
    if (!resolved || resolved.type.kind === 'struct' || resolved.type.kind === 'array' || resolved.type.kind === 'map') return undefined;
    return { ref: expr.col(...names), type: resolved.type };
  }
}
