/**
 * Z85 (ZeroMQ's base-85), the encoding Delta uses for inline deletion vectors and for the UUID
 * in a `u` descriptor. Every 4 bytes become 5 characters, big-endian.
 */
import { deltaError } from '../errors.js';

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#';

const DECODE = (() => {
  const table = new Int8Array(128).fill(-1);
  for (let i = 0; i < ALPHABET.length; i++) table[ALPHABET.charCodeAt(i)] = i;
  return table;
})();

const invalid = (msg: string) => deltaError('DELTA_DELETION_VECTOR_INVALID', msg);

export function encodeZ85(bytes: Uint8Array): string {
  if (bytes.length % 4 !== 0) {
    throw invalid(`cannot Z85-encode ${bytes.length} bytes: the length must be a multiple of 4`);
  }
  const out = new Array<string>((bytes.length / 4) * 5);
  let o = 0;
  for (let i = 0; i < bytes.length; i += 4) {
    let value = ((bytes[i] << 24) | (bytes[i + 1] << 16) | (bytes[i + 2] << 8) | bytes[i + 3]) >>> 0;
    for (let k = 4; k >= 0; k--) {
      out[o + k] = ALPHABET[value % 85];
      value = Math.floor(value / 85);
    }
    o += 5;
  }
  return out.join('');
}

export function decodeZ85(s: string): Uint8Array {
  if (s.length % 5 !== 0) {
    throw invalid(`cannot Z85-decode a string of ${s.length} characters: the length must be a multiple of 5`);
  }
  const out = new Uint8Array((s.length / 5) * 4);
  let o = 0;
  for (let i = 0; i < s.length; i += 5) {
    let value = 0;
    for (let k = 0; k < 5; k++) {
      const code = s.charCodeAt(i + k);
      const digit = code < 128 ? DECODE[code] : -1;
      if (digit < 0) throw invalid(`invalid Z85 character ${JSON.stringify(s[i + k])} at position ${i + k}`);
      value = value * 85 + digit;
    }
    // Five base-85 digits reach 85^5 - 1 > 2^32 - 1; such a group encodes no 4 bytes.
    if (value > 0xffffffff) throw invalid(`Z85 group at position ${i} overflows 32 bits`);
    out[o++] = value >>> 24;
    out[o++] = (value >>> 16) & 0xff;
    out[o++] = (value >>> 8) & 0xff;
    out[o++] = value & 0xff;
  }
  return out;
}
