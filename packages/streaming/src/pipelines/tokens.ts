import { tokenize, type Token } from '@loch/lakehouse';
import { streamingError } from '../errors.js';

/** One statement of a pipeline file: its significant tokens (offsets into the file's text) and its line. */
export interface StatementTokens {
  readonly tokens: readonly Token[];
  readonly line: number;
  /** Offset of the statement's first token and of the end of its last one, in the file. */
  readonly start: number;
  readonly end: number;
}

/** Splits a file's text on `;` outside strings and comments; statements keep their 1-based line. */
export function splitFile(text: string): StatementTokens[] {
  const out: StatementTokens[] = [];
  let current: Token[] = [];
  const flush = () => {
    if (current.length > 0) {
      const start = current[0].start;
      out.push({ tokens: current, line: lineAt(text, start), start, end: current[current.length - 1].end });
    }
    current = [];
  };
  for (const t of tokenize(text, 'spark')) {
    if (t.kind === 'space' || t.kind === 'comment') continue;
    if (t.kind === 'punct' && t.text === ';') flush();
    else current.push(t);
  }
  flush();
  return out;
}

export function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** A cursor over a statement's tokens whose failures name the file and line. */
export class TokenCursor {
  pos = 0;

  constructor(
    readonly tokens: readonly Token[],
    readonly where: string,
  ) {}

  peek(k = 0): Token | undefined {
    return this.tokens[this.pos + k];
  }

  atEnd(): boolean {
    return this.pos >= this.tokens.length;
  }

  isWord(k: number, ...words: string[]): boolean {
    const t = this.peek(k);
    return t !== undefined && t.kind === 'word' && words.some((w) => w.toUpperCase() === t.text.toUpperCase());
  }

  isWords(...words: string[]): boolean {
    return words.every((w, i) => this.isWord(i, w));
  }

  /** Consumes `words` when they come next. */
  words(...words: string[]): boolean {
    if (!this.isWords(...words)) return false;
    this.pos += words.length;
    return true;
  }

  expectWords(...words: string[]): void {
    if (!this.words(...words)) this.fail(`expected ${words.join(' ')}`);
  }

  isPunct(p: string, k = 0): boolean {
    const t = this.peek(k);
    return t !== undefined && t.kind === 'punct' && t.text === p;
  }

  punct(p: string): boolean {
    if (!this.isPunct(p)) return false;
    this.pos++;
    return true;
  }

  expectPunct(p: string): void {
    if (!this.punct(p)) this.fail(`expected '${p}'`);
  }

  /** An identifier: a word or a quoted name. */
  ident(what: string): string {
    const t = this.peek();
    if (!t || (t.kind !== 'word' && t.kind !== 'quoted')) this.fail(`expected ${what}`);
    this.pos++;
    return t.value;
  }

  /** A dotted name (`events`, `sales.orders`), as written, without quotes. */
  name(what: string): string {
    const parts = [this.ident(what)];
    while (this.isPunct('.')) {
      this.pos++;
      parts.push(this.ident(what));
    }
    return parts.join('.');
  }

  string(what: string): string {
    const t = this.peek();
    if (!t || t.kind !== 'string') this.fail(`expected ${what} (a quoted string)`);
    this.pos++;
    return t.value;
  }

  /** The index of the `)` closing the `(` at `open`. */
  closing(open: number): number {
    let depth = 0;
    for (let i = open; i < this.tokens.length; i++) {
      const t = this.tokens[i];
      if (t.kind !== 'punct') continue;
      if (t.text === '(') depth++;
      else if (t.text === ')' && --depth === 0) return i;
    }
    this.fail(`unclosed '('`);
  }

  fail(message: string): never {
    const t = this.peek();
    throw streamingError('PIPELINE_PARSE_ERROR', `${this.where}: ${message}${t ? `, found '${t.text}'` : ' at the end of the statement'}`);
  }
}
