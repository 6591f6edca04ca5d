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
/** A run of strftime codes, a zone offset, or a value strftime lacks, as SQL over the timestamp. */
type Piece = { readonly format: string } | { readonly offset: Offset } | { readonly sql: (ts: string) => string };

/** At least n digits (lpad alone would cut a longer value). */
const pad = (sql: string, n: number) => (n <= 1 ? `CAST(${sql} AS VARCHAR)` : `lpad(CAST(${sql} AS VARCHAR), CAST(greatest(${n}, length(CAST(${sql} AS VARCHAR))) AS INTEGER), '0')`);
const ORDINAL_QUARTERS = "['1st quarter', '2nd quarter', '3rd quarter', '4th quarter']";

/** Letters whose text strftime cannot make, by count (as formatting reads them; parsing refuses them). */
const COMPUTED: Readonly<Record<string, (n: number) => ((ts: string) => string) | undefined>> = {
  G: (n) => (ts) => (n === 4 ? `CASE WHEN year(${ts}) > 0 THEN 'Anno Domini' ELSE 'Before Christ' END` : `CASE WHEN year(${ts}) > 0 THEN 'AD' ELSE 'BC' END`),
  y: (n) => (n >= 5 ? (ts) => pad(`year(${ts})`, n) : undefined),
  q: (n) => quarter(n),
  Q: (n) => quarter(n),
  D: (n) => (n === 2 ? (ts) => pad(`dayofyear(${ts})`, 2) : undefined),
  // Java's F: the aligned day of the week in the month.
  F: (n) => (n === 1 ? (ts) => `CAST((day(${ts}) - 1) % 7 + 1 AS VARCHAR)` : undefined),
  k: (n) => (n <= 2 ? (ts) => pad(`CASE WHEN hour(${ts}) = 0 THEN 24 ELSE hour(${ts}) END`, n) : undefined),
  K: (n) => (n <= 2 ? (ts) => pad(`hour(${ts}) % 12`, n) : undefined),
  // Fractions of a second, cut (not rounded) to n digits.
  S: (n) => (n <= 9 ? (ts) => `substr(strftime(${ts}, '%n'), 1, ${n})` : undefined),
  X: (n) => (n >= 4 && n <= 5 ? (ts) => zoneOffset(ts, `X${n}`) : undefined),
  x: (n) => (n >= 4 && n <= 5 ? (ts) => zoneOffset(ts, `x${n}`) : undefined),
  Z: (n) => (n >= 4 && n <= 5 ? (ts) => zoneOffset(ts, `Z${n}`) : undefined),
  O: (n) => (n === 1 || n === 4 ? (ts) => zoneOffset(ts, `O${n}`) : undefined),
};

function quarter(n: number): ((ts: string) => string) | undefined {
  if (n === 1) return (ts) => `CAST(quarter(${ts}) AS VARCHAR)`;
  if (n === 2) return (ts) => pad(`quarter(${ts})`, 2);
  if (n === 3) return (ts) => `'Q' || quarter(${ts})`;
  if (n === 4) return (ts) => `${ORDINAL_QUARTERS}[quarter(${ts})]`;
  return undefined;
}

/** Java's zone offset forms with seconds (X4, X5, x4, x5, Z4, Z5, O1, O4), from DuckDB's offset in seconds. */
function zoneOffset(ts: string, form: string): string {
  const s = `date_part('timezone', ${ts})`;
  const sign = `CASE WHEN ${s} < 0 THEN '-' ELSE '+' END`;
  const hh = pad(`abs(${s}) // 3600`, 2);
  const mm = pad(`abs(${s}) % 3600 // 60`, 2);
  const ss = pad(`abs(${s}) % 60`, 2);
  const secs = (sep: string) => `CASE WHEN ${s} % 60 <> 0 THEN '${sep}' || ${ss} ELSE '' END`;
  const long = `${sign} || ${hh} || ':' || ${mm} || ${secs(':')}`;
  const zeroIs = (z: string, other: string) => `CASE WHEN ${s} = 0 THEN '${z}' ELSE ${other} END`;
  switch (form) {
    case 'X4':
      return zeroIs('Z', `${sign} || ${hh} || ${mm} || ${secs('')}`);
    case 'x4':
      return `(${sign} || ${hh} || ${mm} || ${secs('')})`;
    case 'X5':
    case 'Z5':
      return zeroIs('Z', long);
    case 'x5':
      return `(${long})`;
    case 'Z4':
    case 'O4':
      return zeroIs('GMT', `'GMT' || ${long}`);
    default: {
      const short = `${sign} || CAST(abs(${s}) // 3600 AS VARCHAR) || CASE WHEN abs(${s}) % 3600 <> 0 THEN ':' || ${mm} ELSE '' END || ${secs(':')}`;
      return zeroIs('GMT', `'GMT' || ${short}`);
    }
  }
}

