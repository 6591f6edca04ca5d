import { deltaError } from '../errors.js';
import type { AddCdcFile, AddFile, RemoveFile } from './add.js';
import type { AddFileList } from './add-list.js';
import type { CheckpointMetadata } from './checkpoint-metadata.js';
import type { CommitInfo } from './commit-info.js';
import type { DomainMetadata } from './domain-metadata.js';
import type { Metadata } from './metadata.js';
import type { Protocol } from './protocol.js';
import type { Sidecar } from './sidecar.js';
import type { Txn } from './txn.js';

/**
 * The actions of one log file (a commit, a checkpoint or one part of it, or a sidecar), grouped
 * by kind. Replay needs them grouped, never in file order: within one commit the protocol forbids
 * the conflicts that order would decide.
 */
export interface LogFileActions {
  /** URL of the file the actions came from, for error messages. */
  readonly file: string;
  readonly adds: AddFile[];
  /**
   * The same add actions column by column, when the handler read them that way (a large
   * checkpoint or JSON log): `adds` is then made from them on first access, and replay uses
   * these instead, making no object for a file.
   */
  readonly addColumns?: AddFileList;
  readonly removes: RemoveFile[];
  /** Change-data files (`cdc` actions): a commit's row-level changes, when it wrote them. */
  readonly cdcs: AddCdcFile[];
  protocol?: Protocol;
  metaData?: Metadata;
  commitInfo?: CommitInfo;
  readonly txns: Txn[];
  readonly domainMetadata: DomainMetadata[];
  readonly sidecars: Sidecar[];
  checkpointMetadata?: CheckpointMetadata;
}

export function emptyLogFileActions(file: string): LogFileActions {
  return { file, adds: [], removes: [], cdcs: [], txns: [], domainMetadata: [], sidecars: [] };
}

/**
 * `actions` with its adds held column by column: `adds` becomes a getter that makes the objects
 * the first time it is read. `addColumns` is not enumerable: it is another view of `adds`, so
 * that a copy or a comparison of the actions sees each add once, as it would for objects.
 */
export function withAddColumns(actions: LogFileActions, adds: AddFileList): LogFileActions {
  let made: AddFile[] | undefined;
  const out = { ...actions } as { -readonly [K in keyof LogFileActions]: LogFileActions[K] };
  Object.defineProperty(out, 'addColumns', { value: adds, enumerable: false, configurable: true });
  Object.defineProperty(out, 'adds', { get: () => (made ??= adds.toArray()), enumerable: true, configurable: true });
  return out;
}

/**
 * A log or checkpoint file as messages name it: its path with the table's directory
 * (`/data/events/_delta_log/00000000000000000003.json`), decoded, so an error says which table.
 */
export function displayPath(fileUrl: string): string {
  const path = fileUrl.startsWith('file://') ? fileUrl.slice('file://'.length) : fileUrl;
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/** Adds one parsed action object (one log line, or one checkpoint row) to `out`. */
export function addAction(out: LogFileActions, action: Record<string, unknown>, where: () => string): void {
  // Checked in the order of how often each kind appears in a log.
  const add = action.add as AddFile | undefined;
  if (add != null) {
    if (typeof add.path !== 'string') throw badAction('add', 'path', where);
    out.adds.push(add);
    return;
  }
  const remove = action.remove as RemoveFile | undefined;
  if (remove != null) {
    if (typeof remove.path !== 'string') throw badAction('remove', 'path', where);
    out.removes.push(remove);
    return;
  }
  if (action.commitInfo != null) {
    out.commitInfo = action.commitInfo as CommitInfo;
    return;
  }
  const cdc = action.cdc as AddCdcFile | undefined;
  if (cdc != null) {
    if (typeof cdc.path !== 'string') throw badAction('cdc', 'path', where);
    out.cdcs.push({ ...cdc, partitionValues: cdc.partitionValues ?? {} });
    return;
  }
  if (action.metaData != null) {
    const m = action.metaData as Metadata;
    out.metaData = { ...m, partitionColumns: m.partitionColumns ?? [], configuration: m.configuration ?? {} };
    return;
  }
  if (action.protocol != null) {
    const p = action.protocol as Protocol;
    if (!Number.isInteger(p.minReaderVersion) || !Number.isInteger(p.minWriterVersion)) {
      throw badAction('protocol', 'minReaderVersion/minWriterVersion', where);
    }
    out.protocol = p;
    return;
  }
  if (action.txn != null) {
    const t = action.txn as Txn;
    if (typeof t.appId !== 'string') throw badAction('txn', 'appId', where);
    out.txns.push({ ...t, version: Number(t.version) });
    return;
  }
  if (action.domainMetadata != null) {
    out.domainMetadata.push(action.domainMetadata as DomainMetadata);
    return;
  }
  if (action.sidecar != null) {
    out.sidecars.push(action.sidecar as Sidecar);
    return;
  }
  if (action.checkpointMetadata != null) {
    out.checkpointMetadata = action.checkpointMetadata as CheckpointMetadata;
  }
  // Unknown action kinds are ignored, as the protocol asks of readers.
}

function badAction(kind: string, field: string, where: () => string) {
  return deltaError('DELTA_CORRUPT_LOG', `${where()}: '${kind}' action has no valid '${field}'`);
}

/** Parses the text of a JSON log file (one action per line). */
export function parseJsonLog(text: string, fileUrl: string): LogFileActions {
  const out = emptyLogFileActions(fileUrl);
  let start = 0;
  let lineNo = 0;
  const n = text.length;
  while (start < n) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = n;
    lineNo++;
    if (end > start) {
      const line = text.slice(start, end);
      let action: unknown;
      try {
        action = JSON.parse(line);
      } catch (e) {
        if (line.trim() === '') {
          start = end + 1;
          continue;
        }
        throw deltaError(
          'DELTA_CORRUPT_LOG',
          `${displayPath(fileUrl)} line ${lineNo}: not valid JSON (${(e as Error).message})`,
        );
      }
      if (action === null || typeof action !== 'object' || Array.isArray(action)) {
        throw deltaError('DELTA_CORRUPT_LOG', `${displayPath(fileUrl)} line ${lineNo}: an action must be a JSON object`);
      }
      const at = lineNo;
      addAction(out, action as Record<string, unknown>, () => `${displayPath(fileUrl)} line ${at}`);
    }
    start = end + 1;
  }
  return out;
}
