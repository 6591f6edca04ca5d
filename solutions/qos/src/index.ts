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
