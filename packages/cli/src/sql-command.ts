import { Lakehouse, type StatementResult } from '@loch/lakehouse/core';
import { Option, type Command } from 'commander';
import { jsonl, table } from './format.js';

function write(stream: NodeJS.WriteStream, text: string): Promise<void> {
  return new Promise((resolve, reject) => stream.write(text, (e) => (e ? reject(e) : resolve())));
}

/** Rows (jsonl or a table), then the metrics line when asked for; nothing for statements without rows. */
export function formatStatement(r: StatementResult, format: string, metrics: boolean): string {
  if (!r.returnsRows) return '';
  const columns = r.columns.map((c) => c.name);
  let out = format === 'table' ? table(columns, r.rows) : jsonl(r.rows);
  if (metrics && r.metrics) out += `${JSON.stringify({ metrics: r.metrics })}\n`;
  return out;
}

/**
 * `loch sql "<statements>"`: runs them in one session over the lake at --lake (tables by name)
 * and Delta tables by path. Each statement's output is printed as soon as it completes, so the
 * statements before a failing one still show what they did. Consecutive result sets are told
 * apart by one empty line (design/CLI.md); a result set of no rows is no lines.
 */
export function registerSql(p: Command): void {
  p.command('sql')
    .description('run SQL over Delta tables: Delta/Spark statements (CREATE TABLE, INSERT, DESCRIBE HISTORY, ...) and DuckDB queries')
    .argument('<statements>', 'one or more statements separated by ;')
    .option('--lake <dir>', 'the lake: a directory with one subdirectory per table', './lake')
    .addOption(new Option('--format <format>', 'output format').choices(['jsonl', 'table']).default('jsonl'))
    .option('--metrics', 'after the rows of each statement, print {"metrics": {...}} with per-scan figures')
    .action(async (text: string, o: { lake: string; format: string; metrics?: boolean }) => {
      const lake = Lakehouse.open(o.lake);
      let sets = 0;
      for await (const r of lake.sqlStream(text)) {
        if (r.returnsRows) await write(process.stdout, `${sets++ > 0 ? '\n' : ''}${formatStatement(r, o.format, o.metrics === true)}`);
        else if (r.summary) await write(process.stderr, `${r.summary}\n`);
      }
    });
}
