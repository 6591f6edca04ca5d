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
import { sqlIdent, sqlString } from '@loch/engine-node';
import { isPunct, isWord, significant, tokenize } from '../parse/lexer.js';
import { StatementText, type TextEdit, type TokenSpan } from './statement-text.js';
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
  const text = new StatementText(sql);
  const kinds = await operandKinds(c, text, candidates);
  if (!kinds) return sql;
  const tpl = await templates(c);
  const typed = new Map<Mutable, Kind>();
  const replaced: Replaced[] = [];
  // Copied before the rewrite reaches inside them (candidates come innermost first): a SELECT
  // item's name is the expression as written.
  const originals = new Map(candidates.filter((cand) => cand.selectItem).map((cand) => [cand, clone(cand.node, () => undefined) as Mutable]));
  for (const cand of candidates) {
    const original = originals.get(cand) ?? cand.node;
    const replacement = await rewrite(c, cand, kinds, typed, tpl, allowPrecisionLoss);
    if (!replacement) continue;
    // The expression's alias moves to what replaces it.
    replacement.alias = cand.node.alias ?? '';
    cand.replace(replacement);
    replaced.push({ cand, replacement, original });
  }
  if (replaced.length === 0) return sql;
  await ensureDecimalFunction(c);
  const named = replaced.filter((r) => r.cand.selectItem);
  const spans = outermostCalls(text, replaced);
  // In one round trip: the names DuckDB (and Spark) give rewritten SELECT items as written, and
  // each outermost rewritten call, to be written where the call is.
  const printed = await deserializeMany(c, [...named.map((n) => selectOf(tpl.select, n.original)), ...(spans ?? []).map((sp) => selectOf(tpl.select, sp.replaced.replacement))]);
  const item = (t: string | undefined) => t?.replace(/^SELECT /, '');
  named.forEach((n, i) => {
    const name = item(printed[i]);
    if (name !== undefined) n.replacement.alias = name;
  });
  const edits = (spans ?? []).flatMap(({ replaced: r, span }, i) => {
    const call = item(printed[named.length + i]);
    const name = r.cand.selectItem ? str(r.replacement.alias) : undefined;
    return call === undefined ? [] : [text.replace(span, name ? `${call} AS ${sqlIdent(name)}` : call)];
  });
  if (spans && edits.length === spans.length) return text.edited(edits);
  return (await deserializeSql(c, tree)) ?? sql;
}

/** A candidate the rewrite replaced, with what replaced it and (for a SELECT item) the expression as written. */
interface Replaced {
  readonly cand: Candidate;
  readonly replacement: Mutable;
  readonly original: Mutable;
}

/**
 * The rewritten calls that no other rewritten call holds, with the tokens each spans in the
 * statement, when every rewritten candidate is one of them or inside one; undefined otherwise (an
 * operator rewritten outside any rewritten call: its operands' extent is not known from its
 * place, so the statement is printed whole).
 */
function outermostCalls(text: StatementText, replaced: readonly Replaced[]): { replaced: Replaced; span: TokenSpan }[] | undefined {
  const calls: { replaced: Replaced; span: TokenSpan }[] = [];
  for (const r of replaced) {
    if (r.cand.kind !== 'aggregate') continue;
    const name = text.tokenAt(location(r.cand.node));
    const call = name === undefined ? undefined : text.call(name);
    if (!call) return undefined;
    // A whole SELECT item gets its name after it: outside any parentheses around it.
    calls.push({ replaced: r, span: r.cand.selectItem ? text.withParens(call) : call });
  }
  const inside = (at: number | undefined, span: TokenSpan, self?: TokenSpan) => at !== undefined && span !== self && at >= span.first && at <= span.last;
  const outer = calls.filter((x) => !calls.some((y) => inside(x.span.first, y.span, x.span)));
  for (const r of replaced) {
    if (r.cand.kind === 'operator' && !outer.some((x) => inside(text.tokenAt(location(r.cand.node)), x.span))) return undefined;
  }
  return outer;
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
async function operandKinds(c: DuckDBConnection, text: StatementText, candidates: readonly Candidate[]): Promise<Map<Mutable, Kind[]> | undefined> {
  const typing = typingText(text, candidates);
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
 * written into the text itself: the rest of the statement is neither printed nor parsed again.
 */
function typingText(text: StatementText, candidates: readonly Candidate[]): { sql: string; locations: Map<Mutable, number> } {
  const edits: TextEdit[] = [];
  const locations = new Map<Mutable, number>();
  // Where each insertion goes (bytes); the inserted text is ASCII.
  const inserted: { byte: number; length: number; node?: Mutable }[] = [];
  for (const cand of candidates) {
    const name = cand.kind === 'aggregate' ? text.tokenAt(location(cand.node)) : undefined;
    const arg = name === undefined ? undefined : text.argument(name);
    if (!arg) continue;
    const [start, end] = [text.tokens[arg.first].start, text.tokens[arg.last].end];
    edits.push({ start, end: start, text: '-(-(' }, { start: end, end, text: '))' });
    inserted.push({ byte: text.startByte(arg.first), length: 4, node: cand.node }, { byte: text.endByte(arg.last), length: 2 });
  }
  const shiftAt = (byte: number, inclusive: boolean) => inserted.reduce((n, i) => (i.byte < byte || (inclusive && i.byte === byte) ? n + i.length : n), 0);
  for (const i of inserted) if (i.node) locations.set(i.node, i.byte + shiftAt(i.byte, false));
  for (const cand of candidates) {
    const at = location(cand.node);
    if (cand.kind === 'operator' && at !== undefined) locations.set(cand.node, at + shiftAt(at, true));
  }
  return { sql: text.edited(edits), locations };
}

/** A node's place in the statement's text; undefined for DuckDB's "no location". */
function location(n: Mutable): number | undefined {
  const loc = n.query_location;
  const at = loc instanceof JsonNumber ? Number(loc.text) : typeof loc === 'number' ? loc : NaN;
  return Number.isSafeInteger(at) ? at : undefined;
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
