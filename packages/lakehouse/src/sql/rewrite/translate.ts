/**
 * Spark SQL text rewritten into DuckDB SQL: Spark's literals first (spark-literals.ts), then its
 * syntax outside calls (spark-syntax.ts, inline-tables.ts, subscripts.ts), then every call of a function in the
 * registry (functions/index.ts), innermost arguments included, and the generators (explode,
 * json_tuple, LATERAL VIEW) that change the FROM clause.
 */
import { isPunct, isWord, type Token, tokenize } from '../parse/lexer.js';
import { Call, type Range } from './call.js';
import { ANY, RULES, sparkFunctionError } from './functions/index.js';
import { inlineTables } from './inline-tables.js';
import { sparkLiterals } from './spark-literals.js';
import { sparkSyntax } from './spark-syntax.js';
import { subscripts } from './subscripts.js';
import { identName, isSig, nextSig, prevSig, sqlString, stringLiteral } from './tokens.js';

/** Session conf a rewrite reads (legacy behaviours Spark keeps behind a flag). */
export type SparkConf = ReadonlyMap<string, string>;

/** Rewrites the Spark SQL function calls in `text` that DuckDB lacks or runs differently. */
export function translateSparkFunctions(text: string, conf: SparkConf = new Map()): string {
  const t = new Translator(subscripts(inlineTables(sparkSyntax(sparkLiterals(text), conf))), conf);
  return t.range(0, t.tokens.length, false);
}

/** Words that end a SELECT item (so the word after a generator call is not its alias). */
const ITEM_END = new Set([
  'FROM', 'WHERE', 'GROUP', 'HAVING', 'ORDER', 'LIMIT', 'OFFSET', 'UNION', 'EXCEPT', 'INTERSECT', 'MINUS', 'WINDOW',
  'QUALIFY', 'CLUSTER', 'DISTRIBUTE', 'SORT', 'LATERAL', 'INTO', 'FETCH', 'JOIN', 'INNER', 'LEFT', 'RIGHT', 'FULL',
  'CROSS', 'NATURAL', 'ON', 'USING',
]);

interface GeneratorKind {
  readonly pos: boolean;
  readonly outer: boolean;
  /** json_tuple: one row of the JSON fields named by the other arguments. */
  readonly tuple?: boolean;
}

export class Translator {
  readonly tokens: Token[];
  lambdas = 0;

  constructor(
    readonly text: string,
    readonly conf: SparkConf = new Map(),
  ) {
    this.tokens = tokenize(text);
  }

  /** Whether the session conf turns `key` on. */
  flag(key: string): boolean {
    return (this.conf.get(key) ?? '').trim().toLowerCase() === 'true';
  }

  next(i: number): number {
    return nextSig(this.tokens, i);
  }

  prev(i: number): number {
    return prevSig(this.tokens, i);
  }

  /** The index of the bracket closing the one at `open`, or undefined when it is never closed. */
  closing(open: number): number | undefined {
    let depth = 0;
    for (let j = open; j < this.tokens.length; j++) {
      const t = this.tokens[j];
      if (t.kind !== 'punct') continue;
      if ('([{'.includes(t.text)) depth++;
      else if (')]}'.includes(t.text) && --depth === 0) return j;
    }
    return undefined;
  }

  /**
   * Tokens [from, to) translated. Inside a rewritten call a `--` comment becomes a block comment:
   * the rewrite puts text after it on the same line.
   */
  range(from: number, to: number, inCall: boolean): string {
    let out = '';
    for (let i = from; i < to; ) {
      const hit = this.rewriteAt(i, to);
      if (hit) {
        out += hit.sql;
        i = hit.end;
        continue;
      }
      const t = this.tokens[i++];
      out += inCall && t.kind === 'comment' && t.text.startsWith('--') ? `/*${t.text.slice(2).replaceAll('*/', '* /')} */` : t.text;
    }
    return out;
  }

