/**
 * Enrichment against the real databases: addresses of known networks, and for random rows of the
 * ASN files themselves, an address inside the row's range gives the row's ASN and organisation.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { IpDatabase, Rng, formatIp } from '@loch/qos';

const require = createRequire(import.meta.url);

test('known networks: country and ISP of IPv4 and IPv6 addresses', async () => {
  const db = await IpDatabase.open();
  assert.deepEqual(db.lookup('8.8.8.8'), { country: 'US', asn: 15169, isp: 'Google LLC' });
  assert.deepEqual(db.lookup('1.1.1.1'), { country: 'AU', asn: 13335, isp: 'Cloudflare, Inc.' });
  const v6 = db.lookup('2001:4860:4860::8888');
  assert.equal(v6.asn, 15169);
  assert.equal(v6.isp, 'Google LLC');
  assert.equal(typeof v6.country, 'string');
  // Spellings of one address enrich alike.
  assert.deepEqual(db.lookup('::ffff:8.8.8.8'), db.lookup('8.8.8.8'));
  assert.deepEqual(db.lookup('2001:4860:4860:0000:0000:0000:0000:8888'), v6);
  assert.deepEqual(db.lookup('not an ip'), { country: null, asn: null, isp: null });
  assert.deepEqual(db.lookup('10.1.2.3'), { country: null, asn: null, isp: null }, 'private addresses belong to no ISP');
  assert.match(db.sources.asn, /^@ip-location-db\/asn@/);
});

/** Random data rows of a CSV file of the package. */
function sampleRows(file: string, n: number, rng: Rng): string[][] {
  const lines = readFileSync(join(dirname(require.resolve('@ip-location-db/asn/package.json')), file), 'utf8').split('\n').filter(Boolean);
  return Array.from({ length: n }, () => {
    const line = lines[rng.int(lines.length)];
    const [start, end, asn, ...org] = line.split(',');
    return [start, end, asn, org.join(',').replace(/^"|"$/g, '').replaceAll('""', '"')];
  });
}

test("an address inside a random range of the ASN files gives that range's ASN and organisation", async () => {
  const db = await IpDatabase.open();
  const rng = new Rng(3);
  for (const [start, end, asn, org] of sampleRows('asn-ipv4-num.csv', 300, rng)) {
    const n = Number(start) + rng.int(Number(end) - Number(start) + 1);
    const ip = [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
    const got = db.lookup(ip);
    assert.equal(got.asn, Number(asn), ip);
    assert.equal(got.isp, org, ip);
  }
  for (const [start, end, asn, org] of sampleRows('asn-ipv6-num.csv', 300, rng)) {
    const n = BigInt(start) + rng.bigint(BigInt(end) - BigInt(start) + 1n);
    const bytes = new Uint8Array(16);
    for (let i = 0, x = n; i < 16; i++, x >>= 8n) bytes[15 - i] = Number(x & 0xffn);
    const ip = formatIp({ version: 6, bytes });
    const got = db.lookup(ip);
    assert.equal(got.asn, Number(asn), ip);
    assert.equal(got.isp, org, ip);
  }
});

test('countries come from the country database (maxmind reader over the mmdb file)', async () => {
  const db = await IpDatabase.open();
  const { Reader } = await import('maxmind');
  const file = join(dirname(require.resolve('@ip-location-db/geo-whois-asn-country-mmdb/package.json')), 'geo-whois-asn-country.mmdb');
  const reader = new Reader(readFileSync(file));
  const rng = new Rng(5);
  let found = 0;
  for (let i = 0; i < 500; i++) {
    const ip = [1 + rng.int(223), rng.int(256), rng.int(256), rng.int(256)].join('.');
    const expected = (reader.get(ip) as { country_code?: string } | null)?.country_code ?? null;
    assert.equal(db.lookup(ip).country, expected, ip);
    if (expected) found++;
  }
  assert.ok(found > 300, `most public addresses have a country (${found} of 500)`);
});
