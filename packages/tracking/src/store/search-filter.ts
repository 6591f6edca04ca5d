import { invalidParameter } from '../errors.js';

/**
 * MLflow's search filter grammar: comparisons joined by AND, each `<entity>.<key> <op> <value>`
 * (`metrics.rmse < 1 and params.model = 'tree' and tags."my key" LIKE 'a%'`). An identifier
 * without an entity is an attribute; keys with spaces or punctuation are quoted with double
 * quotes or backticks. Values are numbers (metrics, numeric attributes), quoted strings, or a
 * parenthesized list of strings for IN / NOT IN.
 */
export type Entity = 'metric' | 'param' | 'tag' | 'attribute' | 'dataset';
export type Operator = '=' | '!=' | '<' | '<=' | '>' | '>=' | 'LIKE' | 'ILIKE' | 'IN' | 'NOT IN';

export interface Comparison {
  readonly entity: Entity;
  readonly key: string;
  readonly op: Operator;
  readonly value: number | string | readonly string[];
}

export interface OrderBy {
  readonly entity: Entity;
  readonly key: string;
  readonly ascending: boolean;
}

const ENTITY_NAMES: Readonly<Record<string, Entity>> = {
  metric: 'metric', metrics: 'metric',
  parameter: 'param', parameters: 'param', param: 'param', params: 'param',
  tag: 'tag', tags: 'tag',
  attribute: 'attribute', attributes: 'attribute', attr: 'attribute', run: 'attribute',
  dataset: 'dataset', datasets: 'dataset',
};

const NUMERIC_OPS: readonly Operator[] = ['=', '!=', '<', '<=', '>', '>='];
const STRING_OPS: readonly Operator[] = ['=', '!=', 'LIKE', 'ILIKE'];
const LIST_OPS: readonly Operator[] = [...STRING_OPS, 'IN', 'NOT IN'];

/** What an identifier is compared as, in one kind of search. */
export interface FieldSpec {
  readonly kind: 'number' | 'string';
  readonly ops: readonly Operator[];
}

/** Which entities and attribute keys a kind of search accepts. */
export interface SearchGrammar {
  readonly what: string;
  field(entity: Entity, key: string): FieldSpec | undefined;
  /** Attribute names accepted, for the error message. */
  readonly attributes: readonly string[];
  readonly entities: readonly Entity[];
}

type Token =
  | { kind: 'ident'; text: string }
  | { kind: 'string'; text: string }
  | { kind: 'number'; text: string }
  | { kind: 'op'; text: string }
  | { kind: 'lparen' | 'rparen' | 'comma' };

function tokenize(s: string, what: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const fail = (why: string) => invalidParameter(`Invalid ${what} filter '${s}': ${why}`);
  while (i < s.length) {
    const c = s[i];
    if (/\s/.test(c)) { i++; continue; }
    if (c === '(') { out.push({ kind: 'lparen' }); i++; continue; }
    if (c === ')') { out.push({ kind: 'rparen' }); i++; continue; }
    if (c === ',') { out.push({ kind: 'comma' }); i++; continue; }
    if (c === "'" || c === '"') {
      const end = s.indexOf(c, i + 1);
      if (end < 0) throw fail(`unterminated quote at position ${i}`);
      out.push({ kind: 'string', text: s.slice(i + 1, end) });
      i = end + 1;
      continue;
    }
    const op = /^(<=|>=|!=|<>|=|<|>)/.exec(s.slice(i));
    if (op) { out.push({ kind: 'op', text: op[1] === '<>' ? '!=' : op[1] }); i += op[1].length; continue; }
    const num = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?(?![\w.])/.exec(s.slice(i));
    if (num) { out.push({ kind: 'number', text: num[0] }); i += num[0].length; continue; }
    // An identifier: words joined by dots, where a part may be quoted ("a b" or `a b`).
    let text = '';
    while (i < s.length) {
      const ch = s[i];
      if (ch === '`' || (ch === '"' && text.endsWith('.'))) {
        const end = s.indexOf(ch, i + 1);
        if (end < 0) throw fail(`unterminated quote at position ${i}`);
        text += s.slice(i, end + 1);
        i = end + 1;
      } else if (/[\w.:\-/]/.test(ch)) {
        text += ch;
        i++;
      } else break;
    }
    if (text === '') throw fail(`unexpected '${c}' at position ${i}`);
    out.push({ kind: 'ident', text });
  }
  return out;
}

function unquote(k: string): string {
  return (k.startsWith('`') && k.endsWith('`')) || (k.startsWith('"') && k.endsWith('"')) ? k.slice(1, -1) : k;
}

