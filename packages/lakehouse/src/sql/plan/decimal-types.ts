/**
 * Spark's result types for decimal arithmetic and aggregates, imposed on a DuckDB query: `sum` of
 * a decimal(p, s) is decimal(p + 10, s) (DuckDB: decimal(38, s)), `avg` decimal(p + 4, s + 4)
 * exactly (DuckDB: a DOUBLE), `sum` of integers a bigint, and `+ - * / %` over decimals Spark's
 * precision and scale with its exact, half-up rounded values (DuckDB's division is a DOUBLE, and
 * its products overflow where Spark rounds).
 *
 * The types come from DuckDB itself. The query's parse tree names the candidates (those calls and
 * operators); a copy of the query whose aggregate arguments are wrapped in `-(-x)` (so that each
 * has a location in the bound plan) is bound with `json_serialize_plan`, which gives each
 * operand's type. Spark's rules (decimal-rules.ts) then give each candidate's type, from the
 * innermost out, and the tree is rewritten with casts to those types and, where DuckDB cannot
 * compute the value exactly, the `__loch_decimal` function (decimal-functions.ts).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { JsonNumber, type ExactJson } from '@loch/delta';
import { sqlString } from '@loch/engine-node';
import { isPunct, isWord, significant, tokenize, type Token } from '../parse/lexer.js';
import { deserializeMany, deserializeSql, isNode, nodes, serializeSql, str, type DuckNode } from '../../planner/duck-json.js';
import { DECIMAL_FUNCTION, DIVIDE_FUNCTION, ensureDecimalFunction } from './decimal-functions.js';
import { ALLOW_PRECISION_LOSS, avgType, integralDecimal, literalDecimal, resultType, sumType, type Decimal, type DecimalOperator } from './decimal-rules.js';

type Mutable = { [key: string]: ExactJson };

const AGGREGATES = new Set(['sum', 'avg', 'mean']);
const OPERATORS = new Set(['+', '-', '*', '/', '%', '//']);

/** What one operand or candidate is, as far as Spark's decimal rules care. */
type Kind = { readonly kind: 'decimal'; readonly type: Decimal } | { readonly kind: 'integral'; readonly bits: 8 | 16 | 32 | 64 | 128 } | { readonly kind: 'other' };

interface Candidate {
  readonly node: Mutable;
  readonly kind: 'aggregate' | 'operator';
  /** Puts a replacement where the node is. */
  readonly replace: (n: ExactJson) => void;
  /** Whether the node is a whole SELECT item without an alias (its column name must stay). */
  readonly selectItem: boolean;
}

/** Whether a query may need Spark's decimal typing: it computes with numbers and may see decimals. */
export function mayNeedDecimalTyping(sql: string, decimalsInTables: boolean): boolean {
  const tokens = significant(tokenize(sql));
  let computes = false;
  let decimals = decimalsInTables;
  tokens.forEach((t, i) => {
    if (t.kind === 'punct' && '+-/%'.includes(t.text)) computes = true;
    // `*` multiplies unless it is SELECT *, t.*, count(*) or * EXCLUDE (...).
    else if (isPunct(t, '*') && !(isWord(tokens[i - 1], 'SELECT', 'DISTINCT', 'ALL') || isPunct(tokens[i - 1], '.') || isPunct(tokens[i - 1], '(') || isPunct(tokens[i - 1], ','))) computes = true;
    else if (isWord(t, 'sum', 'avg', 'mean') && isPunct(tokens[i + 1], '(')) computes = true;
    else if ((t.kind === 'number' && t.text.includes('.') && !/[eE]/.test(t.text)) || isWord(t, 'decimal', 'numeric', 'dec')) decimals = true;
  });
  // Spark's div (`//` here) is a bigint whatever its operands.
  return computes && (decimals || sql.includes('//'));
}

