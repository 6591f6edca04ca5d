/**
 * A tokenizer for the SQL Loch reads: enough to split statements, parse the Delta/Spark ones and
 * find table references in everything else, never enough to validate DuckDB's grammar (DuckDB
 * does that). Every token keeps its offsets so statements can be rewritten in place.
 *
 * Two dialects. What users write is Spark SQL (`'spark'`): strings in single or double quotes
 * with backslash escapes, raw strings `r'...'`, identifiers in backquotes, nested block comments.
 * Once rewrite/spark-literals.ts has written its literals out again, the text is read as DuckDB
 * reads it (`'duckdb'`, the default): a quote doubled inside a string, `"..."` an identifier.
 */
export type TokenKind = 'word' | 'quoted' | 'string' | 'number' | 'punct' | 'space' | 'comment';

export interface Token {
  readonly kind: TokenKind;
  /** The source text of the token. */
  readonly text: string;
  /** Identifiers unquoted, strings unescaped; the text otherwise. */
  readonly value: string;
  readonly start: number;
  readonly end: number;
  /** For quoted identifiers: '`' or '"'. */
  readonly quote?: string;
}

const WORD_START = /[\p{L}_]/u;
const WORD_PART = /[\p{L}\p{N}_$]/u;

export type Dialect = 'spark' | 'duckdb';

export function tokenize(text: string, dialect: Dialect = 'duckdb'): Token[] {
  const spark = dialect === 'spark';
  const out: Token[] = [];
  let i = 0;
  const push = (kind: TokenKind, start: number, end: number, value?: string, quote?: string) =>
    out.push({ kind, text: text.slice(start, end), value: value ?? text.slice(start, end), start, end, ...(quote ? { quote } : {}) });
  while (i < text.length) {
    const ch = text[i];
    const start = i;
    if (/\s/.test(ch)) {
      while (i < text.length && /\s/.test(text[i])) i++;
      push('space', start, i);
    } else if (ch === '-' && text[i + 1] === '-') {
      while (i < text.length && text[i] !== '\n') i++;
      push('comment', start, i);
    } else if (ch === '/' && text[i + 1] === '*') {
      i = spark ? nestedCommentEnd(text, i) : text.indexOf('*/', i + 2) < 0 ? text.length : text.indexOf('*/', i + 2) + 2;
      push('comment', start, i);
    } else if (spark && (ch === "'" || ch === '"')) {
      const { end, value } = readSparkString(text, i);
      i = end;
      push('string', start, i, value, ch);
    } else if (spark && (ch === 'r' || ch === 'R') && (text[i + 1] === "'" || text[i + 1] === '"')) {
      // A raw string: no escapes, it ends at the next quote of its kind.
      const close = text.indexOf(text[i + 1], i + 2);
      i = close < 0 ? text.length : close + 1;
      push('string', start, i, text.slice(start + 2, close < 0 ? text.length : close), text[start + 1]);
    } else if (ch === "'" || ch === '"' || ch === '`') {
      const { end, value } = quoted(text, i, ch);
      i = end;
      if (ch === "'") push('string', start, i, value);
      else push('quoted', start, i, value, ch);
    } else if (ch === '$' && /^\$([A-Za-z_]\w*)?\$/.test(text.slice(i))) {
      // DuckDB's dollar-quoted strings: $$...$$ or $tag$...$tag$.
      const tag = /^\$([A-Za-z_]\w*)?\$/.exec(text.slice(i))![0];
      const close = text.indexOf(tag, i + tag.length);
      i = close < 0 ? text.length : close + tag.length;
      push('string', start, i, text.slice(start + tag.length, close < 0 ? text.length : close));
    } else if (/[0-9]/.test(ch) || (ch === '.' && /[0-9]/.test(text[i + 1] ?? ''))) {
      const m = /^(?:\d[\d_]*)?(?:\.\d*)?(?:[eE][+-]?\d+)?/.exec(text.slice(i))!;
      i += Math.max(1, m[0].length);
      push('number', start, i);
    } else if (WORD_START.test(ch)) {
      while (i < text.length && WORD_PART.test(text[i])) i++;
      push('word', start, i);
    } else {
      i++;
      push('punct', start, i);
    }
  }
  return out;
}

