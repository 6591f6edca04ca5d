/**
 * Anonymization as a property: for random IPv4 and IPv6 addresses, written in the forms logs use
 * (compressed or not, upper case, leading zeros, bracketed, zoned, IPv4-mapped), the result keeps
 * exactly the first 24 (IPv4) or 48 (IPv6) bits, zeroes the rest, is canonical, is the same for
 * every spelling of one address, and is a fixed point.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { anonymizeIp, formatIp, parseIp, Rng } from '@loch/qos';

function randomV6(rng: Rng): Uint8Array {
  const b = new Uint8Array(16);
  for (let i = 0; i < 16; i++) b[i] = rng.int(256);
  // Runs of zero groups are what compression is about: make them common.
  const zeros = rng.int(4);
  for (let z = 0; z < zeros; z++) {
    const g = rng.int(8);
    b[2 * g] = 0;
    b[2 * g + 1] = 0;
  }
  if (rng.chance(0.1)) b.fill(0, 8);
  return b;
}

/** Spellings of one IPv6 address that logs and proxies produce. */
function v6Spellings(rng: Rng, b: Uint8Array): string[] {
  const groups = Array.from({ length: 8 }, (_, i) => (b[2 * i] << 8) | b[2 * i + 1]);
  const canonical = formatIp({ version: 6, bytes: b });
  const full = groups.map((g) => g.toString(16).padStart(4, '0')).join(':');
  const plain = groups.map((g) => g.toString(16)).join(':');
  return [canonical, full, full.toUpperCase(), plain, `[${canonical}]`, `${canonical}%eth0`, rng.chance(0.5) ? canonical.toUpperCase() : ` ${canonical} `];
}

test('IPv4: the last octet is zeroed, in every spelling; the result is a fixed point', () => {
  const rng = new Rng(7);
  for (let i = 0; i < 5000; i++) {
    const o = [rng.int(256), rng.int(256), rng.int(256), rng.int(256)];
    const ip = o.join('.');
    const expected = `${o[0]}.${o[1]}.${o[2]}.0`;
    for (const spelling of [ip, ` ${ip}`, `::ffff:${ip}`, `::FFFF:${ip}`, `[::ffff:${ip}]`, o.map((x) => String(x).padStart(3, '0')).join('.')]) {
      assert.equal(anonymizeIp(spelling), expected, `anonymizeIp(${spelling})`);
    }
    assert.equal(anonymizeIp(expected), expected);
    if (o[3] !== 0) assert.notEqual(anonymizeIp(ip), ip, 'the raw address never comes back');
  }
});

test('IPv6: the last 80 bits are zeroed, the first 48 kept, in every spelling; canonical and a fixed point', () => {
  const rng = new Rng(11);
  for (let i = 0; i < 5000; i++) {
    const b = randomV6(rng);
    // IPv4-mapped addresses are IPv4 clients: covered above.
    if (b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff) continue;
    const kept = b.slice();
    kept.fill(0, 6);
    const expected = formatIp({ version: 6, bytes: kept });
    for (const s of v6Spellings(rng, b)) assert.equal(anonymizeIp(s), expected, `anonymizeIp(${s})`);
    const out = parseIp(expected)!;
    assert.equal(out.version, 6);
    assert.deepEqual([...out.bytes.subarray(0, 6)], [...b.subarray(0, 6)], 'the first 48 bits are kept');
    assert.ok(out.bytes.subarray(6).every((x) => x === 0), 'the last 80 bits are zero');
    assert.equal(anonymizeIp(expected), expected);
    assert.equal(expected, expected.toLowerCase());
    if (b.subarray(6).some((x) => x !== 0)) assert.notEqual(anonymizeIp(formatIp({ version: 6, bytes: b })), formatIp({ version: 6, bytes: b }));
  }
});

test('examples: canonical output, and anything that is not an address becomes null, never passed through', () => {
  assert.equal(anonymizeIp('203.0.113.77'), '203.0.113.0');
  assert.equal(anonymizeIp('2001:db8:85a3:8d3:1319:8a2e:370:7348'), '2001:db8:85a3::');
  assert.equal(anonymizeIp('2001:DB8:0:0:8:800:200C:417A'), '2001:db8::');
  assert.equal(anonymizeIp('::1'), '::');
  assert.equal(anonymizeIp('fe80::1%en0'), 'fe80::');
  assert.equal(anonymizeIp('[2a00:1450:4001:82a::200e]'), '2a00:1450:4001::');
  for (const bad of ['', '-', 'unknown', '256.1.1.1', '1.2.3', '1.2.3.4.5', '1:2:3:4:5:6:7:8:9', '1::2::3', 'gggg::1', '12345::', null, undefined]) {
    assert.equal(anonymizeIp(bad), null, `anonymizeIp(${String(bad)})`);
  }
});
