import type { DuckDBConnection } from '@duckdb/node-api';
import { expr, loadTableChanges, planScan, type DataType, type ExactJson, type Engine, type ScanPlan, type Snapshot, type TableChanges } from '@loch/delta';
import { sqlIdent, withConnection } from '@loch/engine-node';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { duckType } from '../../values/duck-types.js';
import { scanSql } from '../../scan/query.js';
import { DeltaTable, defaultEngine, tableUrl } from '../../table.js';
import type { SessionNamespace } from '../run/namespace.js';
import { sqlError } from '../errors.js';
import { findTableRefs, rewriteQuery, type FileRef, type QueryText, type TableRef } from './references.js';
import { fileRelation } from './file-sources.js';
import type { ChangesRef } from './table-changes.js';
import { changesSql } from '../../scan/changes.js';
import { wherePredicate } from '../../planner/predicate.js';
import { readSourceTable, sourceRelation } from './source-tables.js';
import { mayNeedDecimalTyping, sparkDecimalTypes } from './decimal-types.js';
import { groupKeyRefs, isSmallResult, smallGroups } from './result-size.js';
import { deserializeMany, deserializeSql, isNode, nodes, serializeSql, str, type DuckNode } from '../../planner/duck-json.js';
import { isFixedQuery } from './fixed-build.js';
import { fileCounts, selectFiles } from '../../planner/files.js';
import { analyzePushdown, PLACEHOLDER, type DfpCandidate, type Pushdown, type RefInfo } from './pushdown.js';
import { describeHints, parseHints, type Hint } from '../parse/hints.js';
import { buildKeyPredicates, dfpSettings, qualifiesAsProbe, type KeyFilter } from './dfp.js';
import { TIME_ZONE_KEY } from '../run/session-conf.js';
import type { SqlScanMetrics } from '../run/result.js';
import { tableText, type TableName } from '../parse/statements.js';

/** A table a statement names, resolved to where it lives. */
export interface TableTarget {
  readonly table: DeltaTable;
  /** The table as written: its lake name, or its path. */
  readonly display: string;
  /** Its local path or URL, as given or as the lake has it. */
  readonly location: string;
  /** The URL of its root. */
  readonly url: string;
}

/** A query with its Delta table references replaced by views over the snapshots they read. */
export interface PreparedQuery {
  readonly sql: string;
  readonly scans: readonly SqlScanMetrics[];
  readonly plans: readonly ScanPlan[];
  /** Per scan, what pruned its files and why (EXPLAIN). */
  readonly explains: readonly ScanExplain[];
  /** The statement's hints and what each does (EXPLAIN). */
  readonly hints: readonly string[];
  /** Whether the result is known to be small (result-size.ts): then it is read materialized, not streamed. */
  readonly small?: boolean;
}

export interface ScanExplain extends SqlScanMetrics {
  /** The conjuncts pushed to this scan, as SQL over its columns. */
  readonly staticPredicate?: string;
  /** Dynamic file pruning filters from the join's build side. */
  readonly dynamicPredicates: readonly string[];
}

interface View {
  readonly relation: string;
  readonly plan: ScanPlan;
  readonly rowsScanned: number;
}

/**
 * The views of one SQL session. Each snapshot a statement reads becomes a view over exactly that
 * snapshot's files (scanSql). Views live in a schema of their own in the process's DuckDB
 * database, not as temp views, so that a write running on another connection (INSERT ... SELECT,
 * CTAS) can read them too; the schema is dropped when the session ends.
 */
