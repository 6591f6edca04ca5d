/**
 * Staged plans (staged-run.ts) kept per process, so that a query repeated (a dashboard's, a
 * service's) skips the planning round trips (json_serialize_sql, the deserialization, binding the
 * probe: ~3 ms of the staged path's ~4 ms fixed cost per query).
 *
 * Per process, not per connection: `Lakehouse.sql` opens a session, with a connection of its
 * own, for each call, so a per-connection cache would miss on every repeated call. Temp views and
 * the tables' columns may then differ between the runs of one entry: that is why a hit is checked
 * before use (see staged-run.ts `rerun`). The key is the SQL text and the identity of each
 * UDF it names (registering a name again gives a new object, so it misses); maxRecordsPerBatch is
 * not in it, being a run's setting rather than the plan's. A hit is checked before use (see
 * staged-run.ts `rerun`): a catalog change that breaks a plan drops it. A stale "does not stage"
 * (a view redefined so that the query could stage now) only costs speed: the scalar function
 * path runs every query.
 */
import type { StageCall } from './stage-function.js';
import type { UserFunction } from './types.js';

/** A staged plan with its per-run parts (stage id, chunk range, rows text) left out. */
export interface CachedPlan {
  /** Stage 1's SQL. */
  readonly stage1: string;
  /** The FROM's columns stage 1 passes to stage 2, by name. */
  readonly passed: readonly string[];
  readonly calls: readonly StageCall[];
  /** Stage 1's result column types as text, as the plan found them. */
  readonly types: readonly string[];
  /** Stage 2, still reading the placeholder table. */
  readonly rest: string;
  readonly placeholder: string;
  /** Where a hit must bind the probe again: its SQL and its columns (names and types) as text. */
  readonly probe?: { readonly sql: string; readonly columns: string };
}

export const NOT_STAGED = 'not staged';
type Entry = CachedPlan | typeof NOT_STAGED;

/** Entries: a dashboard's or a service's distinct queries, at a few KB each. */
const CAPACITY = 256;

/** In least-recently-used order: a hit moves its entry last. */
const entries = new Map<string, Entry>();
const ids = new WeakMap<UserFunction, number>();
let nextId = 0;
let planned = 0;

/** The cache, least recently used entries dropped first beyond CAPACITY. */
export const planCache = {
  get(key: string): Entry | undefined {
    const e = entries.get(key);
    if (e !== undefined) {
      entries.delete(key);
      entries.set(key, e);
    }
    return e;
  },
  set(key: string, e: Entry): void {
    planned++;
    entries.delete(key);
    entries.set(key, e);
    if (entries.size > CAPACITY) entries.delete(entries.keys().next().value!);
  },
  delete(key: string): void {
    entries.delete(key);
  },
};

/** The cache key: the SQL text, then each UDF it names with its object's identity. */
export function planKey(sql: string, named: readonly (readonly [string, UserFunction | undefined])[]): string {
  const idOf = (f: UserFunction | undefined) => {
    if (!f) return -1;
    let id = ids.get(f);
    if (id === undefined) ids.set(f, (id = ++nextId));
    return id;
  };
  return JSON.stringify([sql, ...named.map(([n, f]) => `${n}:${idOf(f)}`)]);
}

/** How many answers were planned afresh (each miss, and each hit found stale): for tests to tell a hit from a miss. */
export function plansMade(): number {
  return planned;
}
