import type { Metadata } from '../actions/metadata.js';
import type { Protocol } from '../actions/protocol.js';
import { deltaError } from '../errors.js';

/** Table features, as data: what each is and whether Loch can read or write tables that use it. */
export interface TableFeature {
  readonly name: string;
  /** 'reader' features appear in readerFeatures and writerFeatures; 'writer' ones only in writerFeatures. */
  readonly kind: 'reader' | 'writer';
  /** The legacy protocol versions that imply it (before table features existed). */
  readonly legacy?: { readonly minReader?: number; readonly minWriter: number };
  readonly read: boolean;
  readonly write: boolean;
}

export const TABLE_FEATURES: readonly TableFeature[] = [
  { name: 'appendOnly', kind: 'writer', legacy: { minWriter: 2 }, read: true, write: true },
  { name: 'invariants', kind: 'writer', legacy: { minWriter: 2 }, read: true, write: true },
  { name: 'checkConstraints', kind: 'writer', legacy: { minWriter: 3 }, read: true, write: true },
  { name: 'changeDataFeed', kind: 'writer', legacy: { minWriter: 4 }, read: true, write: true },
  { name: 'generatedColumns', kind: 'writer', legacy: { minWriter: 4 }, read: true, write: false },
  { name: 'columnMapping', kind: 'reader', legacy: { minReader: 2, minWriter: 5 }, read: true, write: true },
  { name: 'identityColumns', kind: 'writer', legacy: { minWriter: 6 }, read: true, write: false },
  { name: 'deletionVectors', kind: 'reader', read: true, write: true },
  { name: 'timestampNtz', kind: 'reader', read: true, write: true },
  { name: 'v2Checkpoint', kind: 'reader', read: true, write: false },
  { name: 'vacuumProtocolCheck', kind: 'reader', read: true, write: true },
  { name: 'typeWidening', kind: 'reader', read: true, write: true },
  { name: 'typeWidening-preview', kind: 'reader', read: true, write: false },
  { name: 'domainMetadata', kind: 'writer', read: true, write: true },
  { name: 'rowTracking', kind: 'writer', read: true, write: false },
  { name: 'clustering', kind: 'writer', read: true, write: false },
  { name: 'inCommitTimestamp', kind: 'writer', read: true, write: false },
  { name: 'icebergCompatV1', kind: 'writer', read: true, write: false },
  { name: 'icebergCompatV2', kind: 'writer', read: true, write: false },
  { name: 'variantType', kind: 'reader', read: false, write: false },
  { name: 'variantType-preview', kind: 'reader', read: false, write: false },
  { name: 'variantShredding-preview', kind: 'reader', read: false, write: false },
  { name: 'catalogManaged', kind: 'reader', read: false, write: false },
  { name: 'catalogOwned-preview', kind: 'reader', read: false, write: false },
];

const BY_NAME = new Map(TABLE_FEATURES.map((f) => [f.name, f]));

export function tableFeature(name: string): TableFeature | undefined {
  return BY_NAME.get(name);
}

/** Reader features in force for a protocol: the explicit list, or those the legacy version implies. */
export function readerFeaturesOf(p: Protocol): string[] {
  if (p.minReaderVersion >= 3) return [...(p.readerFeatures ?? [])];
  return TABLE_FEATURES.filter((f) => f.kind === 'reader' && f.legacy?.minReader !== undefined && p.minReaderVersion >= f.legacy.minReader).map((f) => f.name);
}

/** Writer features in force: the explicit list, or those the legacy writer version implies. */
export function writerFeaturesOf(p: Protocol): string[] {
  if (p.minWriterVersion >= 7) return [...(p.writerFeatures ?? [])];
  return TABLE_FEATURES.filter((f) => f.legacy !== undefined && p.minWriterVersion >= f.legacy.minWriter).map((f) => f.name);
}

/** Fails, naming the feature, unless Loch can read a table with this protocol. */
export function ensureReadSupported(p: Protocol, table: string): void {
  if (p.minReaderVersion < 1 || p.minReaderVersion > 3) {
    throw deltaError(
      'DELTA_INVALID_PROTOCOL_VERSION',
      `${table} needs reader version ${p.minReaderVersion}; Loch reads protocol reader versions 1 to 3`,
    );
  }
  if (p.minReaderVersion === 3 && !Array.isArray(p.readerFeatures)) {
    throw deltaError('DELTA_INVALID_PROTOCOL_VERSION', `${table}: reader version 3 requires a readerFeatures list`);
  }
  for (const name of readerFeaturesOf(p)) {
    const f = BY_NAME.get(name);
    if (!f || !f.read) {
      throw deltaError(
        'DELTA_UNSUPPORTED_READER_FEATURE',
        `${table} uses the table feature '${name}', which Loch cannot read yet`,
      );
    }
  }
}

/**
 * Whether a feature a legacy writer version implies is in use: a (1, 4) table only needs a
 * change-data-feed writer when the feed is on, and so on. Explicit feature lists (writer 7) are
 * taken at their word.
 */
function activeUnderLegacy(name: string, metadata: Metadata | undefined): boolean {
  if (!metadata) return true;
  const conf = metadata.configuration;
  const schema = metadata.schemaString ?? '';
  switch (name) {
    case 'changeDataFeed':
      return conf['delta.enableChangeDataFeed'] === 'true';
    case 'generatedColumns':
      return schema.includes('delta.generationExpression');
    case 'identityColumns':
      return schema.includes('delta.identity.');
    case 'columnMapping':
      return (conf['delta.columnMapping.mode'] ?? 'none') !== 'none';
    default:
      return true;
  }
}

/** Fails, naming the feature, unless Loch can write to a table with this protocol (and metadata). */
export function ensureWriteSupported(p: Protocol, table: string, metadata?: Metadata): void {
  ensureReadSupported(p, table);
  if (p.minWriterVersion < 1 || p.minWriterVersion > 7) {
    throw deltaError('DELTA_INVALID_PROTOCOL_VERSION', `${table} needs writer version ${p.minWriterVersion}; Loch writes versions 1 to 7`);
  }
  const legacy = p.minWriterVersion < 7;
  for (const name of writerFeaturesOf(p)) {
    const f = BY_NAME.get(name);
    if (f?.write) continue;
    if (legacy && !activeUnderLegacy(name, metadata)) continue;
    throw deltaError('DELTA_UNSUPPORTED_WRITER_FEATURE', `${table} uses the table feature '${name}', which Loch cannot write yet`);
  }
}
