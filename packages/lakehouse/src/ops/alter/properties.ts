import { columnMappingMode, deltaError, schemaToJson, type Protocol, type Snapshot, type StructType } from '@loch/delta';
import { withColumnMapping } from '../../write/column-mapping.js';
import { targetFileSizeOf } from '../../write/file-size.js';
import { higherProtocol, minimalProtocol } from '../../write/protocol.js';
import type { AlterChange } from './change.js';
import { CONSTRAINT_PREFIX } from './constraints.js';
import { raised, type AlterPlan } from './plan.js';

type Of<K extends AlterChange['kind']> = Extract<AlterChange, { kind: K }>;

/**
 * SET TBLPROPERTIES: table properties; `comment` is the description; delta.minReaderVersion and
 * delta.minWriterVersion raise the protocol (never lower it).
 */
export function setProperties(snapshot: Snapshot, change: Of<'setProperties'>): AlterPlan {
  const table = snapshot.table;
  const current = snapshot.metadata;
  const configuration = { ...current.configuration };
  let description = current.description;
  let wanted: Protocol = { minReaderVersion: 1, minWriterVersion: 1 };
  for (const [k, v] of Object.entries(change.properties)) {
    const key = k.toLowerCase();
    if (key.startsWith(CONSTRAINT_PREFIX)) {
      throw deltaError('DELTA_INVALID_ARGUMENT', `${table}: CHECK constraints are added with ALTER TABLE ... ADD CONSTRAINT, not as the property '${k}'`);
    }
    if (key === 'delta.minreaderversion' || key === 'delta.minwriterversion') {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw deltaError('DELTA_INVALID_ARGUMENT', `${table}: ${k} must be a protocol version (a positive integer), not '${v}'`);
      wanted = key === 'delta.minreaderversion' ? { ...wanted, minReaderVersion: n } : { ...wanted, minWriterVersion: n };
      continue;
    }
    if (key.startsWith('delta.feature.')) {
      throw deltaError('DELTA_INVALID_ARGUMENT', `${table}: enabling table features with '${k}' is not supported`);
    }
    if (key === 'comment') {
      description = v;
      continue;
    }
    if (key === 'delta.targetfilesize') targetFileSizeOf({ 'delta.targetFileSize': v }, table);
    configuration[k] = v;
  }
  const mapped = columnMappingTurnedOn(snapshot, configuration);
  const schema = mapped ?? snapshot.schema;
  return {
    metadata: { ...current, configuration, ...(description !== undefined ? { description } : {}), ...(mapped ? { schemaString: schemaToJson(mapped) } : {}) },
    protocol: raised(snapshot, higherProtocol(minimalProtocol(schema, configuration), wanted)),
    operation: 'SET TBLPROPERTIES',
    parameters: { properties: JSON.stringify(change.properties) },
  };
}

/**
 * Turning column mapping on for an existing table (mode 'none' -> 'name'), as Delta does: every
 * column gets an id and keeps its own name as its physical name, so the files already written
 * still read; the largest id goes into the configuration. Returns the new schema, or undefined
 * when the mode does not change. Other changes of mode would need the files rewritten: refused.
 */
function columnMappingTurnedOn(snapshot: Snapshot, configuration: Record<string, string>): StructType | undefined {
  const before = columnMappingMode(snapshot.metadata.configuration);
  const after = columnMappingMode(configuration);
  if (before === after) return undefined;
  if (before !== 'none' || after !== 'name') {
    throw deltaError('DELTA_UNSUPPORTED_COLUMN_MAPPING_MODE_CHANGE', `${snapshot.table}: changing delta.columnMapping.mode from '${before}' to '${after}' is not supported (only 'none' to 'name' on an existing table)`);
  }
  const mapped = withColumnMapping(snapshot.schema, configuration, (f) => f.name);
  Object.assign(configuration, mapped.configuration);
  return mapped.schema;
}

/** UNSET TBLPROPERTIES [IF EXISTS]: `comment` drops the description. */
export function unsetProperties(snapshot: Snapshot, change: Of<'unsetProperties'>): AlterPlan {
  const table = snapshot.table;
  const current = snapshot.metadata;
  const configuration = { ...current.configuration };
  let description = current.description;
  for (const k of change.keys) {
    if (k.toLowerCase().startsWith(CONSTRAINT_PREFIX)) {
      throw deltaError('DELTA_INVALID_ARGUMENT', `${table}: CHECK constraints are dropped with ALTER TABLE ... DROP CONSTRAINT, not by unsetting '${k}'`);
    }
    if (k.toLowerCase() === 'comment') {
      description = undefined;
      continue;
    }
    if (!(k in configuration)) {
      if (change.ifExists) continue;
      throw deltaError('DELTA_INVALID_ARGUMENT', `${table} has no property '${k}' to unset; use UNSET TBLPROPERTIES IF EXISTS to ignore missing ones`);
    }
    delete configuration[k];
  }
  const { description: _, ...rest } = current;
  return {
    metadata: { ...rest, configuration, ...(description !== undefined ? { description } : {}) },
    operation: 'UNSET TBLPROPERTIES',
    parameters: { properties: JSON.stringify(change.keys), ifExists: change.ifExists === true },
  };
}
