/**
 * Rows out of the CLI as DuckDB produces them, whatever their number: JSON lines and CSV written by
 * DuckDB itself (into a FIFO this process copies to stdout, or straight into --output), tables and
 * Arrow IPC from batches in JavaScript. Nothing holds more than a batch, so memory stays flat; a
 * reader that goes away (`| head`) ends the command at once (see `main`).
 */
import type { RowStream } from '@loch/lakehouse/core';
import { execFileSync } from 'node:child_process';
import { closeSync, constants, openSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { csvHeader, csvLines, jsonLines } from '@loch/lakehouse/core';
import { TableText } from './format.js';

export const FORMATS = ['jsonl', 'csv', 'table', 'parquet', 'arrow'] as const;
export type Format = (typeof FORMATS)[number];

export class UsageError extends Error {}

/** FIFOs being copied to stdout now. */
const fifoReaders = new Set<Socket>();

/**
 * Stops copying to stdout once nobody reads it (`| head`): closing the FIFOs makes DuckDB's next
 * write into them fail, so a COPY blocked on a full FIFO ends at once.
 */
export function abortOutput(): void {
  for (const reader of fifoReaders) reader.destroy();
  fifoReaders.clear();
}

/** Writes a stream's rows in `format` to `output` (a file) or stdout. */
export async function emit(stream: RowStream, format: Format, output?: string): Promise<void> {
  if (output !== undefined) {
    if (format === 'arrow') await writeArrow(stream, output);
    else if (format === 'table') throw new UsageError('--format table prints for people: write --output files as jsonl, csv, parquet or arrow');
    else await stream.writeTo(output, format);
    return;
  }
  switch (format) {
    case 'parquet':
      throw new UsageError('--format parquet needs --output FILE (Parquet is not a stream format; use --format arrow to pipe columns)');
    case 'arrow':
      return writeArrow(stream);
    case 'table': {
      const t = new TableText(stream.columns.map((c) => c.name));
      for await (const rows of stream.rowBatches()) await write(t.push(rows));
      return write(t.end());
    }
    default:
      // DuckDB's writers through a FIFO pay for making the FIFO (a process): worth it for big
      // results, not for a point query, which JavaScript writes sooner.
      if ((stream.rowsScanned ?? Infinity) < FIFO_ROWS || !(await throughFifo((fifo) => stream.writeTo(fifo, format)))) await writeText(stream, format);
  }
}

/** Rows read (by the stats of the files a query reads) from which JSON lines and CSV go through DuckDB's writers. */
const FIFO_ROWS = 1_000_000;

/** JSON lines or CSV written from JavaScript, a batch at a time (where no FIFO can be made). */
async function writeText(stream: RowStream, format: 'jsonl' | 'csv'): Promise<void> {
  const names = stream.columns.map((c) => c.name);
  if (format === 'csv') await write(csvHeader(names));
  for await (const rows of stream.rowBatches()) await write(format === 'csv' ? csvLines(names, rows) : jsonLines(rows));
}

async function writeArrow(stream: RowStream, output?: string): Promise<void> {
  // Apache Arrow is loaded only for this (it costs ~150 ms to load): the main entry registers it.
  const { writeArrowStream } = await import('@loch/lakehouse');
  await writeArrowStream(stream, output);
}

/** Writes to stdout, waiting when it is full. */
export function write(text: string): Promise<void> {
  if (text === '') return Promise.resolve();
  return new Promise((resolve, reject) => process.stdout.write(text, (e) => (e ? reject(e) : resolve())));
}

/**
 * Has DuckDB write into a FIFO (`writeInto(path)`) whose bytes go on to stdout as they come, at
 * the pace stdout takes them. False when no FIFO can be made here (no `mkfifo`), and nothing was
 * written.
 */
async function throughFifo(writeInto: (path: string) => Promise<unknown>): Promise<boolean> {
  const dir = await mkdtemp(join(tmpdir(), 'loch-out-'));
  try {
    const fifo = join(dir, 'rows');
    try {
      execFileSync('mkfifo', ['-m', '600', fifo], { stdio: 'ignore' });
    } catch {
      return false;
    }
    // Opened without blocking, and held open for writing by this process too, so that the reader
    // sees no end of file before DuckDB has opened the FIFO, only after it is done.
    const readFd = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    const holdFd = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
    const reader = new Socket({ fd: readFd, readable: true, writable: false });
    fifoReaders.add(reader);
    const copied = new Promise<void>((resolve, reject) => {
      reader.on('close', resolve);
      reader.on('error', reject);
      reader.on('end', resolve);
      reader.pipe(process.stdout, { end: false });
    });
    const written = writeInto(fifo).finally(() => closeSync(holdFd));
    try {
      await Promise.all([written, copied]);
    } finally {
      fifoReaders.delete(reader);
      reader.destroy();
    }
    return true;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A repeatable option's values in order (`--udf a.mjs --udf b.mjs`): not variadic, so an option never swallows the arguments after it. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