/** Spark's one-letter string escapes; any other escaped character stands for itself. */
const ESCAPES = new Map([['0', '\u0000'], ['b', '\b'], ['n', '\n'], ['r', '\r'], ['t', '\t'], ['Z', '\u001a'], ['%', '\\%'], ['_', '\\_']]);

/**
 * A Spark string literal starting at `i` (either quote): a backslash escapes the next character
 * (`\n`, `\t`, `\u0041`, octal `\101`, `\'`); unclosed strings end the text.
 */
function readSparkString(text: string, i: number): { end: number; value: string } {
  const q = text[i];
  let value = '';
  let j = i + 1;
  while (j < text.length && text[j] !== q) {
    if (text[j] !== '\\' || j + 1 === text.length) {
      value += text[j++];
      continue;
    }
    const rest = text.slice(j + 1, j + 6);
    const unicode = /^u([0-9a-fA-F]{4})/.exec(rest);
    const octal = /^[0-3][0-7][0-7]/.exec(rest);
    if (unicode) {
      value += String.fromCharCode(parseInt(unicode[1], 16));
      j += 6;
    } else if (octal) {
      value += String.fromCharCode(parseInt(octal[0], 8));
      j += 4;
    } else {
      value += ESCAPES.get(rest[0]) ?? rest[0];
      j += 2;
    }
  }
  return { end: Math.min(j + 1, text.length), value };
}

/** Where a Spark block comment starting at `i` ends: Spark's comments nest. */
function nestedCommentEnd(text: string, i: number): number {
  let depth = 0;
  for (let j = i; j < text.length - 1; j++) {
    if (text[j] === '/' && text[j + 1] === '*') {
      depth++;
      j++;
    } else if (text[j] === '*' && text[j + 1] === '/') {
      depth--;
      j++;
      if (depth === 0) return j + 1;
    }
  }
  return text.length;
}

/** A Spark string literal with the value `s` (for SQL Loch writes for its own front end). */
export function sparkString(s: string): string {
  return `'${s.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
}

/** A Spark identifier in backquotes. */
export function sparkIdent(s: string): string {
  return `\`${s.replaceAll('`', '``')}\``;
}

/** A quoted run starting at `i`; the quote doubled inside stands for itself. Unclosed runs end the text. */
function quoted(text: string, i: number, q: string): { end: number; value: string } {
  let value = '';
  let j = i + 1;
  for (;;) {
    const k = text.indexOf(q, j);
    if (k < 0) return { end: text.length, value: value + text.slice(j) };
    value += text.slice(j, k);
    if (text[k + 1] === q) {
      value += q;
      j = k + 2;
      continue;
    }
    return { end: k + 1, value };
  }
}

/** Tokens that carry meaning (no whitespace or comments). */
export function significant(tokens: readonly Token[]): Token[] {
  return tokens.filter((t) => t.kind !== 'space' && t.kind !== 'comment');
}

export interface StatementText {
  /** The statement without the separating `;` and surrounding whitespace. */
  readonly text: string;
  /** 1-based position among the statements of the input. */
  readonly number: number;
}

/** Splits on `;` outside quotes and comments; empty statements (and comment-only ones) are dropped. */
export function splitStatements(text: string, dialect: Dialect = 'spark'): StatementText[] {
  const tokens = tokenize(text, dialect);
  const out: StatementText[] = [];
  let from = 0;
  let meaningful = false;
  const flush = (end: number) => {
    if (meaningful) out.push({ text: text.slice(from, end).trim(), number: out.length + 1 });
    meaningful = false;
  };
  for (const t of tokens) {
    if (t.kind === 'punct' && t.text === ';') {
      flush(t.start);
      from = t.end;
    } else if (t.kind !== 'space' && t.kind !== 'comment') meaningful = true;
  }
  flush(text.length);
  return out;
}

/** Is `t` the keyword `kw` (case-insensitive)? Quoted identifiers are never keywords. */
export function isWord(t: Token | undefined, ...kw: string[]): boolean {
  return t !== undefined && t.kind === 'word' && kw.some((k) => k.toUpperCase() === t.text.toUpperCase());
}

export function isPunct(t: Token | undefined, p: string): boolean {
  return t !== undefined && t.kind === 'punct' && t.text === p;
}

/** An identifier: a bare word or a quoted identifier. */
export function isIdent(t: Token | undefined): boolean {
  return t !== undefined && (t.kind === 'word' || t.kind === 'quoted');
}