/** `sql` with Spark's decimal result types; `sql` as it is when there is nothing to type or DuckDB cannot bind it. */
export async function sparkDecimalTypes(c: DuckDBConnection, sql: string, conf: ReadonlyMap<string, string> = new Map()): Promise<string> {
  const allowPrecisionLoss = conf.get(ALLOW_PRECISION_LOSS)?.trim().toLowerCase() !== 'false';
  const tree = await serializeSql(c, sql).catch(() => undefined);
  if (!tree) return sql;
  const candidates = collect(tree);
  if (candidates.length === 0) return sql;
  const kinds = await operandKinds(c, sql, candidates);
  if (!kinds) return sql;
  const tpl = await templates(c);
  const typed = new Map<Mutable, Kind>();
  const named: { replacement: Mutable; original: Mutable }[] = [];
  let changed = false;
  for (const cand of candidates) {
    // Printed before the rewrite reaches inside it: the name is the expression as written.
    const original = cand.selectItem ? (clone(cand.node, () => undefined) as Mutable) : cand.node;
    const replacement = await rewrite(c, cand, kinds, typed, tpl, allowPrecisionLoss);
    if (!replacement) continue;
    // The expression's alias moves to what replaces it.
    replacement.alias = cand.node.alias ?? '';
    changed = true;
    cand.replace(replacement);
    if (cand.selectItem) named.push({ replacement, original });
  }
  if (!changed) return sql;
  await ensureDecimalFunction(c);
  // A rewritten SELECT item keeps the name DuckDB (and Spark) gives the expression as written.
  const texts = await deserializeMany(c, named.map((n) => selectOf(tpl.select, n.original)));
  named.forEach((n, i) => {
    const text = texts[i];
    if (text !== undefined) n.replacement.alias = text.replace(/^SELECT /, '');
  });
  return (await deserializeSql(c, tree)) ?? sql;
}

/** The candidates of a parse tree, innermost first (a candidate's operands come before it). */
function collect(tree: DuckNode): Candidate[] {
  const out: Candidate[] = [];
  const visit = (v: ExactJson, replace: (n: ExactJson) => void, selectItem: boolean) => {
    if (Array.isArray(v)) {
      v.forEach((x, i) => visit(x, (n) => (v[i] = n), false));
      return;
    }
    if (!isNode(v)) return;
    const node = v as Mutable;
    for (const key of Object.keys(node)) {
      const child = node[key];
      if (key === 'select_list' && Array.isArray(child)) child.forEach((x, i) => visit(x, (n) => (child[i] = n), isNode(x) && str(x.alias) === ''));
      else visit(child, (n) => (node[key] = n), false);
    }
    const fn = str(node.function_name)?.toLowerCase();
    const args = nodes(node.children);
    let kind: Candidate['kind'] | undefined;
    if ((node.class === 'FUNCTION' && node.is_operator !== true) || node.class === 'WINDOW') {
      if (fn !== undefined && AGGREGATES.has(fn) && args.length === 1) kind = 'aggregate';
    } else if (node.class === 'FUNCTION' && fn !== undefined && OPERATORS.has(fn) && args.length === 2) kind = 'operator';
    if (kind) out.push({ node, kind, selectItem, replace });
  };
  visit(tree, () => undefined, false);
  return out;
}

/**
 * Per candidate, the DuckDB types of what it computes on: an aggregate's argument, an operator's
 * two operands. Undefined when DuckDB cannot bind the query (it will say why when it runs).
 */
async function operandKinds(c: DuckDBConnection, sql: string, candidates: readonly Candidate[]): Promise<Map<Mutable, Kind[]> | undefined> {
  const typing = typingText(sql, candidates);
  let plan: unknown;
  try {
    const r = await c.runAndReadAll(`SELECT json_serialize_plan(${sqlString(typing.sql)})`);
    plan = JSON.parse(String(r.getRows()[0]?.[0] ?? 'null'));
  } catch {
    return undefined;
  }
  if (!plan || (plan as { error?: boolean }).error) return undefined;
  const bound = boundByLocation(plan);
  const out = new Map<Mutable, Kind[]>();
  for (const cand of candidates) {
    const at = typing.locations.get(cand.node);
    if (at === undefined) continue;
    if (cand.kind === 'aggregate') {
      const hit = bound.get(at)?.find((n) => fnName(n) === '-');
      if (hit) out.set(cand.node, [kindOf(typeOf(hit))]);
    } else {
      const op = str(cand.node.function_name);
      const hit = bound.get(at)?.find((n) => fnName(n) === op && Array.isArray(n.children) && n.children.length === 2);
      if (!hit) continue;
      const written = nodes(cand.node.children);
      // DuckDB casts operands to a common type; the type before its cast is the operand's own.
      out.set(
        cand.node,
        (hit.children as BoundNode[]).map((b, i) => kindOf(typeOf(b.expression_class === 'BOUND_CAST' && written[i]?.class !== 'CAST' ? (b.child ?? b) : b))),
      );
    }
  }
  return out;
}