/** `entity.key` (or a bare attribute) checked against the grammar. */
function identifier(g: SearchGrammar, text: string): { entity: Entity; key: string } {
  const dot = text.indexOf('.');
  const head = dot < 0 ? undefined : unquote(text.slice(0, dot)).toLowerCase();
  const entity = head === undefined ? 'attribute' : ENTITY_NAMES[head];
  const key = unquote(dot < 0 ? text : text.slice(dot + 1));
  if (!entity || !g.entities.includes(entity)) {
    throw invalidParameter(`Invalid entity type '${head ?? text}' in ${g.what} search. Valid values are ${JSON.stringify(g.entities)}`);
  }
  if (key === '') throw invalidParameter(`Invalid identifier '${text}': the key is empty`);
  return { entity, key };
}

function specOf(g: SearchGrammar, entity: Entity, key: string): FieldSpec {
  const spec = g.field(entity, key);
  if (!spec) {
    if (entity === 'dataset') throw invalidParameter(`Invalid dataset key '${key}' specified. Valid keys are ['name', 'digest', 'context']`);
    throw invalidParameter(`Invalid attribute key '${key}' specified. Valid keys are ${JSON.stringify(g.attributes)}`);
  }
  return spec;
}

/** Parses a filter into its AND-ed comparisons (none for an empty filter). */
export function parseFilter(g: SearchGrammar, filter: string): Comparison[] {
  if (filter.trim() === '') return [];
  const tokens = tokenize(filter, g.what);
  const out: Comparison[] = [];
  let i = 0;
  const fail = (why: string) => invalidParameter(`Invalid ${g.what} filter '${filter}': ${why}`);
  for (;;) {
    const id = tokens[i++];
    if (!id || id.kind !== 'ident') throw fail(`expected an identifier such as metrics.<key>, got ${describe(id)}`);
    const { entity, key } = identifier(g, id.text);
    const spec = specOf(g, entity, key);
    let op: string;
    const t = tokens[i++];
    if (t?.kind === 'op') op = t.text;
    else if (t?.kind === 'ident' && /^(like|ilike|in)$/i.test(t.text)) op = t.text.toUpperCase();
    else if (t?.kind === 'ident' && /^not$/i.test(t.text) && tokens[i]?.kind === 'ident' && /^in$/i.test((tokens[i] as { text: string }).text)) {
      i++;
      op = 'NOT IN';
    } else throw fail(`expected a comparison operator after '${id.text}', got ${describe(t)}`);
    if (!spec.ops.includes(op as Operator)) {
      throw invalidParameter(`Invalid comparator '${op}' for '${id.text}' not one of ${JSON.stringify(spec.ops)}`);
    }
    out.push({ entity, key, op: op as Operator, value: readValue(tokens, () => i, (n) => (i = n), spec, op, id.text, fail) });
    const next = tokens[i++];
    if (next === undefined) return out;
    if (next.kind !== 'ident' || next.text.toUpperCase() !== 'AND') {
      throw fail(`expected AND between comparisons, got ${describe(next)} (only AND is supported)`);
    }
  }
}

function readValue(
  tokens: Token[],
  at: () => number,
  set: (n: number) => void,
  spec: FieldSpec,
  op: string,
  name: string,
  fail: (why: string) => Error,
): Comparison['value'] {
  let i = at();
  const v = tokens[i++];
  if (op === 'IN' || op === 'NOT IN') {
    if (v?.kind !== 'lparen') throw fail(`${op} needs a parenthesized list of quoted strings`);
    const items: string[] = [];
    for (;;) {
      const item = tokens[i++];
      if (item?.kind !== 'string') throw fail(`${op} lists hold quoted strings, got ${describe(item)}`);
      items.push(item.text);
      const sep = tokens[i++];
      if (sep?.kind === 'rparen') break;
      if (sep?.kind !== 'comma') throw fail(`expected ',' or ')' in the ${op} list`);
    }
    set(i);
    return items;
  }
  set(i);
  if (spec.kind === 'number') {
    if (v?.kind !== 'number') throw invalidParameter(`Expected numeric value type for '${name}'. Found ${describe(v)}`);
    return Number(v.text);
  }
  if (v?.kind !== 'string') {
    throw invalidParameter(`Expected a quoted string value for '${name}' (e.g. 'my-value'). Got value ${describe(v)}`);
  }
  return v.text;
}

function describe(t: Token | undefined): string {
  if (!t) return 'the end of the filter';
  if ('text' in t) return `'${t.text}'`;
  return `'${t.kind === 'lparen' ? '(' : t.kind === 'rparen' ? ')' : ','}'`;
}

/** `<identifier> [ASC|DESC]`. */
export function parseOrderBy(g: SearchGrammar, clause: string): OrderBy {
  const m = /^\s*(.+?)(?:\s+(asc|desc))?\s*$/i.exec(clause);
  if (!m) throw invalidParameter(`Invalid order_by clause '${clause}'. Could not be parsed.`);
  const tokens = tokenize(m[1], g.what);
  if (tokens.length !== 1 || tokens[0].kind !== 'ident') throw invalidParameter(`Invalid order_by clause '${clause}'. Could not be parsed.`);
  const { entity, key } = identifier(g, tokens[0].text);
  if (entity === 'attribute' || entity === 'dataset') specOf(g, entity, key);
  return { entity, key, ascending: (m[2] ?? 'asc').toLowerCase() === 'asc' };
}

