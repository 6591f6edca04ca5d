/// <reference types="node" />
/**
 * Builds Delta tables in memory for kernel tests: an Engine over MemoryStorage, and helpers that
 * write commits (and checkpoints) from plain action objects.
 */
import assert from 'node:assert/strict';
import { defaultJsonHandler } from '../../src/engine/default-json.js';
import type { Engine, FileMeta, ParquetHandler } from '../../src/engine/engine.js';
import { MemoryStorage } from '../../src/engine/memory-storage.js';
import { parseJsonLog, type LogFileActions } from '../../src/actions/columns.js';
import { isDeltaError, type DeltaErrorCode } from '../../src/errors.js';
import {
  classicCheckpointFileName,
  commitFileName,
  multipartCheckpointFileName,
  v2CheckpointFileName,
} from '../../src/log/file-names.js';

export type Action = Record<string, unknown>;

export interface MemTable {
  readonly storage: MemoryStorage;
  readonly engine: Engine;
  /** Table root URL, ending in '/'. */
  readonly root: string;
  readonly logDir: string;
  /** Every file the parquet handler was asked to read, in call order. */
  readonly parquetReads: string[];
}

/**
 * An in-memory Engine. Its Parquet handler does not read Parquet: the "checkpoint" files tests
 * write hold JSON lines, which it parses like a commit. That keeps checkpoint selection, hints
 * and replay testable without DuckDB.
 */
export function memTable(root = 'mem:///t/'): MemTable {
  const storage = new MemoryStorage();
  const parquetReads: string[] = [];
  const decoder = new TextDecoder();
  const parquet: ParquetHandler = {
    async readCheckpointActions(files: FileMeta[]): Promise<LogFileActions[]> {
      const out: LogFileActions[] = [];
      for (const f of files) {
        parquetReads.push(f.path);
        out.push(parseJsonLog(decoder.decode(await storage.read(f.path)), f.path));
      }
      return out;
    },
  };
  const engine: Engine = { storage, json: defaultJsonHandler(storage), parquet };
  return { storage, engine, root, logDir: `${root}_delta_log/`, parquetReads };
}

/** An engine whose Parquet handler refuses to work (for tests that must never touch Parquet). */
export function memEngineNoParquet(storage: MemoryStorage): Engine {
  return {
    storage,
    json: defaultJsonHandler(storage),
    parquet: {
      readCheckpointActions: async () => {
        throw new Error('no parquet');
      },
    },
  };
}

const encoder = new TextEncoder();

export function jsonLines(actions: readonly Action[]): Uint8Array {
  return encoder.encode(actions.map((a) => JSON.stringify(a)).join('\n') + '\n');
}

/** Writes commit `version` from action objects; sets its file time when `mtime` is given. */
export async function writeCommit(t: MemTable, version: number, actions: readonly Action[], mtime?: number): Promise<string> {
  const path = `${t.logDir}${commitFileName(version)}`;
  await t.storage.putIfAbsent(path, jsonLines(actions));
  if (mtime !== undefined) t.storage.touch(path, mtime);
  return path;
}

/** Writes raw text as commit `version` (for corrupt-log tests). */
export async function writeRawCommit(t: MemTable, version: number, text: string): Promise<string> {
  const path = `${t.logDir}${commitFileName(version)}`;
  await t.storage.putIfAbsent(path, encoder.encode(text));
  return path;
}

export async function deleteCommit(t: MemTable, version: number): Promise<void> {
  await t.storage.delete(`${t.logDir}${commitFileName(version)}`);
}

/** A classic single-file checkpoint (JSON lines inside, see memTable). */
export async function writeClassicCheckpoint(t: MemTable, version: number, actions: readonly Action[]): Promise<string> {
  const path = `${t.logDir}${classicCheckpointFileName(version)}`;
  await t.storage.put(path, jsonLines(actions));
  return path;
}

/**
 * A multi-part checkpoint: `parts[i]` holds part i+1's actions. `skip` lists part numbers
 * (1-based) not to write, to simulate a writer that died halfway.
 */
export async function writeMultipartCheckpoint(
  t: MemTable,
  version: number,
  parts: readonly (readonly Action[])[],
  skip: readonly number[] = [],
): Promise<string[]> {
  const paths: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    if (skip.includes(i + 1)) continue;
    const path = `${t.logDir}${multipartCheckpointFileName(version, i + 1, parts.length)}`;
    await t.storage.put(path, jsonLines(parts[i]));
    paths.push(path);
  }
  return paths;
}

/** A v2 checkpoint in JSON form (read through the JSON handler, like a commit). */
export async function writeV2JsonCheckpoint(t: MemTable, version: number, actions: readonly Action[]): Promise<string> {
  const uuid = '3a0d65cd-4056-49b8-937b-95f9e3ee90e5';
  const path = `${t.logDir}${v2CheckpointFileName(version, uuid, 'json')}`;
  await t.storage.put(path, jsonLines([{ checkpointMetadata: { version } }, ...actions]));
  return path;
}