/**
 * The query DuckDB binds to type the candidates, and where each candidate's typed expression is
 * in it. An operator's bound node keeps its place in the text; a bound aggregate keeps none, so
 * its argument is wrapped in `-(-x)` (same type and value), whose outer `-` does. The wrapping is
 * written into the text itself: the rest of the statement is neither printed again nor parsed
 * again, however large it is.
 */
function typingText(sql: string, candidates: readonly Candidate[]): { sql: string; locations: Map<Mutable, number> } {
  // DuckDB's locations count UTF-8 bytes; the tokens' offsets count UTF-16 code units.
  const tokens = significant(tokenize(sql));
  const bytes = byteOffsets(sql, tokens);
  const index = new Map(tokens.map((_, i) => [bytes.start[i], i]));
  const inserts: { at: number; byte: number; text: string; node?: Mutable }[] = [];
  for (const cand of candidates) {
    if (cand.kind !== 'aggregate') continue;
    const arg = argumentSpan(tokens, index.get(location(cand.node) ?? -1));
    if (!arg) continue;
    inserts.push({ at: tokens[arg.first].start, byte: bytes.start[arg.first], text: '-(-(', node: cand.node });
    inserts.push({ at: tokens[arg.last].end, byte: bytes.end[arg.last], text: '))' });
  }
  inserts.sort((x, y) => x.at - y.at);
  const parts: string[] = [];
  const locations = new Map<Mutable, number>();
  // Bytes inserted up to each insertion's place (the inserted text is ASCII).
  const shifts: { byte: number; shift: number }[] = [];
  let from = 0;
  let shift = 0;
  for (const ins of inserts) {
    parts.push(sql.slice(from, ins.at), ins.text);
    if (ins.node) locations.set(ins.node, ins.byte + shift);
    shift += ins.text.length;
    shifts.push({ byte: ins.byte, shift });
    from = ins.at;
  }
  parts.push(sql.slice(from));
  for (const cand of candidates) {
    const at = location(cand.node);
    if (cand.kind !== 'operator' || at === undefined) continue;
    let by = 0;
    for (const sh of shifts) if (sh.byte <= at) by = sh.shift;
    locations.set(cand.node, at + by);
  }
  return { sql: parts.join(''), locations };
}

/** Each token's start and end in UTF-8 bytes. */
function byteOffsets(sql: string, tokens: readonly Token[]): { start: number[]; end: number[] } {
  const start: number[] = [];
  const end: number[] = [];
  let chars = 0;
  let bytes = 0;
  const to = (at: number) => {
    bytes += Buffer.byteLength(sql.slice(chars, at));
    chars = at;
    return bytes;
  };
  for (const t of tokens) {
    start.push(to(t.start));
    end.push(to(t.end));
  }
  return { start, end };
}

/** A node's place in the statement's text; undefined for DuckDB's "no location". */
function location(n: Mutable): number | undefined {
  const loc = n.query_location;
  const at = loc instanceof JsonNumber ? Number(loc.text) : typeof loc === 'number' ? loc : NaN;
  return Number.isSafeInteger(at) ? at : undefined;
}

/**
 * The tokens of a one-argument call's argument, from the token that starts the call (its name,
 * maybe qualified or quoted): after `(` and a DISTINCT or ALL, up to the closing `)` or an
 * `ORDER BY` inside the call.
 */
