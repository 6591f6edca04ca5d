import { deltaError, findField, schemaToJson, type Metadata, type Snapshot, type StructType } from '@loch/delta';
import { sqlIdent } from '@loch/engine-node';
import { reconcileSchema } from '../../../write/schema-check.js';
import type { MergeSpec } from './spec.js';

/** What a MERGE computes for each joined row, before any data is read. */
export interface MergePlan {
  /** The table's schema after the MERGE (with schema evolution, the source's new columns added). */
  readonly schema: StructType;
  /** New metadata when the schema evolves. */
  readonly metadata?: Metadata;
  /** Target columns the outcome needs; the others are never read. */
  readonly needed: ReadonlySet<string>;
  /** SQL giving each joined row its action: 'm<i>', 'n<i>', 'b<i>' (the clause), 'keep' or 'skip'. */
  readonly actionCase: string;
  /** SQL for each output column, by action. */
  readonly columns: readonly string[];
}

const cond = (c: string | undefined) => (c && c.trim() ? `(${c}) IS TRUE` : 'TRUE');

/** The value a SET (or INSERT VALUES) gives `col`, else `fallback`. */
const setValue = (set: Readonly<Record<string, string>>, col: string, fallback: string) => {
  const hit = Object.entries(set).find(([k]) => k.replace(/^.*\./, '').replace(/[`"]/g, '').toLowerCase() === col.toLowerCase());
  return hit ? hit[1] : fallback;
};

export function planMerge(snapshot: Snapshot, spec: MergeSpec, sourceSchema: StructType, fromRows: boolean): MergePlan {
  const { schema, metadata } = evolvedSchema(snapshot, spec, sourceSchema, fromRows);
  checkSetColumns(spec, schema, snapshot.table);
  const needed = neededColumns(snapshot, spec, sourceSchema);
  const T = sqlIdent(spec.targetAlias ?? 'target');
  const S = sqlIdent(spec.sourceAlias ?? 'source');
  const targetCol = (name: string) => {
    const f = findField(snapshot.schema, name);
    return f && needed.has(f.name) ? `${T}.${sqlIdent(f.name)}` : 'NULL';
  };
  const sourceCol = (name: string, clause: string) => {
    const f = findField(sourceSchema, name);
    if (f) return `${S}.${sqlIdent(f.name)}`;
    if (spec.schemaEvolution) return 'NULL';
    throw deltaError('DELTA_COLUMN_NOT_FOUND', `${snapshot.table}: ${clause} needs source column '${name}', which the source does not have`);
  };
  const columns = schema.fields.map((f) => {
    const whens: string[] = [];
    spec.matched.forEach((m, i) => {
      if (m.kind === 'update') whens.push(`WHEN 'm${i}' THEN ${setValue(m.set, f.name, targetCol(f.name))}`);
      if (m.kind === 'updateAll') whens.push(`WHEN 'm${i}' THEN ${findField(sourceSchema, f.name) ? sourceCol(f.name, 'UPDATE SET *') : targetCol(f.name)}`);
    });
    spec.notMatched.forEach((m, i) => {
      if (m.kind === 'insert') whens.push(`WHEN 'n${i}' THEN ${setValue(m.values, f.name, 'NULL')}`);
      if (m.kind === 'insertAll') whens.push(`WHEN 'n${i}' THEN ${sourceCol(f.name, 'INSERT *')}`);
    });
    spec.notMatchedBySource.forEach((m, i) => {
      if (m.kind === 'update') whens.push(`WHEN 'b${i}' THEN ${setValue(m.set, f.name, targetCol(f.name))}`);
    });
    const value = whens.length ? `CASE __action ${whens.join(' ')} ELSE ${targetCol(f.name)} END` : targetCol(f.name);
    return `${value} AS ${sqlIdent(f.name)}`;
  });
  return { schema, ...(metadata ? { metadata } : {}), needed, actionCase: actionCase(spec, T, S), columns };
}

/** With schema evolution and an UPDATE SET * or INSERT *, the source's new columns join the schema. */
function evolvedSchema(snapshot: Snapshot, spec: MergeSpec, sourceSchema: StructType, fromRows: boolean): { schema: StructType; metadata?: Metadata } {
  const usesAll = spec.matched.some((m) => m.kind === 'updateAll') || spec.notMatched.some((m) => m.kind === 'insertAll');
  if (!spec.schemaEvolution || !usesAll) return { schema: snapshot.schema };
  const evolved = reconcileSchema(snapshot.schema, sourceSchema, true, snapshot.table, fromRows);
  if (!evolved.changed) return { schema: snapshot.schema };
  return { schema: evolved.schema, metadata: { ...snapshot.metadata, schemaString: schemaToJson(evolved.schema) } };
}

function checkSetColumns(spec: MergeSpec, schema: StructType, table: string): void {
  for (const clause of [...spec.matched, ...spec.notMatchedBySource]) {
    if (clause.kind !== 'update') continue;
    for (const k of Object.keys(clause.set)) {
      const name = k.replace(/^.*\./, '').replace(/[`"]/g, '');
      if (!findField(schema, name)) throw deltaError('DELTA_COLUMN_NOT_FOUND', `${table} has no column '${name}' to set in MERGE`);
    }
  }
}

/**
 * Target columns the outcome needs: those an expression names, and those an UPDATE keeps (not
 * set by it). Others are never read: with UPDATE SET * that is usually all but the keys.
 */
function neededColumns(snapshot: Snapshot, spec: MergeSpec, sourceSchema: StructType): Set<string> {
  const clauses = [...spec.matched, ...spec.notMatched, ...spec.notMatchedBySource];
  const clauseText = [
    spec.condition,
    ...clauses.flatMap((m) => [m.condition ?? '', ...('set' in m ? Object.values(m.set) : []), ...('values' in m ? Object.values(m.values) : [])]),
  ]
    .join(' ')
    .toLowerCase();
  const keptByUpdate = (name: string) =>
    [...spec.matched, ...spec.notMatchedBySource].some(
      (m) => (m.kind === 'update' && setValue(m.set, name, '') === '') || (m.kind === 'updateAll' && !findField(sourceSchema, name)),
    );
  return new Set(
    snapshot.schema.fields
      .filter((f) => clauseText.includes(f.name.toLowerCase()) || keptByUpdate(f.name) || spec.notMatchedBySource.length > 0)
      .map((f) => f.name),
  );
}

/** The CASE that names each joined row's clause (first match wins, as in Spark). */
function actionCase(spec: MergeSpec, T: string, S: string): string {
  return [
    `CASE WHEN ${T}.__loch_file IS NOT NULL AND ${S}.__loch_src IS NOT NULL THEN CASE ${spec.matched.map((m, i) => `WHEN ${cond(m.condition)} THEN 'm${i}'`).join(' ')} ELSE 'keep' END`,
    `WHEN ${T}.__loch_file IS NULL THEN CASE ${spec.notMatched.map((m, i) => `WHEN ${cond(m.condition)} THEN 'n${i}'`).join(' ')} ELSE 'skip' END`,
    `ELSE CASE ${spec.notMatchedBySource.map((m, i) => `WHEN ${cond(m.condition)} THEN 'b${i}'`).join(' ')} ELSE 'keep' END END`,
  ]
    .join(' ')
    .replaceAll('CASE  ELSE', 'CASE WHEN FALSE THEN NULL ELSE');
}
