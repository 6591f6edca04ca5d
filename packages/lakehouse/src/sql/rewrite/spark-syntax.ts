/** Spark syntax outside function calls, rewritten for DuckDB before the calls are. */
import { sqlError } from '../errors.js';
import { isPunct, isWord, tokenize, type Token } from '../parse/lexer.js';
import { hiveGroupBy } from './grouping.js';
import { havingAsWhere, sparkOperators } from './spark-operators.js';
import { intervalLiterals } from './interval-literals.js';
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
 * A BD literal with an exponent (`5e36BD`, `1.5E-3BD`) is the exact decimal it writes, as Java's
 * BigDecimal reads it (a negative scale made 0: `5e36BD` is decimal(37,0)).
 */
function exponentDecimal(literal: string): string | undefined {
  const m = /^(-?)(\d*)(?:\.(\d*))?[eE]([+-]?\d+)$/.exec(literal.replaceAll('_', ''));
  if (!m) return undefined;
  const [, sign, int, frac = '', exp] = m;
  let digits = (int + frac).replace(/^0+(?=\d)/, '');
  let scale = frac.length - Number(exp);
  if (scale < 0) {
    digits += '0'.repeat(-scale);
    scale = 0;
  }
  const significant = digits.replace(/^0+/, '');
  const precision = Math.max(1, significant.length, scale);
  if (precision > 38) throw sqlError(`the number ${literal}BD has more than 38 digits, the most a DECIMAL holds`);
  const padded = digits.padStart(scale + 1, '0');
  const text = scale === 0 ? padded : `${padded.slice(0, padded.length - scale)}.${padded.slice(padded.length - scale)}`;
  return `CAST(${sign}${text} AS DECIMAL(${precision}, ${scale}))`;
}

const INTEGER_RANGES: Readonly<Record<string, readonly [bigint, bigint]>> = {
  TINYINT: [-128n, 127n],
  SMALLINT: [-32768n, 32767n],
  BIGINT: [-(2n ** 63n), 2n ** 63n - 1n],
};

/** A typed number literal (`-128Y`, `1.5D`, `2BD`) as a cast; out of its type's range, an error as in Spark. */
function typedNumber(literal: string, suffixText: string): string {
  const suffix = NUMBER_SUFFIXES[suffixText.toUpperCase()];
  const outOfRange = (range: string) => sqlError(`the number ${literal}${suffixText} is out of range for ${suffix} (${range})`);
  const range = INTEGER_RANGES[suffix];
  if (range) {
    if (!/^-?[0-9]+$/.test(literal)) throw sqlError(`${literal}${suffixText} is not an integer, as a ${suffix} literal must be`);
    const n = BigInt(literal);
    if (n < range[0] || n > range[1]) throw outOfRange(`${range[0]} to ${range[1]}`);
    return `CAST(${literal} AS ${suffix})`;
  }
  if (suffix === 'DECIMAL') {
    const exact = exponentDecimal(literal);
    if (exact) return exact;
    const type = decimalTypeOf(literal.replace(/^-/, ''));
    if (type === undefined) throw sqlError(`the number ${literal}${suffixText} has more than 38 digits, the most a DECIMAL holds`);
    return `CAST(${literal} AS ${type})`;
  }
  const value = Number(literal);
  if (!Number.isFinite(suffix === 'FLOAT' ? Math.fround(value) : value)) throw outOfRange(suffix === 'FLOAT' ? 'about ±3.4E38' : 'about ±1.8E308');
  return `CAST(${literal} AS ${suffix})`;
}

/** Whether the token ends an operand (so a `-` after it is subtraction, not a sign). */
function isOperand(t: Token | undefined): boolean {
  if (t === undefined) return false;
  if (t.kind === 'number' || t.kind === 'string' || t.kind === 'quoted') return true;
  if (t.kind === 'punct') return t.text === ')' || t.text === ']';
  return t.kind === 'word' && !KEYWORDS_BEFORE_OPERAND.has(t.text.toUpperCase());
}

/** Words after which a `-` starts a negative number. */
const KEYWORDS_BEFORE_OPERAND = new Set(['SELECT', 'WHERE', 'AND', 'OR', 'NOT', 'WHEN', 'THEN', 'ELSE', 'CASE', 'IN', 'IS', 'BETWEEN', 'LIKE', 'ON', 'BY', 'HAVING', 'RETURN', 'VALUES', 'AS', 'INTERVAL', 'LIMIT', 'OFFSET', 'DISTINCT', 'ALL']);

/**
 * Spark syntax outside function calls that DuckDB reads another way or not at all:
 * `LEFT SEMI JOIN` / `LEFT ANTI JOIN` (DuckDB's `SEMI JOIN` / `ANTI JOIN`), `SELECT * EXCEPT (a)`
 * (DuckDB's `EXCLUDE`), typed number literals (`100L`, which DuckDB would read as `100 AS L`), and
 * Hive's `GROUP BY ... WITH ROLLUP | WITH CUBE` (grouping.ts).
 */
