import type { Protocol, StructType, DataType } from '@loch/delta';

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
  if (ntz || dv) {
    const readerFeatures = [...(ntz ? ['timestampNtz'] : []), ...(dv ? ['deletionVectors'] : [])];
    const writerFeatures = ['appendOnly', 'invariants', ...readerFeatures];
    if (constraints) writerFeatures.push('checkConstraints');
    return { minReaderVersion: 3, minWriterVersion: 7, readerFeatures, writerFeatures };
  }
  return { minReaderVersion: 1, minWriterVersion: constraints ? 3 : 2 };
}
