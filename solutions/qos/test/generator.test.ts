/**
 * The traffic generator: seeded, realistic enough to analyse (every event type, IPv4 and IPv6
 * clients of the catalogue's real ISPs, CloudFront's fields), and its incidents show in the data.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { EVENT_TYPES, IpDatabase, ISPS, generateTraffic, sliceTraffic, writeSlice, type CdnLogRecord } from '@loch/qos';

const CLOUDFRONT_FIELDS = 'date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id x-host-header cs-protocol cs-bytes time-taken x-forwarded-for ssl-protocol ssl-cipher x-edge-response-result-type cs-protocol-version fle-status fle-encrypted-fields c-port time-to-first-byte x-edge-detailed-result-type sc-content-type sc-content-len sc-range-start sc-range-end';
const snake = (f: string) => f.replace(/\((.*)\)/, '_$1').replaceAll('-', '_').toLowerCase();

test('the same seed gives the same traffic; another seed different traffic', async () => {
  const db = await IpDatabase.open();
  const a = generateTraffic(db, { seed: 1, durationSeconds: 60 });
  const b = generateTraffic(db, { seed: 1, durationSeconds: 60 });
  const c = generateTraffic(db, { seed: 2, durationSeconds: 60 });
  assert.deepEqual(a.events, b.events);
  assert.deepEqual(a.logs, b.logs);
  assert.notDeepEqual(a.events.slice(0, 10), c.events.slice(0, 10));
});

test('records: every event type, CloudFront fields in order, IPv4 and IPv6 clients of the catalogue ISPs, times inside the run', async () => {
  const db = await IpDatabase.open();
  const t = generateTraffic(db, { durationSeconds: 120, incidents: [] });
  assert.deepEqual(new Set(t.events.map((e) => e.event_type)), new Set(EVENT_TYPES));
  assert.deepEqual(Object.keys(t.logs[0]), CLOUDFRONT_FIELDS.split(' ').map(snake));
  const ips = t.logs.map((l) => l.c_ip);
  assert.ok(ips.some((ip) => ip.includes(':')) && ips.some((ip) => /^\d+\.\d+\.\d+\.\d+$/.test(ip)), 'both IPv4 and IPv6 clients');
  const asns = new Set(ISPS.map((i) => i.asn));
  for (const ip of new Set(ips)) assert.ok(asns.has(db.lookup(ip).asn!), `${ip} belongs to a catalogue ISP`);
  assert.ok(t.events.every((e) => e.event_time >= '2026-12-07T08:00:00.000Z' && e.event_time < '2026-12-07T08:02:00.000Z'));
  assert.ok(t.events.every((e, i) => i === 0 || t.events[i - 1].event_time <= e.event_time), 'events in time order');
  // Rate: about 3 sessions a second, each a request every 4 seconds of playback.
  assert.ok(t.logs.length > 8000 && t.logs.length < 30000, `${t.logs.length} CDN requests`);
});

test('incidents show in the data: a slow edge, an erroring app version, a buffering ISP', async () => {
  const db = await IpDatabase.open();
  const incidents = [
    { kind: 'slow-edge', edge: 'FRA56-P1', fromSecond: 60, toSecond: 120, factor: 2 },
    { kind: 'erroring-app', appType: 'android', appVersion: '5.2.0', fromSecond: 60, toSecond: 120, errorsPerMinute: 3 },
    { kind: 'buffering-isp', asn: 2856, fromSecond: 60, toSecond: 120, factor: 5 },
  ] as const;
  const t = generateTraffic(db, { durationSeconds: 120, incidents: [...incidents] });
  const avg = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  const fra = (l: CdnLogRecord, late: boolean) => l.x_edge_location === 'FRA56-P1' && l.time >= '08:01:00' === late;
  const ratio = avg(t.logs.filter((l) => fra(l, true)).map((l) => l.time_taken)) / avg(t.logs.filter((l) => fra(l, false)).map((l) => l.time_taken));
  assert.ok(ratio > 1.6 && ratio < 2.4, `slow edge: ${ratio}x`);
  const late = t.events.filter((e) => e.event_time >= '2026-12-07T08:01:00');
  const errorShare = (version: string) => {
    const es = late.filter((e) => e.app_type === 'android' && e.app_version === version);
    return es.filter((e) => e.event_type === 'error').length / es.length;
  };
  assert.ok(errorShare('5.2.0') > 0.1 && errorShare('5.1.4') < 0.02, `errors: ${errorShare('5.2.0')} vs ${errorShare('5.1.4')}`);
  const buffers = (asn: number) => late.filter((e) => e.event_type === 'buffer_start' && db.lookup(e.client_ip).asn === asn).length / new Set(late.filter((e) => db.lookup(e.client_ip).asn === asn).map((e) => e.session_id)).size;
  assert.ok(buffers(2856) > 3 * buffers(3320), `buffering per session: BT ${buffers(2856)} vs DTAG ${buffers(3320)}`);
});

test('slices are written as JSON lines files by time, whole or not at all', async (t) => {
  const db = await IpDatabase.open();
  const dir = await mkdtemp(join(tmpdir(), 'qos-gen-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const traffic = generateTraffic(db, { durationSeconds: 30, incidents: [] });
  const slices = sliceTraffic(traffic, 10);
  assert.equal(slices.length, 3);
  for (const s of slices) await writeSlice(s, join(dir, 'events'), join(dir, 'cdn'));
  assert.deepEqual(await readdir(join(dir, 'events', '2026', '12', '07')), ['08-00-00.json', '08-00-10.json', '08-00-20.json']);
  const lines = (await readFile(join(dir, 'cdn', '2026', '12', '07', '08-00-10.json'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as CdnLogRecord);
  assert.ok(lines.length > 0 && lines.every((l) => l.time >= '08:00:10' && l.time < '08:00:20'));
  assert.equal(slices.reduce((n, s) => n + s.events.length, 0), traffic.events.length);
});
