import type { Cursor } from './cursor.js';
import { sqlError } from '../errors.js';
import { isIdent, isPunct, isWord, type Token } from './lexer.js';

/** A table as a statement names it: by path (``delta.`/data/events` ``) or by name in the lake. */
export type TableName = { readonly kind: 'path'; readonly path: string } | { readonly kind: 'name'; readonly name: string };

/** A table name: ``delta.`/path` ``, `'/path'` (as DESCRIBE HISTORY allows), or an unqualified name. */
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
  const name = c.ident('a table name');
  if (isPunct(c.peek(), '.')) throw sqlError(`qualified table name ${name}.${c.peek(1)?.text ?? ''}: name a lake table without a qualifier, or a path as delta.\`/path\``);
  return { kind: 'name', name };
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

/** A column reference: `a`, `` `a b` ``, `t.a` (the parts). */
export function parseColumnPath(c: Cursor, what: string): string[] {
  const parts = [c.ident(what)];
  while (isPunct(c.peek(), '.') && isIdent(c.peek(1))) {
    c.pos++;
    parts.push(c.ident(what));
  }
  return parts;
}
