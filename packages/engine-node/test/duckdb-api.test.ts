/**
 * Values of @duckdb/node-api come from engine-node's `duckdbApi` (loaded with require): an ESM
 * import of the package anywhere has Node lex its ~150 CommonJS files for their export names,
 * about 150 ms of CPU on every `loch` run. Types are imported as types, which costs nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { packageDir, sourceFiles } from '@loch/test-utils';
import { duckdbApi } from '@loch/engine-node';

const VALUE_IMPORT = /\bimport\s+(?!type\b)[^;]*?\bfrom\s*['"]@duckdb\/node-api['"]|\bimport\s*\(\s*['"]@duckdb\/node-api['"]\s*\)/;

test('no source file imports values of @duckdb/node-api as an ES module', () => {
  const packages = path.dirname(packageDir('@loch/engine-node', import.meta.url));
  const offenders: string[] = [];
  let scanned = 0;
  for (const pkg of readdirSync(packages)) {
    const src = path.join(packages, pkg, 'src');
    if (!existsSync(src)) continue;
    for (const file of sourceFiles(src)) {
      scanned++;
      if (VALUE_IMPORT.test(readFileSync(path.join(src, file), 'utf8'))) offenders.push(`${pkg}/src/${file}`);
    }
  }
  assert.ok(scanned > 100, `only ${scanned} files scanned`);
  assert.deepEqual(offenders, [], "import these through duckdbApi from '@loch/engine-node' (types with `import type`)");
  assert.ok(VALUE_IMPORT.test("import { DuckDBTypeId, type DuckDBType } from '@duckdb/node-api';"), 'the check finds a value import');
  assert.ok(!VALUE_IMPORT.test("import type { DuckDBType } from '@duckdb/node-api';"));
});

test('duckdbApi is the package itself', async () => {
  assert.equal(typeof duckdbApi.DuckDBInstance.create, 'function');
  assert.equal(duckdbApi.DuckDBTypeId.VARCHAR, 17);
});
