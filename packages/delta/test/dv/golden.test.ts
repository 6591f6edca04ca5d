/// <reference types="node" />
/**
 * Reads real, Spark-written deletion vectors from the shared conformance tables.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  dvFileUrl,
  loadDeletionVector,
  serializeRoaringBitmapArray,
  type DeletionVectorDescriptor,
} from '../../src/dv/index.js';

/** The monorepo root: the nearest ancestor whose package.json declares workspaces. */
function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg) && 'workspaces' in JSON.parse(readFileSync(pkg, 'utf8'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('no workspace root above the test file');
    dir = parent;
  }
}

const GOLDEN = path.resolve(repoRoot(), '../shared/conformance/delta-golden');

const fileStorage = {
  read: async (url: string) => new Uint8Array(await readFile(fileURLToPath(url))),
  readRange: async (url: string, offset: number, length: number) =>
    (await readFile(fileURLToPath(url))).subarray(offset, offset + length),
};

interface FileWithDv {
  path: string;
  numRecords?: number;
  dv: DeletionVectorDescriptor;
}

async function dvsInLog(table: string): Promise<{ root: string; files: FileWithDv[] }> {
  // The shared conformance tables are part of the checkout: without them this test fails, as
  // the lakehouse's conformance test does, rather than passing by skipping its checks.
  assert.ok(existsSync(GOLDEN), `conformance tables not found at ${GOLDEN}: check out ../shared beside the repository`);
  const tableDir = path.join(GOLDEN, table, 'delta');
  const logDir = path.join(tableDir, '_delta_log');
  const files: FileWithDv[] = [];
  for (const name of (await readdir(logDir)).filter((n) => n.endsWith('.json')).sort()) {
    for (const line of (await readFile(path.join(logDir, name), 'utf8')).split('\n')) {
      if (line.trim() === '') continue;
      const action = JSON.parse(line);
      const f = action.add ?? action.remove;
      if (f?.deletionVector) {
        const stats = f.stats ? JSON.parse(f.stats) : undefined;
        files.push({ path: f.path, numRecords: stats?.numRecords, dv: f.deletionVector });
      }
    }
  }
  return { root: pathToFileURL(tableDir + '/').href, files };
}

async function checkTable(table: string): Promise<Map<string, number[]>> {
  const { root, files } = await dvsInLog(table);
  assert.ok(files.length > 0, `${table} has deletion vectors`);
  const seen = new Map<string, number[]>();
  for (const { dv, numRecords } of files) {
    const url = dvFileUrl(dv, root)!;
    assert.ok(existsSync(fileURLToPath(url)), `${url} exists`);
    const rows = await loadDeletionVector(fileStorage, root, dv);
    assert.equal(rows.cardinality, dv.cardinality);
    const list = Array.from(rows.rows);
    for (const r of list) {
      assert.ok(Number.isInteger(r) && r >= 0, `row ${r}`);
      if (numRecords !== undefined) assert.ok(r < numRecords, `row ${r} < numRecords ${numRecords}`);
      assert.ok(rows.has(r));
    }
    // Our serializer reproduces Spark's bytes exactly.
    const onDisk = new Uint8Array(await fileStorage.readRange(url, (dv.offset ?? 1) + 4, dv.sizeInBytes));
    assert.deepEqual(serializeRoaringBitmapArray(list), onDisk);
    seen.set(url, list);
  }
  return seen;
}

test('Spark-written DVs in log-replay-dv-key-cases', async () => {
  const seen = await checkTable('log-replay-dv-key-cases');
  // Three successive DELETEs on the same 50-row file, each DV a superset of the one before.
  const byCardinality = [...seen.values()].sort((a, b) => a.length - b.length);
  assert.deepEqual(byCardinality, [[0], [0, 7], [0, 7, 14]]);
});

test('Spark-written DVs in dv-with-columnmapping', async () => {
  const seen = await checkTable('dv-with-columnmapping');
  assert.equal(seen.size, 10); // distinct DVs the log references (the directory holds a few unreferenced ones)
});