  private rewriteAt(i: number, to: number): { sql: string; end: number } | undefined {
    const t = this.tokens[i];
    if (t.kind !== 'word') return undefined;
    if (isWord(t, 'LATERAL') && isWord(this.tokens[this.next(i)], 'VIEW')) return this.lateralView(i, to);
    if (isWord(t, 'RLIKE', 'REGEXP') && !isPunct(this.tokens[this.next(i)], '(')) return this.rlike(i, to);
    const name = t.text.toLowerCase();
    const rule = RULES.get(name);
    const before = this.tokens[this.prev(i)];
    // A table named like a function: `INSERT INTO first (a)`, `CREATE TABLE split (...)`.
    if (!rule || isPunct(before, '.') || isWord(before, 'INTO', 'TABLE', 'VIEW', 'REFERENCES')) return undefined;
    const call = this.callAt(i, name, to);
    if (!call || call.close >= to || rule.notACall?.(call)) return undefined;
    const [min, max] = rule.args;
    if (call.args.length < min || call.args.length > max) {
      const want = min === max ? `${min}` : max === ANY ? `at least ${min}` : `${min} to ${max}`;
      throw sparkFunctionError(name, `takes ${want} argument${want === '1' ? '' : 's'}, got ${call.args.length}`);
    }
    const r = rule.to(call);
    const out = typeof r === 'string' ? { sql: r, end: call.close + 1 } : r;
    // A whole SELECT item keeps the name Spark gives it (the call as written), not the rewrite's.
    if (!name.includes('explode') && name !== 'json_tuple' && this.unnamedSelectItem(i, out.end)) {
      const written = rule.sparkName ?? (rule.upperName ? name.toUpperCase() : name) + this.text.slice(t.end, this.tokens[out.end - 1].end).replace(/\s+/g, ' ');
      return { sql: `${out.sql} AS "${written.replaceAll('"', '""')}"`, end: out.end };
    }
    return out;
  }

  /**
   * `str RLIKE 'regex'` (or REGEXP): DuckDB's operator for a regular expression (SIMILAR TO) must
   * match the whole string, Spark's anywhere in it.
   */
  private rlike(i: number, to: number): { sql: string; end: number } | undefined {
    const k = this.next(i);
    const end = k + 1;
    const regex = end <= to ? stringLiteral(this.tokens.slice(k, end)) : undefined;
    if (regex === undefined) {
      // A column may be called regexp; RLIKE is only the operator.
      if (isWord(this.tokens[i], 'REGEXP')) return undefined;
      throw sparkFunctionError('RLIKE', 'the regular expression must be a string literal (regexp_like(str, regex) takes a computed one)');
    }
    return { sql: `SIMILAR TO ${sqlString(`(?s:.*)(?:${regex})(?s:.*)`)}`, end };
  }

  /** Whether tokens [start, end) are a whole item of a SELECT list with no alias after them. */
  private unnamedSelectItem(start: number, end: number): boolean {
    const p = this.prev(start);
    const before = this.tokens[p];
    const opens =
      isWord(before, 'SELECT') ||
      (isWord(before, 'DISTINCT', 'ALL') && isWord(this.tokens[this.prev(p)], 'SELECT')) ||
      (isPunct(before, ',') && this.clauseOf(p) === 'select');
    if (!opens) return false;
    const after = this.tokens[this.next(end - 1)];
    return after === undefined || isPunct(after, ',') || isPunct(after, ')') || isPunct(after, ';') || (after.kind === 'word' && ITEM_END.has(after.text.toUpperCase()) && !isWord(after, 'AS'));
  }

  /** The call whose name is the word at `i`, its arguments split on top-level commas. */
  private callAt(i: number, name: string, limit: number): Call | undefined {
    const open = this.next(i);
    if (!isPunct(this.tokens[open], '(')) return undefined;
    const close = this.closing(open);
    if (close === undefined) return undefined;
    const args: Range[] = [];
    let from = open + 1;
    let depth = 0;
    for (let j = open + 1; j < close; j++) {
      const t = this.tokens[j];
      if (t.kind !== 'punct') continue;
      if ('([{'.includes(t.text)) depth++;
      else if (')]}'.includes(t.text)) depth--;
      else if (t.text === ',' && depth === 0) {
        args.push({ from, to: j });
        from = j + 1;
      }
    }
    if (args.length > 0 || this.tokens.slice(from, close).some(isSig)) args.push({ from, to: close });
    return new Call(this, name, i, open, close, args, limit);
  }

