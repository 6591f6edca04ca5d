/**
 * Several Arrow IPC streams in one buffer, so that a worker's results for a run of groups cross
 * threads as one transferred buffer even when their schemas differ. Layout: a count and each
 * stream's length (32-bit words), then the streams, each at a multiple of 8 bytes (Arrow's
 * readers take their buffers aligned).
 */
const align = (n: number) => Math.ceil(n / 8) * 8;

export function packStreams(streams: readonly Uint8Array[]): Uint8Array {
  const header = align(4 * (streams.length + 1));
  const out = new Uint8Array(header + streams.reduce((n, s) => n + align(s.byteLength), 0));
  const words = new Uint32Array(out.buffer, 0, streams.length + 1);
  words[0] = streams.length;
  let at = header;
  streams.forEach((s, i) => {
    words[i + 1] = s.byteLength;
    out.set(s, at);
    at += align(s.byteLength);
  });
  return out;
}

export function unpackStreams(bytes: Uint8Array): Uint8Array[] {
  const count = new Uint32Array(bytes.buffer, bytes.byteOffset, 1)[0];
  const lengths = new Uint32Array(bytes.buffer, bytes.byteOffset + 4, count);
  const out: Uint8Array[] = [];
  let at = align(4 * (count + 1));
  for (const n of lengths) {
    out.push(bytes.subarray(at, at + n));
    at += align(n);
  }
  return out;
}
