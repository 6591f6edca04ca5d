import { readFile } from 'node:fs/promises';
import { v4Number, v6BigInt, type IpBytes } from './address.js';

/** An autonomous system: its number and the organisation (the ISP) that runs it. */
export interface AutonomousSystem {
  readonly asn: number;
  readonly organization: string;
}

/** An inclusive range of addresses of one autonomous system. */
export type AsnRange =
  | { readonly version: 4; readonly start: number; readonly end: number; readonly asn: number }
  | { readonly version: 6; readonly start: bigint; readonly end: bigint; readonly asn: number };

/** The ranges of one IP version, sorted by start, column by column (a million objects would cost far more). */
interface Table<N extends number | bigint> {
  readonly starts: ArrayLike<N>;
  readonly ends: ArrayLike<N>;
  readonly asns: Uint32Array;
  readonly orgs: Uint32Array;
}

/** Splits `start,end,asn,organization` where the organization may be quoted ("Cloudflare, Inc."). */
function fields(line: string): [string, string, string, string] | undefined {
  const a = line.indexOf(',');
  const b = line.indexOf(',', a + 1);
  const c = line.indexOf(',', b + 1);
  if (a < 0 || b < 0 || c < 0) return undefined;
  let org = line.slice(c + 1);
  if (org.startsWith('"')) org = org.slice(1, org.endsWith('"') ? -1 : undefined).replaceAll('""', '"');
  return [line.slice(0, a), line.slice(a + 1, b), line.slice(b + 1, c), org];
}

function load<N extends number | bigint>(text: string, parse: (s: string) => N, organizations: Map<string, number>, names: string[]): Table<N> {
  const lines = text.split('\n');
  const starts: N[] = [];
  const ends: N[] = [];
  const asns: number[] = [];
  const orgs: number[] = [];
  for (const line of lines) {
    const f = fields(line.trimEnd());
    if (!f) continue;
    let org = organizations.get(f[3]);
    if (org === undefined) {
      org = names.push(f[3]) - 1;
      organizations.set(f[3], org);
    }
    starts.push(parse(f[0]));
    ends.push(parse(f[1]));
    asns.push(Number(f[2]));
    orgs.push(org);
  }
  // The files are sorted by start; a lookup's binary search depends on it, so it is checked.
  for (let i = 1; i < starts.length; i++) if (starts[i] < starts[i - 1]) throw new Error(`QOS_IP_DATABASE: ASN ranges out of order at line ${i + 1}`);
  return {
    starts: typeof starts[0] === 'bigint' ? starts : (Uint32Array.from(starts as number[]) as unknown as N[]),
    ends: typeof ends[0] === 'bigint' ? ends : (Uint32Array.from(ends as number[]) as unknown as N[]),
    asns: Uint32Array.from(asns),
    orgs: Uint32Array.from(orgs),
  };
}

/** Index of the range holding `ip`, or -1. */
function find<N extends number | bigint>(t: Table<N>, ip: N): number {
  let lo = 0;
  let hi = t.starts.length - 1;
  let at = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (t.starts[mid] <= ip) {
      at = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return at >= 0 && t.ends[at] >= ip ? at : -1;
}

/**
 * IP address -> autonomous system, from the `@ip-location-db/asn` CSV files (RouteViews, NRO and
 * DB-IP data, CC BY 4.0): IPv4 and IPv6 ranges held in typed arrays, looked up by binary search.
 */
export class AsnDatabase {
  private constructor(
    private readonly v4: Table<number>,
    private readonly v6: Table<bigint>,
    private readonly names: readonly string[],
  ) {}

  /** Loads the database from its two numeric CSV files (IPv4 and IPv6). */
  static async load(ipv4NumCsv: string, ipv6NumCsv: string): Promise<AsnDatabase> {
    const [t4, t6] = await Promise.all([readFile(ipv4NumCsv, 'utf8'), readFile(ipv6NumCsv, 'utf8')]);
    const organizations = new Map<string, number>();
    const names: string[] = [];
    const v4 = load(t4, Number, organizations, names);
    const v6 = load(t6, BigInt, organizations, names);
    return new AsnDatabase(v4, v6, names);
  }

  /** The autonomous system announcing `ip`, or undefined when none does. */
  lookup(ip: IpBytes): AutonomousSystem | undefined {
    const [t, i] = ip.version === 4 ? [this.v4, find(this.v4, v4Number(ip.bytes))] : [this.v6, find(this.v6, v6BigInt(ip.bytes))];
    if (i < 0) return undefined;
    return { asn: t.asns[i], organization: this.names[t.orgs[i]] };
  }

  /** Every range of autonomous system `asn` (how traffic is drawn from a real ISP's addresses). */
  rangesOf(asn: number): AsnRange[] {
    const out: AsnRange[] = [];
    for (let i = 0; i < this.v4.asns.length; i++) if (this.v4.asns[i] === asn) out.push({ version: 4, start: this.v4.starts[i], end: this.v4.ends[i], asn });
    for (let i = 0; i < this.v6.asns.length; i++) if (this.v6.asns[i] === asn) out.push({ version: 6, start: this.v6.starts[i], end: this.v6.ends[i], asn });
    return out;
  }

  /** Number of IPv4 and IPv6 ranges loaded. */
  get size(): { readonly v4: number; readonly v6: number } {
    return { v4: this.v4.asns.length, v6: this.v6.asns.length };
  }
}
