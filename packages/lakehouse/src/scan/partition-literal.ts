import type { DataType, PartitionValue } from '@loch/delta';
import { sqlString } from '@loch/engine-node';
import { duckType } from '../values/duck-types.js';

/** A typed SQL literal for a partition value. */
export function partitionLiteral(v: PartitionValue, t: DataType): string {
  const type = duckType(t);
  if (v === null) return `CAST(NULL AS ${type})`;
  if (v instanceof Uint8Array) {
    return `from_hex(${sqlString(Buffer.from(v).toString('hex'))})`;
  }
  if (t.kind === 'primitive' && (t.name === 'timestamp' || t.name === 'timestamp_ntz')) {
    // Microseconds since the epoch; the session time zone is UTC, so the cast keeps the instant.
    return `CAST(make_timestamp(${String(v)}::BIGINT) AS ${type})`;
  }
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return `CAST('NaN' AS ${type})`;
    if (!Number.isFinite(v)) return `CAST('${v > 0 ? 'Infinity' : '-Infinity'}' AS ${type})`;
  }
  return `CAST(${sqlString(String(v))} AS ${type})`;
}
