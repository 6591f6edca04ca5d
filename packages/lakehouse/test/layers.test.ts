/**
 * Layers inside the lakehouse, checked on the import graph of src/: `values/` (how types and
 * values look to DuckDB and in JSON) sits at the bottom; the planner (which files a scan reads)
 * sits below the scan layer that executes its plans, and never the other way round.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { importsUnder, packageDir } from '@loch/test-utils';

const src = path.join(packageDir('@loch/lakehouse', import.meta.url), 'src');

/** Top-level folders of src/ each file imports (relative imports only), as `from -> to` edges. */
function folderEdges(): { from: string; to: string; file: string }[] {
  const top = (rel: string) => (rel.includes('/') ? rel.slice(0, rel.indexOf('/')) : '.');
  return importsUnder(src).flatMap(({ file, specifiers }) =>
    specifiers
      .filter((s) => s.startsWith('.'))
      .map((s) => ({ from: top(file), to: top(path.posix.normalize(path.posix.join(path.posix.dirname(file), s))), file }))
      .filter((e) => e.from !== e.to),
  );
}

/** What each folder may not import: the layers above it. */
const BELOW: Readonly<Record<string, readonly string[]>> = {
  values: ['planner', 'scan', 'sql', 'ops', 'dataframe', 'export', 'write', 'udf', '.'],
  planner: ['scan', 'sql', 'ops', 'dataframe', 'export', 'write', 'udf', '.'],
};

test('the planner sits below the scan layer, values below both: no import points up', () => {
  const edges = folderEdges();
  assert.ok(edges.some((e) => e.from === 'scan' && e.to === 'planner'), 'the scan layer uses the planner (self-check of the scanner)');
  const up = edges.filter((e) => BELOW[e.from]?.includes(e.to)).map((e) => `${e.file} imports ${e.to}/`);
  assert.deepEqual(up, []);
});
