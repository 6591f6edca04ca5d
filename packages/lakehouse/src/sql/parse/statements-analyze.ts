/**
 * ANALYZE TABLE t COMPUTE DELTA STATISTICS (the per-file statistics in the Delta log, Databricks'
 * form) and Spark's ANALYZE TABLE t COMPUTE STATISTICS [NOSCAN | FOR COLUMNS a, b | FOR ALL
 * COLUMNS] and ANALYZE TABLES [IN s] COMPUTE STATISTICS [NOSCAN] (table and column statistics
 * kept in the catalog, which DESCRIBE shows).
 */
import type { Cursor } from './cursor.js';
import { unsupported } from '../errors.js';
import { parseColumnPath, parseTableName, type TableName } from './parse-common.js';
import { parseSchemaName, type SchemaName } from './statements-catalog.js';

export type AnalyzeStatement =
  | { readonly kind: 'analyze'; readonly table: TableName; readonly what: 'delta' }
  | {
      readonly kind: 'analyze';
      readonly table: TableName;
      readonly what: 'table';
      readonly noscan: boolean;
      /** FOR COLUMNS a, b: those; FOR ALL COLUMNS: 'all'; absent: table statistics only. */
      readonly columns?: readonly string[] | 'all';
    }
  | { readonly kind: 'analyzeTables'; readonly schema?: SchemaName; readonly noscan: boolean };

export function parseAnalyze(c: Cursor): AnalyzeStatement | undefined {
  if (c.words('ANALYZE', 'TABLES')) {
    const schema = c.words('IN') || c.words('FROM') ? parseSchemaName(c) : undefined;
    c.expectWords('COMPUTE', 'STATISTICS');
    const noscan = c.words('NOSCAN');
    c.expectEnd();
    return { kind: 'analyzeTables', ...(schema ? { schema } : {}), noscan };
  }
  if (!c.words('ANALYZE', 'TABLE')) return undefined;
  const table = parseTableName(c);
  if (c.isWords('PARTITION')) throw unsupported('ANALYZE TABLE ... PARTITION (...) (analyze the whole table)');
  if (c.words('COMPUTE', 'DELTA', 'STATISTICS')) {
    c.expectEnd();
    return { kind: 'analyze', table, what: 'delta' };
  }
  c.expectWords('COMPUTE', 'STATISTICS');
  let columns: string[] | 'all' | undefined;
  const noscan = c.words('NOSCAN');
  if (!noscan && c.words('FOR', 'ALL', 'COLUMNS')) columns = 'all';
  else if (!noscan && c.words('FOR', 'COLUMNS')) {
    columns = [];
    do columns.push(parseColumnPath(c, 'a column name').join('.'));
    while (c.punct(','));
  }
  c.expectEnd();
  return { kind: 'analyze', table, what: 'table', noscan, ...(columns !== undefined ? { columns } : {}) };
}