const runAttributes: Readonly<Record<string, FieldSpec>> = {
  run_id: { kind: 'string', ops: LIST_OPS },
  run_name: { kind: 'string', ops: STRING_OPS },
  'run name': { kind: 'string', ops: STRING_OPS },
  status: { kind: 'string', ops: STRING_OPS },
  artifact_uri: { kind: 'string', ops: STRING_OPS },
  user_id: { kind: 'string', ops: STRING_OPS },
  experiment_id: { kind: 'string', ops: STRING_OPS },
  start_time: { kind: 'number', ops: NUMERIC_OPS },
  end_time: { kind: 'number', ops: NUMERIC_OPS },
  created: { kind: 'number', ops: NUMERIC_OPS },
};

/** Attribute aliases MLflow accepts: `created` is start_time, `run name` is run_name. */
export function runAttributeName(key: string): string {
  const k = key.toLowerCase();
  return k === 'created' ? 'start_time' : k === 'run name' ? 'run_name' : key;
}

export const RUN_GRAMMAR: SearchGrammar = {
  what: 'runs',
  entities: ['metric', 'param', 'tag', 'attribute', 'dataset'],
  attributes: Object.keys(runAttributes),
  field(entity, key) {
    if (entity === 'metric') return { kind: 'number', ops: NUMERIC_OPS };
    if (entity === 'param' || entity === 'tag') return { kind: 'string', ops: STRING_OPS };
    if (entity === 'dataset') return ['name', 'digest', 'context'].includes(key) ? { kind: 'string', ops: LIST_OPS } : undefined;
    return runAttributes[key] ?? runAttributes[key.toLowerCase()];
  },
};

const EXPERIMENT_ATTRIBUTES: Readonly<Record<string, FieldSpec>> = {
  name: { kind: 'string', ops: STRING_OPS },
  experiment_id: { kind: 'string', ops: LIST_OPS },
  creation_time: { kind: 'number', ops: NUMERIC_OPS },
  last_update_time: { kind: 'number', ops: NUMERIC_OPS },
};

export const EXPERIMENT_GRAMMAR: SearchGrammar = {
  what: 'experiments',
  entities: ['tag', 'attribute'],
  attributes: Object.keys(EXPERIMENT_ATTRIBUTES),
  field: (entity, key) => (entity === 'tag' ? { kind: 'string', ops: STRING_OPS } : EXPERIMENT_ATTRIBUTES[key]),
};

const MODEL_ATTRIBUTES: Readonly<Record<string, FieldSpec>> = {
  name: { kind: 'string', ops: STRING_OPS },
  timestamp: { kind: 'number', ops: NUMERIC_OPS },
  creation_timestamp: { kind: 'number', ops: NUMERIC_OPS },
  last_updated_timestamp: { kind: 'number', ops: NUMERIC_OPS },
};

export const REGISTERED_MODEL_GRAMMAR: SearchGrammar = {
  what: 'registered models',
  entities: ['tag', 'attribute'],
  attributes: Object.keys(MODEL_ATTRIBUTES),
  field: (entity, key) => (entity === 'tag' ? { kind: 'string', ops: STRING_OPS } : MODEL_ATTRIBUTES[key]),
};

const VERSION_ATTRIBUTES: Readonly<Record<string, FieldSpec>> = {
  name: { kind: 'string', ops: STRING_OPS },
  run_id: { kind: 'string', ops: LIST_OPS },
  source_path: { kind: 'string', ops: STRING_OPS },
  version_number: { kind: 'number', ops: NUMERIC_OPS },
  current_stage: { kind: 'string', ops: LIST_OPS },
  timestamp: { kind: 'number', ops: NUMERIC_OPS },
  creation_timestamp: { kind: 'number', ops: NUMERIC_OPS },
  last_updated_timestamp: { kind: 'number', ops: NUMERIC_OPS },
};

export const MODEL_VERSION_GRAMMAR: SearchGrammar = {
  what: 'model versions',
  entities: ['tag', 'attribute'],
  attributes: Object.keys(VERSION_ATTRIBUTES),
  field: (entity, key) => (entity === 'tag' ? { kind: 'string', ops: STRING_OPS } : VERSION_ATTRIBUTES[key]),
};

export const parseExperimentFilter = (f: string) => parseFilter(EXPERIMENT_GRAMMAR, f);
export const parseExperimentOrder = (o: string) => parseOrderBy(EXPERIMENT_GRAMMAR, o);
