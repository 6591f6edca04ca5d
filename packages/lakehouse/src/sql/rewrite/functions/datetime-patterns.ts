/** Spark's datetime patterns (`yyyy-MM-dd HH:mm:ss`) as DuckDB strftime/strptime formats. */
import { sqlString } from '../tokens.js';
import { sparkFunctionError } from './rule.js';

/**
 * DuckDB's strftime/strptime code for a run of `count` Spark pattern letters. Spark counts letters
 * for width: one letter is unpadded (`%-d`), two zero-padded (`%d`); DuckDB's strptime accepts
 * both forms for one or two digits.
 */
const LETTERS: Readonly<Record<string, Readonly<Record<number, string>>>> = {
  y: { 1: '%Y', 2: '%y', 3: '%Y', 4: '%Y' },
  M: { 1: '%-m', 2: '%m', 3: '%b', 4: '%B' },
  L: { 1: '%-m', 2: '%m', 3: '%b', 4: '%B' },
  d: { 1: '%-d', 2: '%d' },
  D: { 1: '%-j', 3: '%j' },
  H: { 1: '%-H', 2: '%H' },
  h: { 1: '%-I', 2: '%I' },
  m: { 1: '%-M', 2: '%M' },
  s: { 1: '%-S', 2: '%S' },
  // Fractions: only the widths DuckDB has (milli, micro, nanoseconds).
  S: { 3: '%g', 6: '%f', 9: '%n' },
  a: { 1: '%p' },
  E: { 1: '%a', 2: '%a', 3: '%a', 4: '%A' },
  V: { 2: '%Z' },
};

/** Offsets DuckDB cannot print as Spark does (its %z prints +00 or +05:30); see offsetSql. */
const OFFSETS: Readonly<Record<string, Readonly<Record<number, Offset>>>> = {
  Z: { 1: 'Z', 2: 'Z', 3: 'Z' },
  x: { 1: 'x', 2: 'xx', 3: 'xxx' },
  X: { 1: 'X', 2: 'XX', 3: 'XXX' },
};

type Offset = 'Z' | 'x' | 'xx' | 'xxx' | 'X' | 'XX' | 'XXX';
type Piece = { readonly format: string } | { readonly offset: Offset };

/** Splits a Spark datetime pattern into DuckDB format runs and zone offsets. */
function sparkPattern(pattern: string, fn = 'date_format'): Piece[] {
  const pieces: Piece[] = [];
  const append = (format: string) => {
    const last = pieces[pieces.length - 1];
    if (last && 'format' in last) pieces[pieces.length - 1] = { format: last.format + format };
    else pieces.push({ format });
  };
  const literal = (s: string) => append(s.replaceAll('%', '%%'));
  const bad = (what: string) => sparkFunctionError(fn, `the datetime pattern '${pattern}' uses ${what}, which DuckDB has no equivalent for`);
  for (let i = 0; i < pattern.length; ) {
    const ch = pattern[i];
    if (ch === "'") {
      if (pattern[i + 1] === "'") {
        literal("'");
        i += 2;
        continue;
      }
      let text = '';
      let j = i + 1;
      for (;;) {
        if (j >= pattern.length) throw sparkFunctionError(fn, `the datetime pattern '${pattern}' has an unclosed quote`);
        if (pattern[j] === "'" && pattern[j + 1] === "'") {
          text += "'";
          j += 2;
        } else if (pattern[j] === "'") break;
        else text += pattern[j++];
      }
      literal(text);
      i = j + 1;
    } else if (/[A-Za-z]/.test(ch)) {
      let n = 1;
      while (pattern[i + n] === ch) n++;
      const code = LETTERS[ch]?.[n];
      const offset = OFFSETS[ch]?.[n];
      if (code !== undefined) append(code);
      else if (offset !== undefined) pieces.push({ offset });
      else throw bad(`'${ch.repeat(n)}'`);
      i += n;
    } else if ('[]{}#'.includes(ch)) {
      throw bad(`'${ch}' (an optional section or a reserved character)`);
    } else {
      literal(ch);
      i++;
    }
  }
  return pieces;
}

/** A pattern for strptime; `zulu` when its offset (X) may be written `Z`, which %z does not read. */
export function parsePattern(pattern: string, fn: string): { format: string; zulu: boolean } {
  const pieces = sparkPattern(pattern, fn);
  let zulu = false;
  const format = pieces
    .map((p, i) => {
      if ('format' in p) return p.format;
      if (p.offset.startsWith('X')) {
        if (i !== pieces.length - 1) throw sparkFunctionError(fn, `the offset '${p.offset}' must end the datetime pattern '${pattern}' to be parsed`);
        zulu = true;
      }
      return '%z';
    })
    .join('');
  return { format, zulu };
}

/** A TIMESTAMPTZ formatted with a Spark pattern, in the session time zone as Spark does. */
export function formatTimestamp(ts: string, pattern: string, fn: string): string {
  const parts = sparkPattern(pattern, fn).map((p) => ('format' in p ? `strftime(${ts}, ${sqlString(p.format)})` : offsetSql(ts, p.offset)));
  if (parts.length === 0) return `CASE WHEN ${ts} IS NULL THEN NULL ELSE '' END`;
  return parts.length === 1 ? parts[0] : `(${parts.join(' || ')})`;
}

/** Spark's zone offsets: Z +HHMM; xx +HHMM; xxx +HH:MM; x +HH or +HHMM; X, XX, XXX: `Z` for zero. */
function offsetSql(ts: string, style: Offset): string {
  const seconds = `date_part('timezone', ${ts})`;
  const hhmm = (f: string) => `strftime(TIMESTAMP '2000-01-01' + to_seconds(abs(${seconds})), '${f}')`;
  const sign = `CASE WHEN ${seconds} < 0 THEN '-' ELSE '+' END`;
  const lower = style === 'Z' ? 'xx' : style.toLowerCase();
  const digits =
    lower === 'xxx' ? hhmm('%H:%M') : lower === 'xx' ? hhmm('%H%M') : `CASE WHEN ${seconds} % 3600 = 0 THEN ${hhmm('%H')} ELSE ${hhmm('%H%M')} END`;
  const signed = `${sign} || ${digits}`;
  return style.startsWith('X') ? `CASE WHEN ${seconds} = 0 THEN 'Z' ELSE ${signed} END` : `(${signed})`;
}