  /**
   * explode & co. Spark runs a generator only as a whole SELECT item, a FROM item or in LATERAL
   * VIEW; DuckDB's unnest() in a SELECT list does the same, several unnests side by side zipped
   * into one row each (so a map gives its keys and values, posexplode the positions and values).
   */
  generator(c: Call, kind: GeneratorKind): { sql: string; end: number } {
    const p = this.prev(c.start);
    const before = this.tokens[p];
    if (this.isFromItem(c.start)) {
      // A table of the generator's rows; after a comma or JOIN it may read the tables before it.
      const items = this.generatorItems(c, kind).map(([sql, name]) => `${sql} AS ${name}`);
      return { sql: `${isWord(before, 'FROM') ? '' : 'LATERAL '}(SELECT ${items.join(', ')})`, end: c.close + 1 };
    }
    const inSelect =
      isWord(before, 'SELECT') ||
      (isWord(before, 'DISTINCT', 'ALL') && isWord(this.tokens[this.prev(p)], 'SELECT')) ||
      (isPunct(before, ',') && this.clauseOf(p) === 'select');
    if (!inSelect) throw sparkFunctionError(c.name, 'must be a whole SELECT item, a FROM item or in LATERAL VIEW');
    // The alias: AS name, AS (a, b) or a bare name.
    let k = this.next(c.close);
    let names: Token[] | undefined;
    let end = c.close + 1;
    if (isWord(this.tokens[k], 'AS')) {
      const a = this.next(k);
      if (isPunct(this.tokens[a], '(')) {
        const close = this.closing(a) ?? this.tokens.length;
        names = this.tokens.slice(a + 1, close).filter((t) => isSig(t) && !isPunct(t, ','));
        end = close + 1;
      } else {
        names = [this.tokens[a]];
        end = a + 1;
      }
      k = this.next(end - 1);
    } else if (identName(this.tokens[k]) !== undefined && !ITEM_END.has(this.tokens[k].text.toUpperCase())) {
      names = [this.tokens[k]];
      end = k + 1;
      k = this.next(k);
    }
    const after = this.tokens[k];
    const ends = after === undefined || isPunct(after, ',') || isPunct(after, ')') || isPunct(after, ';') || (after.kind === 'word' && ITEM_END.has(after.text.toUpperCase()));
    if (!ends) throw sparkFunctionError(c.name, 'must be a whole SELECT item, a FROM item or in LATERAL VIEW');
    const items = this.generatorItems(c, kind, names);
    return { sql: items.map(([sql, name]) => `${sql} AS ${name}`).join(', '), end };
  }

  /** `(sql, column name)` of each column a generator makes; `names` are the aliases given, if any. */
  private generatorItems(c: Call, kind: GeneratorKind, names?: Token[]): [string, string][] {
    if (names?.some((t) => identName(t) === undefined)) throw sparkFunctionError(c.name, 'column aliases must be names');
    const x = c.sql(0);
    if (kind.tuple) return this.jsonTupleItems(c, names);
    const orNull = (list: string) => (kind.outer ? `coalesce(nullif(${list}, []), [NULL])` : list);
    // A MAP column cannot be told from an array without types: only a visible map explodes as one.
    const isMap = c.kindOf(0) === 'map';
    const columns: [string, string][] = isMap ? [[`map_keys(${x})`, 'key'], [`map_values(${x})`, 'value']] : [[x, 'col']];
    if (kind.pos) columns.unshift([`range(len(${isMap ? `map_keys(${x})` : x}))`, 'pos']);
    if (names && names.length !== columns.length) {
      throw sparkFunctionError(c.name, `makes ${columns.length} column${columns.length > 1 ? 's' : ''} (${columns.map((col) => col[1]).join(', ')}) but ${names.length} alias${names.length > 1 ? 'es were' : ' was'} given`);
    }
    return columns.map(([list, name], i) => [`unnest(${orNull(list)})`, names ? names[i].text : name]);
  }

  /** json_tuple(json, 'a', 'b'): columns c0, c1, ... read as get_json_object reads '$.a' (NULL for text that is not JSON). */
  private jsonTupleItems(c: Call, names?: Token[]): [string, string][] {
    if (c.args.length < 2) throw sparkFunctionError(c.name, 'takes a JSON string and at least one field name');
    const fields = c.args.slice(1).map((_, k) => c.literal(k + 1));
    if (fields.some((f) => f === undefined || f.includes('"'))) throw sparkFunctionError(c.name, 'field names must be string literals (without double quotes)');
    if (names && names.length !== fields.length) {
      throw sparkFunctionError(c.name, `makes ${fields.length} column${fields.length > 1 ? 's' : ''} but ${names.length} alias${names.length > 1 ? 'es were' : ' was'} given`);
    }
    const json = `TRY_CAST(${c.sql(0)} AS JSON)`;
    return fields.map((f, k) => [`json_extract_string(${json}, ${sqlString(`$."${f}"`)})`, names ? names[k].text : `c${k}`]);
  }