export function sparkSyntax(text: string, conf: ReadonlyMap<string, string> = new Map()): string {
  const legacyHaving = (conf.get('spark.sql.legacy.parser.havingWithoutGroupByAsWhere') ?? '').trim().toLowerCase() === 'true';
  const tokens = tokenize(intervalLiterals(sparkOperators(hiveGroupBy(legacyHaving ? havingAsWhere(text) : text))));
  let out = '';
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    // `a div b`, integral division, is DuckDB's `//` (same precedence); its type is Spark's (decimal-types.ts).
    if (isWord(t, 'DIV') && isOperand(tokens[prevSig(tokens, i)]) && !isPunct(tokens[nextSig(tokens, i)], '(') && !isPunct(tokens[nextSig(tokens, i)], ',')) {
      out += '//';
      continue;
    }
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
    const literal = typedLiteral(tokens, i);
    if (literal) {
      out += literal.sql;
      i = literal.end;
      continue;
    }
    const next = tokens[i + 1];
    if (t.kind === 'number' && next?.kind === 'word' && next.start === t.end && NUMBER_SUFFIXES[next.text.toUpperCase()] !== undefined) {
      // The sign belongs to the literal when it is not an operator (`-128Y` is in range).
      const p = prevSig(tokens, i);
      const signed = isPunct(tokens[p], '-') && !isOperand(tokens[prevSig(tokens, p)]);
      if (signed) out = out.slice(0, out.length - (t.start - tokens[p].start));
      out += typedNumber(`${signed ? '-' : ''}${t.text}`, next.text);
      i++;
      continue;
    }
    out += t.text;
  }
  return out;
}

/**
 * Spark's typed literals: `TIMESTAMP '...'` is an instant (TIMESTAMP_LTZ) read in the session
 * time zone, `TIMESTAMP_NTZ '...'` a wall clock, and `DATE`s and timestamps may be cut short
 * (`DATE '2019'`, `TIMESTAMP '2019-05'`).
 */
function typedLiteral(tokens: Token[], i: number): { sql: string; end: number } | undefined {
  const t = tokens[i];
  if (!isWord(t, 'DATE', 'TIMESTAMP', 'TIMESTAMP_LTZ', 'TIMESTAMP_NTZ')) return undefined;
  const k = nextSig(tokens, i);
  const s = tokens[k];
  if (s?.kind !== 'string' || isPunct(tokens[prevSig(tokens, i)], '.')) return undefined;
  const type = t.text.toUpperCase();
  const text = s.value.trim();
  const short = /^([+-]?\d{4,})(?:-(\d{1,2}))?$/.exec(text);
  const value = short ? `${short[1]}-${(short[2] ?? '1').padStart(2, '0')}-01` : text;
  if (type === 'DATE') {
    const date = /^([+-]?\d{4,})-(\d{1,2})(?:-(\d{1,2}))?(?:[ T].*)?$/.exec(value);
    if (!date) throw sqlError(`DATE ${s.text} is not a date (yyyy-MM-dd)`);
    return { sql: `DATE '${date[1]}-${date[2].padStart(2, '0')}-${(date[3] ?? '1').padStart(2, '0')}'`, end: k };
  }
  const duck = type === 'TIMESTAMP_NTZ' ? 'TIMESTAMP' : 'TIMESTAMPTZ';
  const zoned = type === 'TIMESTAMP_NTZ' ? undefined : zonedTimestamp(value);
  if (zoned !== undefined) return { sql: zoned, end: k };
  return { sql: `${duck} '${value.replaceAll("'", "''")}'`, end: k };
}

/**
 * A timestamp text with Spark's zone suffix (`...Z`, `...+08:00`, `...UTC+080000`,
 * `...Europe/Paris`) as the instant it names; undefined without a zone (the session's applies).
 */
export function zonedTimestamp(text: string): string | undefined {
  const m = /^\s*([+-]?\d{4,}-\d{1,2}-\d{1,2}(?:[ T]\d{1,2}(?::\d{1,2}(?::\d{1,2}(?:\.\d*)?)?)?)?)\s*(\S.*?)\s*$/.exec(text);
  if (!m) return undefined;
  const local = `TIMESTAMP '${m[1].replace('T', ' ')}'`;
  const zone = m[2];
  const offset = /^(?:UTC|GMT|UT)?([+-])(\d{1,2})(?::?(\d{2}))?(?::?(\d{2}))?$/.exec(zone);
  if (offset) {
    const seconds = (Number(offset[2]) * 3600 + Number(offset[3] ?? 0) * 60 + Number(offset[4] ?? 0)) * (offset[1] === '-' ? -1 : 1);
    return `timezone('UTC', ${local} - INTERVAL (${seconds}) SECOND)`;
  }
  if (/^(Z|UTC|GMT|UT)$/i.test(zone)) return `timezone('UTC', ${local})`;
  if (/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(zone)) return `timezone('${zone}', ${local})`;
  return undefined;
}
