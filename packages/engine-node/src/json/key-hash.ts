/**
 * A copy of the kernel's `fileKeyHash` and `FILE_KEY_HASH_CHECK` (packages/delta/src/replay/
 * replay.ts), which `@loch/delta` does not export from its index yet. Replay compares the check
 * with its own and ignores hashes from a hasher that differs, so a drift between the two copies
 * costs speed, never correctness; tests in json-handler.test.ts catch it.
 */
export function fileKeyHash(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

const PROBE = 'part=a/b%20c.parquet\u0000u/é\u{1F600}\uD800@42 file:///t/x';
export const FILE_KEY_HASH_CHECK = fileKeyHash(PROBE);

/** Where a JSON handler attaches key hashes to `LogFileActions` (replay's `FILE_KEY_HASHES`). */
export const FILE_KEY_HASHES: symbol = Symbol.for('@loch/delta:file-key-hashes');
