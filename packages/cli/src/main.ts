import { DeltaError } from '@loch/delta';
import { DeltaTable, SqlError, type JsonValue } from '@loch/lakehouse/core';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describeTables, jsonl, table } from './format.js';
import { abortOutput, emit, FORMATS, UsageError, type Format } from './output.js';
import { registerDashboard } from './dashboard-command.js';
import { registerModels } from './models-command.js';
import { registerPipeline } from './pipeline-command.js';
import { registerServer } from './server-command.js';
import { registerSql } from './sql-command.js';

function integer(name: string) {
  return (v: string) => {
    if (!/^\d+$/.test(v)) throw new InvalidArgumentError(`${name} must be a non-negative integer`);
    return Number(v);
  };
}

function write(text: string): Promise<void> {
  return new Promise((resolve, reject) => process.stdout.write(text, (e) => (e ? reject(e) : resolve())));
}

/** The version of this package, as `loch --version` prints it. */
export function version(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

export function program(): Command {
  const p = new Command('loch')
    .description('Loch: Delta Lake tables from the command line')
    .version(version(), '-V, --version', 'print the version')
    // A subcommand's own --version (scan, describe: a table version) is not the program's.
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({ writeErr: () => undefined });

  p.command('scan')
    .description('print the rows of a table (at a version or time)')
    .argument('<table>', 'directory or URI of a Delta table')
    .addOption(new Option('--version <n>', 'read the table as of this version').argParser(integer('--version')).conflicts('timestamp'))
    .option('--timestamp <iso>', 'read the table as of this time (latest commit at or before it)')
    .option('--columns <a,b>', 'columns to print, in order')
    .option('--where <predicate>', 'SQL predicate over the columns (DuckDB syntax)')
    .option('--limit <n>', 'print at most n rows', integer('--limit'))
    .addOption(new Option('--format <format>', 'output format').choices([...FORMATS]).default('jsonl'))
    .option('--output <file>', 'write the rows to this file (replaced whole) instead of stdout')
    .action(async (location: string, o: { version?: number; timestamp?: string; columns?: string; where?: string; limit?: number; format: Format; output?: string }) => {
      const scan = DeltaTable.forPath(location).scan({
        version: o.version,
        timestamp: o.timestamp,
        columns: o.columns?.split(',').map((c) => c.trim()).filter(Boolean),
        where: o.where,
        limit: o.limit,
      });
      await emit(await scan.stream(), o.format, o.output);
    });

  p.command('describe')
    .description("print a table's version, schema, partitioning, protocol, properties and size")
    .argument('<table>', 'directory or URI of a Delta table')
    .addOption(new Option('--version <n>', 'describe this version').argParser(integer('--version')))
    .addOption(new Option('--format <format>', 'output format: one JSON object, or tables for people').choices(['json', 'table']).default('json'))
    .action(async (location: string, o: { version?: number; format: string }) => {
      const detail = await DeltaTable.forPath(location).detail({ version: o.version });
      await write(o.format === 'table' ? describeTables(detail) : `${JSON.stringify(detail)}\n`);
    });

  p.command('history')
    .description("print a table's commits, newest first")
    .argument('<table>', 'directory or URI of a Delta table')
    .option('--limit <n>', 'at most n commits', integer('--limit'))
    .addOption(new Option('--format <format>', 'output format').choices(['jsonl', 'table']).default('jsonl'))
    .action(async (location: string, o: { limit?: number; format: string }) => {
      const history = await DeltaTable.forPath(location).history(o.limit);
      const rows = history.map((h) => ({
        version: h.version,
        timestamp: new Date(h.timestamp).toISOString(),
        operation: h.operation,
        operationParameters: h.operationParameters as { [k: string]: JsonValue },
        operationMetrics: h.operationMetrics,
        readVersion: h.readVersion,
        isolationLevel: h.isolationLevel,
        isBlindAppend: h.isBlindAppend,
        engineInfo: h.engineInfo,
      }));
      await write(o.format === 'table' ? table(Object.keys(rows[0] ?? { version: 0, timestamp: '', operation: '' }), rows) : jsonl(rows));
    });
  p.command('demo')
    .description('build a small Delta lake from scratch and read it back (writes, MERGE, time travel, OPTIMIZE, skipping)')
    .argument('[dir]', 'where the demo table goes', 'lake/demo_weather')
    .action(async (dir: string) => {
      const { demo } = await import('./demo.js');
      await demo(resolve(dir));
    });
  registerSql(p);
  registerServer(p);
  registerModels(p);
  registerPipeline(p);
  registerDashboard(p);
  return p;
}

/** Tracking and streaming errors (their own codes), told apart without loading those packages on every run. */
function isTrackingError(e: unknown): e is Error & { code: string } {
  return e instanceof Error && (e.name === 'TrackingError' || e.name === 'StreamingError') && typeof (e as { code?: unknown }).code === 'string';
}

/** The server package's coded errors (LOCH_DASHBOARD_INVALID, ...), told apart the same way. */
function isApiError(e: unknown): e is Error & { code: string } {
  return e instanceof Error && e.name === 'ApiError' && typeof (e as { code?: unknown }).code === 'string';
}

/** Runs the CLI; returns the exit status. Errors are one line on stderr: `CODE: message`. */
export async function main(argv: string[]): Promise<number> {
  // A reader that went away (`loch scan t | head`) ends the command at once, successfully: the
  // rows it did not read are nobody's loss, and DuckDB may be mid-write into a pipe.
  let readerGone = false;
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    readerGone = true;
    abortOutput();
  });
  if (argv.length <= 2) {
    // `loch` alone: what it can do, rather than an error.
    await write(program().helpInformation());
    return 0;
  }
  try {
    await program().parseAsync(argv);
    return 0;
  } catch (e) {
    if (readerGone || (e as NodeJS.ErrnoException)?.code === 'EPIPE') return 0;
    if (e instanceof UsageError) {
      process.stderr.write(`LOCH_USAGE: ${e.message}\n`);
      return 2;
    }
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.exitCode === 0) return 0;
      process.stderr.write(`LOCH_USAGE: ${e.message.replace(/^error: /, '')}\n`);
      return 2;
    }
    if (e instanceof DeltaError || e instanceof SqlError || isTrackingError(e) || isApiError(e)) {
      process.stderr.write(`${e.code}: ${e.message}\n`);
      return 1;
    }
    const err = e as Error;
    process.stderr.write(`LOCH_INTERNAL: ${err?.message ?? String(e)}\n`);
    if (process.env.LOCH_DEBUG) process.stderr.write(`${err?.stack ?? ''}\n`);
    return 1;
  }
}
