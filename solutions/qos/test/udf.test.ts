/** The pipeline's UDFs in the lake's SQL: anonymized address with its country and ISP, and proxy lists. */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Lakehouse } from '@loch/lakehouse';
import { IpDatabase, registerQosFunctions } from '@loch/qos';

test('qos_ip and qos_anonymize_ips in SQL: no raw address comes out; enrichment from the raw one', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'qos-udf-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const lake = Lakehouse.open(dir);
  registerQosFunctions(lake, await IpDatabase.open());
  const [r] = await lake.sql(`SELECT qos_ip(ip) AS info, qos_anonymize_ips(xff) AS xff FROM VALUES
      ('8.8.8.8', '8.8.4.4, 2001:4860:4860::8888'), ('2001:4860:4860::8888', '-'), ('junk', NULL), (NULL, 'unknown') AS v(ip, xff)`);
  assert.deepEqual(r.rows, [
    { info: { address: '8.8.8.0', country: 'US', asn: 15169, isp: 'Google LLC' }, xff: '8.8.4.0, 2001:4860:4860::' },
    { info: { address: '2001:4860:4860::', country: r.rows[1].info && (r.rows[1].info as { country: string }).country, asn: 15169, isp: 'Google LLC' }, xff: '-' },
    { info: { address: null, country: null, asn: null, isp: null }, xff: null },
    { info: null, xff: '-' },
  ]);
});
