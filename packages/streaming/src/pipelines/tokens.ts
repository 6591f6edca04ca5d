import { Cursor, tokenize, type Token } from '@loch/lakehouse';
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

/**
 * The SQL parsers' cursor over one statement of a pipeline file, with what pipeline statements
 * add (dotted names, a parenthesis' extent) and failures that name the file and line.
 */
export class TokenCursor extends Cursor {
  constructor(
    tokens: readonly Token[],
    readonly where: string,
  ) {
    super('', tokens);
  }

  /** Whether the token `k` ahead is one of `words`. */
  isWord(k: number, ...words: string[]): boolean {
    const t = this.peek(k);
    return t !== undefined && t.kind === 'word' && words.some((w) => w.toUpperCase() === t.text.toUpperCase());
  }

  isPunct(p: string, k = 0): boolean {
    const t = this.peek(k);
    return t !== undefined && t.kind === 'punct' && t.text === p;
  }

  /** A dotted name (`events`, `sales.orders`), as written, without quotes. */
  name(what: string): string {
    const parts = [this.ident(what)];
    while (this.punct('.')) parts.push(this.ident(what));
    return parts.join('.');
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

  override fail(message: string): never {
    const t = this.peek();
    throw streamingError('PIPELINE_PARSE_ERROR', `${this.where}: ${message}${t ? `, found '${t.text}'` : ' at the end of the statement'}`);
  }
}
