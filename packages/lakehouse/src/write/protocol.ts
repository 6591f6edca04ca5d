import { TABLE_FEATURES, TYPE_CHANGES, type DataType, type Protocol, type StructField, type StructType } from '@loch/delta';

function uses(t: DataType, pred: (t: DataType) => boolean): boolean {
  if (pred(t)) return true;
  switch (t.kind) {
    case 'struct': return t.fields.some((f) => uses(f.type, pred));
    case 'array': return uses(t.elementType, pred);
    case 'map': return uses(t.keyType, pred) || uses(t.valueType, pred);
    default: return false;
  }
}

/**
 * The lowest protocol a new table needs: (1, 2) unless it uses a feature that came later.
 * Table features (reader 3 / writer 7) only when a feature has no legacy version.
 */
export function minimalProtocol(schema: StructType, configuration: Readonly<Record<string, string>>): Protocol {
  const ntz = uses(schema, (t) => t.kind === 'primitive' && t.name === 'timestamp_ntz');
  const constraints = Object.keys(configuration).some((k) => k.startsWith('delta.constraints.'));
  const dv = configuration['delta.enableDeletionVectors'] === 'true';
  const mapping = (configuration['delta.columnMapping.mode'] ?? 'none').toLowerCase() !== 'none';
  const cdf = (configuration['delta.enableChangeDataFeed'] ?? '').toLowerCase() === 'true';
  // A column whose type was widened needs readers that widen the values of older files; a table
  // that allows widening announces the feature before any column is widened, as Delta does.
  const widened = schema.fields.some((f) => hasTypeChanges(f)) || configuration['delta.enableTypeWidening']?.toLowerCase() === 'true';
  if (ntz || dv || widened) {
    const readerFeatures = [...(ntz ? ['timestampNtz'] : []), ...(dv ? ['deletionVectors'] : []), ...(mapping ? ['columnMapping'] : []), ...(widened ? ['typeWidening'] : [])];
    const writerFeatures = ['appendOnly', 'invariants', ...readerFeatures];
    if (constraints) writerFeatures.push('checkConstraints');
    if (cdf) writerFeatures.push('changeDataFeed');
    return { minReaderVersion: 3, minWriterVersion: 7, readerFeatures, writerFeatures };
  }
  // Column mapping has legacy versions of its own: reader 2, writer 5.
  if (mapping) return { minReaderVersion: 2, minWriterVersion: 5 };
  // The change data feed's legacy writer version is 4.
  return { minReaderVersion: 1, minWriterVersion: cdf ? 4 : constraints ? 3 : 2 };
}

function hasTypeChanges(f: StructField): boolean {
  if (TYPE_CHANGES in f.metadata) return true;
  const t = f.type;
  if (t.kind === 'struct') return t.fields.some(hasTypeChanges);
  if (t.kind === 'array') return t.elementType.kind === 'struct' && t.elementType.fields.some(hasTypeChanges);
  if (t.kind === 'map') return [t.keyType, t.valueType].some((x) => x.kind === 'struct' && x.fields.some(hasTypeChanges));
  return false;
}

/** The protocol that satisfies both; `current` itself when it already does. */
export function higherProtocol(current: Protocol, wanted: Protocol): Protocol {
  const minReaderVersion = Math.max(current.minReaderVersion, wanted.minReaderVersion);
  const minWriterVersion = Math.max(current.minWriterVersion, wanted.minWriterVersion);
  // Moving a legacy protocol to table features lists the features its versions implied: those
  // whose legacy reader and writer versions it both reaches (as Delta's implicitly supported features).
  const implied = (kind?: 'reader') =>
    TABLE_FEATURES.filter(
      (f) => f.legacy !== undefined && (kind === undefined || f.kind === kind) && current.minWriterVersion >= f.legacy.minWriter && current.minReaderVersion >= (f.legacy.minReader ?? 1),
    ).map((f) => f.name);
  const currentReader = current.minReaderVersion >= 3 ? [...(current.readerFeatures ?? [])] : implied('reader');
  const currentWriter = current.minWriterVersion >= 7 ? [...(current.writerFeatures ?? [])] : implied();
  const readerFeatures = [...new Set([...currentReader, ...(wanted.readerFeatures ?? [])])];
  const writerFeatures = [...new Set([...currentWriter, ...(wanted.writerFeatures ?? [])])];
  if (minReaderVersion >= 3) for (const f of readerFeatures) if (!writerFeatures.includes(f)) writerFeatures.push(f);
  if (
    minReaderVersion === current.minReaderVersion &&
    minWriterVersion === current.minWriterVersion &&
    (minReaderVersion < 3 || readerFeatures.length === (current.readerFeatures ?? []).length) &&
    (minWriterVersion < 7 || writerFeatures.length === (current.writerFeatures ?? []).length)
  ) {
    return current;
  }
  return {
    minReaderVersion,
    minWriterVersion,
    ...(minReaderVersion >= 3 ? { readerFeatures } : {}),
    ...(minWriterVersion >= 7 ? { writerFeatures } : {}),
  };
}
