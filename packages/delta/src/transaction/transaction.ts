import type { AddCdcFile, AddFile, RemoveFile } from '../actions/add.js';
import type { CommitInfo } from '../actions/commit-info.js';
import type { DomainMetadata } from '../actions/domain-metadata.js';
import type { Metadata } from '../actions/metadata.js';
import type { Protocol } from '../actions/protocol.js';
import type { Txn } from '../actions/txn.js';
import type { Engine } from '../engine/engine.js';
import { deltaError, isDeltaError } from '../errors.js';
import { checkChangeFeedSchema } from '../cdf/change-data.js';
import { ensureWriteSupported } from '../features/features.js';
import { parseSchema } from '../schema/json.js';
import { commitFileName } from '../log/file-names.js';
import { displayTable, listLog, logDirUrl, tableRootUrl } from '../log/segment.js';
import type { Snapshot } from '../snapshot/snapshot.js';
import { fileKey } from '../replay/file-key.js';
import { findConflict, type TransactionFootprint } from './conflicts.js';
import { operationMetrics, operationParameters, type IsolationLevel, type Operation } from './operation.js';

export const LOCH_ENGINE_INFO = 'Loch/0.1.0';

export interface TransactionOptions {
  readonly isolationLevel?: IsolationLevel;
  /**
   * How many times a commit that lost a race is retried at a later version. Delta's default is
   * effectively unbounded: a commit that conflicts with nothing should get in eventually, however
   * busy the table (default 10,000, with jittered backoff).
   */
  readonly maxRetries?: number;
  /** Idempotent write: skip the commit when the table already has this (appId, version). */
  readonly txn?: { readonly appId: string; readonly version: number };
  /**
   * More application versions the commit records (COPY INTO: one per file it loads). Unlike
   * `txn` they skip nothing; a concurrent commit recording one of the same appIds conflicts.
   */
  readonly txns?: readonly { readonly appId: string; readonly version: number }[];
  /** commitInfo.userMetadata, unless the operation gives its own. */
  readonly userMetadata?: string;
  /** commitInfo.engineInfo (default LOCH_ENGINE_INFO): who wrote the commit. */
  readonly engineInfo?: string;
  /** Milliseconds since the epoch; injectable for tests. */
  readonly clock?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly txnId?: string;
}

export type CommitResult =
  | { readonly kind: 'committed'; readonly version: number; readonly attempts: number; readonly commitInfo: CommitInfo }
  | { readonly kind: 'skipped'; readonly reason: 'txn-already-committed'; readonly appId: string; readonly committedVersion: number };

/**
 * One optimistic transaction. It records what it read (for conflict detection) and the actions
 * it will write, then commits by writing the next log file with put-if-absent. When another
 * writer got that version first, the winning commits are checked with Delta's conflict rules;
 * if none applies the same actions are retried at the next version, else it fails with a coded
 * error that says what clashed.
 */
export class Transaction {
  readonly tableRoot: string;
  readonly table: string;
  /** Version the transaction read; -1 when it creates the table. */
  readonly readVersion: number;
  private readonly options: TransactionOptions;
  private metadata?: Metadata;
  private protocol?: Protocol;
  private readonly adds: AddFile[] = [];
  private readonly removes: RemoveFile[] = [];
  private readonly cdcs: AddCdcFile[] = [];
  private readonly domains: DomainMetadata[] = [];
  private readonly readPredicates: ((add: AddFile) => boolean)[] = [];
  private readonly readFileKeys = new Set<string>();
  private wholeTable = false;

  constructor(
    private readonly engine: Engine,
    tableRoot: string,
    readonly snapshot: Snapshot | undefined,
    options: TransactionOptions = {},
  ) {
    this.tableRoot = tableRootUrl(tableRoot);
    this.table = displayTable(this.tableRoot);
    this.readVersion = snapshot ? snapshot.version : -1;
    this.options = options;
    if (snapshot) ensureWriteSupported(snapshot.protocol, this.table, snapshot.metadata);
  }

  get isolationLevel(): IsolationLevel {
    return this.options.isolationLevel ?? 'WriteSerializable';
  }

  /** The metadata the commit will leave in force. */
  get currentMetadata(): Metadata | undefined {
    return this.metadata ?? this.snapshot?.metadata;
  }

  updateMetadata(m: Metadata): this {
    this.metadata = m;
    return this;
  }

  /**
   * The protocol the commit sets. Whether Loch can write it depends on the metadata too (a legacy
   * writer version implies features only some tables use): checked now against the metadata in
   * force, and again at commit against the metadata the commit leaves.
   */
  updateProtocol(p: Protocol): this {
    if (this.currentMetadata) ensureWriteSupported(p, this.table, this.currentMetadata);
    this.protocol = p;
    return this;
  }

  addFiles(adds: readonly AddFile[]): this {
    this.adds.push(...adds);
    return this;
  }

  removeFiles(removes: readonly RemoveFile[]): this {
    this.removes.push(...removes);
    return this;
  }

  /** Change-data files: with them, change-feed readers take this commit's changes from these alone. */
  addCdcFiles(cdcs: readonly AddCdcFile[]): this {
    this.cdcs.push(...cdcs);
    return this;
  }

  setDomainMetadata(d: DomainMetadata): this {
    this.domains.push(d);
    return this;
  }

  /** The outcome depends on the whole table (e.g. an overwrite of everything). */
  readWholeTable(): this {
    this.wholeTable = true;
    return this;
  }

  /** The transaction read these files, chosen by `predicate` (which later adds must not match). */
  readFiles(files: readonly AddFile[], predicate?: (add: AddFile) => boolean): this {
    for (const f of files) this.readFileKeys.add(fileKey(this.tableRoot, f.path, f.deletionVector));
    if (predicate) this.readPredicates.push(predicate);
    return this;
  }

