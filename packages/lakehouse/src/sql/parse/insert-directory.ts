import { sqlError, unsupported } from '../errors.js';
import type { Cursor } from './cursor.js';
import { isPunct, isWord } from './lexer.js';
import { parseProperties } from './parse-common.js';

/** Formats INSERT OVERWRITE DIRECTORY writes, by their Spark names. */
export const DIRECTORY_FORMATS = ['parquet', 'json', 'csv'] as const;
export type DirectoryFormat = (typeof DIRECTORY_FORMATS)[number];

/** `INSERT OVERWRITE [LOCAL] DIRECTORY ['path'] USING format [OPTIONS (...)] query`, as Spark has it. */
export interface InsertDirectoryStatement {
  readonly kind: 'insertDirectory';
  readonly path: string;
  readonly format: DirectoryFormat;
  /** OPTIONS, keys lower-cased (Spark's are case-insensitive); `path` is taken out into `path`. */
  readonly options: Readonly<Record<string, string>>;
  /** The query whose rows are written (DuckDB SQL, may name Delta tables). */
  readonly query: string;
}

/** Whether the cursor is at INSERT OVERWRITE [LOCAL] DIRECTORY. */
export function atInsertDirectory(c: Cursor): boolean {
  return c.isWords('INSERT', 'OVERWRITE', 'DIRECTORY') || c.isWords('INSERT', 'OVERWRITE', 'LOCAL', 'DIRECTORY');
}

export function parseInsertDirectory(c: Cursor): InsertDirectoryStatement {
  c.expectWords('INSERT', 'OVERWRITE');
  c.words('LOCAL');
  c.expectWords('DIRECTORY');
  let path = c.peek()?.kind === 'string' ? c.next().value : undefined;
  if (c.isWords('STORED', 'AS') || c.isWords('ROW', 'FORMAT')) throw unsupported('INSERT OVERWRITE DIRECTORY with Hive formats (STORED AS, ROW FORMAT); use USING parquet, json or csv');
  c.expectWords('USING');
  const name = c.ident('a file format').toLowerCase();
  const format = DIRECTORY_FORMATS.find((f) => f === name);
  if (!format) throw sqlError(`INSERT OVERWRITE DIRECTORY writes ${DIRECTORY_FORMATS.join(', ')}, not ${name}`);
  const options: Record<string, string> = {};
  if (c.words('OPTIONS')) for (const [k, v] of Object.entries(parseProperties(c))) options[k.toLowerCase()] = v;
  if (options.path !== undefined) {
    if (path !== undefined && path !== options.path) throw sqlError(`INSERT OVERWRITE DIRECTORY names two paths: '${path}' and OPTIONS ('path' '${options.path}')`);
    path = options.path;
    delete options.path;
  }
  if (path === undefined || path === '') throw sqlError("INSERT OVERWRITE DIRECTORY needs a directory: DIRECTORY '/path' or OPTIONS ('path' '/path')");
  const first = c.peek();
  if (!isWord(first, 'SELECT', 'VALUES', 'WITH', 'FROM', 'TABLE') && !isPunct(first, '(')) c.fail('expected VALUES or a query');
  return { kind: 'insertDirectory', path, format, options, query: c.rest() };
}
