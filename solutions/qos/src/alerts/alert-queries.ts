import { toStructType, type DataFrame, type Lakehouse, type SchemaInput } from '@loch/lakehouse';
import type { StreamingQuery, TriggerSpec } from '@loch/streaming';
import { ALERTS_SCHEMA, TABLES } from '../pipeline/tables.js';
import { iso, query, str, tsLit } from '../pipeline/sql-values.js';
import type { Notifier } from './notify.js';
import { appErrorAlert, cdnLatencyAlert, ispBufferingAlerts, type Alert, type AlertRule, type AlertThresholds } from './rules.js';

/** What the alert queries need: where to send, the thresholds, and (for the run's summary) who to tell. */
export interface AlertContext {
  readonly lake: Lakehouse;
  readonly notifier: Notifier;
  readonly thresholds: AlertThresholds;
  readonly checkpoints: string;
  readonly trigger: TriggerSpec;
  readonly onAlerts?: (alerts: readonly Alert[]) => void;
}

type Evaluate = (lake: Lakehouse, rows: readonly Record<string, unknown>[], t: AlertThresholds) => Promise<Alert[]>;

const evaluators: Record<AlertRule, { table: string; evaluate: Evaluate }> = {
  cdn_latency: {
    table: TABLES.goldCdnLatency,
    evaluate: async (lake, rows, t) => {
      const out: Alert[] = [];
      for (const r of rows) {
        const edge = String(r.x_edge_location);
        const history = await query(lake, `SELECT avg_time_taken FROM ${TABLES.goldCdnLatency} WHERE x_edge_location = ${str(edge)} AND window_start < ${tsLit(iso(r.window_start))} ORDER BY window_start DESC LIMIT ${t.cdnBaselineWindows}`);
        const a = cdnLatencyAlert({ edge, windowStart: iso(r.window_start), windowEnd: iso(r.window_end), avgTimeTaken: Number(r.avg_time_taken), history: history.map((h) => Number(h.avg_time_taken)) }, t);
        if (a) out.push(a);
      }
      return out;
    },
  },
  app_error_rate: {
    table: TABLES.goldAppErrors,
    evaluate: async (_lake, rows, t) =>
      rows.flatMap((r) => appErrorAlert({ appType: String(r.app_type), windowStart: iso(r.window_start), windowEnd: iso(r.window_end), events: Number(r.events), errors: Number(r.errors) }, t) ?? []),
  },
  isp_buffering: {
    table: TABLES.goldIspBuffering,
    evaluate: async (lake, rows, t) => {
      const out: Alert[] = [];
      // Every ISP of a window closes in the same batch; the average is read from the table all the same, so a window split over batches is judged whole.
      for (const start of new Set(rows.map((r) => iso(r.window_start)))) {
        const all = await query(lake, `SELECT isp, window_start, window_end, buffer_events, viewer_minutes FROM ${TABLES.goldIspBuffering} WHERE window_start = ${tsLit(start)}`);
        const fresh = new Set(rows.filter((r) => iso(r.window_start) === start).map((r) => String(r.isp)));
        const windows = all.map((r) => ({ isp: String(r.isp), windowStart: iso(r.window_start), windowEnd: iso(r.window_end), bufferEvents: Number(r.buffer_events), viewerMinutes: Number(r.viewer_minutes) }));
        out.push(...ispBufferingAlerts(windows, t).filter((a) => fresh.has(a.entity)));
      }
      return out;
    },
  },
};

const alertRow = (a: Alert, firedAt: string) => ({
  alert_id: a.alertId,
  rule: a.rule,
  entity: a.entity,
  window_start: a.windowStart,
  window_end: a.windowEnd,
  measured: a.measured,
  threshold: a.threshold,
  baseline: a.baseline,
  message: a.message,
  fired_at: firedAt,
});

/**
 * The foreachBatch of an alert query: the batch's closed windows judged by the rule, alerts
 * appended to the alerts table with the batch id as the transaction version, and sent only when
 * that append commits, so a replayed batch does not notify twice.
 */
function alertBatch(ctx: AlertContext, rule: AlertRule): (df: DataFrame, batchId: number) => Promise<void> {
  const { evaluate } = evaluators[rule];
  return async (df, batchId) => {
    const rows = await df.toRows();
    if (rows.length === 0) return;
    const alerts = await evaluate(ctx.lake, rows, ctx.thresholds);
    if (alerts.length === 0) return;
    const firedAt = new Date().toISOString();
    const w = await ctx.lake.table(TABLES.alerts).write(alerts.map((a) => alertRow(a, firedAt)), { schema: toStructType(ALERTS_SCHEMA as unknown as SchemaInput), txn: { appId: `loch-qos:alerts:${rule}`, version: batchId } });
    if (w.kind !== 'committed') return;
    ctx.onAlerts?.(alerts);
    await ctx.notifier.send(alerts);
  };
}

/** Starts the streaming query of one alert rule over its gold table's closed windows. */
export function startAlertQuery(ctx: AlertContext, rule: AlertRule): Promise<StreamingQuery> {
  return ctx.lake.readStream
    .format('delta')
    .table(evaluators[rule].table)
    .writeStream.queryName(`qos_alert_${rule}`)
    .option('checkpointLocation', `${ctx.checkpoints}/alert_${rule}`)
    .trigger(ctx.trigger)
    .foreachBatch(alertBatch(ctx, rule))
    .start();
}

export const ALERT_RULES: readonly AlertRule[] = ['cdn_latency', 'app_error_rate', 'isp_buffering'];

/** The gold table an alert rule reads. */
export const alertInput = (rule: AlertRule): string => evaluators[rule].table;
