/** Spark syntax outside function calls, rewritten for DuckDB before the calls are. */
import { isPunct, isWord, tokenize } from '../parse/lexer.js';
import { nextSig, prevSig } from './tokens.js';

/** Spark's typed number literals: `100L`, `1.5D`, `2BD` (no space before the suffix). */
const NUMBER_SUFFIXES: Readonly<Record<string, string>> = { L: 'BIGINT', S: 'SMALLINT', Y: 'TINYINT', D: 'DOUBLE', F: 'FLOAT', BD: 'DECIMAL' };

/** A BD literal's type is as wide as its digits, as in Spark (`1.50BD` is decimal(3,2)). */
function decimalTypeOf(literal: string): string | undefined {
  const m = /^(\d*)(?:\.(\d*))?$/.exec(literal.replaceAll('_', ''));
  if (!m) return undefined;
  const scale = (m[2] ?? '').length;
  const precision = Math.max(1, m[1].replace(/^0+/, '').length + scale, scale);
  return precision > 38 ? undefined : `DECIMAL(${precision}, ${scale})`;
}

/**
 * Spark syntax outside function calls that DuckDB reads another way or not at all:
 * `LEFT SEMI JOIN` / `LEFT ANTI JOIN` (DuckDB's `SEMI JOIN` / `ANTI JOIN`), `SELECT * EXCEPT (a)`
 * (DuckDB's `EXCLUDE`), and typed number literals (`100L`, which DuckDB would read as `100 AS L`).
 */
export function sparkSyntax(text: string): string {
  const tokens = tokenize(text);
  let out = '';
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (isWord(t, 'LEFT')) {
      const k = nextSig(tokens, i);
      if (isWord(tokens[k], 'SEMI', 'ANTI') && isWord(tokens[nextSig(tokens, k)], 'JOIN')) {
        // Drop LEFT and the space after it.
        i = k - 1;
        continue;
      }
    }
    // (Only in a SELECT list: MERGE's `UPDATE SET * EXCEPT (...)` is MERGE's own syntax.)
    if (isWord(t, 'EXCEPT') && isPunct(tokens[prevSig(tokens, i)], '*') && !isWord(tokens[prevSig(tokens, prevSig(tokens, i))], 'SET', 'INSERT')) {
      const open = nextSig(tokens, i);
      if (isPunct(tokens[open], '(') && !isWord(tokens[nextSig(tokens, open)], 'SELECT', 'WITH', 'FROM', 'VALUES')) {
        out += 'EXCLUDE';
        continue;
      }
    }
    const next = tokens[i + 1];
    if (t.kind === 'number' && next?.kind === 'word' && next.start === t.end) {
      const suffix = NUMBER_SUFFIXES[next.text.toUpperCase()];
      const type = suffix === 'DECIMAL' ? decimalTypeOf(t.text) : suffix;
      if (type !== undefined) {
        out += `CAST(${t.text} AS ${type})`;
        i++;
        continue;
      }
    }
    out += t.text;
  }
  return out;
}
