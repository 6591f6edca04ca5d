/**
 * Spark's query hints: `SELECT /*+ BROADCAST(d), MERGE(f, s) *\/ ...`. DuckDB chooses its own join
 * algorithms and partitioning, so hints do not change how a query runs, with one exception that
 * matters here: the relations a BROADCAST hint names are build sides, and a build side is what
 * drives Dynamic File Pruning of the table it joins (see scan-views.ts). Every hint is accepted,
 * as Spark accepts them; unknown ones are reported in EXPLAIN, as Spark logs them, not refused.
 */
import type { Token } from './lexer.js';
import { tokenize } from './lexer.js';

export type HintKind = 'broadcast' | 'merge' | 'shuffle_hash' | 'shuffle_replicate_nl' | 'partitioning' | 'unknown';

export interface Hint {
  /** The hint as written, upper-cased (`BROADCASTJOIN`). */
  readonly name: string;
  readonly kind: HintKind;
  /** Relation names or aliases it names (lower-cased), or other arguments as written. */
  readonly args: readonly string[];
}

const KINDS: Record<string, HintKind> = {
  BROADCAST: 'broadcast',
  BROADCASTJOIN: 'broadcast',
  MAPJOIN: 'broadcast',
  MERGE: 'merge',
  SHUFFLE_MERGE: 'merge',
  MERGEJOIN: 'merge',
  SHUFFLE_HASH: 'shuffle_hash',
  SHUFFLE_REPLICATE_NL: 'shuffle_replicate_nl',
  COALESCE: 'partitioning',
  REPARTITION: 'partitioning',
  REPARTITION_BY_RANGE: 'partitioning',
  REBALANCE: 'partitioning',
};

/** Every hint in the `/*+ ... *\/` comments of a statement (its tokens, as the lexer gives them). */
export function parseHints(tokens: readonly Token[]): Hint[] {
  const out: Hint[] = [];
  for (const t of tokens) {
    if (t.kind === 'comment' && t.text.startsWith('/*+')) out.push(...hintsIn(t.text.slice(3, t.text.endsWith('*/') ? -2 : undefined)));
  }
  return out;
}

/** `NAME`, `NAME(arg, ...)`, separated by commas or spaces. Malformed text is skipped, as Spark skips it. */
function hintsIn(body: string): Hint[] {
  const tokens = tokenize(body).filter((t) => t.kind !== 'space' && t.kind !== 'comment');
  const out: Hint[] = [];
  let i = 0;
  while (i < tokens.length) {
    const t = tokens[i];
    if (t.kind !== 'word') {
      i++;
      continue;
    }
    const name = t.text.toUpperCase();
    const args: string[] = [];
    i++;
    if (tokens[i]?.kind === 'punct' && tokens[i].text === '(') {
      i++;
      while (i < tokens.length && !(tokens[i].kind === 'punct' && tokens[i].text === ')')) {
        const a: Token = tokens[i];
        if (a.kind === 'word' || a.kind === 'quoted') {
          // A qualified name (`db.t`) names its last part.
          let value = a.value;
          while (tokens[i + 1]?.text === '.' && (tokens[i + 2]?.kind === 'word' || tokens[i + 2]?.kind === 'quoted')) {
            i += 2;
            value = tokens[i].value;
          }
          args.push(value.toLowerCase());
        } else if (a.kind === 'number' || a.kind === 'string') args.push(a.value);
        i++;
      }
      i++;
    }
    out.push({ name, kind: KINDS[name] ?? 'unknown', args });
  }
  return out;
}

/** What EXPLAIN says about the hints. */
export function describeHints(hints: readonly Hint[]): string[] {
  return hints.map((h) => {
    const written = `${h.name}${h.args.length > 0 ? `(${h.args.join(', ')})` : ''}`;
    switch (h.kind) {
      case 'broadcast':
        return `${written}: build side of the join; drives dynamic file pruning of the table it joins`;
      case 'unknown':
        return `${written}: unknown hint, ignored`;
      default:
        return `${written}: accepted; DuckDB chooses the ${h.kind === 'partitioning' ? 'partitioning' : 'join algorithm'}`;
    }
  });
}