export async function writeLastCheckpoint(t: MemTable, content: string | object): Promise<void> {
  const text = typeof content === 'string' ? content : JSON.stringify(content);
  await t.storage.put(`${t.logDir}_last_checkpoint`, encoder.encode(text));
}

// ---- action builders -------------------------------------------------------------------------

export interface FieldSpec {
  readonly name: string;
  readonly type: string;
  readonly nullable?: boolean;
}

export function schemaString(fields: readonly FieldSpec[]): string {
  return JSON.stringify({
    type: 'struct',
    fields: fields.map((f) => ({ name: f.name, type: f.type, nullable: f.nullable ?? true, metadata: {} })),
  });
}

export const DEFAULT_FIELDS: readonly FieldSpec[] = [
  { name: 'id', type: 'long' },
  { name: 'part', type: 'string' },
];

export function protocol(
  minReaderVersion = 1,
  minWriterVersion = 2,
  features: { readerFeatures?: string[]; writerFeatures?: string[] } = {},
): Action {
  return { protocol: { minReaderVersion, minWriterVersion, ...features } };
}

export function metaData(
  opts: { id?: string; fields?: readonly FieldSpec[]; partitionColumns?: string[]; configuration?: Record<string, string> } = {},
): Action {
  return {
    metaData: {
      id: opts.id ?? 'table-id',
      format: { provider: 'parquet', options: {} },
      schemaString: schemaString(opts.fields ?? DEFAULT_FIELDS),
      partitionColumns: opts.partitionColumns ?? [],
      configuration: opts.configuration ?? {},
      createdTime: 1_700_000_000_000,
    },
  };
}

export function add(path: string, extra: Record<string, unknown> = {}): Action {
  return {
    add: { path, partitionValues: {}, size: 100, modificationTime: 1_700_000_000_000, dataChange: true, ...extra },
  };
}

export function remove(path: string, extra: Record<string, unknown> = {}): Action {
  return { remove: { path, deletionTimestamp: 1_700_000_000_000, dataChange: true, ...extra } };
}

export function commitInfo(operation: string, extra: Record<string, unknown> = {}): Action {
  return { commitInfo: { timestamp: 1_700_000_000_000, operation, operationParameters: {}, ...extra } };
}

export function txn(appId: string, version: number): Action {
  return { txn: { appId, version, lastUpdated: 1_700_000_000_000 } };
}

export function domain(name: string, configuration: string, removed = false): Action {
  return { domainMetadata: { domain: name, configuration, removed } };
}

/** Version 0 of a table: protocol, metadata, and the given extra actions. */
export async function createTable(t: MemTable, extra: readonly Action[] = [], mtime?: number): Promise<void> {
  await writeCommit(t, 0, [commitInfo('CREATE TABLE'), protocol(), metaData(), ...extra], mtime);
}

/**
 * A table with commits 0..n-1: version 0 creates it, version v > 0 adds `f{v}.parquet`. Commit v
 * gets file time `baseTime + v * step` unless `mtimes` says otherwise.
 */
export async function linearTable(
  t: MemTable,
  n: number,
  opts: { baseTime?: number; step?: number; mtimes?: readonly number[] } = {},
): Promise<void> {
  const base = opts.baseTime ?? 1_000_000;
  const step = opts.step ?? 1_000;
  for (let v = 0; v < n; v++) {
    const mtime = opts.mtimes?.[v] ?? base + v * step;
    if (v === 0) await createTable(t, [], mtime);
    else await writeCommit(t, v, [commitInfo('WRITE', { readVersion: v - 1 }), add(`f${v}.parquet`)], mtime);
  }
}

/** The full state of a table at version v as a checkpoint would hold it (for linearTable). */
export function linearCheckpointActions(v: number): Action[] {
  const out: Action[] = [protocol(), metaData()];
  for (let i = 1; i <= v; i++) out.push(add(`f${i}.parquet`));
  return out;
}

// ---- assertions ------------------------------------------------------------------------------

/** Asserts that `p` rejects with a DeltaError of `code` whose message matches every pattern. */
export async function rejectsWith(p: Promise<unknown>, code: DeltaErrorCode, ...patterns: RegExp[]): Promise<Error> {
  let caught: unknown;
  try {
    await p;
  } catch (e) {
    caught = e;
  }
  assert.ok(caught !== undefined, `expected ${code}, but the call succeeded`);
  assert.ok(isDeltaError(caught), `expected a DeltaError ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code, `wrong code; message: ${caught.message}`);
  for (const re of patterns) assert.match(caught.message, re);
  return caught;
}

/** Same as rejectsWith, for synchronous code. */
export function throwsWith(fn: () => unknown, code: DeltaErrorCode, ...patterns: RegExp[]): Error {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught !== undefined, `expected ${code}, but the call succeeded`);
  assert.ok(isDeltaError(caught), `expected a DeltaError ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code, `wrong code; message: ${caught.message}`);
  for (const re of patterns) assert.match(caught.message, re);
  return caught;
}

/** Sorted file names (last path segment) of a snapshot's live files. */
export function fileNames(files: readonly { path: string }[]): string[] {
  return files.map((f) => f.path).sort();
}
