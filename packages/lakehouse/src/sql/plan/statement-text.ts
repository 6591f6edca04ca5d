/**
 * A statement's text as DuckDB's parse tree locates it: its tokens with their places in UTF-8
 * bytes (a tree's `query_location` counts bytes; the lexer counts UTF-16 code units), and the
 * tokens the calls written in it span. The decimal pass (decimal-types.ts) writes into the text
 * itself instead of printing the whole parse tree again, so a statement's size costs it nothing.
 */
import { isPunct, isWord, significant, tokenize, type Token } from '../parse/lexer.js';

/** Tokens `first` to `last` (indices, inclusive). */
export interface TokenSpan {
  readonly first: number;
  readonly last: number;
}

/** Text put in place of the characters [start, end) of the statement (an insertion when they are equal). */
export interface TextEdit {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

export class StatementText {
  readonly tokens: readonly Token[];
  private readonly startBytes: number[] = [];
  private readonly endBytes: number[] = [];
  private readonly byByte = new Map<number, number>();

  constructor(readonly sql: string) {
    this.tokens = significant(tokenize(sql));
    let chars = 0;
    let bytes = 0;
    const to = (at: number) => {
      bytes += Buffer.byteLength(sql.slice(chars, at));
      chars = at;
      return bytes;
    };
    this.tokens.forEach((t, i) => {
      this.startBytes.push(to(t.start));
      this.endBytes.push(to(t.end));
      this.byByte.set(this.startBytes[i], i);
    });
  }

  /** The token that starts at a parse tree's location (bytes); undefined for none. */
  tokenAt(location: number | undefined): number | undefined {
    return location === undefined ? undefined : this.byByte.get(location);
  }

  startByte(token: number): number {
    return this.startBytes[token];
  }

  endByte(token: number): number {
    return this.endBytes[token];
  }

  /** The parentheses of the call whose name (maybe qualified or quoted) starts at token `name`. */
  private callParens(name: number): { open: number; close: number } | undefined {
    let i = name;
    while (i < this.tokens.length && !isPunct(this.tokens[i], '(')) {
      const t = this.tokens[i];
      if (!(t.kind === 'word' || t.kind === 'quoted' || isPunct(t, '.'))) return undefined;
      i++;
    }
    const close = this.closing(i);
    return close === undefined ? undefined : { open: i, close };
  }

  /** The `)` that closes the `(` at token `open`. */
  private closing(open: number): number | undefined {
    if (!isPunct(this.tokens[open], '(')) return undefined;
    let depth = 0;
    for (let j = open; j < this.tokens.length; j++) {
      if (isPunct(this.tokens[j], '(')) depth++;
      else if (isPunct(this.tokens[j], ')') && --depth === 0) return j;
    }
    return undefined;
  }

  /** A one-argument call's argument: after `(` and a DISTINCT or ALL, up to `)` or an ORDER BY of the call's own. */
  argument(name: number): TokenSpan | undefined {
    const call = this.callParens(name);
    if (!call) return undefined;
    let first = call.open + 1;
    if (isWord(this.tokens[first], 'DISTINCT', 'ALL')) first++;
    let depth = 0;
    for (let j = first; j < call.close; j++) {
      const t = this.tokens[j];
      if (isPunct(t, '(')) depth++;
      else if (isPunct(t, ')')) depth--;
      else if (depth === 0 && isWord(t, 'ORDER') && isWord(this.tokens[j + 1], 'BY')) return j > first ? { first, last: j - 1 } : undefined;
    }
    return call.close > first ? { first, last: call.close - 1 } : undefined;
  }

  /** A call as written: its name to its `)`, then its FILTER (...) and OVER (...) or OVER name. */
  call(name: number): TokenSpan | undefined {
    const call = this.callParens(name);
    if (!call) return undefined;
    let last = call.close;
    if (isWord(this.tokens[last + 1], 'FILTER')) {
      const close = this.closing(last + 2);
      if (close === undefined) return undefined;
      last = close;
    }
    if (isWord(this.tokens[last + 1], 'OVER')) {
      const next = this.tokens[last + 2];
      if (isPunct(next, '(')) {
        const close = this.closing(last + 2);
        if (close === undefined) return undefined;
        last = close;
      } else if (next?.kind === 'word' || next?.kind === 'quoted') {
        last += 2;
      } else {
        return undefined;
      }
    }
    return { first: name, last };
  }

  /** `span` with the parentheses written around it (`((x))` for `x`). */
  withParens(span: TokenSpan): TokenSpan {
    let { first, last } = span;
    while (first > 0 && isPunct(this.tokens[first - 1], '(') && this.closing(first - 1) === last + 1) {
      first--;
      last++;
    }
    return { first, last };
  }

  /** The characters tokens `span` cover, as an edit replacing them with `text`. */
  replace(span: TokenSpan, text: string): TextEdit {
    return { start: this.tokens[span.first].start, end: this.tokens[span.last].end, text };
  }

  /** The statement with `edits` made (they must not overlap). */
  edited(edits: readonly TextEdit[]): string {
    const sorted = [...edits].sort((a, b) => a.start - b.start || a.end - b.end);
    const parts: string[] = [];
    let from = 0;
    for (const e of sorted) {
      parts.push(this.sql.slice(from, e.start), e.text);
      from = e.end;
    }
    parts.push(this.sql.slice(from));
    return parts.join('');
  }
}
