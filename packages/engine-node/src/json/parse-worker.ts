import { parentPort } from 'node:worker_threads';
import { FILE_KEY_HASH_CHECK } from '@loch/delta';
import { parsePart, transferList, type PartResult } from './wire.js';

/** A parse task: pieces (whole lines) of log files, parsed one by one. */
export interface ParseTask {
  readonly id: number;
  /** The table root keys are hashed against; none: send no hashes. */
  readonly root?: string;
  readonly parts: readonly { readonly file: string; readonly bytes: Uint8Array; readonly start: number; readonly end: number }[];
}

export interface ParseReply {
  readonly id: number;
  /** FILE_KEY_HASH_CHECK of the hasher that made the hashes. */
  readonly check: number;
  readonly results: PartResult[];
  /** The tasks' buffers, given back to be read into again. */
  readonly buffers: ArrayBuffer[];
}

parentPort?.on('message', (task: ParseTask) => {
  const results: PartResult[] = [];
  const buffers: ArrayBuffer[] = [];
  for (const part of task.parts) {
    results.push(parsePart(part, task.root));
    const b = part.bytes.buffer as ArrayBuffer;
    if (!buffers.includes(b)) buffers.push(b);
  }
  const transfer = [...buffers];
  for (const r of results) if ('wire' in r) transfer.push(...transferList(r.wire));
  const reply: ParseReply = { id: task.id, check: FILE_KEY_HASH_CHECK, results, buffers };
  parentPort!.postMessage(reply, transfer);
});
