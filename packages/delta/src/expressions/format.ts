import type { Operand, Predicate } from './ast.js';

const ident = (s: string) => `"${s.replaceAll('"', '""')}"`;
const str = (s: string) => `'${s.replaceAll("'", "''")}'`;

function operand(o: Operand): string {
  if (o.kind === 'column') return o.path.map(ident).join('.');
  switch (o.type) {
    case 'null':
      return 'NULL';
    case 'boolean':
      return o.value ? 'TRUE' : 'FALSE';
    case 'number':
      return Number.isFinite(o.value) ? `${o.value}::DOUBLE` : `'${o.value}'::DOUBLE`;
    case 'bigint':
    case 'decimal':
      return String(o.value);
    case 'string':
      return str(o.value);
    case 'date':
      return `DATE ${str(o.value)}`;
    case 'timestamp':
      return `make_timestamp(${o.value})::TIMESTAMPTZ`;
    case 'timestamp_ntz':
      return `make_timestamp(${o.value})`;
  }
}

/** A predicate as SQL text (DuckDB syntax), for messages and plans. */
export function formatPredicate(p: Predicate): string {
  switch (p.kind) {
    case 'compare':
      return `${operand(p.left)} ${p.op} ${operand(p.right)}`;
    case 'in':
      return `${operand(p.value)} IN (${p.list.map(operand).join(', ')})`;
    case 'between':
      return `${operand(p.value)} BETWEEN ${operand(p.low)} AND ${operand(p.high)}`;
    case 'isNull':
      return `${operand(p.value)} IS ${p.negated ? 'NOT ' : ''}NULL`;
    case 'like':
      return `${operand(p.value)} LIKE ${str(p.pattern)}`;
    case 'and':
      return p.children.length === 0 ? 'TRUE' : p.children.map((c) => `(${formatPredicate(c)})`).join(' AND ');
    case 'or':
      return p.children.length === 0 ? 'FALSE' : p.children.map((c) => `(${formatPredicate(c)})`).join(' OR ');
    case 'not':
      return `NOT (${formatPredicate(p.child)})`;
    case 'constant':
      return p.value === null ? 'NULL' : p.value ? 'TRUE' : 'FALSE';
    case 'unknown':
      return `<unknown${p.reason ? `: ${p.reason}` : ''}>`;
  }
}