function argumentSpan(tokens: readonly Token[], name: number | undefined): { first: number; last: number } | undefined {
  if (name === undefined) return undefined;
  let i = name;
  while (i < tokens.length && !isPunct(tokens[i], '(')) {
    if (!(tokens[i].kind === 'word' || tokens[i].kind === 'quoted' || isPunct(tokens[i], '.'))) return undefined;
    i++;
  }
  i++;
  if (isWord(tokens[i], 'DISTINCT', 'ALL')) i++;
  let depth = 0;
  for (let j = i; j < tokens.length; j++) {
    const t = tokens[j];
    if (isPunct(t, '(')) depth++;
    else if (isPunct(t, ')') && depth > 0) depth--;
    else if (depth === 0 && (isPunct(t, ')') || (isWord(t, 'ORDER') && isWord(tokens[j + 1], 'BY')))) return j > i ? { first: i, last: j - 1 } : undefined;
  }
  return undefined;
}

type BoundType = { id?: string; type_info?: { width?: number; scale?: number } | null };

interface BoundNode {
  readonly expression_class?: string;
  readonly query_location?: number;
  readonly return_type?: BoundType;
  /** A constant's value, with its type. */
  readonly value?: { type?: BoundType };
  readonly children?: BoundNode[];
  readonly child?: BoundNode;
  readonly function?: { name?: string };
  readonly name?: string;
}

const fnName = (n: BoundNode) => n.function?.name ?? n.name;
const typeOf = (n: BoundNode): BoundType | undefined => n.return_type ?? n.value?.type;

/** The bound plan's expressions by their location in the query text. */
function boundByLocation(plan: unknown): Map<number, BoundNode[]> {
  const out = new Map<number, BoundNode[]>();
  const visit = (v: unknown) => {
    if (Array.isArray(v)) return v.forEach(visit);
    if (!v || typeof v !== 'object') return;
    const n = v as BoundNode;
    if (n.expression_class && typeof n.query_location === 'number' && n.query_location < 2 ** 53) {
      const list = out.get(n.query_location) ?? [];
      list.push(n);
      out.set(n.query_location, list);
    }
    for (const x of Object.values(v)) visit(x);
  };
  visit(plan);
  return out;
}

const INTEGRAL: Readonly<Record<string, 8 | 16 | 32 | 64 | 128>> = {
  TINYINT: 8, UTINYINT: 16, SMALLINT: 16, USMALLINT: 32, INTEGER: 32, UINTEGER: 64, BIGINT: 64, UBIGINT: 128, HUGEINT: 128, UHUGEINT: 128,
};

function kindOf(t: BoundType | undefined): Kind {
  const id = t?.id;
  if (id === 'DECIMAL' && typeof t?.type_info?.width === 'number' && typeof t.type_info.scale === 'number') return { kind: 'decimal', type: { precision: t.type_info.width, scale: t.type_info.scale } };
  if (id !== undefined && INTEGRAL[id] !== undefined) return { kind: 'integral', bits: INTEGRAL[id] };
  return { kind: 'other' };
}