export class ScanViews {
  private readonly schema = `loch_sql_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  private schemaCreated = false;
  private readonly views = new Map<string, View>();
  private readonly viewNames = new Set<string>();
  private scratch = 0;

  constructor(
    private readonly c: DuckDBConnection,
    private readonly names: SessionNamespace,
    private readonly engine: Engine | undefined,
    private readonly conf: ReadonlyMap<string, string> = new Map(),
  ) {}

  /** The table a name stands for, with its lake name looked up (through storage). */
  async target(name: TableName): Promise<TableTarget> {
    const location = name.kind === 'path' ? (/^[A-Za-z][A-Za-z0-9+.-]+:/.test(name.path) ? name.path : resolve(name.path)) : await this.names.locate(name);
    return this.targetAt(name, location);
  }

  private targetAt(name: TableName, location: string): TableTarget {
    const table = DeltaTable.forPath(location, this.engine ? { engine: this.engine } : {});
    return { table, display: name.kind === 'path' ? name.path : tableText(name), location, url: tableUrl(location) };
  }

  async prepare(text: string): Promise<PreparedQuery> {
    const q = findTableRefs(text);
    const relations = new Map<TableRef | FileRef | ChangesRef, string>();
    for (const f of q.files) relations.set(f, await fileRelation(this.c, (this.engine ?? defaultEngine()).storage, f));
    // table_changes: the commits of each range now; the files read once the query's WHERE is known (below).
    const changes = await Promise.all(
      q.changes.map(async (ref) => {
        const target = await this.target(ref.table);
        return { ref, target, feed: await loadTableChanges(target.table.engine, target.url, ref.range) };
      }),
    );
    const scans: SqlScanMetrics[] = [];
    const plans: ScanPlan[] = [];
    const explains: ScanExplain[] = [];
    const delta: { ref: TableRef; target: TableTarget; snapshot: Snapshot }[] = [];
    // The names are looked up at once, each through storage once.
    const looked = (await Promise.all(q.refs.map((ref) => this.lookUp(ref)))).filter((f) => f !== undefined);
    // Data source tables are found while the snapshots load (a source table's snapshot fails to
    // load and is left out below): each is a round trip to storage, and they are independent.
    const sourcesFound = this.sourceRelations(looked.filter((f) => f.isTable), relations);
    // Its failure is reported after the loads (below), not as an unhandled rejection meanwhile.
    sourcesFound.catch(() => undefined);
    // Snapshots load concurrently, once per table and version however often the query names it.
    const loading = new Map<string, Promise<Snapshot>>();
    const pending = looked.map(({ ref, target }) => {
        const key = `${target.location}\u0000${ref.version ?? ''}\u0000${ref.timestamp ?? ''}\u0000${ref.timestampExpr ?? ''}`;
        if (!loading.has(key)) {
          const at = ref.timestampExpr !== undefined ? this.timestampOf(ref) : Promise.resolve(ref.timestamp);
          loading.set(key, at.then((timestamp) => target.table.snapshot({ version: ref.version, timestamp })));
        }
        return { ref, target, snapshot: loading.get(key)! };
      });
    const loaded = await Promise.allSettled(pending.map((p) => p.snapshot));
    const sources = await sourcesFound;
    for (const [i, p] of pending.entries()) {
      if (relations.has(p.ref)) continue;
      const r = loaded[i];
      // The first failure in query order, as a sequential load would report it.
      if (r.status === 'rejected') throw r.reason;
      delta.push({ ref: p.ref, target: p.target, snapshot: r.value });
    }
    // Change feeds are analysed as references too (after the tables), for the predicate that prunes their files.
    const analysed = await this.analysis(q, [...delta.map((d) => d.ref), ...changes.map((ch) => ch.ref)], [...delta.map((d) => d.snapshot), ...changes.map((ch) => ch.feed.snapshot)], relations);
    const { parsed, wheres: parsedWhere, small } = analysed;
    const isTable = (i: number) => i < delta.length;
    const pruning: Pushdown = { ...analysed.pushdown, joins: analysed.pushdown.joins.filter((j) => isTable(j.probe) && (j.build.kind !== 'ref' || isTable(j.build.ref))) };
    const feeds = [];
    for (const [j, ch] of changes.entries()) {
      const feed = await this.changeFeed(ch.target, ch.feed, parsedWhere[delta.length + j]);
      relations.set(ch.ref, feed.relation);
      feeds.push(feed);
    }
    const views: (View | undefined)[] = delta.map(() => undefined);
    const staticWhere = parsedWhere.map((w) => w?.text);
    const hints = parseHints(q.tokens);
    const broadcast = broadcastRefs(hints, delta.map((d) => d.ref), pruning);
    const probes = this.dfpProbes(pruning, delta.map((d) => d.snapshot), staticWhere, broadcast);
    const make = async (i: number) => {
      const { target, snapshot } = delta[i];
      const where = staticWhere[i];
      const found: (KeyFilter | undefined)[] = await this.dfpPredicates(probes.get(i) ?? [], delta.map((d) => d.snapshot), parsedWhere, views).catch(() => []);
      const dfp = found.filter((p): p is KeyFilter => p !== undefined);
      const scan = await this.plannedScan(target, snapshot, where, parsedWhere[i]?.tree, dfp, parsed);
      views[i] = scan.view;
      const metrics: SqlScanMetrics = {
        table: target.display,
        version: snapshot.version,
        filesTotal: snapshot.fileList.length,
        filesScanned: scan.view.plan.files.length,
        filesPrunedByPartition: scan.prunedByPartition,
        filesPrunedByStats: scan.prunedByStats,
        filesPrunedByDynamicFilter: scan.prunedByDynamicFilter,
        rowsScanned: scan.view.rowsScanned,
        bytesScanned: scan.view.plan.files.reduce((n, f) => n + f.add.size, 0),
      };
      return { metrics, explain: { ...metrics, ...(where !== undefined ? { staticPredicate: where } : {}), dynamicPredicates: dfp.map((d) => d.text) } };
    };
    const done: ({ metrics: SqlScanMetrics; explain: ScanExplain } | undefined)[] = delta.map(() => undefined);
    // Build sides (and tables without dynamic pruning) first, then the probes that read their keys.
    for (let i = 0; i < delta.length; i++) if (!probes.has(i)) done[i] = await make(i);
    for (let i = 0; i < delta.length; i++) if (probes.has(i)) done[i] = await make(i);
    for (let i = 0; i < delta.length; i++) {
      relations.set(delta[i].ref, views[i]!.relation);
      plans.push(views[i]!.plan);
      scans.push(done[i]!.metrics);
      explains.push(done[i]!.explain);
    }
    for (const feed of feeds) {
      scans.push(feed.metrics);
      explains.push(feed.explain);
    }
    let sql = rewriteQuery(q, (ref) => relations.get(ref));
    // Spark's decimal result types, where the query computes with numbers that may be decimals.
    const decimals = q.files.length > 0 || q.changes.length > 0 || sources.decimals || delta.some((d) => d.snapshot.schema.fields.some((f) => hasDecimal(f.type)));
    if (mayNeedDecimalTyping(text, decimals)) sql = await sparkDecimalTypes(this.c, sql, this.conf);
    // A GROUP BY whose keys come from small tables has few groups, however many rows it reads.
    const groups = analysed.groupRefs;
    const fewGroups = !small && groups !== undefined && groups.every((r) => r < delta.length) && smallGroups(groups.map((r) => views[r]!.rowsScanned));
    return { sql, scans, plans, explains, hints: describeHints(hints), small: small || fewGroups };
  }

  /**
   * The files a scan of `snapshot` reads (pruned by its pushed `where`, then by the dynamic
   * filters when they rule out more) and the relation reading them. An inline scan depends only
   * on the snapshot, the filters' text and the session conf (which can change how a literal
   * reads, a timestamp's time zone), so it is planned once for them all and reused by any session.
   */
  private async plannedScan(target: TableTarget, snapshot: Snapshot, where: string | undefined, tree: DuckNode | undefined, dfp: readonly KeyFilter[], inline: boolean): Promise<PlannedScan> {
    // The table's id too: a table dropped and made again at the same place starts at version 0 again.
    const at = `${target.url}@${snapshot.version}#${snapshot.metadata.id}`;
    const key = inline ? [at, where ?? '', ...dfp.map((d) => d.text), ...[...this.conf].sort().flat()].join('\u0000') : undefined;
    const known = key !== undefined ? plannedScans.get(key) : undefined;
    if (key !== undefined && known) {
      plannedScans.delete(key);
      plannedScans.set(key, known);
      return known;
    }
    const sel = await selectFiles(this.c, snapshot, where, true, tree);
    let plan = sel.plan;
    let whereText = where;
    if (dfp.length > 0) {
      const filter = expr.and(...(sel.predicate ? [sel.predicate] : []), ...dfp.map((d) => d.predicate));
      const withDfp = planScan(snapshot, { filter });
      if (withDfp.files.length <= plan.files.length) {
        plan = withDfp;
        whereText = [...(where !== undefined ? [where] : []), ...dfp.map((d) => d.text)].map((w) => `(${w})`).join(' AND ');
      }
    }
    const view = await this.view(`${at}|${whereText ?? ''}`, `${target.display}@v${snapshot.version}`, () => plan, target.table.engine, inline);
    const counts = fileCounts(sel.plan);
    const out: PlannedScan = {
      view,
      prunedByPartition: counts.filesPrunedByPartition,
      prunedByStats: counts.filesPrunedByStats,
      prunedByDynamicFilter: sel.plan.files.length - plan.files.length,
    };
    if (key !== undefined) rememberScan(key, out);
    return out;
  }

  /**
   * A `table_changes` call as a relation: the change rows of its commits, from the files its
   * pushed `where` does not rule out (by partition values or stats), with scan metrics.
   */
  private async changeFeed(target: TableTarget, feed: TableChanges, where: { text: string; tree: DuckNode } | undefined): Promise<{ relation: string; metrics: SqlScanMetrics; explain: ScanExplain }> {
    const { snapshot } = feed;
    const filter = where ? await wherePredicate(this.c, where.text, snapshot, where.tree).catch(() => undefined) : undefined;
    const { sql, files } = await changesSql(this.c, target.table.engine, snapshot, feed.commits, filter);
    const metrics: SqlScanMetrics = {
      table: `table_changes(${target.display})`,
      version: snapshot.version,
      ...files,
      filesPrunedByDynamicFilter: 0,
      rowsScanned: 0,
    };
    return { relation: `(${sql})`, metrics, explain: { ...metrics, ...(filter && where ? { staticPredicate: where.text } : {}), dynamicPredicates: [] } };
  }

  /**
   * The table a reference reads, and whether it is one of the lake's tables; undefined for a name
   * that is DuckDB's (no lake table, and one the lake does not claim: a TEMP table,
   * `information_schema.tables`).
   */
  private async lookUp(ref: TableRef): Promise<{ ref: TableRef; target: TableTarget; isTable: boolean } | undefined> {
    const t = ref.table;
    if (t.kind !== 'name') return { ref, target: await this.target(t), isTable: false };
    const found = await this.names.find(t);
    if (!found.isTable && !found.claimed && !ref.explicit) return undefined;
    // A name in a schema the lake lacks fails as locating it does (LOCH_SCHEMA_NOT_FOUND).
    const target = found.location !== undefined ? this.targetAt(t, found.location) : await this.target(t);
    return { ref, target, isTable: found.isTable };
  }

  /** The data source tables among the lake tables a query names (source-tables.ts), each as the relation reading its files. */
  private async sourceRelations(tables: readonly { ref: TableRef; target: TableTarget }[], relations: Map<TableRef | FileRef | ChangesRef, string>): Promise<{ decimals: boolean }> {
    let decimals = false;
    const named = tables.map(({ ref, target }) => ({ ref, at: { storage: target.table.engine.storage, url: target.url } }));
    // Each lake table's marker is looked for at once: one storage round trip for them all.
    const found = await Promise.all(named.map((n) => readSourceTable(n.at)));
    for (const [i, { ref, at }] of named.entries()) {
      const source = found[i];
      if (!source) continue;
      if (ref.version !== undefined || ref.timestamp !== undefined || ref.timestampExpr !== undefined) {
        throw sqlError(`${ref.text}: time travel needs a Delta table; ${tableText(ref.table)} is a ${source.format} data source table`);
      }
      relations.set(ref, await sourceRelation(at, source));
      decimals ||= source.columns.some((f) => hasDecimal(f.type));
    }
    return { decimals };
  }

  /**
   * What a query's text says about its scans: the pushdown analysis, each reference's pushed
   * predicate, and whether its result is small. It depends only on the text (Delta references as
   * placeholders) and the columns of the tables referenced, so a query run again (a dashboard's,
   * a benchmark's) reuses it instead of two more DuckDB round trips.
   */
  private async analysis(q: QueryText, refs: readonly (TableRef | ChangesRef)[], snapshots: readonly Snapshot[], files: ReadonlyMap<TableRef | FileRef | ChangesRef, string>): Promise<Analysis> {
    const index = new Map<TableRef | FileRef | ChangesRef, number>(refs.map((r, i) => [r, i]));
    const text = rewriteQuery(q, (ref) => {
      const i = index.get(ref);
      return i !== undefined ? sqlIdent(`${PLACEHOLDER}${i}`) : files.get(ref);
    });
    const key = [text, ...snapshots.map((s) => s.schema.fields.map((f) => f.name.toLowerCase()).join('\u0000'))].join('\u0001');
    const known = analyses.get(key);
    if (known) {
      analyses.delete(key);
      analyses.set(key, known);
      return known;
    }
    const { pushdown, parsed, tree } = await this.pruning(text, refs, snapshots);
    const wheres = await this.conjunctWheres(refs.map((_, i) => pushdown.conjuncts.get(i)));
    const groupRefs = groupKeyRefs(tree, PLACEHOLDER);
    const out: Analysis = { pushdown, parsed, wheres, small: isSmallResult(tree), ...(groupRefs ? { groupRefs } : {}) };
    analyses.set(key, out);
    if (analyses.size > MAX_ANALYSES) analyses.delete(analyses.keys().next().value!);
    return out;
  }

  /**
   * The pushdown analysis of a query's text (Delta references as placeholders); nothing to push
   * when DuckDB cannot parse it (the query will say why). `parsed`: whether DuckDB parsed it as a
   * statement.
   */
  private async pruning(text: string, refs: readonly (TableRef | ChangesRef)[], snapshots: readonly Snapshot[]): Promise<{ pushdown: Pushdown; parsed: boolean; tree?: DuckNode }> {
    const none = { pushdown: { conjuncts: new Map(), joins: [], aliases: new Map() }, parsed: false };
    try {
      const tree = await serializeSql(this.c, text);
      if (!tree) return none;
      if (refs.length === 0) return { ...none, tree };
      const infos = new Map<number, RefInfo>(snapshots.map((s, i) => [i, { has: (col: string) => s.schema.fields.some((f) => f.name.toLowerCase() === col.toLowerCase()) }]));
      return { pushdown: analyzePushdown(tree, infos), parsed: true, tree };
    } catch {
      return none;
    }
  }

  /**
   * Per reference, the AND of its conjuncts (columns unqualified): SQL text, by DuckDB's
   * json_deserialize_sql (all in one round trip), and the tree as `SELECT * FROM t WHERE ...`
   * (what pruning translates).
   */
  private async conjunctWheres(conjuncts: readonly (readonly DuckNode[] | undefined)[]): Promise<({ text: string; tree: DuckNode } | undefined)[]> {
    const none = conjuncts.map(() => undefined);
    try {
      const tpl = await whereTemplate(this.c);
      if (!tpl || conjuncts.every((c) => c === undefined)) return none;
      const st = nodes(tpl.statements)[0];
      const trees = conjuncts.map((list): DuckNode | undefined => {
        if (!list) return undefined;
        const where = list.length === 1 ? list[0] : { class: 'CONJUNCTION', type: 'CONJUNCTION_AND', alias: '', query_location: 0, children: [...list] };
        return { ...tpl, statements: [{ ...st, node: { ...(st.node as DuckNode), where_clause: where } }] };
      });
      const present = trees.filter((t): t is DuckNode => t !== undefined);
      const texts = await deserializeMany(this.c, present);
      let k = 0;
      return trees.map((tree) => {
        if (!tree) return undefined;
        const text = texts[k++];
        const at = text?.indexOf(' WHERE ');
        return text === undefined || at === undefined || at < 0 ? undefined : { text: text.slice(at + ' WHERE '.length), tree };
      });
    } catch {
      return none;
    }
  }

  /**
   * Per probe reference, the joins dynamic file pruning uses (see dfp.ts for the conditions). A
   * build side is one with filters of its own, or one a BROADCAST hint names; a broadcast side is
   * never probed.
   */
  private dfpProbes(p: Pushdown, snapshots: readonly Snapshot[], staticWhere: readonly (string | undefined)[], broadcast: ReadonlySet<number>): Map<number, DfpCandidate[]> {
    const out = new Map<number, DfpCandidate[]>();
    const settings = dfpSettings(this.conf);
    if (!settings.enabled) return out;
    const builds = new Set<number>();
    const candidates = [...p.joins].sort((a, b) => snapshots[b.probe].fileList.length - snapshots[a.probe].fileList.length);
    for (const cand of candidates) {
      if (builds.has(cand.probe) || broadcast.has(cand.probe) || !qualifiesAsProbe(snapshots[cand.probe], settings)) continue;
      if (cand.build.kind === 'ref') {
        // A selective build side: one with filters of its own (or hinted), and not itself a probe.
        const selective = staticWhere[cand.build.ref] !== undefined || broadcast.has(cand.build.ref);
        if (out.has(cand.build.ref) || !selective || cand.build.ref === cand.probe) continue;
        builds.add(cand.build.ref);
      }
      const list = out.get(cand.probe) ?? [];
      list.push(cand);
      out.set(cand.probe, list);
    }
    return out;
  }

  /** Per candidate join, the probe filter from its build side's keys (see dfp.ts); undefined where not usable. */
  private async dfpPredicates(cands: readonly DfpCandidate[], snapshots: readonly Snapshot[], wheres: readonly (ParsedWhere | undefined)[], views: readonly (View | undefined)[]): Promise<(KeyFilter | undefined)[]> {
    const builds = await Promise.all(cands.map((cand) => this.dfpBuild(cand, wheres, views)));
    const asked = cands
      .map((cand, i) => ({ cand, build: builds[i] }))
      .filter((x): x is { cand: DfpCandidate; build: BuildSide } => x.build !== undefined)
      .map(({ cand, build }) => {
        const request = { build: build.sql, column: cand.column, probeType: snapshots[cand.probe].schema.fields.find((f) => f.name.toLowerCase() === cand.column.toLowerCase())?.type };
        const key = build.fixed ? `${this.conf.get(TIME_ZONE_KEY) ?? ''}\u0000${JSON.stringify(request)}` : undefined;
        return { request, key };
      });
    const missing = asked.filter((a) => a.key === undefined || !buildKeys.has(a.key));
    const found = await buildKeyPredicates(this.c, missing.map((a) => a.request));
    missing.forEach((a, i) => {
      if (a.key === undefined) return;
      buildKeys.set(a.key, found[i]);
      if (buildKeys.size > MAX_BUILD_KEYS) buildKeys.delete(buildKeys.keys().next().value!);
    });
    return asked.map((a) => (a.key !== undefined && buildKeys.has(a.key) ? buildKeys.get(a.key) : found[missing.indexOf(a)]));
  }

  /**
   * The build side of a candidate join as a one-column query over this session's views, and
   * whether its keys are fixed: it reads only inline scans of snapshots (whose files never change)
   * and computes only what gives the same keys on every run (fixed-build.ts).
   */
  private async dfpBuild(cand: DfpCandidate, wheres: readonly (ParsedWhere | undefined)[], views: readonly (View | undefined)[]): Promise<BuildSide | undefined> {
    const inline = (v: View | undefined) => v !== undefined && v.relation.startsWith('(');
    if (cand.build.kind === 'ref') {
      const v = views[cand.build.ref];
      if (!v) return undefined;
      const where = wheres[cand.build.ref];
      const whereNode = where ? (nodes(where.tree.statements)[0]?.node as DuckNode | undefined)?.where_clause : undefined;
      const fixed = inline(v) && (where === undefined || (whereNode !== undefined && isFixedQuery(whereNode, () => false)));
      return { sql: `SELECT ${sqlIdent(cand.build.column)} FROM ${v.relation}${where !== undefined ? ` WHERE ${where.text}` : ''}`, fixed };
    }
    const node = cand.build.kind === 'subquery' ? (cand.build.node.node ?? null) : cand.build.node;
    const text = await this.buildText(node);
    if (text === undefined) return undefined;
    let missing = false;
    const build = text.replace(new RegExp(`"?${PLACEHOLDER}(\\d+)"?`, 'g'), (_, n: string) => {
      const v = views[Number(n)];
      if (!v) missing = true;
      return v?.relation ?? '';
    });
    if (missing || new RegExp(PLACEHOLDER).test(build)) return undefined;
    const fixed = isFixedQuery(node, (table) => {
      const m = new RegExp(`^${PLACEHOLDER}(\\d+)$`).exec(str(table.table_name) ?? '');
      return m !== null && !str(table.schema_name) && !str(table.catalog_name) && inline(views[Number(m[1])]);
    });
    return { sql: cand.build.kind === 'relation' ? `SELECT ${sqlIdent(cand.build.column)} FROM (${build}) AS __loch_relation` : build, fixed };
  }

  /** A build side's query node as SQL text (Delta references as placeholders), once per node: analyses are kept, and their nodes with them. */
  private buildText(node: ExactJson): Promise<string | undefined> {
    if (!isNode(node)) return Promise.resolve(undefined);
    let text = buildTexts.get(node);
    if (!text) {
      text = (async () => {
        const tpl = await whereTemplate(this.c);
        const st = nodes(tpl?.statements)[0];
        return tpl && st ? deserializeSql(this.c, { ...tpl, statements: [{ ...st, node }] }) : undefined;
      })();
      buildTexts.set(node, text);
    }
    return text;
  }

  /** `TIMESTAMP AS OF <expression>`, evaluated by DuckDB (ms since the epoch). */
  private async timestampOf(ref: TableRef): Promise<number> {
    try {
      const r = await this.c.runAndReadAll(`SELECT epoch_ms(CAST((${ref.timestampExpr}) AS TIMESTAMPTZ))`);
      const ms = r.getRows()[0]?.[0];
      if (ms === null || ms === undefined) throw new Error('the expression is NULL');
      return Number(ms);
    } catch (e) {
      throw sqlError(`${ref.text} TIMESTAMP AS OF ${ref.timestampExpr}: not a timestamp (${(e as Error).message.split('\n')[0]})`);
    }
  }

  /** DuckDB messages name views by their schema; people know the tables. */
  rename(message: string): string {
    return message.replaceAll(`"${this.schema}".`, '').replaceAll(`${this.schema}.`, '');
  }

  /**
   * A query a write on another connection can read: the query itself, or, when it needs this
   * session's own state (a TEMP table, a variable), its rows materialized in the session schema.
   */
  async shareable(sql: string): Promise<{ sql: string; release: () => Promise<void> }> {
    if (await bindsElsewhere(sql)) return { sql, release: async () => undefined };
    await this.ensureSchema();
    const relation = `${sqlIdent(this.schema)}.${sqlIdent(`__loch_data_${++this.scratch}`)}`;
    await this.c.run(`CREATE TABLE ${relation} AS ${sql}`);
    return { sql: `SELECT * FROM ${relation}`, release: async () => void (await this.c.run(`DROP TABLE IF EXISTS ${relation}`)) };
  }

  async close(): Promise<void> {
    if (this.schemaCreated) await this.c.run(`DROP SCHEMA IF EXISTS ${sqlIdent(this.schema)} CASCADE`);
  }

  private async ensureSchema(): Promise<void> {
    if (this.schemaCreated) return;
    await this.c.run(`CREATE SCHEMA ${sqlIdent(this.schema)}`);
    this.schemaCreated = true;
  }

  /**
   * The relation that reads a plan's files. In a statement DuckDB parses, that is the scan itself
   * as a subquery: a view would be bound twice (when created and when queried), and binding a
   * read_parquet of many files is a real part of a short query's time. Otherwise (an expression,
   * a statement that will fail to parse) it is a view, so messages name the table, not its files.
   */
  private async view(key: string, label: string, plan: () => ScanPlan, engine: Engine, inline: boolean): Promise<View> {
    const cacheKey = `${inline ? 'inline' : 'view'}|${key}`;
    const known = this.views.get(cacheKey);
    if (known) return known;
    const p = plan();
    const body = (await scanSql(this.c, engine, p)) ?? emptySelect(p);
    let relation: string;
    if (inline) {
      relation = `(${body})`;
    } else {
      await this.ensureSchema();
      let name = label;
      for (let i = 2; this.viewNames.has(name); i++) name = `${label}#${i}`;
      this.viewNames.add(name);
      relation = `${sqlIdent(this.schema)}.${sqlIdent(name)}`;
      await this.c.run(`CREATE VIEW ${relation} AS ${body}`);
    }
    const fromStats = fileCounts(p).rowsFromStats;
    const rowsScanned = fromStats ?? Number((await this.c.runAndReadAll(`SELECT count(*) FROM ${relation}`)).getRows()[0][0]);
    const view = { relation, plan: p, rowsScanned };
    this.views.set(cacheKey, view);
    return view;
  }
}

