import { formatIp, v6Bytes } from '../ip/address.js';
import type { AsnRange } from '../ip/asn-db.js';
import { APPS, ISPS, type AppProfile, type IspProfile } from './catalog.js';
import type { Rng } from './rng.js';

/** A viewer: one user on one device, app and ISP, with the client address the CDN sees. */
export interface Viewer {
  readonly userId: string;
  readonly isp: IspProfile;
  readonly clientIp: string;
  readonly app: AppProfile;
  readonly appVersion: string;
  readonly browser: string;
  readonly device: string;
}

/** Where an ISP's clients get their addresses: its announced ranges, by IP version. */
export type IspRanges = ReadonlyMap<number, { readonly v4: readonly AsnRange[]; readonly v6: readonly AsnRange[] }>;

/** A random address inside one of `ranges` (a range picked uniformly, then an address in it). */
function addressIn(rng: Rng, ranges: readonly AsnRange[]): string {
  const r = rng.pick(ranges);
  if (r.version === 4) {
    const n = r.start + rng.int(r.end - r.start + 1);
    return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
  }
  return formatIp({ version: 6, bytes: v6Bytes(r.start + rng.bigint(r.end - r.start + 1n)) });
}

/** `count` viewers drawn from the catalogue's ISPs and apps, with addresses from their ISP's real ranges. */
export function makeViewers(rng: Rng, count: number, ranges: IspRanges): Viewer[] {
  const viewers: Viewer[] = [];
  for (let i = 0; i < count; i++) {
    const isp = rng.weighted(ISPS, (x) => x.weight);
    const own = ranges.get(isp.asn);
    if (!own || own.v4.length === 0) throw new Error(`QOS_IP_DATABASE: no IPv4 ranges for AS${isp.asn} in the ASN database`);
    const v6 = own.v6.length > 0 && rng.chance(isp.ipv6Share);
    const app = rng.weighted(APPS, (x) => x.weight);
    viewers.push({
      userId: `u-${String(i).padStart(6, '0')}`,
      isp,
      clientIp: addressIn(rng, v6 ? own.v6 : own.v4),
      app,
      appVersion: rng.pick(app.versions),
      browser: rng.pick(app.browsers),
      device: rng.pick(app.devices),
    });
  }
  return viewers;
}
