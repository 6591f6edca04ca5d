/** Token helpers shared by the rewrites: significant tokens, identifiers, string literals. */
import type { Token } from '../parse/lexer.js';

/** The value of a string literal made of these significant tokens (Spark's literals are DuckDB's by now: see spark-literals.ts). */
export function stringLiteral(s: readonly Token[]): string | undefined {
  return s.length === 1 && s[0].kind === 'string' ? s[0].value : undefined;
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
