/**
 * Spark's literals written out as DuckDB reads them, before anything else reads the text: strings
 * in single or double quotes with backslash escapes, raw strings, adjacent strings joined
 * (`'a' 'b'` is 'ab'), and binary literals `X'1F'`. Spark (ANSI mode off, its default
 * spark.sql.ansi.doubleQuotedIdentifiers = false) reads `"..."` as a string, never as a name;
 * names are bare or in backquotes, which stay as they are.
 */
import { sqlError } from '../errors.js';
import { tokenize, type Token } from '../parse/lexer.js';
import { sqlString } from './tokens.js';

export function sparkLiterals(text: string): string {
  const tokens = tokenize(text, 'spark');
  let out = '';
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.kind === 'word' && (t.text === 'X' || t.text === 'x') && tokens[i + 1]?.kind === 'string' && tokens[i + 1].start === t.end && tokens[i + 1].text[0] === "'") {
      out += binary(tokens[++i]);
      continue;
    }
    if (t.kind !== 'string') {
      out += t.text;
      continue;
    }
    // Adjacent strings, with only spaces or comments between them, are one.
    let value = t.value;
    let end = i;
    for (let k = i + 1; k < tokens.length; k++) {
      const n = tokens[k];
      if (n.kind === 'space' || n.kind === 'comment') continue;
      if (n.kind !== 'string') break;
      value += n.value;
      end = k;
    }
    out += sqlString(value);
    i = end;
  }
  return out;
}

/** `X'...'`: hexadecimal digits, an odd count read with a leading 0 as Spark does. */
function binary(t: Token): string {
  const hex = t.value;
  if (!/^[0-9a-fA-F]*$/.test(hex)) throw sqlError(`the binary literal X${t.text} holds characters that are not hexadecimal digits`);
  return `from_hex(${sqlString(hex.length % 2 === 1 ? `0${hex}` : hex)})`;
}
