// The pipeline file runs under the plain `loch pipeline run`, its UDFs registered from the
// package (--udf @loch/qos/udfs) and its landing folders given as parameters (--conf).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { test } from 'node:test';
import { Lakehouse } from '@loch/lakehouse';
import { BRONZE_FILES_FILE, generateTraffic, IpDatabase, PIPELINE_FILE, qosLayout, sliceTraffic, writeSlice } from '@loch/qos';

const REPO = fileURLToPath(new URL('../../../../', import.meta.url));
const LOCH = join(REPO, 'packages', 'cli', 'bin', 'loch.js');

test('loch pipeline run takes the QoS pipeline files with --udf @loch/qos/udfs and --conf parameters', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'qos-loch-pipeline-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const layout = qosLayout(root);
  const traffic = generateTraffic(await IpDatabase.open(), { durationSeconds: 60 });
  for (const s of sliceTraffic(traffic, 20)) await writeSlice(s, layout.landingEvents, layout.landingCdnLogs);

  const args = [LOCH, 'pipeline', 'run', fileURLToPath(BRONZE_FILES_FILE), fileURLToPath(PIPELINE_FILE), '--lake', layout.lake, '--udf', '@loch/qos/udfs'];
  for (const [k, v] of [['LANDING_EVENTS', layout.landingEvents], ['LANDING_CDN_LOGS', layout.landingCdnLogs], ['FILES_PER_BATCH', '2'], ['GOLD_WINDOW', '1 minute'], ['GOLD_WATERMARK', '30 seconds']]) args.push('--conf', `${k}=${v}`);
  const { stdout } = await promisify(execFile)(process.execPath, args, { cwd: REPO, maxBuffer: 16 << 20 });
  const updates = stdout.trim().split('\n').map((l) => JSON.parse(l) as { dataset: string; status: string; num_output_rows: number });
  const byName = new Map(updates.map((u) => [u.dataset, u]));
  assert.equal(byName.get('qos_bronze_events')?.num_output_rows, traffic.events.length);
  assert.equal(byName.get('qos_silver_cdn_logs')?.num_output_rows, traffic.logs.length);
  for (const u of updates) assert.equal(u.status, 'COMPLETED', JSON.stringify(u));

  // The silver tables hold anonymized addresses only: no raw client address got past bronze.
  const lake = Lakehouse.open(layout.lake);
  const raw = new Set([...traffic.events.map((e) => e.client_ip), ...traffic.logs.map((l) => l.c_ip)]);
  const silver = await lake.sql('SELECT client_ip AS ip FROM qos_silver_events UNION ALL SELECT c_ip FROM qos_silver_cdn_logs');
  const ips = silver[0].rows.map((r) => String(r.ip));
  assert.equal(ips.length, traffic.events.length + traffic.logs.length);
  const leaked = ips.filter((ip) => raw.has(ip) && !(ip.endsWith('.0') || ip.includes('::')));
  assert.deepEqual(leaked, []);
  const enriched = await lake.sql("SELECT count(*) AS n FROM qos_silver_events WHERE country IS NOT NULL AND isp IS NOT NULL");
  assert.ok(Number(enriched[0].rows[0].n) > traffic.events.length * 0.9, 'most events are enriched with country and ISP');

  // A parameter the file needs but was not given is a coded error naming the file and line.
  const missing = await promisify(execFile)(process.execPath, [LOCH, 'pipeline', 'graph', fileURLToPath(BRONZE_FILES_FILE), fileURLToPath(PIPELINE_FILE)], { cwd: REPO }).then(
    () => undefined,
    (e: { stderr: string }) => e.stderr,
  );
  assert.match(missing ?? '', /PIPELINE_PARAMETER_NOT_SET.*bronze-files\.sql:\d+: the pipeline parameter LANDING_EVENTS is not set/s);
});
