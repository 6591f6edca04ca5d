/** Token helpers shared by the rewrites: significant tokens, identifiers, Spark's string literals. */
import { isWord, type Token } from '../parse/lexer.js';

/** Spark's one-letter string escapes; any other escaped character stands for itself. */
const ESCAPES = new Map([['0', '\u0000'], ['b', '\b'], ['n', '\n'], ['r', '\r'], ['t', '\t'], ['Z', '\u001a'], ['%', '\\%'], ['_', '\\_']]);

/**
 * The value of the text between a Spark string literal's quotes. Spark reads backslash escapes
 * (its docs write the regex `\d` as '\\d'); DuckDB reads none, so a literal whose value matters to
 * the rewrite (a regular expression, a replacement) is written out again as DuckDB reads it.
 */
function sparkUnescape(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (ch === "'" && s[i + 1] === "'") {
      out += "'";
      i++;
      continue;
    }
    if (ch !== '\\' || i + 1 === s.length) {
      out += ch;
      continue;
    }
    const rest = s.slice(i + 1);
    const unicode = /^u([0-9a-fA-F]{4})/.exec(rest);
    const octal = /^[0-3][0-7][0-7]/.exec(rest);
    if (unicode) {
      out += String.fromCharCode(parseInt(unicode[1], 16));
      i += 5;
    } else if (octal) {
      out += String.fromCharCode(parseInt(octal[0], 8));
      i += 3;
    } else {
      out += ESCAPES.get(rest[0]) ?? rest[0];
      i++;
    }
  }
  return out;
}

/** The value of a string literal made of these significant tokens: '...' or Spark's raw r'...'. */
export function stringLiteral(s: readonly Token[]): string | undefined {
  if (s.length === 1 && s[0].kind === 'string') {
    const t = s[0];
    return t.text.startsWith("'") && t.text.endsWith("'") && t.text.length > 1 ? sparkUnescape(t.text.slice(1, -1)) : t.value;
  }
  if (s.length === 2 && isWord(s[0], 'R') && s[1].kind === 'string' && s[0].end === s[1].start) return s[1].value;
  return undefined;
}

export function sqlString(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}

/** A word or backquoted identifier, lower case. */
export function identName(t: Token | undefined): string | undefined {
  if (t?.kind === 'word') return t.text.toLowerCase();
  if (t?.kind === 'quoted' && t.quote === '`') return t.value.toLowerCase();
  return undefined;
}

export const isSig = (t: Token) => t.kind !== 'space' && t.kind !== 'comment';

export function nextSig(tokens: readonly Token[], i: number): number {
  let j = i + 1;
  while (j < tokens.length && !isSig(tokens[j])) j++;
  return j;
}

export function prevSig(tokens: readonly Token[], i: number): number {
  let j = i - 1;
  while (j >= 0 && !isSig(tokens[j])) j--;
  return j;
}