/** The replacement of a candidate with Spark's type, or undefined to leave it as DuckDB computes it. */
async function rewrite(c: DuckDBConnection, cand: Candidate, kinds: Map<Mutable, Kind[]>, typed: Map<Mutable, Kind>, tpl: Templates, allowPrecisionLoss: boolean): Promise<Mutable | undefined> {
  const node = cand.node;
  const given = kinds.get(node);
  if (!given) return undefined;
  const args = nodes(node.children) as Mutable[];
  // An operand rewritten before has the type it was given.
  const operand = (i: number): Kind => typed.get(args[i]) ?? given[i] ?? { kind: 'other' };
  const fn = str(node.function_name)!.toLowerCase();
  if (cand.kind === 'aggregate') {
    const arg = operand(0);
    if (fn === 'sum' && arg.kind === 'integral') return settle(typed, tpl.cast(node, tpl.bigint));
    if (arg.kind !== 'decimal') return undefined;
    if (fn === 'sum') {
      const t = sumType(arg.type);
      return settle(typed, tpl.cast(node, tpl.decimal(t)), t);
    }
    // avg: the sum (as Spark types it) over the count, divided exactly to Spark's scale.
    const t = avgType(arg.type);
    const sumType_ = sumType(arg.type);
    const sum = tpl.cast({ ...node, function_name: 'sum' }, tpl.decimal(sumType_));
    const count = { ...node, function_name: 'count' };
    return settle(typed, tpl.cast(await tpl.divide(c, sum, sumType_, count, integralDecimal(64), t), tpl.decimal(t)), t);
  }
  const [l, r] = [operand(0), operand(1)];
  if (fn === '//' && l.kind === 'integral' && r.kind === 'integral') return settle(typed, tpl.cast(node, tpl.bigint));
  if (l.kind === 'other' || r.kind === 'other' || (l.kind === 'integral' && r.kind === 'integral')) return undefined;
  const asDecimal = (k: Kind, n: Mutable): Decimal => (k.kind === 'decimal' ? k.type : isIntegerLiteral(n) ? literalDecimal(literalText(n)) : integralDecimal((k as { bits: 8 | 16 | 32 | 64 | 128 }).bits));
  const op = fn as DecimalOperator;
  const [a, b] = [asDecimal(l, args[0]), asDecimal(r, args[1])];
  const t = resultType(op, a, b, allowPrecisionLoss);
  if (op === '/') return settle(typed, tpl.cast(await tpl.divide(c, args[0], a, args[1], b, t), tpl.decimal(t)), t);
  // DuckDB adds, subtracts and multiplies decimals exactly while the exact result fits 38 digits
  // (and the result type is then Spark's unadjusted one).
  const exact = (op === '+' || op === '-' || op === '*') && t.unadjusted <= 38 && t.precision === t.unadjusted;
  if (op === '//') return settle(typed, tpl.cast(tpl.call(op, args[0], args[1], t), tpl.bigint));
  return settle(typed, tpl.cast(exact ? node : tpl.call(op, args[0], args[1], t), tpl.decimal(t)), t);
}

function settle(typed: Map<Mutable, Kind>, replacement: Mutable, t?: Decimal): Mutable {
  typed.set(replacement, t ? { kind: 'decimal', type: t } : { kind: 'integral', bits: 64 });
  return replacement;
}

function isIntegerLiteral(n: Mutable): boolean {
  const type = isNode(n.value) ? (n.value as Mutable).type : undefined;
  const id = isNode(type) ? str((type as Mutable).id) : undefined;
  return n.class === 'CONSTANT' && id !== undefined && INTEGRAL[id] !== undefined && /^-?\d+$/.test(literalText(n));
}

function literalText(n: Mutable): string {
  const v = isNode(n.value) ? (n.value as Mutable).value : undefined;
  if (v instanceof JsonNumber) return v.text;
  return typeof v === 'number' || typeof v === 'string' ? String(v) : '';
}

// ---- building parse-tree nodes ----

interface Templates {
  readonly select: Mutable;
  readonly bigint: ExactJson;
  decimal(t: Decimal): ExactJson;
  cast(child: ExactJson, type: ExactJson): Mutable;
  /** `__loch_decimal(op, CAST(a AS VARCHAR), CAST(b AS VARCHAR), precision, scale)`. */
  call(op: DecimalOperator, a: ExactJson, b: ExactJson, t: Decimal): Mutable;
  /** `a / b` to `t`, exactly: in DuckDB's 128-bit integers when they hold it, else with `call`. */
  divide(c: DuckDBConnection, a: Mutable, aType: Decimal, b: Mutable, bType: Decimal, t: Decimal): Promise<Mutable>;
}

let shapes: Promise<Templates | undefined> | undefined;

