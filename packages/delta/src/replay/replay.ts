import type { AddFile, RemoveFile } from '../actions/add.js';
import type { LogFileActions } from '../actions/columns.js';
import type { CommitInfo } from '../actions/commit-info.js';
import type { DomainMetadata } from '../actions/domain-metadata.js';
import type { Metadata } from '../actions/metadata.js';
import type { Protocol } from '../actions/protocol.js';
import type { Txn } from '../actions/txn.js';
import { dvUniqueId } from '../dv/descriptor.js';
import { canonicalPath } from '../util/paths.js';

/** A table's state at one version, reconciled from its log. */
export interface ReplayState {
  readonly protocol?: Protocol;
  readonly metadata?: Metadata;
  /** Live data files. */
  readonly files: AddFile[];
  /** Remove actions still in the log (not yet expired). */
  readonly tombstones: RemoveFile[];
  /** Latest version per application id. */
  readonly txns: Map<string, Txn>;
  /** Live domains (removed ones dropped). */
  readonly domains: Map<string, DomainMetadata>;
  /** commitInfo of the newest commit, if it has one. */
  readonly latestCommitInfo?: CommitInfo;
}

/**
 * Reconciles actions newest first: the first action seen for a file key decides whether the file
 * is live (add) or a tombstone (remove); older actions for that key are superseded. A file is
 * keyed by its canonical path plus its deletion vector's id, so an add with a new DV replaces the
 * add with the old one only through the matching remove.
 *
 * `newestFirst` lists commits from the newest down, then the checkpoint's files (whose order
 * among themselves does not matter: a checkpoint holds one action per key).
 */
export function replay(tableRoot: string, newestFirst: readonly LogFileActions[]): ReplayState {
  let protocol: Protocol | undefined;
  let metadata: Metadata | undefined;
  const seen = new Set<string>();
  const files: AddFile[] = [];
  const tombstones: RemoveFile[] = [];
  const txns = new Map<string, Txn>();
  const domains = new Map<string, DomainMetadata>();
  const seenDomains = new Set<string>();

  for (const f of newestFirst) {
    protocol ??= f.protocol;
    metadata ??= f.metaData;
    for (const t of f.txns) if (!txns.has(t.appId)) txns.set(t.appId, t);
    for (const d of f.domainMetadata) {
      if (seenDomains.has(d.domain)) continue;
      seenDomains.add(d.domain);
      if (!d.removed) domains.set(d.domain, d);
    }
    // Removes before adds: within one commit, a remove and an add of the same key cannot both
    // appear, so the order only matters for speed (removes are rarer).
    for (const r of f.removes) {
      const key = fileKey(tableRoot, r.path, r.deletionVector);
      if (seen.has(key)) continue;
      seen.add(key);
      tombstones.push(r);
    }
    for (const a of f.adds) {
      const key = fileKey(tableRoot, a.path, a.deletionVector);
      if (seen.has(key)) continue;
      seen.add(key);
      files.push(a);
    }
  }
  return { protocol, metadata, files, tombstones, txns, domains, latestCommitInfo: newestFirst[0]?.commitInfo };
}

function fileKey(tableRoot: string, path: string, dv: AddFile['deletionVector']): string {
  const p = canonicalPath(tableRoot, path);
  return dv ? `${p}\u0000${dvUniqueId(dv)}` : p;
}