  /** Whether the token at `i` starts an item of a FROM clause (after FROM, JOIN or a comma between FROM items). */
  isFromItem(i: number): boolean {
    const p = this.prev(i);
    const before = this.tokens[p];
    return isWord(before, 'FROM') || isWord(before, 'JOIN') || (isPunct(before, ',') && this.clauseOf(p) === 'from');
  }

  /** The clause a top-level `,` at `i` is in: scans back over brackets to SELECT or FROM. */
  private clauseOf(i: number): 'select' | 'from' | undefined {
    let depth = 0;
    for (let j = i - 1; j >= 0; j--) {
      const t = this.tokens[j];
      if (t.kind === 'punct') {
        if (')]}'.includes(t.text)) depth++;
        else if ('([{'.includes(t.text) && depth-- === 0) return undefined;
      } else if (t.kind === 'word' && depth === 0) {
        const w = t.text.toUpperCase();
        if (w === 'SELECT') return 'select';
        if (w === 'FROM' || w === 'JOIN') return 'from';
        if (ITEM_END.has(w) || w === 'BY' || w === 'SET' || w === 'VALUES') return undefined;
      }
    }
    return undefined;
  }

  /**
   * `LATERAL VIEW [OUTER] generator(x) [table] [AS] [col, ...]` as a lateral join of the
   * generator's rows; OUTER keeps a row of NULLs for an empty or NULL input, as explode_outer does.
   */
  private lateralView(i: number, to: number): { sql: string; end: number } {
    let k = this.next(this.next(i));
    const outer = isWord(this.tokens[k], 'OUTER');
    if (outer) k = this.next(k);
    const word = this.tokens[k];
    const name = word?.kind === 'word' ? word.text.toLowerCase() : '';
    const kinds: Record<string, GeneratorKind> = {
      explode: { pos: false, outer: false },
      explode_outer: { pos: false, outer: true },
      posexplode: { pos: true, outer: false },
      posexplode_outer: { pos: true, outer: true },
      json_tuple: { pos: false, outer: false, tuple: true },
    };
    const kind = kinds[name];
    // inline, stack...: DuckDB has no generator to map them onto.
    if (!Object.hasOwn(kinds, name)) throw sparkFunctionError(`LATERAL VIEW ${word?.text ?? ''}`, 'only explode, explode_outer, posexplode, posexplode_outer and json_tuple can be translated');
    const call = this.callAt(k, name, to);
    if (!call || call.close >= to) throw sparkFunctionError(`LATERAL VIEW ${name}`, 'expected a call');
    if (call.args.length !== 1 && !kind.tuple) throw sparkFunctionError(name, `takes 1 argument, got ${call.args.length}`);
    let end = call.close + 1;
    let n = this.next(call.close);
    const isName = (t: Token | undefined) => identName(t) !== undefined && !(t?.kind === 'word' && (ITEM_END.has(t.text.toUpperCase()) || isWord(t, 'AS')));
    let table: Token | undefined;
    if (isName(this.tokens[n])) {
      table = this.tokens[n];
      end = n + 1;
      n = this.next(n);
    }
    const names: Token[] = [];
    const as = isWord(this.tokens[n], 'AS');
    if (as) n = this.next(n);
    if (as || isName(this.tokens[n])) {
      for (;;) {
        if (!isName(this.tokens[n])) throw sparkFunctionError(`LATERAL VIEW ${name}`, 'expected a column alias');
        names.push(this.tokens[n]);
        end = n + 1;
        const comma = this.next(n);
        if (!isPunct(this.tokens[comma], ',') || !isName(this.tokens[this.next(comma)])) break;
        n = this.next(comma);
      }
    }
    const items = this.generatorItems(call, { ...kind, outer: kind.outer || outer }, names.length > 0 ? names : undefined);
    const select = `(SELECT ${items.map(([sql, col]) => `${sql} AS ${col}`).join(', ')})`;
    return { sql: `CROSS JOIN LATERAL ${select}${table ? ` AS ${table.text}` : ''}`, end };
  }
}
