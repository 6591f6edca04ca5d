import { formatIp, parseIp } from './address.js';

/** Bits of an address kept by anonymization: IPv4 drops its last octet, IPv6 its last 80 bits. */
export const KEPT_BITS = { 4: 24, 6: 48 } as const;

/**
 * The anonymized form of a client address (GDPR): IPv4 with its last octet zeroed
 * (203.0.113.77 -> 203.0.113.0), IPv6 with its last 80 bits zeroed (2001:db8:85a3:8d3::1 ->
 * 2001:db8:85a3::), in canonical text. Input that is not an address gives null: whatever it
 * is, it is never passed through.
 */
export function anonymizeIp(input: string | null | undefined): string | null {
  if (input === null || input === undefined) return null;
  const ip = parseIp(input);
  if (!ip) return null;
  const bytes = ip.bytes.slice();
  bytes.fill(0, KEPT_BITS[ip.version] / 8);
  return formatIp({ version: ip.version, bytes });
}
