/**
 * JSON parsing that keeps numbers exact. `JSON.parse` turns 9223372036854775807 or a 38-digit
 * decimal into the nearest double; statistics need the written value. Numbers with at most 15
 * significant digits survive a double and back, so text without longer digit runs goes through
 * the fast `JSON.parse`; anything else through a small exact parser that keeps number text.
 */

/** A JSON number's text, exactly as written. */
export class JsonNumber {
  constructor(readonly text: string) {}
}

export type ExactJson = null | boolean | string | number | JsonNumber | ExactJson[] | { [key: string]: ExactJson };

const LONG_NUMBER = /[0-9.]{16,}|NaN|Infinity/;

/** Parses JSON text; numbers are numbers when exact as doubles, JsonNumber otherwise. Throws on bad JSON. */
export function parseExactJson(text: string): ExactJson {
  if (!LONG_NUMBER.test(text)) return JSON.parse(text) as ExactJson;
  const p = new Parser(text);
  const v = p.value();
  p.ws();
  if (p.i !== text.length) p.fail();
  return v;
}

/** The text of a number from parseExactJson (either form); undefined for anything else. */
export function numberText(v: ExactJson | undefined): string | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : undefined;
  return v instanceof JsonNumber ? v.text : undefined;
}

class Parser {
  i = 0;
  constructor(readonly s: string) {}

  fail(): never {
    throw new SyntaxError(`bad JSON at offset ${this.i}`);
  }

  ws(): void {
    const s = this.s;
    while (this.i < s.length) {
      const c = s.charCodeAt(this.i);
      if (c === 32 || c === 9 || c === 10 || c === 13) this.i++;
      else break;
    }
  }

  value(): ExactJson {
    this.ws();
    const s = this.s;
    const c = s[this.i];
    if (c === '{') {
      this.i++;
      const o: { [key: string]: ExactJson } = Object.create(null);
      this.ws();
      if (s[this.i] === '}') {
        this.i++;
        return o;
      }
      for (;;) {
        this.ws();
        if (s[this.i] !== '"') this.fail();
        const k = this.string();
        this.ws();
        if (s[this.i++] !== ':') this.fail();
        o[k] = this.value();
        this.ws();
        const d = s[this.i++];
        if (d === '}') return o;
        if (d !== ',') this.fail();
      }
    }
    if (c === '[') {
      this.i++;
      const a: ExactJson[] = [];
      this.ws();
      if (s[this.i] === ']') {
        this.i++;
        return a;
      }
      for (;;) {
        a.push(this.value());
        this.ws();
        const d = s[this.i++];
        if (d === ']') return a;
        if (d !== ',') this.fail();
      }
    }
    if (c === '"') return this.string();
    for (const [word, v] of [['true', true], ['false', false], ['null', null], ['NaN', NaN], ['Infinity', Infinity], ['-Infinity', -Infinity]] as const) {
      if (s.startsWith(word, this.i)) {
        this.i += word.length;
        return v;
      }
    }
    const m = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
    m.lastIndex = this.i;
    const r = m.exec(s);
    if (!r) this.fail();
    this.i += r[0].length;
    return new JsonNumber(r[0]);
  }

  string(): string {
    const s = this.s;
    const start = this.i;
    let j = start + 1;
    // Fast path: no escapes.
    for (; j < s.length; j++) {
      const c = s.charCodeAt(j);
      if (c === 34) {
        this.i = j + 1;
        return s.slice(start + 1, j);
      }
      if (c === 92) break;
    }
    // Let JSON.parse decode escapes: find the closing quote first.
    for (; j < s.length; j++) {
      const c = s.charCodeAt(j);
      if (c === 92) j++;
      else if (c === 34) {
        this.i = j + 1;
        return JSON.parse(s.slice(start, j + 1)) as string;
      }
    }
    this.fail();
  }
}
