import { Lakehouse, type StatementResult } from '@loch/lakehouse/core';
import { Option, type Command } from 'commander';
import { csvHeader, csvLines, jsonLines } from '@loch/lakehouse/core';
import { writeFile } from 'node:fs/promises';
import { table } from './format.js';
import { collect, emit, FORMATS, UsageError, write, type Format } from './output.js';

const STREAMING_STATEMENT = /\b(STREAMING\s+TABLE|MATERIALIZED\s+VIEW)\b/i;

/**
 * `loch sql "<statements>"`: runs them in one session over the lake at --lake (tables by name)
 * and Delta tables by path. Each statement's rows are printed as DuckDB produces them, so the
 * statements before a failing one still show what they did and a result of any size streams out.
 * Consecutive result sets are told apart by one empty line (design/CLI.md).
 */
export function registerSql(p: Command): void {
  p.command('sql')
    .description('run SQL over Delta tables: Delta/Spark statements (CREATE TABLE, INSERT, DESCRIBE HISTORY, ...) and DuckDB queries')
    .argument('<statements>', 'one or more statements separated by ;')
    .option('--lake <dir>', 'the lake: a directory with one subdirectory per table', './lake')
    .addOption(new Option('--format <format>', 'output format').choices([...FORMATS]).default('jsonl'))
    .option('--output <file>', "write the query's rows to this file (replaced whole) instead of stdout")
    .option('--metrics', 'after the rows of each statement, print {"metrics": {...}} with per-scan figures')
    .option('--udf <module>', 'register the UDFs a JavaScript module (a path or a package) exports, functions made with defineUdf (repeatable)', collect)
    .action(async (text: string, o: { lake: string; format: Format; output?: string; metrics?: boolean; udf?: string[] }) => {
      const lake = Lakehouse.open(o.lake);
      // Streaming tables and materialized views are the streaming package's statements; loaded only when named (it starts slower).
      if (STREAMING_STATEMENT.test(text)) await import('@loch/streaming');
      if (o.udf) {
        // UDFs see Arrow vectors: the main entry brings Apache Arrow, which the CLI otherwise skips loading.
        await import('@loch/lakehouse');
        for (const m of o.udf) await lake.udf.registerModule(m);
      }
      let sets = 0;
      for await (const r of lake.sqlStream(text, { stream: true })) {
        if (!r.returnsRows) {
          if (r.summary) process.stderr.write(`${r.summary}\n`);
          continue;
        }
        if (o.output !== undefined && sets > 0) throw new UsageError('--output takes the rows of one statement; these statements return several results');
        if (sets++ > 0 && o.output === undefined && (o.format === 'jsonl' || o.format === 'csv' || o.format === 'table')) await write('\n');
        await printResult(r, o.format, o.output);
        if (o.metrics && r.metrics && o.output === undefined) await write(`${JSON.stringify({ metrics: r.metrics })}\n`);
      }
    });
}

async function printResult(r: StatementResult, format: Format, output: string | undefined): Promise<void> {
  if (r.stream) return emit(r.stream, format, output);
  // Rows already read (DESCRIBE, SHOW, a write's metrics): a few, printed from memory.
  if (format === 'parquet' || format === 'arrow') throw new UsageError(`--format ${format} writes a query's rows; statement ${r.number} is not a query`);
  const names = r.columns.map((c) => c.name);
  const text =
    format === 'csv' ? csvHeader(names) + csvLines(names, r.rows) : format === 'table' ? table(names, r.rows) : jsonLines(r.rows);
  if (output !== undefined) await writeFile(output, text);
  else await write(text);
}
