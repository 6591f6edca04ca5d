import type { Cursor } from './cursor.js';
import { sqlError } from '../errors.js';
import { isIdent, isPunct, isWord, type Token } from './lexer.js';

/**
 * A table as a statement names it: by path (``delta.`/data/events` ``) or by name, which may be
 * qualified by a schema and a catalog (`orders`, `sales.orders`, `main.sales.orders`).
 */
export type TableName =
  | { readonly kind: 'path'; readonly path: string }
  | { readonly kind: 'name'; readonly name: string; readonly schema?: string; readonly catalog?: string };

/** A table name: ``delta.`/path` ``, `'/path'` (as DESCRIBE HISTORY allows), or a name of one to three parts. */
export function parseTableName(c: Cursor): TableName {
  const t = c.peek();
  if (t?.kind === 'string') {
    c.pos++;
    return { kind: 'path', path: t.value };
  }
  if (isWord(t, 'delta') && isPunct(c.peek(1), '.') && c.peek(2)?.kind === 'quoted') {
    const path = c.peek(2)!.value;
    c.pos += 3;
    return { kind: 'path', path };
  }
  const parts = parseColumnPath(c, 'a table name');
  if (parts.length > 3) throw sqlError(`${parts.join('.')} has ${parts.length} parts; a table is named as table, schema.table or catalog.schema.table`);
  return nameOf(parts);
}

/** The table a one- to three-part name names. */
export function nameOf(parts: readonly string[]): TableName & { kind: 'name' } {
  const name = parts[parts.length - 1];
  if (parts.length === 1) return { kind: 'name', name };
  if (parts.length === 2) return { kind: 'name', name, schema: parts[0] };
  return { kind: 'name', name, schema: parts[1], catalog: parts[0] };
}

/** A table name as people write it: `sales.orders`, with backquotes where a part needs them. */
export function tableText(t: TableName): string {
  if (t.kind === 'path') return `delta.\`${t.path}\``;
  return [t.catalog, t.schema, t.name]
    .filter((x): x is string => x !== undefined)
    .map((x) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(x) ? x : `\`${x.replaceAll('`', '``')}\``))
    .join('.');
}

/** `(a, b, ...)`: identifiers in parentheses. */
export function parseNameList(c: Cursor, what: string): string[] {
  c.expectPunct('(');
  const names: string[] = [];
  do names.push(c.ident(what));
  while (c.punct(','));
  c.expectPunct(')');
  return names;
}

/** A property key: a quoted string or a dotted name (`delta.appendOnly`). */
export function parsePropertyKey(c: Cursor): string {
  if (c.peek()?.kind === 'string') return c.next().value;
  let key = c.ident('a property name');
  while (c.punct('.')) key += `.${c.ident('a property name')}`;
  return key;
}

/** `('k' = 'v', delta.appendOnly = true, ...)`: keys quoted or dotted names, values literals. */
export function parseProperties(c: Cursor): Record<string, string> {
  c.expectPunct('(');
  const out: Record<string, string> = {};
  do {
    const key = parsePropertyKey(c);
    c.punct('=');
    const v = c.peek();
    if (v?.kind === 'string') out[key] = c.next().value;
    else if (v?.kind === 'number' || v?.kind === 'word') {
      const t = c.next().text;
      out[key] = /^(true|false)$/i.test(t) ? t.toLowerCase() : t;
    } else c.fail(`expected a value for property '${key}'`);
  } while (c.punct(','));
  c.expectPunct(')');
  return out;
}

const OPENERS = new Set(['(', '[', '{']);
const CLOSERS = new Set([')', ']', '}']);

/**
 * The text of a SQL expression from the cursor to the first token, outside brackets and CASE ...
 * END, that `stop` accepts (or a closing bracket it did not open, or the end), as written. The
 * expression is DuckDB's or Spark's business; only its extent is found here.
 */
export function expressionText(c: Cursor, what: string, stop: (t: Token) => boolean = () => false): string {
  const first = c.peek();
  let depth = 0;
  let cases = 0;
  while (!c.atEnd()) {
    const t = c.peek()!;
    if (depth === 0 && cases === 0 && stop(t)) break;
    if (t.kind === 'punct' && OPENERS.has(t.text)) depth++;
    else if (t.kind === 'punct' && CLOSERS.has(t.text)) {
      if (depth === 0) break;
      depth--;
    } else if (isWord(t, 'CASE')) cases++;
    else if (isWord(t, 'END') && cases > 0) cases--;
    c.pos++;
  }
  if (!first || c.peek() === first) c.fail(`expected ${what}`);
  return c.text.slice(first.start, c.tokens[c.pos - 1].end);
}

/** A dotted name, its parts: a column reference (`a`, `` `a b` ``, `t.a`) or a qualified table name (`sales.orders`). */
export function parseColumnPath(c: Cursor, what: string): string[] {
  const parts = [c.ident(what)];
  while (isPunct(c.peek(), '.') && isIdent(c.peek(1))) {
    c.pos++;
    parts.push(c.ident(what));
  }
  return parts;
}
