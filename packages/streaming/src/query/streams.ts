import type { Lakehouse } from '@loch/lakehouse';
import { StreamingQueryManager } from './manager.js';

const managers = new WeakMap<Lakehouse, StreamingQueryManager>();

/** The lake's streaming query manager (`lake.streams`), made on first use. */
export function streamsOf(lake: Lakehouse): StreamingQueryManager {
  let m = managers.get(lake);
  if (!m) managers.set(lake, (m = new StreamingQueryManager()));
  return m;
}
