/**
 * The pipeline end to end on generated traffic with one incident of each kind: each alert fires
 * on its incident (the right CDN edge, app type and ISP, in the incident's windows) and on nothing
 * else, notifications reach the webhook, no raw client address is in silver or gold, expectations
 * drop malformed records, and every gold table equals the same aggregate computed in batch.
 * Clean traffic fires no alert.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Lakehouse, type Row } from '@loch/lakehouse';
import '@loch/streaming';
import { DashboardStore } from '@loch/server';
import {
  anonymizeIp, defaultIncidents, ensureTables, importNocDashboard, FanOutNotifier, generateTraffic, IpDatabase, parseIp, qosLayout, runPipelineOnce, runQos, sliceTraffic, summaryText, TABLES,
  WebhookNotifier, WebhookReceiver, writeSlice, type Alert, type Incident,
} from '@loch/qos';

const DURATION = 360;

/**
 * What each gold table of pipelines/qos.sql should hold per one-minute window, written out here
 * as batch SQL over silver: the streamed tables must equal it for every window they closed.
 */
const GOLD_EXPECTED: readonly { table: string; from: string; time: string; keys: string[]; where?: string; aggregates: Record<string, string> }[] = [
  {
    table: TABLES.goldCdnLatency, from: TABLES.silverCdnLogs, time: 'ts', keys: ['x_edge_location'],
    aggregates: { requests: 'count(*)', avg_time_taken: 'avg(time_taken)', max_time_taken: 'max(time_taken)', avg_ttfb: 'avg(time_to_first_byte)', bytes: 'sum(sc_bytes)', server_errors: 'count_if(sc_status >= 500)' },
  },
  { table: TABLES.goldTtffByEdge, from: TABLES.silverEvents, time: 'event_time', keys: ['cdn_edge'], where: 'ttff_ms IS NOT NULL', aggregates: { plays: 'count(*)', avg_ttff_ms: 'avg(ttff_ms)', max_ttff_ms: 'max(ttff_ms)' } },
  {
    table: TABLES.goldBufferingByApp, from: TABLES.silverEvents, time: 'event_time', keys: ['app_type', 'app_version', 'browser'],
    aggregates: { events: 'count(*)', buffer_events: "count_if(event_type = 'buffer_start')", buffer_ms: 'sum(buffer_ms)', viewer_minutes: "count_if(event_type = 'heartbeat') / 2.0" },
  },
  { table: TABLES.goldAppErrors, from: TABLES.silverEvents, time: 'event_time', keys: ['app_type'], aggregates: { events: 'count(*)', errors: "count_if(event_type = 'error')", error_rate: "count_if(event_type = 'error') / count(*)" } },
  {
    table: TABLES.goldIspBuffering, from: TABLES.silverEvents, time: 'event_time', keys: ['isp'], where: 'isp IS NOT NULL',
    aggregates: { events: 'count(*)', buffer_events: "count_if(event_type = 'buffer_start')", viewer_minutes: "count_if(event_type = 'heartbeat') / 2.0", sessions: 'count(DISTINCT session_id)' },
  },
  {
    table: TABLES.goldVideoEngagement, from: TABLES.silverEvents, time: 'event_time', keys: ['video_id'],
    aggregates: {
      starts: "count_if(event_type = 'session_start')", pauses: "count_if(event_type = 'pause')", stops: "count_if(event_type = 'stop')",
      finished: "count_if(stop_reason = 'finished')", abandoned: "count_if(stop_reason = 'user')", failed: "count_if(stop_reason = 'error')", sessions: 'count(DISTINCT session_id)',
    },
  },
];

async function rows(lake: Lakehouse, sql: string): Promise<Row[]> {
  const r = await lake.sql(sql);
  return [...r[r.length - 1].rows];
}

/** Whether the alert's window overlaps the incident's active time. */
function overlaps(a: Alert, i: Incident, start: string): boolean {
  const from = Date.parse(start) + i.fromSecond * 1000;
  const to = Date.parse(start) + i.toSecond * 1000;
  return Date.parse(a.windowStart) < to && Date.parse(a.windowEnd) > from;
}

