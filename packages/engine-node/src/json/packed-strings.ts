import type { StringColumn } from '@loch/delta';

/** Characters per part: a longer string would take fresh memory of its own (V8's large objects). */
const PART = 64 * 1024;
/** Strings longer than this are copied natively. */
const LONG = 64;

/**
 * Strings stored back to back in a few long ones, as the log parser collects them (a string per
 * 64 KB costs far less than a string per value): string `i` runs from where string `i - 1`
 * ended to `ends[i]`, counting characters across the parts, and never straddles two parts. It
 * is made when asked for. With `json`, each one is a JSON string literal, kept as read (escapes
 * and all) and decoded when asked for: most are never asked for (a file's stats, read only when
 * a query prunes by them).
 */
export class PackedStrings implements StringColumn {
  /** Where each part starts, counting characters across the parts. */
  private readonly partStarts: Float64Array;

  constructor(
    private readonly parts: readonly string[],
    private readonly ends: Int32Array,
    private readonly json: boolean,
  ) {
    this.partStarts = new Float64Array(parts.length);
    for (let p = 1; p < parts.length; p++) this.partStarts[p] = this.partStarts[p - 1] + parts[p - 1].length;
  }

  get length(): number {
    return this.ends.length;
  }

  get(i: number): string {
    const start = i === 0 ? 0 : this.ends[i - 1];
    const end = this.ends[i];
    let text = '';
    if (end > start) {
      const p = this.partOf(start);
      const at = this.partStarts[p];
      text = this.parts[p].slice(start - at, end - at);
    }
    return this.json ? (JSON.parse(text) as string) : text;
  }

  /** The last part starting at or before `offset`: the one holding a string that starts there. */
  private partOf(offset: number): number {
    const starts = this.partStarts;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}

/**
 * Collects strings for a `PackedStrings`: printable ASCII straight from a log's bytes into a
 * byte buffer (turned into one string per part), other strings as they are. The buffer is kept
 * from one piece to the next.
 */
export class StringPacker {
  private len = 0;
  private readonly parts: string[] = [];
  /** Characters so far, across the parts. */
  private chars = 0;

  /** Bytes the current part may take: up to PART, within the buffer (more for one long string). */
  private room: number;

  constructor(private bytes: Buffer) {
    this.room = Math.min(PART, bytes.length);
  }

  /** The buffer, to be used again once `finish` was called. */
  get buffer(): Buffer {
    return this.bytes;
  }

  /** Appends `src[from, to)` (printable ASCII); returns the end of the string, counted across parts. */
  appendBytes(src: Uint8Array, from: number, to: number): number {
    const n = to - from;
    let at = this.len;
    if (at + n > this.room) at = this.makeRoom(n);
    const b = this.bytes;
    // A loop beats a native copy for short strings (paths), not for long ones (stats).
    if (n > LONG) {
      b.set(src.subarray(from, to), at);
      at += n;
    } else {
      for (let j = from; j < to; j++) b[at++] = src[j];
    }
    this.len = at;
    return (this.chars += n);
  }

  /** Ends the current part, and grows the buffer for a string of `n` bytes when it must; the new length. */
  private makeRoom(n: number): number {
    this.flush();
    if (n > this.bytes.length) this.bytes = Buffer.allocUnsafeSlow(Math.max(this.bytes.length * 2, n));
    this.room = Math.max(Math.min(PART, this.bytes.length), n);
    return 0;
  }

  /** Appends a string made elsewhere (JSON.parse's); returns its end, counted across parts. */
  appendString(s: string): number {
    this.flush();
    this.room = Math.min(PART, this.bytes.length);
    if (s.length > 0) this.parts.push(s);
    return (this.chars += s.length);
  }

  /** The parts. */
  finish(): string[] {
    this.flush();
    return this.parts;
  }

  private flush(): void {
    if (this.len === 0) return;
    this.parts.push(this.bytes.toString('latin1', 0, this.len));
    this.len = 0;
  }
}
