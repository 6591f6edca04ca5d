import type { Lakehouse } from '../../lakehouse.js';
import { Cursor } from '../parse/cursor.js';
import { sqlError } from '../errors.js';

/** What an extension's statement did: a one-line summary and the version it committed, if any. */
export interface SqlStatementOutcome {
  readonly summary: string;
  readonly version?: number;
}

/** What an extension's statement runs with. */
export interface SqlStatementContext {
  /** The lake the session runs over. */
  readonly lake: Lakehouse;
  /** The statement's 1-based position in the text given to `sql()`. */
  readonly number: number;
}

/**
 * Statements that packages above this one run (`@loch/streaming` runs CREATE STREAMING TABLE,
 * REFRESH MATERIALIZED VIEW, ...), recognised by their leading keywords. The SQL front end never
 * imports those packages; importing one installs its statements (`extendSqlStatements`). Without
 * it the statements stay LOCH_UNSUPPORTED_STATEMENT.
 */
export interface SqlStatementExtension {
  /** Names the extension in messages (`streaming tables`). */
  readonly name: string;
  /** Leading keyword sequences of the statements it takes (`['REFRESH', 'STREAMING', 'TABLE']`). */
  readonly leading: readonly (readonly string[])[];
  /** Runs one statement, given as the user wrote it (no Spark-to-DuckDB rewriting applied). */
  run(text: string, context: SqlStatementContext): Promise<SqlStatementOutcome>;
}

const extensions = new Map<string, SqlStatementExtension>();

/**
 * Installs statements for every SQL session (`lake.sql`, `loch sql`). Installing an extension of
 * the same name again replaces it, so a package loaded twice keeps one.
 */
export function extendSqlStatements(extension: SqlStatementExtension): void {
  extensions.set(extension.name, extension);
}

/** The extension that takes this statement, by its leading keywords; the longest match wins. */
export function statementExtension(text: string): SqlStatementExtension | undefined {
  if (extensions.size === 0) return undefined;
  const c = new Cursor(text);
  let best: { ext: SqlStatementExtension; length: number } | undefined;
  for (const ext of extensions.values()) {
    for (const words of ext.leading) {
      if (c.isWords(...words) && (!best || words.length > best.length)) best = { ext, length: words.length };
    }
  }
  return best?.ext;
}

/** Runs an extension's statement in a session that knows its lake. */
export async function runExtension(ext: SqlStatementExtension, text: string, lake: Lakehouse | undefined, number: number): Promise<SqlStatementOutcome> {
  if (!lake) throw sqlError(`${ext.name}: this SQL session was not opened from a Lakehouse (use lake.sql), so it cannot run this statement`);
  return ext.run(text, { lake, number });
}
