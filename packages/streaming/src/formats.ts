import type { StructType } from '@loch/delta';
import type { Lakehouse } from '@loch/lakehouse';
import { invalidOption } from './errors.js';
import type { Sink } from './sink.js';
import type { Source } from './source.js';

/** What `readStream.format(name)...load(path)` hands a source format. */
export interface SourceFormatArgs {
  readonly lake: Lakehouse;
  /** Options as given (`option(key, value)`): keys in lower case (option names are case-insensitive, as in Spark), values as strings. Read them with `getOption`. */
  readonly options: Readonly<Record<string, string>>;
  readonly path?: string;
  /** A lake table name (readStream.table). */
  readonly table?: string;
  /** The schema given with `schema(...)`, if any. */
  readonly schema?: StructType;
}

/** What `writeStream.format(name)...start(path)` / `toTable(name)` hands a sink format. */
export interface SinkFormatArgs {
  readonly lake: Lakehouse;
  /** Options, keys in lower case (see SourceFormatArgs). */
  readonly options: Readonly<Record<string, string>>;
  readonly path?: string;
  /** A lake table name (toTable). */
  readonly table?: string;
  readonly queryName?: string;
  readonly partitionBy: readonly string[];
}

/**
 * Makes a new Source for each query start (a source keeps per-run state). It checks its options
 * when called (a bad one throws); what needs I/O (a lake table's location) may come later, in
 * the promise it returns.
 */
export type SourceFormat = (args: SourceFormatArgs) => Source | Promise<Source>;
export type SinkFormat = (args: SinkFormatArgs) => Sink | Promise<Sink>;

const sourceFormats = new Map<string, SourceFormat>();
const sinkFormats = new Map<string, SinkFormat>();

/**
 * Makes `readStream.format(name)` read with `make`: how packages add sources (brokers, ...).
 * Names are case-insensitive; registering a name again replaces it.
 */
export function registerSourceFormat(name: string, make: SourceFormat): void {
  sourceFormats.set(name.toLowerCase(), make);
}

/** Makes `writeStream.format(name)` write with `make`. */
export function registerSinkFormat(name: string, make: SinkFormat): void {
  sinkFormats.set(name.toLowerCase(), make);
}

export function sourceFormat(name: string): SourceFormat {
  const f = sourceFormats.get(name.toLowerCase());
  if (!f) throw invalidOption(`readStream: unknown format '${name}' (known: ${[...sourceFormats.keys()].sort().join(', ')})`);
  return f;
}

export function sinkFormat(name: string): SinkFormat {
  const f = sinkFormats.get(name.toLowerCase());
  if (!f) throw invalidOption(`writeStream: unknown format '${name}' (known: ${[...sinkFormats.keys()].sort().join(', ')}, or foreachBatch / foreach)`);
  return f;
}

/** An option by name, whatever its case. */
export function getOption(options: Readonly<Record<string, string>>, key: string): string | undefined {
  return options[key.toLowerCase()];
}

/** An option as a number, checked. */
export function numberOption(options: Readonly<Record<string, string>>, key: string, what: string): number | undefined {
  const v = getOption(options, key);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw invalidOption(`${what}: option ${key} must be a positive number, got '${v}'`);
  return n;
}

/** An option as a boolean ('true' / 'false', any case). */
export function booleanOption(options: Readonly<Record<string, string>>, key: string, what: string, fallback: boolean): boolean {
  const v = getOption(options, key);
  if (v === undefined) return fallback;
  if (/^true$/i.test(v)) return true;
  if (/^false$/i.test(v)) return false;
  throw invalidOption(`${what}: option ${key} must be true or false, got '${v}'`);
}

const SIZE_UNITS: Readonly<Record<string, number>> = { b: 1, k: 1024, kb: 1024, m: 1024 ** 2, mb: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, t: 1024 ** 4, tb: 1024 ** 4 };

/** An option as a byte size: a number of bytes or `'10m'`, `'1g'`, `'512kb'`. */
export function bytesOption(options: Readonly<Record<string, string>>, key: string, what: string): number | undefined {
  const v = getOption(options, key);
  if (v === undefined) return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(v);
  const unit = m ? SIZE_UNITS[(m[2] || 'b').toLowerCase()] : undefined;
  if (!m || unit === undefined || Number(m[1]) <= 0) throw invalidOption(`${what}: option ${key} must be a size such as 1048576, '512kb', '10m' or '1g', got '${v}'`);
  return Math.round(Number(m[1]) * unit);
}