/** Splits a Spark datetime pattern into DuckDB format runs and zone offsets. */
function sparkPattern(pattern: string, fn = 'date_format', formatting = false): Piece[] {
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
      const sql = COMPUTED[ch]?.(n);
      // Zone names (PST, UTC, Europe/Paris) are read, not printed: strftime would print the id.
      if (ch === 'z' && n <= 3 && !formatting) {
        append('%Z');
        i += n;
        continue;
      }
      if (sql !== undefined && (code === undefined || (ch === 'S' && formatting))) pieces.push({ sql });
      else if (code !== undefined) append(code);
      else if (offset !== undefined) pieces.push({ offset });
      else throw bad(`'${ch.repeat(n)}'`);
      i += n;
    } else if ((ch === '[' || ch === ']') && formatting) {
      // An optional section is printed whole.
      i++;
    } else if ('[]{}#'.includes(ch)) {
      throw bad(`'${ch}' (an optional section or a reserved character)`);
    } else {
      literal(ch);
      i++;
    }
  }
  return pieces;
}

/**
 * The strptime formats for a Spark pattern, most optional sections first (Spark's parser takes
 * an optional section when the text has it). `defaultYear`: the pattern names no year, which
 * Spark then takes as 1970 (strptime would take 1900).
 */
export function parsePatterns(pattern: string, fn: string): { format: string; zulu: boolean; defaultYear: boolean }[] {
  return expandOptional(pattern).map((p) => ({ ...parsePattern(p, fn), defaultYear: !/[yuY]/.test(p.replace(/'[^']*'/g, '')) }));
}

/** Every pattern an optional section (`[...]`, nested or not) can make, the fullest first. */
function expandOptional(pattern: string): string[] {
  let quoted = false;
  for (let i = 0; i < pattern.length; i++) {
    if (pattern[i] === "'") quoted = !quoted;
    else if (!quoted && pattern[i] === '[') {
      let depth = 0;
      let q = false;
      for (let j = i; j < pattern.length; j++) {
        if (pattern[j] === "'") q = !q;
        else if (!q && pattern[j] === '[') depth++;
        else if (!q && pattern[j] === ']' && --depth === 0) {
          const before = pattern.slice(0, i);
          const inner = pattern.slice(i + 1, j);
          const after = pattern.slice(j + 1);
          const rest = expandOptional(after);
          const withIt = expandOptional(inner).flatMap((x) => rest.map((r) => before + x + r));
          const out = [...withIt, ...rest.map((r) => before + r)];
          if (out.length > 32) throw sparkFunctionError('to_timestamp', `the datetime pattern '${pattern}' has too many optional sections`);
          return out;
        }
      }
      return [pattern];
    }
  }
  return [pattern];
}

/** A pattern for strptime; `zulu` when its offset (X) may be written `Z`, which %z does not read. */
export function parsePattern(pattern: string, fn: string): { format: string; zulu: boolean } {
  const pieces = sparkPattern(pattern, fn);
  let zulu = false;
  const format = pieces
    .map((p, i) => {
      if ('format' in p) return p.format;
      if ('sql' in p) throw sparkFunctionError(fn, `the datetime pattern '${pattern}' cannot be parsed by DuckDB's strptime`);
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
  const parts = sparkPattern(pattern, fn, true).map((p) => ('format' in p ? `strftime(${ts}, ${sqlString(p.format)})` : 'sql' in p ? p.sql(ts) : offsetSql(ts, p.offset)));
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
