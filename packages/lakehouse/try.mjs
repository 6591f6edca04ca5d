import { DeltaTable } from '@loch/lakehouse';
import { goldenCases } from './dist/test/golden.js';
import { expectedRows, sortedCanonical } from './dist/test/compare.js';
import { isDeepStrictEqual } from 'node:util';
for (const c of goldenCases()) {
  try {
    const t = DeltaTable.forPath(c.table);
    const r = await t.scan();
    if (c.expect === 'match' || c.expect === 'match-with-note') {
      const exp = await expectedRows(c.expected, r.schema);
      const a = sortedCanonical(r.rows), b = sortedCanonical(exp);
      console.log(c.name, c.expect, isDeepStrictEqual(a,b) ? 'OK' : `DIFF got ${a.length} exp ${b.length}\n   got ${a[0]}\n   exp ${b[0]}`);
    } else console.log(c.name, c.expect, 'scanned', r.rows.length);
  } catch (e) { console.log(c.name, c.expect, 'ERR', e.code, (e.message||'').slice(0,300)); }
}
