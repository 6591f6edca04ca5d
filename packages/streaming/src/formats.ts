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

/** Makes a new Source for each query start (a source keeps per-run state). */
export type SourceFormat = (args: SourceFormatArgs) => Source;
export type SinkFormat = (args: SinkFormatArgs) => Sink;

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
