/**
 * Databricks' COPY INTO: `COPY INTO t FROM '/path' FILEFORMAT = JSON | CSV | PARQUET | TEXT |
 * BINARYFILE [FILES = ('a.json', ...) | PATTERN = 'glob'] [FORMAT_OPTIONS ('k' = 'v', ...)]
 * [COPY_OPTIONS ('mergeSchema' = 'true', 'force' = 'true')]`, clauses in any order.
 */
import type { Cursor } from './cursor.js';
import { unsupported } from '../errors.js';
import { parseProperties, parseTableName, type TableName } from './parse-common.js';

export interface CopyIntoStatement {
  readonly kind: 'copyInto';
  readonly table: TableName;
  /** The directory (or file) the files are under. */
  readonly from: string;
  /** json, csv, parquet, text or binaryfile (lower case). */
  readonly format: string;
  /** FILES = (...): names relative to `from`. */
  readonly files?: readonly string[];
  /** PATTERN = '...': a glob over paths relative to `from`. */
  readonly pattern?: string;
  readonly formatOptions: Readonly<Record<string, string>>;
  readonly copyOptions: Readonly<Record<string, string>>;
}

export function parseCopyInto(c: Cursor): CopyIntoStatement {
  c.expectWords('COPY', 'INTO');
  const table = parseTableName(c);
  if (c.isWords('BY', 'POSITION') || c.peek()?.text === '(') throw unsupported('COPY INTO with a column list or BY POSITION (name the columns in the files)');
  c.expectWords('FROM');
  if (c.peek()?.text === '(') throw unsupported('COPY INTO ... FROM (SELECT ...) (load the files as they are, then transform with INSERT ... SELECT)');
  const from = c.string('the path to load from');
  c.words('WITH');
  let format: string | undefined;
  let files: string[] | undefined;
  let pattern: string | undefined;
  let formatOptions: Record<string, string> = {};
  let copyOptions: Record<string, string> = {};
  while (!c.atEnd()) {
    if (c.words('FILEFORMAT')) {
      c.expectPunct('=');
      format = c.ident('a file format (JSON, CSV, PARQUET, TEXT, BINARYFILE)').toLowerCase();
    } else if (c.words('FILES')) {
      c.expectPunct('=');
      c.expectPunct('(');
      files = [];
      do files.push(c.string('a file name'));
      while (c.punct(','));
      c.expectPunct(')');
    } else if (c.words('PATTERN')) {
      c.expectPunct('=');
      pattern = c.string('a glob pattern');
    } else if (c.words('FORMAT_OPTIONS')) formatOptions = parseProperties(c);
    else if (c.words('COPY_OPTIONS')) copyOptions = parseProperties(c);
    else if (c.isWords('VALIDATE')) throw unsupported('COPY INTO ... VALIDATE');
    else c.fail('expected FILEFORMAT, FILES, PATTERN, FORMAT_OPTIONS or COPY_OPTIONS');
  }
  if (format === undefined) c.fail('COPY INTO needs FILEFORMAT = JSON | CSV | PARQUET | TEXT | BINARYFILE');
  if (files && pattern !== undefined) c.fail('COPY INTO takes FILES or PATTERN, not both');
  return { kind: 'copyInto', table, from, format, ...(files ? { files } : {}), ...(pattern !== undefined ? { pattern } : {}), formatOptions, copyOptions };
}
