/** The alert rules as pure decisions: thresholds, minimum sizes, and what a notification says. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { appErrorAlert, cdnLatencyAlert, DEFAULT_THRESHOLDS, ispBufferingAlerts } from '@loch/qos';

const W = { windowStart: '2026-12-07T08:03:00.000Z', windowEnd: '2026-12-07T08:04:00.000Z' };

test('CDN latency: more than 10% above the mean of the edge’s earlier windows, once it has two', () => {
  assert.equal(cdnLatencyAlert({ edge: 'FRA56-P1', ...W, avgTimeTaken: 0.2, history: [0.1] }), undefined, 'one window is no baseline');
  assert.equal(cdnLatencyAlert({ edge: 'FRA56-P1', ...W, avgTimeTaken: 0.11, history: [0.1, 0.1] }), undefined, 'exactly +10% is not above');
  const a = cdnLatencyAlert({ edge: 'FRA56-P1', ...W, avgTimeTaken: 0.15, history: [0.1, 0.12, 0.08] })!;
  assert.equal(a.rule, 'cdn_latency');
  assert.equal(a.entity, 'FRA56-P1');
  assert.ok(Math.abs(a.baseline! - 0.1) < 1e-12);
  assert.ok(Math.abs(a.threshold - 0.11) < 1e-12);
  assert.equal(a.measured, 0.15);
  assert.equal(a.alertId, 'cdn_latency:FRA56-P1:2026-12-07T08:03:00.000Z');
  assert.match(a.message, /FRA56-P1.*0\.150 s.*08:03-08:04.*50\.0% above its baseline 0\.100 s.*threshold 0\.110 s/);
  // Only the last cdnBaselineWindows windows count.
  const history = [0.1, ...new Array(20).fill(1)];
  assert.equal(cdnLatencyAlert({ edge: 'x', ...W, avgTimeTaken: 0.5, history }, { ...DEFAULT_THRESHOLDS, cdnBaselineWindows: 1, cdnBaselineMinWindows: 1 })?.baseline, 0.1);
});

test('app error rate: more than 5% of an app type’s events, with enough events to tell', () => {
  assert.equal(appErrorAlert({ appType: 'android', ...W, events: 40, errors: 20 }), undefined, 'too few events');
  assert.equal(appErrorAlert({ appType: 'android', ...W, events: 1000, errors: 50 }), undefined, 'exactly 5% is not above');
  const a = appErrorAlert({ appType: 'android', ...W, events: 1000, errors: 51 })!;
  assert.equal(a.entity, 'android');
  assert.equal(a.measured, 0.051);
  assert.equal(a.threshold, 0.05);
  assert.match(a.message, /App type android: 5\.1% of events were errors \(51 of 1000\).*threshold 5\.0%/);
});

test('ISP buffering: above the average of all ISPs of the window by the margin; small ISPs are not judged', () => {
  const isp = (name: string, bufferEvents: number, viewerMinutes: number) => ({ isp: name, ...W, bufferEvents, viewerMinutes });
  const rows = [isp('A', 20, 10), isp('B', 20, 10), isp('C', 20, 10), isp('D', 100, 10), isp('E', 30, 2)];
  const alerts = ispBufferingAlerts(rows);
  assert.deepEqual(alerts.map((a) => a.entity), ['D']);
  const average = 190 / 42;
  assert.ok(Math.abs(alerts[0].baseline! - average) < 1e-12);
  assert.ok(Math.abs(alerts[0].threshold - average * 1.5) < 1e-12);
  assert.equal(alerts[0].measured, 10);
  assert.deepEqual(ispBufferingAlerts([isp('A', 20, 10), isp('B', 22, 10)]), [], 'the ordinary spread does not alert');
});