/** A scan as plannedScan plans it: the relation over its files, and what pruned them. */
interface PlannedScan {
  readonly view: View;
  readonly prunedByPartition: number;
  readonly prunedByStats: number;
  readonly prunedByDynamicFilter: number;
}

/**
 * Inline scans planned recently, least recently used first: a query run again (a dashboard's,
 * a star join's) skips pruning the snapshot's files and writing their relation. Bounded by the
 * relations' text (a scan of many files writes every path) and by the live files of the
 * snapshots the plans hold, as the snapshot cache is (a streaming table read after each commit
 * would otherwise keep every version).
 */
const plannedScans = new Map<string, PlannedScan>();
const MAX_PLANNED_SCANS = 256;
const MAX_PLANNED_TEXT = 32 * 1024 * 1024;
const MAX_PLANNED_FILES = 2_000_000;
let plannedText = 0;
let plannedFiles = 0;

function rememberScan(key: string, scan: PlannedScan): void {
  const weigh = (s: PlannedScan, sign: 1 | -1) => {
    plannedText += sign * s.view.relation.length;
    plannedFiles += sign * s.view.plan.snapshot.fileList.length;
  };
  plannedScans.set(key, scan);
  weigh(scan, 1);
  while (plannedScans.size > 1 && (plannedScans.size > MAX_PLANNED_SCANS || plannedText > MAX_PLANNED_TEXT || plannedFiles > MAX_PLANNED_FILES)) {
    const [oldest, dropped] = plannedScans.entries().next().value!;
    plannedScans.delete(oldest);
    weigh(dropped, -1);
  }
}

