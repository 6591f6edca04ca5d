import type { Command } from 'commander';
import { collect, UsageError } from './output.js';

interface SourceOptions {
  conf?: string[];
}

interface RunOptions extends SourceOptions {
  lake: string;
  udf?: string[];
  continuous?: boolean;
  fullRefresh?: boolean;
  triggerInterval?: string;
  eventLog: string | false;
}

/** `--conf key=value` pairs as the pipeline's parameters (its `${key}` references). */
function parameters(conf: string[] | undefined): Record<string, string> | undefined {
  if (conf === undefined) return undefined;
  const out: Record<string, string> = {};
  for (const c of conf) {
    const eq = c.indexOf('=');
    if (eq <= 0) throw new UsageError(`--conf takes key=value; got '${c}'`);
    out[c.slice(0, eq).trim()] = c.slice(eq + 1);
  }
  return out;
}

function write(text: string): Promise<void> {
  return new Promise((resolve, reject) => process.stdout.write(text, (e) => (e ? reject(e) : resolve())));
}

/**
 * `loch pipeline run <file.sql>...`: the streaming tables and materialized views of SQL files,
 * updated in dependency order, once (exit 0 when the update completes; one JSON line per
 * dataset on stdout, a progress line per dataset on stderr) or with --continuous until SIGINT or
 * SIGTERM. `loch pipeline graph <file.sql>` prints the datasets and what each reads.
 * `loch pipeline <file.sql>` is `run`.
 */
export function registerPipeline(p: Command): void {
  const pipeline = p.command('pipeline').description('run a SQL pipeline of streaming tables and materialized views (run, graph)');
  pipeline
    .command('run', { isDefault: true })
    .description('update every table of the pipeline in dependency order: once, or continuously')
    .argument('<files...>', 'the pipeline: files of CREATE OR REFRESH STREAMING TABLE / MATERIALIZED VIEW statements, read as one')
    .option('--lake <dir>', 'the lake the tables live in', './lake')
    .option('--conf <key=value>', 'set a pipeline parameter: ${key} in the file is replaced by value (repeat for several)', collect)
    .option('--udf <module>', 'register the UDFs a JavaScript module (a path or a package) exports, for the pipeline to call (repeatable)', collect)
    .option('--continuous', 'keep running: streaming tables as continuous queries, views recomputed as inputs change (stop with Ctrl-C)')
    .option('--full-refresh', 'empty the streaming tables and read all their input again')
    .option('--trigger-interval <duration>', "with --continuous: how often each streaming table runs a batch ('0', '5 seconds')")
    .option('--event-log <table>', 'the lake table the pipeline logs its events to', 'event_log')
    .option('--no-event-log', 'log no events')
    .action(async (files: string[], o: RunOptions) => {
      const [{ Lakehouse }, { Pipeline }] = await Promise.all([import('@loch/lakehouse/core'), import('@loch/streaming')]);
      const pipe = await Pipeline.fromFiles(files, { parameters: parameters(o.conf) });
      const lake = Lakehouse.open(o.lake);
      if (o.udf) {
        // UDFs see Arrow vectors: the main entry brings Apache Arrow, which the CLI otherwise skips loading.
        await import('@loch/lakehouse');
        for (const m of o.udf) await lake.udf.registerModule(m);
      }
      const onProgress = (line: string) => process.stderr.write(`${line}\n`);
      const options = { fullRefresh: o.fullRefresh === true, eventLog: o.eventLog, onProgress };
      if (!o.continuous) {
        const updates = await pipe.run(lake, options);
        await write(updates.map((u) => `${JSON.stringify(u)}\n`).join(''));
        return;
      }
      const run = pipe.start(lake, { ...options, ...(o.triggerInterval !== undefined ? { triggerInterval: o.triggerInterval } : {}) });
      const stop = () => void run.stop();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      process.stderr.write(`[${pipe.name}] running continuously; stop with Ctrl-C\n`);
      try {
        await run.ended;
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
    });
  pipeline
    .command('graph')
    .description('print the datasets of a pipeline in update order, with what each reads')
    .argument('<files...>', 'the pipeline files')
    .option('--format <format>', 'text or json', 'text')
    .option('--conf <key=value>', 'set a pipeline parameter: ${key} in the file is replaced by value (repeat for several)', collect)
    .action(async (files: string[], o: SourceOptions & { format: string }) => {
      const { Pipeline } = await import('@loch/streaming');
      const pipe = await Pipeline.fromFiles(files, { parameters: parameters(o.conf) });
      if (o.format === 'json') {
        const nodes = pipe.graph.map((n) => ({ name: n.dataset.name, file: n.dataset.file, type: n.dataset.kind === 'streamingTable' ? 'streaming_table' : 'materialized_view', line: n.dataset.line, dependsOn: n.dependsOn, external: n.external }));
        await write(`${JSON.stringify({ pipeline: pipe.name, datasets: nodes })}\n`);
      } else await write(pipe.describe());
    });
}
