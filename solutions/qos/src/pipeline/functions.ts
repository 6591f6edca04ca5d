import type { Lakehouse } from '@loch/lakehouse';
import type { Vector } from 'apache-arrow';
import { anonymizeIp } from '../ip/anonymize.js';
import type { IpDatabase } from '../ip/ip-database.js';

/** What `qos_ip(address)` returns for each row. */
export const QOS_IP_TYPE = 'struct<address: string, country: string, asn: bigint, isp: string>';

/**
 * Registers the pipeline's UDFs on `lake` (vectorized, over Arrow):
 * - `qos_ip(address)`: the anonymized address (IPv4 last octet zeroed, IPv6 last 80 bits zeroed)
 *   with the country and ISP of the raw one, which goes no further;
 * - `qos_anonymize_ips(list)`: a proxy's comma-separated address list, each anonymized ('-' kept).
 */
export function registerQosFunctions(lake: Lakehouse, db: IpDatabase): void {
  lake.udf.register(
    'qos_ip',
    (ips: Vector) =>
      Array.from({ length: ips.length }, (_, i) => {
        const raw = ips.get(i) as string | null;
        if (raw === null) return null;
        const info = db.lookup(raw);
        return { address: anonymizeIp(raw), country: info.country, asn: info.asn === null ? null : BigInt(info.asn), isp: info.isp };
      }),
    { returns: QOS_IP_TYPE, args: ['string'] },
  );
  lake.udf.register(
    'qos_anonymize_ips',
    (lists: Vector) =>
      Array.from({ length: lists.length }, (_, i) => {
        const v = lists.get(i) as string | null;
        if (v === null || v === '-') return v;
        return v.split(',').map((a) => anonymizeIp(a) ?? '-').join(', ');
      }),
    { returns: 'string', args: ['string'] },
  );
}
