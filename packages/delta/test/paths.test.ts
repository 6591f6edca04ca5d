/// <reference types="node" />
/**
 * Paths in add/remove actions: the forms that name the same file must share one key, and files
 * that differ must not.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalPath, fileUrlToPathString, keyInTable, resolvePath } from '../src/util/paths.js';

const ROOT = 'file:///t/';

function sameKey(root: string, forms: string[]) {
  const keys = forms.map((f) => canonicalPath(root, f));
  for (let i = 1; i < keys.length; i++) {
    assert.equal(keys[i], keys[0], `'${forms[i]}' and '${forms[0]}' must name the same file`);
  }
  return keys[0];
}

function differentKeys(root: string, forms: string[]) {
  const keys = forms.map((f) => canonicalPath(root, f));
  assert.equal(new Set(keys).size, keys.length, `distinct files collide: ${JSON.stringify(forms)} -> ${JSON.stringify(keys)}`);
}

test('plain relative paths are their own key', () => {
  assert.equal(canonicalPath(ROOT, 'part-0001.parquet'), 'part-0001.parquet');
  assert.equal(canonicalPath(ROOT, 'p=1/part-0001.parquet'), 'p=1/part-0001.parquet');
});

test('escaped relative, unescaped relative and absolute forms of one file collide', () => {
  const key = sameKey(ROOT, [
    'a b.parquet',
    'a%20b.parquet',
    'file:///t/a%20b.parquet',
    'file:/t/a%20b.parquet',
    'file:/t/a b.parquet',
    'file:///t/a b.parquet',
    'file://localhost/t/a%20b.parquet',
    'FILE:///t/a%20b.parquet',
    '/t/a%20b.parquet',
    './a%20b.parquet',
    'x/../a%20b.parquet',
  ]);
  assert.equal(key, 'a b.parquet');
});

test('escaped partition directories collide with their decoded form', () => {
  sameKey(ROOT, ['p=a%3Ab/f.parquet', 'file:///t/p=a%3Ab/f.parquet', 'file:/t/p=a:b/f.parquet', 'p=a%3ab/f.parquet']);
  sameKey(ROOT, ['d=2024-01-01 10%3A00%3A00/f.parquet', 'd=2024-01-01%2010%3A00%3A00/f.parquet']);
  sameKey(ROOT, ['ü.parquet', '%C3%BC.parquet', '%c3%bc.parquet', 'file:///t/%C3%BC.parquet']);
  sameKey(ROOT, ['a+b.parquet', 'a%2Bb.parquet']);
});

test('different files never collide', () => {
  differentKeys(ROOT, [
    'a.parquet',
    'A.parquet',
    'sub/a.parquet',
    'a%2520b.parquet', // a file whose name contains "%20"
    'a%20b.parquet', // a file whose name contains " "
    'file:///t2/a.parquet', // another directory beside the table
    'file:///other/t/a.parquet',
    'file:///a.parquet',
    's3://bucket/t/a.parquet',
  ]);
});

test('files outside the table keep an absolute key; inside ones a relative key', () => {
  assert.equal(canonicalPath(ROOT, 'file:///elsewhere/x%20y.parquet'), 'file:///elsewhere/x y.parquet');
  assert.equal(canonicalPath(ROOT, 'file:///t/sub/x.parquet'), 'sub/x.parquet');
  // The root's own prefix is not enough: /t2/ is not inside /t/.
  assert.equal(canonicalPath(ROOT, 'file:///t2/x.parquet'), 'file:///t2/x.parquet');
});

test('table roots that need escaping themselves', () => {
  const root = 'file:///data/my%20table/';
  sameKey(root, ['x.parquet', 'file:///data/my%20table/x.parquet', 'file:/data/my table/x.parquet', '/data/my table/x.parquet']);
  differentKeys(root, ['x.parquet', 'file:///data/my%2520table/x.parquet', 'file:///data/my/x.parquet']);
});

test('a table root given unescaped still matches absolute paths inside it', () => {
  const root = 'file:///data/my table/';
  sameKey(root, ['x.parquet', 'file:///data/my%20table/x.parquet', '%78.parquet']);
});

test('object-store roots', () => {
  const root = 's3://bucket/warehouse/t/';
  sameKey(root, ['k=v w/f.parquet', 'k=v%20w/f.parquet', 's3://bucket/warehouse/t/k=v%20w/f.parquet']);
  differentKeys(root, ['f.parquet', 's3://other-bucket/warehouse/t/f.parquet', 'gs://bucket/warehouse/t/f.parquet']);
});

test('resolvePath gives the absolute URL to open', () => {
  assert.equal(resolvePath(ROOT, 'a%20b.parquet'), 'file:///t/a%20b.parquet');
  assert.equal(resolvePath(ROOT, 'p=1/a.parquet'), 'file:///t/p=1/a.parquet');
  assert.equal(resolvePath(ROOT, '/abs/a.parquet'), 'file:///abs/a.parquet');
  assert.equal(resolvePath(ROOT, 'file:/abs/a.parquet'), 'file:///abs/a.parquet');
  assert.equal(resolvePath(ROOT, 's3://b/k/a.parquet'), 's3://b/k/a.parquet');
  assert.equal(resolvePath('s3://b/t/', 'x%3Dy/a.parquet'), 's3://b/t/x%3Dy/a.parquet');
});

test('fileUrlToPathString decodes file URLs and leaves others alone', () => {
  assert.equal(fileUrlToPathString('file:///t/a%20b/%C3%BC.parquet'), '/t/a b/ü.parquet');
  assert.equal(fileUrlToPathString('s3://b/k'), 's3://b/k');
});

test('keyInTable: the decoded key inside the table, whatever form names it; nothing outside', () => {
  const root = 'file:///data/my%20t/';
  for (const form of ['a=1/x%20y.parquet', 'file:///data/my%20t/a%3D1/x%20y.parquet', '/data/my t/a=1/x y.parquet', 'file:/data/my%20t/a=1/x%20y.parquet']) {
    assert.equal(keyInTable(root, form), 'a=1/x y.parquet', form);
  }
  assert.equal(keyInTable('file:///data/my%20t', 'p/f'), 'p/f', 'a root without its slash');
  assert.equal(keyInTable(root, 'file:///data/other/x.parquet'), undefined);
  assert.equal(keyInTable(root, 'file:///data/my%20tt/x.parquet'), undefined, 'a sibling whose name starts the same is outside');
  assert.equal(keyInTable(root, '../x.parquet'), undefined);
});
