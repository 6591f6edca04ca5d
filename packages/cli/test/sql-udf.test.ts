import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { jsonLines, lochIn, tempDir } from './support.js';

test('loch sql --udf ./fns.mjs registers the module\'s UDFs for the statements', async () => {
  const cwd = await tempDir('loch-sql-udf-');
  await writeFile(join(cwd, 'fns.mjs'), [
    "export const plus_one = Object.assign((x) => Float64Array.from(x.toArray(), (v) => v + 1), { udf: { returns: 'double' } });",
    "export const shout = Object.assign((s) => s.toArray().map((v) => v === null ? null : v.toUpperCase()), { udf: { returns: 'string' } });",
    'export const helper = 42;',
  ].join('\n'));
  const r = await lochIn(cwd, 'sql', "SELECT plus_one(id::DOUBLE) AS y, shout('a' || id) AS s FROM range(3) ORDER BY y", '--udf', './fns.mjs');
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(jsonLines(r.stdout), [{ y: 1, s: 'A0' }, { y: 2, s: 'A1' }, { y: 3, s: 'A2' }]);
  // The option may come first and repeat; it takes one module each time, never the statement after it.
  await writeFile(join(cwd, 'more.mjs'), "export const twice = Object.assign((x) => Float64Array.from(x.toArray(), (v) => v * 2), { udf: { returns: 'double' } });");
  const first = await lochIn(cwd, 'sql', '--udf', './fns.mjs', '--udf', './more.mjs', 'SELECT twice(plus_one(2::DOUBLE)) AS z');
  assert.equal(first.code, 0, first.stderr);
  assert.deepEqual(jsonLines(first.stdout), [{ z: 6 }]);
  await writeFile(join(cwd, 'none.mjs'), 'export const x = 1;');
  const none = await lochIn(cwd, 'sql', 'SELECT 1', '--udf', './none.mjs');
  assert.notEqual(none.code, 0);
  assert.match(none.stderr, /LOCH_UDF_INVALID.*exports no UDF/);
});
