import { sqlIdent, withConnection } from '@loch/engine-node';
import type { Sink, SinkBatch, SinkCommit } from '../sink.js';

/**
 * Spark's memory sink: the rows go to an in-memory table named after the query, which SQL of
 * any lake in the process can read (`SELECT * FROM <queryName>`). Append and update add each
 * batch's rows, complete replaces them. For tests and notebooks: it lives as long as the process,
 * and a query restarted in the same process starts the table again.
 */
export class MemorySink implements Sink {
  readonly description: string;
  readonly identity: string;
  private lastBatchId = -1;

  constructor(private readonly name: string) {
    this.description = `MemorySink[${name}]`;
    this.identity = `memory:${name}`;
  }

  async addBatch(batch: SinkBatch): Promise<SinkCommit> {
    if (batch.batchId <= this.lastBatchId) return { numOutputRows: 0 };
    const table = `main.${sqlIdent(this.name)}`;
    await withConnection(async (c) => {
      if (this.lastBatchId < 0 || batch.outputMode === 'complete') await c.run(`CREATE OR REPLACE TABLE ${table} AS SELECT * FROM ${batch.relation}`);
      else await c.run(`INSERT INTO ${table} BY NAME SELECT * FROM ${batch.relation}`);
    });
    this.lastBatchId = batch.batchId;
    return { numOutputRows: batch.numRows };
  }
}
