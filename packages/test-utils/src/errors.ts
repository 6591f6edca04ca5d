import assert from 'node:assert/strict';
import { isDeltaError, type DeltaErrorCode } from '@loch/delta';

function checkCoded(caught: unknown, code: DeltaErrorCode, patterns: readonly RegExp[]): Error {
  assert.ok(caught !== undefined, `expected ${code}, but the call succeeded`);
  assert.ok(isDeltaError(caught), `expected a DeltaError ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code, `wrong code; message: ${caught.message}`);
  for (const re of patterns) assert.match(caught.message, re);
  return caught;
}

/** Asserts that `p` rejects with a DeltaError of `code` whose message matches every pattern. */
export async function rejectsWith(p: Promise<unknown>, code: DeltaErrorCode, ...patterns: RegExp[]): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return checkCoded(e, code, patterns);
  }
  return checkCoded(undefined, code, patterns);
}

/** Same as rejectsWith, for synchronous code. */
export function throwsWith(fn: () => unknown, code: DeltaErrorCode, ...patterns: RegExp[]): Error {
  try {
    fn();
  } catch (e) {
    return checkCoded(e, code, patterns);
  }
  return checkCoded(undefined, code, patterns);
}