test('incidents: each alert fires on its incident and nothing else; no raw IP past bronze; expectations; gold equals batch', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'qos-pipeline-'));
  const layout = qosLayout(root);
  const lake = Lakehouse.open(layout.lake);
  const receiver = new WebhookReceiver();
  t.after(async () => {
    for (const q of lake.streams.active) await q.stop().catch(() => undefined);
    await receiver.stop();
    await rm(root, { recursive: true, force: true });
  });
  const db = await IpDatabase.open();
  const traffic = generateTraffic(db, { durationSeconds: DURATION });
  for (const s of sliceTraffic(traffic, 10)) await writeSlice(s, layout.landingEvents, layout.landingCdnLogs);
  // Records that break the expectations: a time that is no time, an unknown event type, a status that is no status.
  const bad = [{ ...traffic.events[0], event_id: 'bad-time', event_time: 'yesterday' }, { ...traffic.events[1], event_id: 'bad-type', event_type: 'teleport' }];
  await mkdir(join(layout.landingEvents, 'late'), { recursive: true });
  await writeFile(join(layout.landingEvents, 'late', 'bad.json'), bad.map((r) => JSON.stringify(r)).join('\n') + '\n');
  await mkdir(join(layout.landingCdnLogs, 'late'), { recursive: true });
  await writeFile(join(layout.landingCdnLogs, 'late', 'bad.json'), JSON.stringify({ ...traffic.logs[0], sc_status: 'teapot' }) + '\n');

  const alerts: Alert[] = [];
  await ensureTables(lake);
  await importNocDashboard(lake);
  const updates = await runPipelineOnce({ lake, db, layout, notifier: new FanOutNotifier([new WebhookNotifier(await receiver.start())]), onAlerts: (a) => alerts.push(...a) });

  // Alerts: every rule fires, each only for its incident's entity and inside the incident's time.
  const incidents = defaultIncidents(DURATION);
  const entityOf: Record<string, { entity: string; incident: Incident }> = {
    cdn_latency: { entity: 'FRA56-P1', incident: incidents.find((i) => i.kind === 'slow-edge')! },
    app_error_rate: { entity: 'android', incident: incidents.find((i) => i.kind === 'erroring-app')! },
    isp_buffering: { entity: 'British Telecommunications PLC', incident: incidents.find((i) => i.kind === 'buffering-isp')! },
  };
  assert.deepEqual(new Set(alerts.map((a) => a.rule)), new Set(Object.keys(entityOf)), alerts.map((a) => a.message).join('\n'));
  for (const a of alerts) {
    assert.equal(a.entity, entityOf[a.rule].entity, a.message);
    assert.ok(overlaps(a, entityOf[a.rule].incident, traffic.config.start), `outside its incident: ${a.message}`);
    assert.ok(a.measured > a.threshold, a.message);
  }
  // Delivered to the webhook, naming entity, window, measured value and threshold; kept in the alerts table.
  assert.equal(receiver.received.length, alerts.length);
  const body = receiver.received[0].body as { entity: string; window: { start: string; end: string }; measured: number; threshold: number; message: string };
  assert.ok(body.entity && body.window.start < body.window.end && body.measured > body.threshold && body.message.includes(body.entity));
  assert.equal(Number((await rows(lake, `SELECT count(*) AS n FROM ${TABLES.alerts}`))[0].n), alerts.length);

  // Expectations: the malformed records are dropped from silver and counted.
  assert.equal(Number((await rows(lake, `SELECT count(*) AS n FROM ${TABLES.silverEvents} WHERE event_id IN ('bad-time', 'bad-type')`))[0].n), 0);
  assert.equal(Number((await rows(lake, `SELECT count(*) AS n FROM ${TABLES.silverEvents}`))[0].n), traffic.events.length);
  assert.equal(Number((await rows(lake, `SELECT count(*) AS n FROM ${TABLES.silverCdnLogs}`))[0].n), traffic.logs.length);
  const failed = updates.flatMap((u) => u.expectations.filter((e) => e.failed_records > 0).map((e) => [e.dataset, e.name, e.failed_records]));
  assert.deepEqual(failed.sort(), [
    [TABLES.silverCdnLogs, 'valid_status', 1],
    [TABLES.silverEvents, 'known_event_type', 1],
    [TABLES.silverEvents, 'valid_timestamp', 1],
  ]);
  // The pipeline's event log keeps them too.
  assert.ok(Number((await rows(lake, `SELECT sum(dropped_records) AS n FROM ${TABLES.eventLog} WHERE dataset = '${TABLES.silverEvents}'`))[0].n) === 2);

  // No raw client address in any silver or gold table: every address-like value is anonymized.
  // (an address whose dropped bits happen to be zero already is its own anonymized form: not a leak)
  const raw = new Set([...traffic.events.map((e) => e.client_ip), ...traffic.logs.map((l) => l.c_ip)].filter((ip) => anonymizeIp(ip) !== ip));
  assert.ok([...raw].some((ip) => ip.includes(':')) && [...raw].some((ip) => !ip.includes(':')));
  for (const table of Object.values(TABLES).filter((n) => /silver|gold|alerts/.test(n))) {
    for (const row of await rows(lake, `SELECT * FROM ${table}`)) {
      for (const v of Object.values(row)) {
        if (typeof v !== 'string') continue;
        assert.ok(!raw.has(v), `raw address ${v} in ${table}`);
        const ip = parseIp(v);
        if (ip) assert.ok(ip.bytes.subarray(ip.version === 4 ? 3 : 6).every((b) => b === 0), `${v} in ${table} is not anonymized`);
      }
    }
  }
  const silverIps = await rows(lake, `SELECT DISTINCT c_ip, country, isp FROM ${TABLES.silverCdnLogs}`);
  // Every generated address is in its ISP's ranges; the country database knows nearly all of them.
  assert.ok(silverIps.every((r) => r.isp !== null), 'every address has its ISP');
  assert.ok(silverIps.filter((r) => r.country !== null).length > 0.95 * silverIps.length, 'addresses have their country');

  // Gold equals the same aggregates computed in batch over silver, for every window the stream closed.
  for (const g of GOLD_EXPECTED) {
    const keys = g.keys.join(', ');
    const aggs = Object.entries(g.aggregates).map(([n, e]) => `${e} AS ${n}`).join(', ');
    const batch = await rows(
      lake,
      `SELECT date_trunc('minute', ${g.time}) AS window_start, ${keys}, ${aggs} FROM ${g.from} ${g.where ? `WHERE ${g.where}` : ''} GROUP BY 1, ${keys}
       HAVING date_trunc('minute', ${g.time}) IN (SELECT window_start FROM ${g.table}) ORDER BY ALL`,
    );
    const gold = await rows(lake, `SELECT window_start, ${keys}, ${Object.keys(g.aggregates).join(', ')} FROM ${g.table} ORDER BY ALL`);
    assert.ok(gold.length > 0, g.table);
    // Sums of longs come back as exact decimal text from one side and numbers from the other: compare values.
    const num = (v: unknown) => (typeof v === 'number' ? Number(v.toPrecision(9)) : typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v) ? Number(Number(v).toPrecision(9)) : v);
    const norm = (r: Row) => JSON.stringify(Object.values(r).map(num));
    assert.deepEqual(gold.map(norm), batch.map(norm), g.table);
  }
  // Five whole minutes closed (the sixth waits for a watermark past its end).
  assert.equal(Number((await rows(lake, `SELECT count(DISTINCT window_start) AS n FROM ${TABLES.goldAppErrors}`))[0].n), 5);
  // The NOC dashboard is in the console's store, and every widget's query runs on the result with rows.
  const store = new DashboardStore(lake);
  const noc = await store.get('qos-noc');
  assert.ok(noc.widgets.length >= 10);
  for (const w of noc.widgets) assert.ok((await rows(lake, w.sql)).length > 0, `widget ${w.id} has rows`);
  // Real-time tables: active users per minute, ten popular videos, viewers now.
  assert.equal((await rows(lake, `SELECT * FROM ${TABLES.goldPopularVideos}`)).length, 10);
  assert.ok(Number((await rows(lake, `SELECT sum(viewers) AS n FROM ${TABLES.goldConcurrentViewers}`))[0].n) > 100);
});

test('clean traffic fires no alert; runQos reports rows per table and where the lake is', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'qos-clean-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const r = await runQos({ root, traffic: { durationSeconds: DURATION, incidents: [], seed: 7 } });
  assert.deepEqual(r.alerts.map((a) => a.message), []);
  assert.equal(r.notifications.length, 0);
  const count = (table: string) => r.rowsPerTable.find((x) => x.table === table)?.rows;
  assert.equal(count(TABLES.bronzeEvents), r.generated.events);
  assert.equal(count(TABLES.silverEvents), r.generated.events);
  assert.equal(count(TABLES.silverCdnLogs), r.generated.cdnLogs);
  const text = summaryText(r);
  assert.match(text, /Alerts fired: 0/);
  assert.ok(text.includes(`npx loch server --lake ${r.layout.lake}`));
});
