/**
 * A small predicate language over a table's logical columns: enough to decide which files a scan
 * can leave out (partition pruning, data skipping). Anything it cannot express is `unknown`, and
 * an unknown part never prunes a file. Comparison semantics are SQL's (and DuckDB's): three-valued
 * logic, a comparison with NULL is NULL.
 */

/** A column by its logical name path: `['a']`, or `['s', 'x']` for field x of struct column s. */
export interface ColumnRef {
  readonly kind: 'column';
  readonly path: readonly string[];
}

/**
 * A typed literal. `number` is a DOUBLE; `bigint` an exact integer; `decimal` an exact decimal's
 * text; `date` is `YYYY-MM-DD`; `timestamp` (an instant) and `timestamp_ntz` (a wall-clock time)
 * are microseconds since the epoch.
 */
export type Literal =
  | { readonly kind: 'literal'; readonly type: 'null' }
  | { readonly kind: 'literal'; readonly type: 'boolean'; readonly value: boolean }
  | { readonly kind: 'literal'; readonly type: 'number'; readonly value: number }
  | { readonly kind: 'literal'; readonly type: 'bigint'; readonly value: bigint }
  | { readonly kind: 'literal'; readonly type: 'decimal'; readonly value: string }
  | { readonly kind: 'literal'; readonly type: 'string'; readonly value: string }
  | { readonly kind: 'literal'; readonly type: 'date'; readonly value: string }
  | { readonly kind: 'literal'; readonly type: 'timestamp'; readonly value: bigint }
  | { readonly kind: 'literal'; readonly type: 'timestamp_ntz'; readonly value: bigint };

export type Operand = ColumnRef | Literal;

export type CompareOp = '=' | '<>' | '<' | '<=' | '>' | '>=';

export type Predicate =
  | { readonly kind: 'compare'; readonly op: CompareOp; readonly left: Operand; readonly right: Operand }
  /** `value IN (list)`: the same as `value = l1 OR value = l2 ...`, NULLs included. */
  | { readonly kind: 'in'; readonly value: Operand; readonly list: readonly Operand[] }
  /** `value BETWEEN low AND high`: the same as `value >= low AND value <= high`. */
  | { readonly kind: 'between'; readonly value: Operand; readonly low: Operand; readonly high: Operand }
  | { readonly kind: 'isNull'; readonly value: Operand; readonly negated: boolean }
  /** `value LIKE pattern` (case-sensitive, no escape character). Only `'prefix%'` can prune. */
  | { readonly kind: 'like'; readonly value: Operand; readonly pattern: string }
  | { readonly kind: 'and'; readonly children: readonly Predicate[] }
  | { readonly kind: 'or'; readonly children: readonly Predicate[] }
  | { readonly kind: 'not'; readonly child: Predicate }
  /** A constant truth value: TRUE, FALSE or NULL. */
  | { readonly kind: 'constant'; readonly value: boolean | null }
  /** Something the kernel does not model: it may be true, false or null for any row. */
  | { readonly kind: 'unknown'; readonly reason?: string };

// ---- builders ----

export const col = (...path: string[]): ColumnRef => ({ kind: 'column', path });

/** A literal from a JS value: null, boolean, number (DOUBLE), bigint, string. */
export function lit(value: null | boolean | number | bigint | string): Literal {
  if (value === null) return { kind: 'literal', type: 'null' };
  switch (typeof value) {
    case 'boolean':
      return { kind: 'literal', type: 'boolean', value };
    case 'number':
      return { kind: 'literal', type: 'number', value };
    case 'bigint':
      return { kind: 'literal', type: 'bigint', value };
    default:
      return { kind: 'literal', type: 'string', value };
  }
}

export const decimalLit = (value: string): Literal => ({ kind: 'literal', type: 'decimal', value });
export const dateLit = (value: string): Literal => ({ kind: 'literal', type: 'date', value });
export const timestampLit = (micros: bigint): Literal => ({ kind: 'literal', type: 'timestamp', value: micros });
export const timestampNtzLit = (micros: bigint): Literal => ({ kind: 'literal', type: 'timestamp_ntz', value: micros });

const operand = (v: Operand | null | boolean | number | bigint | string): Operand =>
  v !== null && typeof v === 'object' ? v : lit(v);
type In = Operand | null | boolean | number | bigint | string;

export const compare = (op: CompareOp, left: In, right: In): Predicate => ({ kind: 'compare', op, left: operand(left), right: operand(right) });
export const eq = (l: In, r: In) => compare('=', l, r);
export const ne = (l: In, r: In) => compare('<>', l, r);
export const lt = (l: In, r: In) => compare('<', l, r);
export const le = (l: In, r: In) => compare('<=', l, r);
export const gt = (l: In, r: In) => compare('>', l, r);
export const ge = (l: In, r: In) => compare('>=', l, r);
export const inList = (value: In, list: readonly In[]): Predicate => ({ kind: 'in', value: operand(value), list: list.map(operand) });
export const between = (value: In, low: In, high: In): Predicate => ({ kind: 'between', value: operand(value), low: operand(low), high: operand(high) });
export const isNull = (value: In): Predicate => ({ kind: 'isNull', value: operand(value), negated: false });
export const isNotNull = (value: In): Predicate => ({ kind: 'isNull', value: operand(value), negated: true });
export const like = (value: In, pattern: string): Predicate => ({ kind: 'like', value: operand(value), pattern });
export const and = (...children: Predicate[]): Predicate => ({ kind: 'and', children });
export const or = (...children: Predicate[]): Predicate => ({ kind: 'or', children });
export const not = (child: Predicate): Predicate => ({ kind: 'not', child });
export const constant = (value: boolean | null): Predicate => ({ kind: 'constant', value });
export const unknown = (reason?: string): Predicate => ({ kind: 'unknown', reason });

/** The column paths a predicate reads (each once, in order of appearance). */
export function referencedColumns(p: Predicate): ColumnRef[] {
  const out = new Map<string, ColumnRef>();
  const add = (o: Operand) => {
    if (o.kind === 'column') out.set(JSON.stringify(o.path), o);
  };
  const walk = (q: Predicate): void => {
    switch (q.kind) {
      case 'compare':
        add(q.left);
        add(q.right);
        break;
      case 'in':
        add(q.value);
        q.list.forEach(add);
        break;
      case 'between':
        add(q.value);
        add(q.low);
        add(q.high);
        break;
      case 'isNull':
      case 'like':
        add(q.value);
        break;
      case 'and':
      case 'or':
        q.children.forEach(walk);
        break;
      case 'not':
        walk(q.child);
        break;
    }
  };
  walk(p);
  return [...out.values()];
}

/** The literal prefix of a `LIKE` pattern of the form `'prefix%'` (no other wildcard); else undefined. */
export function likePrefix(pattern: string): string | undefined {
  if (!pattern.endsWith('%')) return undefined;
  const prefix = pattern.replace(/%+$/, '');
  if (/[%_\\]/.test(prefix)) return undefined;
  return prefix;
}