  private footprint(): TransactionFootprint {
    return {
      tableRoot: this.tableRoot,
      table: this.table,
      readVersion: this.readVersion,
      isolationLevel: this.isolationLevel,
      readWholeTable: this.wholeTable,
      readPredicates: this.readPredicates,
      readFileKeys: this.readFileKeys,
      removedFileKeys: new Set(this.removes.map((r) => fileKey(this.tableRoot, r.path, r.deletionVector))),
      appIds: new Set([...(this.options.txn ? [this.options.txn.appId] : []), ...(this.options.txns ?? []).map((t) => t.appId)]),
      domains: new Set(this.domains.map((d) => d.domain)),
      changesMetadata: this.metadata !== undefined,
      changesProtocol: this.protocol !== undefined,
    };
  }

  private isBlindAppend(op: Operation): boolean {
    return (
      op.isBlindAppend ??
      (this.removes.length === 0 && !this.wholeTable && this.readPredicates.length === 0 && this.readFileKeys.size === 0 && this.adds.every((a) => a.dataChange))
    );
  }

  /** Commits; retries past concurrent commits that do not conflict. */
  async commit(op: Operation): Promise<CommitResult> {
    if (this.protocol) ensureWriteSupported(this.protocol, this.table, this.currentMetadata);
    if (this.metadata) checkChangeFeedSchema(parseSchema(this.metadata.schemaString), this.metadata, this.table);
    const appTxn = this.options.txn;
    if (appTxn && this.snapshot) {
      const seen = this.snapshot.txns.get(appTxn.appId);
      if (seen && seen.version >= appTxn.version) {
        return { kind: 'skipped', reason: 'txn-already-committed', appId: appTxn.appId, committedVersion: seen.version };
      }
    }
    if (!this.snapshot && (!this.metadata || !this.protocol)) {
      throw deltaError('DELTA_INVALID_ARGUMENT', `${this.table}: creating a table needs its protocol and metadata`);
    }
    const clock = this.options.clock ?? Date.now;
    const sleep = this.options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    const maxRetries = this.options.maxRetries ?? 10_000;
    const txnId = this.options.txnId ?? crypto.randomUUID();
    const userMetadata = op.userMetadata ?? this.options.userMetadata;
    const footprint = this.footprint();
    const logDir = logDirUrl(this.tableRoot);
    let version = this.readVersion + 1;
    let checkedUpTo = this.readVersion;
    for (let attempt = 1; ; attempt++) {
      const commitInfo: CommitInfo = {
        timestamp: clock(),
        operation: op.name,
        operationParameters: operationParameters(op.parameters),
        ...(this.readVersion >= 0 ? { readVersion: this.readVersion } : {}),
        isolationLevel: this.isolationLevel,
        isBlindAppend: this.isBlindAppend(op),
        operationMetrics: operationMetrics(op.metrics),
        ...(userMetadata !== undefined ? { userMetadata } : {}),
        engineInfo: this.options.engineInfo ?? LOCH_ENGINE_INFO,
        txnId,
      };
      const body = this.serialize(commitInfo, clock());
      try {
        await this.engine.storage.putIfAbsent(`${logDir}${commitFileName(version)}`, body);
        return { kind: 'committed', version, attempts: attempt, commitInfo };
      } catch (e) {
        if (!isDeltaError(e, 'DELTA_FILE_ALREADY_EXISTS')) throw e;
      }
      if (attempt > maxRetries) {
        throw deltaError(
          'DELTA_MAX_COMMIT_RETRIES_EXCEEDED',
          `${this.table}: gave up after ${attempt} attempts; other writers kept committing first (last tried version ${version})`,
        );
      }
      // Someone else committed `version` (and maybe more): check each winner, then go on after them.
      const { commits } = await listLog(this.engine.storage, logDir, checkedUpTo + 1);
      const winners = [...commits.keys()].filter((v) => v > checkedUpTo).sort((a, b) => a - b);
      const actions = await this.engine.json.readLogFiles(winners.map((v) => commits.get(v)!));
      winners.forEach((v, i) => {
        const conflict = findConflict(footprint, actions[i], v);
        if (conflict) throw conflict;
      });
      checkedUpTo = winners.at(-1) ?? version;
      version = checkedUpTo + 1;
      // Jittered backoff so that racing writers spread out.
      await sleep(Math.min(1000, 2 ** Math.min(attempt, 8)) * Math.random());
    }
  }

  private serialize(commitInfo: CommitInfo, now: number): Uint8Array {
    const lines: string[] = [JSON.stringify({ commitInfo })];
    if (this.protocol) lines.push(JSON.stringify({ protocol: this.protocol }));
    if (this.metadata) lines.push(JSON.stringify({ metaData: this.metadata }));
    if (this.options.txn) {
      const txn: Txn = { appId: this.options.txn.appId, version: this.options.txn.version, lastUpdated: now };
      lines.push(JSON.stringify({ txn }));
    }
    for (const t of this.options.txns ?? []) lines.push(JSON.stringify({ txn: { appId: t.appId, version: t.version, lastUpdated: now } satisfies Txn }));
    for (const d of this.domains) lines.push(JSON.stringify({ domainMetadata: d }));
    for (const r of this.removes) lines.push(JSON.stringify({ remove: r }));
    for (const a of this.adds) lines.push(JSON.stringify({ add: a }));
    for (const c of this.cdcs) lines.push(JSON.stringify({ cdc: c }));
    return new TextEncoder().encode(`${lines.join('\n')}\n`);
  }
}
