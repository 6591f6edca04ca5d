/**
 * A tokenizer for the SQL Loch reads: enough to split statements, parse the Delta/Spark ones and
 * find table references in everything else, never enough to validate DuckDB's grammar (DuckDB
 * does that). Every token keeps its offsets so statements can be rewritten in place.
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

export function tokenize(text: string): Token[] {
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
      const close = text.indexOf('*/', i + 2);
      i = close < 0 ? text.length : close + 2;
      push('comment', start, i);
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
export function splitStatements(text: string): StatementText[] {
  const tokens = tokenize(text);
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
