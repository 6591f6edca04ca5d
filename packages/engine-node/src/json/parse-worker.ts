import { parentPort } from 'node:worker_threads';
import { parseJsonLog } from '@loch/delta';
import { encodeWire } from './wire.js';

/** A parse task: bytes of whole lines of one log file (line numbers in errors count from its start). */
export interface ParseTask {
  readonly id: number;
  readonly file: string;
  readonly bytes: Uint8Array;
}


parentPort?.on('message', (task: ParseTask) => {
  try {
    const actions = parseJsonLog(Buffer.from(task.bytes.buffer, task.bytes.byteOffset, task.bytes.length).toString('utf8'), task.file);
    const wire = encodeWire(actions);
    const transfer = [wire.sizes, wire.modificationTimes, wire.dataChange, wire.partitionIndex].map((a) => a.buffer as ArrayBuffer);
    parentPort!.postMessage({ id: task.id, wire }, transfer);
  } catch (e) {
    const err = e as Error & { code?: string };
    parentPort!.postMessage({ id: task.id, error: { message: err.message, code: err.code } });
  }
});
