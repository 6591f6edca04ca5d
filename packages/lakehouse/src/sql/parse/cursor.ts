import { sqlError } from '../errors.js';
import { isIdent, isPunct, isWord, significant, tokenize, type Token } from './lexer.js';

/** A read position over one statement's meaningful tokens, for the hand-written parsers. */
export class Cursor {
  readonly tokens: Token[];
  pos = 0;

  /** `tokens`: a statement's significant tokens already cut from `text` (offsets into it). */
  constructor(readonly text: string, tokens?: readonly Token[]) {
    this.tokens = tokens ? [...tokens] : significant(tokenize(text));
  }

  peek(ahead = 0): Token | undefined {
    return this.tokens[this.pos + ahead];
  }

  atEnd(): boolean {
    return this.pos >= this.tokens.length;
  }

  next(): Token {
    const t = this.tokens[this.pos];
    if (!t) this.fail('unexpected end of statement');
    this.pos++;
    return t;
  }

  /** Whether the next tokens are these keywords, in order (nothing consumed). */
  isWords(...kws: string[]): boolean {
    return kws.every((k, i) => isWord(this.peek(i), k));
  }

  /** Consumes the keywords when they come next, in order. */
  words(...kws: string[]): boolean {
    if (!this.isWords(...kws)) return false;
    this.pos += kws.length;
    return true;
  }

  expectWords(...kws: string[]): void {
    if (!this.words(...kws)) this.fail(`expected ${kws.join(' ')}`);
  }

  punct(p: string): boolean {
    if (!isPunct(this.peek(), p)) return false;
    this.pos++;
    return true;
  }

  expectPunct(p: string): void {
    if (!this.punct(p)) this.fail(`expected '${p}'`);
  }

  ident(what: string): string {
    const t = this.peek();
    if (!isIdent(t)) this.fail(`expected ${what}`);
    this.pos++;
    return t!.value;
  }

  string(what: string): string {
    const t = this.peek();
    if (t?.kind !== 'string') this.fail(`expected ${what} (a quoted string)`);
    this.pos++;
    return t!.value;
  }

  integer(what: string): number {
    const t = this.peek();
    if (t?.kind !== 'number' || !/^\d+$/.test(t.text)) this.fail(`expected ${what} (a non-negative integer)`);
    this.pos++;
    return Number(t!.text);
  }

  /** The source text from the next token to the end of the statement. */
  rest(): string {
    const t = this.peek();
    return t ? this.text.slice(t.start) : '';
  }

  expectEnd(): void {
    if (!this.atEnd()) this.fail('unexpected text');
  }

  fail(message: string): never {
    const t = this.peek();
    throw sqlError(t ? `${message} at or near "${t.text}"` : `${message} at end of statement`);
  }
}
