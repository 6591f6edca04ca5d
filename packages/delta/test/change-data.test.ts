/// <reference types="node" />
/** Change Data Feed in the kernel: which files hold a commit's changes, and the feed's reserved names. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseJsonLog } from '../src/actions/columns.js';
import { changeFilesOf, checkChangeFeedSchema, removeAsAdd } from '../src/cdf/change-data.js';
import { isDeltaError } from '../src/errors.js';
import type { Metadata } from '../src/actions/metadata.js';

const FILE = 'mem:///t/_delta_log/00000000000000000001.json';
const add = (path: string, dataChange = true) => JSON.stringify({ add: { path, partitionValues: {}, size: 1, modificationTime: 1, dataChange } });
const remove = (path: string, dataChange = true) => JSON.stringify({ remove: { path, dataChange, size: 5, deletionVector: { storageType: 'i', pathOrInlineDv: 'x', sizeInBytes: 1, cardinality: 1 } } });

test('a commit with cdc files reads its changes from them alone', () => {
  const a = parseJsonLog([add('a'), remove('b'), '{"cdc":{"path":"_change_data/c","partitionValues":{"p":"1"},"size":3,"dataChange":false}}'].join('\n'), FILE);
  assert.deepEqual(changeFilesOf(a), { kind: 'cdc', files: [{ path: '_change_data/c', partitionValues: { p: '1' }, size: 3, dataChange: false }] });
});

test('without cdc files, data-changing adds are inserts and removes deletes; OPTIMIZE rewrites are no change', () => {
  const a = parseJsonLog([add('a'), add('o', false), remove('b'), remove('q', false)].join('\n'), FILE);
  const c = changeFilesOf(a);
  assert.equal(c.kind, 'derived');
  if (c.kind !== 'derived') return;
  assert.deepEqual(c.inserts.map((x) => x.path), ['a']);
  assert.deepEqual(c.deletes.map((x) => x.path), ['b']);
  // A removed file is read as it was: with the deletion vector it had.
  assert.equal(removeAsAdd(c.deletes[0]).deletionVector?.cardinality, 1);
});

test('a table with the feed on cannot have a column named like the feed\'s own', () => {
  const schema = { kind: 'struct' as const, fields: [{ name: '_commit_version', type: { kind: 'primitive' as const, name: 'long' as const }, nullable: true, metadata: {} }] };
  const meta = (on: boolean) => ({ id: 'x', format: { provider: 'parquet' }, schemaString: '', partitionColumns: [], configuration: on ? { 'delta.enableChangeDataFeed': 'true' } : {} }) as unknown as Metadata;
  checkChangeFeedSchema(schema, meta(false), 't');
  assert.throws(() => checkChangeFeedSchema(schema, meta(true), 't'), (e) => isDeltaError(e, 'DELTA_CDC_RESERVED_COLUMN') && /_commit_version/.test(e.message));
});
