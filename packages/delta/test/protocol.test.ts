/// <reference types="node" />
/** The protocol gate: which reader versions and table features Loch will read. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ensureReadSupported,
  readerFeaturesOf,
  tableFeature,
  writerFeaturesOf,
  TABLE_FEATURES,
} from '../src/features/features.js';
import type { Protocol } from '../src/actions/protocol.js';
import { loadSnapshot } from '../src/snapshot/builder.js';
import { commitInfo, memTable, metaData, protocol, rejectsWith, throwsWith, writeCommit } from './support/mem-table.js';

const p = (r: number, w: number, readerFeatures?: string[] | null, writerFeatures?: string[] | null): Protocol => ({
  minReaderVersion: r,
  minWriterVersion: w,
  ...(readerFeatures !== undefined ? { readerFeatures } : {}),
  ...(writerFeatures !== undefined ? { writerFeatures } : {}),
});

test('legacy reader versions 1 and 2 are readable; 2 means column mapping', () => {
  ensureReadSupported(p(1, 2), 't');
  ensureReadSupported(p(1, 6), 't');
  ensureReadSupported(p(2, 5), 't');
  assert.deepEqual(readerFeaturesOf(p(1, 7, undefined, [])), []);
  assert.deepEqual(readerFeaturesOf(p(2, 5)), ['columnMapping']);
});

test('reader version 99 (or 0) is refused with DELTA_INVALID_PROTOCOL_VERSION', () => {
  throwsWith(() => ensureReadSupported(p(99, 7, [], []), 'mytable'), 'DELTA_INVALID_PROTOCOL_VERSION', /mytable/, /99/);
  throwsWith(() => ensureReadSupported(p(4, 7, [], []), 't'), 'DELTA_INVALID_PROTOCOL_VERSION', /4/);
  throwsWith(() => ensureReadSupported(p(0, 1), 't'), 'DELTA_INVALID_PROTOCOL_VERSION');
});

test('reader version 3 needs a readerFeatures list', () => {
  throwsWith(() => ensureReadSupported(p(3, 7), 't'), 'DELTA_INVALID_PROTOCOL_VERSION', /readerFeatures/);
  throwsWith(() => ensureReadSupported(p(3, 7, null, []), 't'), 'DELTA_INVALID_PROTOCOL_VERSION');
  ensureReadSupported(p(3, 7, [], []), 't');
});

test('an unknown reader feature is refused, naming it', () => {
  const e = throwsWith(
    () => ensureReadSupported(p(3, 7, ['deletionVectors', 'quantumEntanglement'], ['deletionVectors', 'quantumEntanglement']), 'sales'),
    'DELTA_UNSUPPORTED_READER_FEATURE',
    /'quantumEntanglement'/,
    /sales/,
  );
  assert.doesNotMatch(e.message, /deletionVectors/);
});

test('known features Loch cannot read are refused, naming them', () => {
  throwsWith(() => ensureReadSupported(p(3, 7, ['variantType'], ['variantType']), 't'), 'DELTA_UNSUPPORTED_READER_FEATURE', /variantType/);
  throwsWith(
    () => ensureReadSupported(p(3, 7, ['catalogManaged'], ['catalogManaged']), 't'),
    'DELTA_UNSUPPORTED_READER_FEATURE',
    /catalogManaged/,
  );
});

test('every readable reader feature passes the gate', () => {
  const readable = TABLE_FEATURES.filter((f) => f.kind === 'reader' && f.read).map((f) => f.name);
  assert.ok(readable.includes('deletionVectors') && readable.includes('columnMapping') && readable.includes('timestampNtz'));
  ensureReadSupported(p(3, 7, readable, readable), 't');
});

test('writer-only features, known or not, never block reads', () => {
  ensureReadSupported(p(3, 7, [], ['someFutureWriterFeature', 'appendOnly', 'rowTracking']), 't');
  ensureReadSupported(p(1, 7, undefined, ['someFutureWriterFeature']), 't');
  ensureReadSupported(p(2, 7, undefined, ['columnMapping', 'someFutureWriterFeature']), 't');
  assert.deepEqual(writerFeaturesOf(p(1, 7, undefined, ['x'])), ['x']);
});

test('legacy writer versions imply their features', () => {
  assert.deepEqual(writerFeaturesOf(p(1, 2)).sort(), ['appendOnly', 'invariants']);
  assert.ok(writerFeaturesOf(p(1, 4)).includes('changeDataFeed'));
  assert.ok(writerFeaturesOf(p(2, 5)).includes('columnMapping'));
  assert.ok(!writerFeaturesOf(p(1, 4)).includes('columnMapping'));
  assert.equal(tableFeature('deletionVectors')?.kind, 'reader');
  assert.equal(tableFeature('nope'), undefined);
});

test('loadSnapshot applies the gate from the log', async () => {
  const t = memTable('mem:///gate/');
  await writeCommit(t, 0, [commitInfo('CREATE'), protocol(1, 2), metaData()]);
  await writeCommit(t, 1, [protocol(3, 7, { readerFeatures: ['fancyReaderThing'], writerFeatures: ['fancyReaderThing'] })]);
  await rejectsWith(loadSnapshot(t.engine, t.root), 'DELTA_UNSUPPORTED_READER_FEATURE', /'fancyReaderThing'/);
  // The version before the upgrade is still readable.
  const s0 = await loadSnapshot(t.engine, t.root, { version: 0 });
  assert.equal(s0.protocol.minReaderVersion, 1);
  await writeCommit(t, 2, [protocol(99, 7, { readerFeatures: [], writerFeatures: [] })]);
  await rejectsWith(loadSnapshot(t.engine, t.root), 'DELTA_INVALID_PROTOCOL_VERSION', /99/);
});

test('a legacy column-mapping table (reader 2) loads', async () => {
  const t = memTable();
  const schema = [{ name: 'id', type: 'long' }];
  await writeCommit(t, 0, [
    protocol(2, 5),
    {
      metaData: {
        id: 'cm',
        format: { provider: 'parquet', options: {} },
        schemaString: JSON.stringify({
          type: 'struct',
          fields: schema.map((f) => ({
            ...f,
            nullable: true,
            metadata: { 'delta.columnMapping.id': 1, 'delta.columnMapping.physicalName': 'col-abc' },
          })),
        }),
        partitionColumns: [],
        configuration: { 'delta.columnMapping.mode': 'name', 'delta.columnMapping.maxColumnId': '1' },
      },
    },
  ]);
  const s = await loadSnapshot(t.engine, t.root);
  assert.equal(s.columnMapping, 'name');
  assert.equal(s.protocol.minReaderVersion, 2);
});
