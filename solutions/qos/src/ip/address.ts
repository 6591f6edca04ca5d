/**
 * IP addresses as bytes: parsing the forms seen in access logs (dotted IPv4, IPv6 compressed or
 * not, upper or lower case, IPv4-mapped, bracketed, with a zone) and printing them back in the
 * canonical form (RFC 5952 for IPv6).
 */

export type IpBytes = { readonly version: 4; readonly bytes: Uint8Array } | { readonly version: 6; readonly bytes: Uint8Array };

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function parseV4(text: string): Uint8Array | undefined {
  const m = IPV4.exec(text);
  if (!m) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const n = Number(m[i + 1]);
    if (n > 255) return undefined;
    out[i] = n;
  }
  return out;
}

/** The 16 bytes of an IPv6 address, or undefined when `text` is not one. */
function parseV6(text: string): Uint8Array | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (part: string): number[] | undefined => {
    if (part === '') return [];
    const out: number[] = [];
    const pieces = part.split(':');
    for (let i = 0; i < pieces.length; i++) {
      const p = pieces[i];
      if (i === pieces.length - 1 && p.includes('.')) {
        const v4 = parseV4(p);
        if (!v4) return undefined;
        out.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return undefined;
        out.push(parseInt(p, 16));
      }
    }
    return out;
  };
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const all = [...head, ...new Array<number>(missing).fill(0), ...tail];
  const out = new Uint8Array(16);
  all.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  return out;
}

/** Whether 16 bytes are an IPv4-mapped IPv6 address (::ffff:a.b.c.d). */
function isV4Mapped(b: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return false;
  return b[10] === 0xff && b[11] === 0xff;
}

/**
 * Parses an address as logs write it; undefined when it is not one. An IPv4-mapped IPv6
 * address is its IPv4 address (the client is an IPv4 client seen through a dual stack).
 */
export function parseIp(input: string): IpBytes | undefined {
  let text = input.trim();
  if (text.startsWith('[')) {
    const end = text.indexOf(']');
    if (end < 0) return undefined;
    text = text.slice(1, end);
  }
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  if (!text.includes(':')) {
    const v4 = parseV4(text);
    return v4 && { version: 4, bytes: v4 };
  }
  const v6 = parseV6(text);
  if (!v6) return undefined;
  if (isV4Mapped(v6)) return { version: 4, bytes: v6.slice(12) };
  return { version: 6, bytes: v6 };
}

/** The canonical text of an address: dotted IPv4, or RFC 5952 IPv6 (lower case, longest zero run as ::). */
export function formatIp(ip: IpBytes): string {
  if (ip.version === 4) return Array.from(ip.bytes).join('.');
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push((ip.bytes[2 * i] << 8) | ip.bytes[2 * i + 1]);
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) [bestStart, bestLen] = [i, j - i];
    i = j;
  }
  const hex = (xs: number[]) => xs.map((x) => x.toString(16)).join(':');
  if (bestLen < 2) return hex(g);
  return `${hex(g.slice(0, bestStart))}::${hex(g.slice(bestStart + bestLen))}`;
}

/** An IPv4 address as an unsigned 32-bit number. */
export function v4Number(bytes: Uint8Array): number {
  return ((bytes[0] << 24) >>> 0) + (bytes[1] << 16) + (bytes[2] << 8) + bytes[3];
}

/** An IPv6 address as a 128-bit unsigned bigint. */
export function v6BigInt(bytes: Uint8Array): bigint {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  return n;
}

/** The 16 bytes of a 128-bit unsigned bigint. */
export function v6Bytes(n: bigint): Uint8Array {
  const out = new Uint8Array(16);
  for (let i = 15; i >= 0; i--) {
    out[i] = Number(n & 0xffn);
    n >>= 8n;
  }
  return out;
}
