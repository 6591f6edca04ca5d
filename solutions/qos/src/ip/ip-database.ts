import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Reader, type Response } from 'maxmind';
import { formatIp, parseIp } from './address.js';
import { AsnDatabase, type AsnRange } from './asn-db.js';

/** What enrichment adds to a client address: its country and its ISP (the autonomous system's organisation). */
export interface IpInfo {
  /** ISO 3166-1 alpha-2, or null where the database has none. */
  readonly country: string | null;
  readonly asn: number | null;
  readonly isp: string | null;
}

/** The npm packages the databases come from, with their versions (shown in the summary, needed for attribution). */
export interface IpDatabaseSources {
  readonly country: string;
  readonly asn: string;
}

const require = createRequire(import.meta.url);

function packageDir(name: string): { dir: string; version: string } {
  const manifest = require.resolve(`${name}/package.json`);
  return { dir: dirname(manifest), version: (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version };
}

const NONE: IpInfo = { country: null, asn: null, isp: null };

/**
 * Country and ISP of client addresses from real IP databases shipped through npm: countries from
 * `@ip-location-db/geo-whois-asn-country-mmdb` read with `maxmind`, autonomous systems from
 * `@ip-location-db/asn`. Loaded once per process (`IpDatabase.open()`); lookups are synchronous.
 */
export class IpDatabase {
  private static opening: Promise<IpDatabase> | undefined;
  private readonly cache = new Map<string, IpInfo>();

  private constructor(
    private readonly countries: Reader<Response>,
    readonly asns: AsnDatabase,
    readonly sources: IpDatabaseSources,
  ) {}

  /** The process's database, loaded on first use (about a second: the ASN tables are half a million ranges). */
  static open(): Promise<IpDatabase> {
    IpDatabase.opening ??= IpDatabase.load().catch((e) => {
      IpDatabase.opening = undefined;
      throw e;
    });
    return IpDatabase.opening;
  }

  private static async load(): Promise<IpDatabase> {
    const country = packageDir('@ip-location-db/geo-whois-asn-country-mmdb');
    const asn = packageDir('@ip-location-db/asn');
    const countries = new Reader<Response>(readFileSync(join(country.dir, 'geo-whois-asn-country.mmdb')));
    const asns = await AsnDatabase.load(join(asn.dir, 'asn-ipv4-num.csv'), join(asn.dir, 'asn-ipv6-num.csv'));
    return new IpDatabase(countries, asns, {
      country: `@ip-location-db/geo-whois-asn-country-mmdb@${country.version}`,
      asn: `@ip-location-db/asn@${asn.version}`,
    });
  }

  /** Country and ISP of `ip` (any form parseIp reads); all null when it is not an address or is unknown. */
  lookup(ip: string | null | undefined): IpInfo {
    if (!ip) return NONE;
    const hit = this.cache.get(ip);
    if (hit) return hit;
    const parsed = parseIp(ip);
    let info = NONE;
    if (parsed) {
      const text = formatIp(parsed);
      const as = this.asns.lookup(parsed);
      info = { country: (this.countries.get(text) as { country_code?: string } | null)?.country_code ?? null, asn: as?.asn ?? null, isp: as?.organization ?? null };
    }
    // Client addresses repeat within a session; the cache is bounded so a long run does not grow without end.
    if (this.cache.size >= 100_000) this.cache.clear();
    this.cache.set(ip, info);
    return info;
  }

  /** The address ranges of an ISP's autonomous system (for generating its clients' traffic). */
  rangesOf(asn: number): AsnRange[] {
    return this.asns.rangesOf(asn);
  }
}
