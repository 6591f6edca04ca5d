/**
 * @loch/qos: video quality-of-service analytics on Loch (the first solution). Player events and
 * CloudFront-format CDN logs flow through bronze, silver and gold Delta tables; client addresses
 * are anonymized and enriched with country and ISP; alerts watch CDN latency, app error rates and
 * ISP buffering.
 */
export { parseIp, formatIp, type IpBytes } from './ip/address.js';
export { anonymizeIp, KEPT_BITS } from './ip/anonymize.js';
export { AsnDatabase, type AsnRange, type AutonomousSystem } from './ip/asn-db.js';
export { IpDatabase, type IpInfo, type IpDatabaseSources } from './ip/ip-database.js';
export { Rng } from './generator/rng.js';
export { EDGES, ISPS, APPS, EVENT_TYPES, type EventType, type Edge, type IspProfile, type AppProfile } from './generator/catalog.js';
export { defaultIncidents, isActive, type Incident, type IncidentKind } from './generator/incidents.js';
export type { PlayerEvent, CdnLogRecord } from './generator/records.js';
export { generateTraffic, trafficConfig, sliceTraffic, writeSlice, slicePath, type Traffic, type TrafficOptions, type TrafficConfig, type TrafficSlice } from './generator/traffic.js';
export { TABLES, ALERTS_SCHEMA } from './pipeline/tables.js';
export { qosPipeline, PIPELINE_FILE, BRONZE_FILES_FILE, BRONZE_NATS_FILE, EVENT_LOG, DEFAULT_WINDOWS, type GoldWindows, type EventsSource, type QosPipelineOptions } from './pipeline/sql-pipeline.js';
export { registerQosFunctions, QOS_IP_TYPE } from './pipeline/functions.js';
export { qosLayout, type QosLayout } from './pipeline/layout.js';
export { ensureTables, waitForTable } from './pipeline/ensure-tables.js';
export { runPipelineOnce, RunningPipeline, type PipelineOptions } from './pipeline/runner.js';
export { DEFAULT_THRESHOLDS, cdnLatencyAlert, appErrorAlert, ispBufferingAlerts, type Alert, type AlertRule, type AlertThresholds } from './alerts/rules.js';
export { WebhookNotifier, FanOutNotifier, notificationBody, type Notifier } from './alerts/notify.js';
export { WebhookReceiver, type ReceivedNotification } from './alerts/webhook-receiver.js';
export { ALERT_RULES, alertInput, startAlertQuery } from './alerts/alert-queries.js';
export { runQos, rowsPerTable, type QosRunOptions, type QosRunResult } from './run/run-qos.js';
export { summaryText } from './run/summary.js';
export { nocDashboard, importNocDashboard } from './dashboard.js';
export { runContinuous, alertLatenciesMs, type ContinuousRunOptions, type ContinuousRunResult, type Publication } from './run/continuous.js';
export { BrokerNotifier, natsNotifier, amqpNotifier } from './alerts/broker-notifier.js';