/** Node shapes taken from DuckDB's own parse of a query that has each kind, once per process. */
function templates(c: DuckDBConnection): Promise<Templates> {
  shapes ??= (async () => {
    const t = await serializeSql(c, `SELECT TRY_CAST(1 AS DECIMAL(20, 2)), TRY_CAST(1 AS BIGINT), CAST(1 AS VARCHAR), ${DECIMAL_FUNCTION}('/', 1, 1, 20, 2)`);
    const select = nodes(t?.statements)[0]?.node as Mutable | undefined;
    const items = nodes(select?.select_list) as Mutable[];
    if (!t || !select || items.length !== 4) return undefined;
    const [dec, big, varchar, call] = items;
    const constants = nodes(call.children) as Mutable[];
    const copy = (v: ExactJson): ExactJson => clone(v, () => undefined);
    const decimalType = (x: Decimal): ExactJson => {
      const type = copy(dec.cast_type) as Mutable;
      type.type_info = { ...(type.type_info as Mutable), width: x.precision, scale: x.scale };
      return type;
    };
    const constant = (tpl: Mutable, value: ExactJson): Mutable => {
      const n = copy(tpl) as Mutable;
      n.value = { ...(n.value as Mutable), value };
      return n;
    };
    const call_ = (op: DecimalOperator, a: ExactJson, b: ExactJson, x: Decimal): Mutable => {
      const text = (n: ExactJson) => ({ ...(copy(varchar) as Mutable), child: n, alias: '' });
      return { ...(copy(call) as Mutable), alias: '', children: [constant(constants[0], op), text(a), text(b), constant(constants[3], x.precision), constant(constants[4], x.scale)] };
    };
    return {
      divide: async (conn, a, aType, b, bType, x) => {
        // The unscaled quotient in __loch_divide when both unscaled operands fit a HUGEINT.
        const e = x.scale + bType.scale - aType.scale;
        const fits = (t: Decimal) => t.precision + t.scale + 1 <= 38;
        if (e < 0 || !fits(aType) || !fits(bType)) return call_('/', a, b, x);
        const unscaled = (name: string, t: Decimal) => (t.scale > 0 ? `CAST(${name} * CAST(1${'0'.repeat(t.scale)} AS DECIMAL(${t.scale + 1}, 0)) AS HUGEINT)` : `CAST(${name} AS HUGEINT)`);
        const unit = x.scale === 0 ? 'CAST(1 AS DECIMAL(1, 0))' : `0.${'0'.repeat(x.scale - 1)}1`;
        const expression = `CAST(${DIVIDE_FUNCTION}(${unscaled('__loch_a', aType)}, ${unscaled('__loch_b', bType)}, ${e}) AS DECIMAL(38, 0)) * ${unit}`;
        const parsed = await serializeSql(conn, `SELECT ${expression}`);
        const node = nodes((nodes(parsed?.statements)[0]?.node as Mutable | undefined)?.select_list)[0] as Mutable | undefined;
        return node ? substitute(node, { __loch_a: a, __loch_b: b }) : call_('/', a, b, x);
      },
      select: { ...select, select_list: [] } as Mutable,
      bigint: big.cast_type,
      decimal: decimalType,
      cast: (child, type) => ({ ...(copy(dec) as Mutable), child, cast_type: type, alias: '' }),
      call: call_,
    };
  })();
  return shapes.then((s) => {
    if (!s) throw new Error('DuckDB parse trees have an unexpected shape');
    return s;
  });
}

/** `tree` with each column named in `by` replaced by (a copy of) its expression. */
function substitute(tree: Mutable, by: Readonly<Record<string, ExactJson>>): Mutable {
  const visit = (v: ExactJson): ExactJson => {
    if (Array.isArray(v)) return v.map(visit);
    if (!isNode(v)) return v;
    const names = Array.isArray(v.column_names) ? v.column_names : [];
    if (v.class === 'COLUMN_REF' && names.length === 1 && typeof names[0] === 'string' && names[0] in by) return clone(by[names[0]], () => undefined);
    const out: Mutable = {};
    for (const [k, x] of Object.entries(v)) out[k] = visit(x);
    return out;
  };
  return visit(tree) as Mutable;
}

/** A SELECT of one expression, to print it as DuckDB names an unaliased column. */
function selectOf(select: Mutable, expression: Mutable): ExactJson {
  return { error: false, statements: [{ node: { ...select, select_list: [{ ...expression, alias: '' }] } }] } as unknown as ExactJson;
}

/** A deep copy; `seen(original, copy)` is told of every object node copied. */
function clone(v: ExactJson, seen: (original: DuckNode, copy: DuckNode) => void): ExactJson {
  if (Array.isArray(v)) return v.map((x) => clone(x, seen));
  if (!isNode(v)) return v;
  const out: Mutable = {};
  for (const [k, x] of Object.entries(v)) out[k] = clone(x, seen);
  seen(v, out);
  return out;
}
