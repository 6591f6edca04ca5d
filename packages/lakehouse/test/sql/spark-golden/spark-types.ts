/** Spark's result schemas as printed in golden files: `struct<name:type,...>`. */

export type SparkType =
  | { readonly kind: 'atom'; readonly name: string }
  | { readonly kind: 'decimal'; readonly precision: number; readonly scale: number }
  | { readonly kind: 'array'; readonly element: SparkType }
  | { readonly kind: 'map'; readonly key: SparkType; readonly value: SparkType }
  | { readonly kind: 'struct'; readonly fields: readonly { readonly name: string; readonly type: SparkType }[] };

const ATOMS = ['timestamp_ntz', 'timestamp_ltz', 'timestamp', 'boolean', 'tinyint', 'smallint', 'bigint', 'int', 'float', 'double', 'string', 'binary', 'date', 'void'];
const INTERVAL_FIELDS = /^interval(?: (?:year|month|day|hour|minute|second)(?: to (?:year|month|day|hour|minute|second))?)?/;

/** The fields of a `struct<...>` schema; undefined when it does not parse. */
export function parseSchema(schema: string): { name: string; type: SparkType }[] | undefined {
  const t = parseAt(schema, 0);
  if (!t || t.end !== schema.length || t.type.kind !== 'struct') return undefined;
  return [...t.type.fields];
}

function parseAt(s: string, i: number): { type: SparkType; end: number } | undefined {
  const rest = s.slice(i);
  const decimal = /^decimal\((\d+),(\d+)\)/.exec(rest);
  if (decimal) return { type: { kind: 'decimal', precision: Number(decimal[1]), scale: Number(decimal[2]) }, end: i + decimal[0].length };
  const text = /^(?:var)?char\(\d+\)/.exec(rest);
  if (text) return { type: { kind: 'atom', name: 'string' }, end: i + text[0].length };
  const interval = INTERVAL_FIELDS.exec(rest);
  if (interval) return { type: { kind: 'atom', name: interval[0] }, end: i + interval[0].length };
  if (rest.startsWith('array<')) {
    const e = parseAt(s, i + 6);
    return e && s[e.end] === '>' ? { type: { kind: 'array', element: e.type }, end: e.end + 1 } : undefined;
  }
  if (rest.startsWith('map<')) {
    const k = parseAt(s, i + 4);
    if (!k || s[k.end] !== ',') return undefined;
    const v = parseAt(s, k.end + 1);
    return v && s[v.end] === '>' ? { type: { kind: 'map', key: k.type, value: v.type }, end: v.end + 1 } : undefined;
  }
  if (rest.startsWith('struct<')) {
    const fields = parseFields(s, i + 7);
    return fields && { type: { kind: 'struct', fields: fields.fields }, end: fields.end };
  }
  for (const a of ATOMS) if (rest.startsWith(a)) return { type: { kind: 'atom', name: a }, end: i + a.length };
  return undefined;
}

/**
 * `name:type,name:type>` from `i`. Names are whatever Spark printed (`(a + 1)`, `map(1, 2)`, even
 * with `:` or `,` inside), so each `:` is tried as the separator until the rest parses.
 */
function parseFields(s: string, i: number): { fields: { name: string; type: SparkType }[]; end: number } | undefined {
  if (s[i] === '>') return { fields: [], end: i + 1 };
  for (let colon = s.indexOf(':', i); colon >= 0; colon = s.indexOf(':', colon + 1)) {
    const t = parseAt(s, colon + 1);
    if (!t) continue;
    const field = { name: s.slice(i, colon), type: t.type };
    if (s[t.end] === '>') return { fields: [field], end: t.end + 1 };
    if (s[t.end] === ',') {
      const more = parseFields(s, t.end + 1);
      if (more) return { fields: [field, ...more.fields], end: more.end };
    }
  }
  return undefined;
}

/** Whether a value of this type holds a float or double anywhere (compared with a tolerance). */
export function hasFloating(t: SparkType): boolean {
  switch (t.kind) {
    case 'atom':
      return t.name === 'double' || t.name === 'float';
    case 'decimal':
      return false;
    case 'array':
      return hasFloating(t.element);
    case 'map':
      return hasFloating(t.key) || hasFloating(t.value);
    case 'struct':
      return t.fields.some((f) => hasFloating(f.type));
  }
}
