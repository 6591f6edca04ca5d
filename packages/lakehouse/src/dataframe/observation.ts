import { deltaError } from '@loch/delta';
import type { Row } from '../scan/execute.js';

/**
 * Named metrics of a DataFrame, filled in when a query over it runs (Spark's Observation, Spark
 * 3.3): `const quality = new Observation('quality'); await df.observe(quality, { rows:
 * 'count(*)' }).toRows(); await quality.get()`. An observation takes one frame's metrics, once.
 */
export class Observation {
  private metrics: Row | undefined;
  private readonly waiters: ((m: Row) => void)[] = [];

  constructor(readonly name = 'observation') {}

  /** The metrics, once an action (toRows, collect, toArrow, iteration) on the observed frame has run. */
  get(): Promise<Readonly<Row>> {
    if (this.metrics) return Promise.resolve(this.metrics);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** @internal Called by the frame's action with the metrics row. */
  fulfil(metrics: Row): void {
    if (this.metrics) throw deltaError('DELTA_INVALID_ARGUMENT', `observation '${this.name}' already has its metrics; use a new Observation for another query`);
    this.metrics = metrics;
    for (const w of this.waiters.splice(0)) w(metrics);
  }
}