/**
 * The probe filters read from build sides whose keys cannot change: queries over Delta tables'
 * scans at snapshots (their files never change) that compute only deterministic built-ins
 * (fixed-build.ts). A query run again (a dashboard's) then skips the build side's round trip to
 * DuckDB; its join still reads the build side itself.
 */
const buildKeys = new Map<string, KeyFilter | undefined>();
const MAX_BUILD_KEYS = 256;

/** A build side's one-column query, and whether its keys are the same on every run (dfpBuild). */
interface BuildSide {
  readonly sql: string;
  readonly fixed: boolean;
}

/** Build sides' query texts by their node in a kept analysis (dfpBuild). */
const buildTexts = new WeakMap<DuckNode, Promise<string | undefined>>();

/** A reference's pushed conjuncts as SQL text and as the tree of `SELECT * FROM t WHERE ...`. */
type ParsedWhere = { readonly text: string; readonly tree: DuckNode };

/** What `analysis` finds in a query's text. */
interface Analysis {
  readonly pushdown: Pushdown;
  /** Whether DuckDB parsed the query as a statement. */
  readonly parsed: boolean;
  /** Per reference, its pushed conjuncts as SQL text and as a parse tree. */
  readonly wheres: readonly (ParsedWhere | undefined)[];
  readonly small: boolean;
  /** The references a GROUP BY's keys come from (result-size.ts's groupKeyRefs). */
  readonly groupRefs?: readonly number[];
}

