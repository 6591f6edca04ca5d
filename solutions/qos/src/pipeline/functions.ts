import { defineUdf, type Lakehouse } from '@loch/lakehouse';
import type { Vector } from 'apache-arrow';
import { anonymizeIp } from '../ip/anonymize.js';
import type { IpDatabase } from '../ip/ip-database.js';

/** What `qos_ip(address)` returns for each row. */
export const QOS_IP_TYPE = 'struct<address: string, country: string, asn: bigint, isp: string>';

/**
 * The pipeline's UDFs (vectorized, over Arrow), as `defineUdf` functions named as SQL calls them:
 * - `qos_ip(address)`: the anonymized address (IPv4 last octet zeroed, IPv6 last 80 bits zeroed)
 *   with the country and ISP of the raw one, which goes no further;
 * - `qos_anonymize_ips(list)`: a proxy's comma-separated address list, each anonymized ('-' kept).
 */
export function qosFunctions(db: IpDatabase) {
  return {
    qos_ip: defineUdf(
      (ips: Vector) =>
        Array.from({ length: ips.length }, (_, i) => {
          const raw = ips.get(i) as string | null;
          if (raw === null) return null;
          const info = db.lookup(raw);
          return { address: anonymizeIp(raw), country: info.country, asn: info.asn === null ? null : BigInt(info.asn), isp: info.isp };
        }),
      { returns: QOS_IP_TYPE, args: ['string'] },
    ),
    qos_anonymize_ips: defineUdf(
      (lists: Vector) =>
        Array.from({ length: lists.length }, (_, i) => {
          const v = lists.get(i) as string | null;
          if (v === null || v === '-') return v;
          return v.split(',').map((a) => anonymizeIp(a) ?? '-').join(', ');
        }),
      { returns: 'string', args: ['string'] },
    ),
  };
}

/** Registers the pipeline's UDFs (qosFunctions) on `lake`. */
export function registerQosFunctions(lake: Lakehouse, db: IpDatabase): void {
  for (const [name, fn] of Object.entries(qosFunctions(db))) lake.udf.register(name, fn, fn.udf);
}