/** Analyses of recent query texts, least recently used first. */
const analyses = new Map<string, Analysis>();
const MAX_ANALYSES = 256;

/** The references BROADCAST hints name, by alias or by table name. */
function broadcastRefs(hints: readonly Hint[], refs: readonly TableRef[], p: Pushdown): Set<number> {
  const named = new Set(hints.filter((h) => h.kind === 'broadcast').flatMap((h) => h.args));
  const out = new Set<number>();
  if (named.size === 0) return out;
  refs.forEach((ref, i) => {
    const names = [...(p.aliases.get(i) ?? []), ...(ref.table.kind === 'name' ? [ref.table.name.toLowerCase()] : [])];
    if (names.some((n) => named.has(n))) out.add(i);
  });
  return out;
}

/** The parse tree of `SELECT * FROM t WHERE true`, the same for every connection: parsed once. */
let template: DuckNode | undefined;

async function whereTemplate(c: DuckDBConnection): Promise<DuckNode | undefined> {
  template ??= await serializeSql(c, 'SELECT * FROM t WHERE true');
  return template;
}

/** Whether a fresh connection can run `sql` as this session would. */
async function bindsElsewhere(sql: string): Promise<boolean> {
  // Variables are per connection, and getvariable() of an unknown one is null, not an error.
  if (/\bgetvariable\s*\(/i.test(sql)) return false;
  try {
    await withConnection((other) => other.run(`SELECT * FROM (${sql}) AS __loch_src LIMIT 0`));
    return true;
  } catch {
    return false;
  }
}

function hasDecimal(t: DataType): boolean {
  switch (t.kind) {
    case 'decimal':
      return true;
    case 'struct':
      return t.fields.some((f) => hasDecimal(f.type));
    case 'array':
      return hasDecimal(t.elementType);
    case 'map':
      return hasDecimal(t.keyType) || hasDecimal(t.valueType);
    default:
      return false;
  }
}

/** A snapshot without files still has its columns. */
function emptySelect(plan: ScanPlan): string {
  const cols = plan.columns.map((c) => `CAST(NULL AS ${duckType(c.field.type)}) AS ${sqlIdent(c.field.name)}`);
  return `SELECT ${cols.join(', ')} WHERE false`;
}

