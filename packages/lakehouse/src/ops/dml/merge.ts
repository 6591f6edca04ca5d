import {
  deltaError,
  findField,
  statsNumRecords,
  planScan,
  scanColumns,
  schemaToJson,
  totalSize,
  type AddFile,
  type Engine,
  type Metadata,
  type Predicate,
  type ScanPlan,
} from '@loch/delta';
import { sqlIdent, sqlString, withConnection } from '@loch/engine-node';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { scanSql } from '../../scan/query.js';
import { duckType } from '../../scan/duck-types.js';
import { deltaSchemaOf } from '../../write/duck-schema.js';
import { reconcileSchema } from '../../write/schema-check.js';
import { prepareSource, type WriteData } from '../../write/source.js';
import { writeDataFiles } from '../../write/write-files.js';
import { rowChecks } from '../../write/checks.js';
import { afterCommit } from '../after-commit.js';
import { openTransaction, operationSnapshot, txnAlreadyCommitted, type OperationOptions } from '../commit-options.js';
import { removeOf } from '../remove-of.js';
import { writeDeletionVectors } from './deletion-vectors.js';
import { positionsByFile, usesDeletionVectors } from './rewrite.js';
import { joinKeys, sourceKeyFilter } from './merge-keys.js';
import { mayHoldMatches, selectFiles } from '../../planner/index.js';

export type MatchedClause =
  | { readonly kind: 'update'; readonly set: Readonly<Record<string, string>>; readonly condition?: string }
  | { readonly kind: 'updateAll'; readonly condition?: string }
  | { readonly kind: 'delete'; readonly condition?: string };
export type NotMatchedClause =
  | { readonly kind: 'insert'; readonly values: Readonly<Record<string, string>>; readonly condition?: string }
  | { readonly kind: 'insertAll'; readonly condition?: string };
export type NotMatchedBySourceClause =
  | { readonly kind: 'update'; readonly set: Readonly<Record<string, string>>; readonly condition?: string }
  | { readonly kind: 'delete'; readonly condition?: string };

export interface MergeSpec {
  readonly source: WriteData;
  /** Join condition over `target.<col>` and `source.<col>` (aliases configurable). */
  readonly condition: string;
  readonly targetAlias?: string;
  readonly sourceAlias?: string;
  readonly matched: readonly MatchedClause[];
  readonly notMatched: readonly NotMatchedClause[];
  readonly notMatchedBySource: readonly NotMatchedBySourceClause[];
  /** Add source columns missing from the target for updateAll/insertAll (autoMerge). */
  readonly schemaEvolution?: boolean;
}

export interface MergeResult {
  readonly version: number | undefined;
  readonly metrics: Readonly<Record<string, number>>;
}

const cond = (c: string | undefined) => (c && c.trim() ? `(${c}) IS TRUE` : 'TRUE');


/**
 * MERGE INTO, as one commit: target files that hold a matched (or not-matched-by-source) row that
 * changes are rewritten — or get a deletion vector when the table uses them — and inserted rows
 * are written as new files. Files no clause touches are left alone.
 */
export async function mergeInto(engine: Engine, url: string, spec: MergeSpec, options: OperationOptions = {}): Promise<MergeResult> {
  const started = performance.now();
  const snapshot = await operationSnapshot(engine, url, options);
  const table = snapshot.table;
  if (spec.matched.length + spec.notMatched.length + spec.notMatchedBySource.length === 0) {
    throw deltaError('DELTA_INVALID_ARGUMENT', `${table}: MERGE needs at least one WHEN clause`);
  }
  if (txnAlreadyCommitted(snapshot, options)) return { version: undefined, metrics: {} };
  const T = sqlIdent(spec.targetAlias ?? 'target');
  const S = sqlIdent(spec.sourceAlias ?? 'source');
  const now = Date.now();
  const id = randomUUID().replaceAll('-', '');
  const srcTable = `loch_merge_src_${id}`;
  const resultTable = `loch_merge_${id}`;

  return withConnection(async (c) => {
    const src = await prepareSource(c, spec.source);
    try {
      // A constant marks source rows in the join (a row number would serialize the copy).
      await c.run(`CREATE TEMP TABLE ${srcTable} AS SELECT *, TRUE AS __loch_src FROM ${src.relation}`);
      const sourceSchema = deltaSchemaOf(src.names, src.types);
      const usesAll = spec.matched.some((m) => m.kind === 'updateAll') || spec.notMatched.some((m) => m.kind === 'insertAll');
      let schema = snapshot.schema;
      let metadata: Metadata | undefined;
      if (spec.schemaEvolution && usesAll) {
        const evolved = reconcileSchema(snapshot.schema, sourceSchema, true, table, src.fromRows);
        if (evolved.changed) {
          schema = evolved.schema;
          metadata = { ...snapshot.metadata, schemaString: schemaToJson(schema) };
        }
      }

      // Values each clause gives every output column.
      const setValue = (set: Readonly<Record<string, string>>, col: string, fallback: string) => {
        const hit = Object.entries(set).find(([k]) => k.replace(/^.*\./, '').replace(/[`"]/g, '').toLowerCase() === col.toLowerCase());
        return hit ? hit[1] : fallback;
      };
      // Target columns the outcome needs: those an expression names, and those an UPDATE keeps
      // (not set by it). Others are never read: with UPDATE SET * that is usually all but the keys.
      const clauseText = [spec.condition, ...[...spec.matched, ...spec.notMatched, ...spec.notMatchedBySource].flatMap((m) => [
        m.condition ?? '',
        ...('set' in m ? Object.values(m.set) : []),
        ...('values' in m ? Object.values(m.values) : []),
      ])].join(' ').toLowerCase();
      const needed = new Set(
        snapshot.schema.fields
          .filter((f) => {
            if (clauseText.includes(f.name.toLowerCase())) return true;
            const keptByUpdate = [...spec.matched, ...spec.notMatchedBySource].some(
              (m) => (m.kind === 'update' && setValue(m.set, f.name, '') === '') || (m.kind === 'updateAll' && !findField(sourceSchema, f.name)),
            );
            return keptByUpdate || spec.notMatchedBySource.length > 0;
          })
          .map((f) => f.name),
      );
      const targetCol = (name: string) => {
        const f = findField(snapshot.schema, name);
        return f && needed.has(f.name) ? `${T}.${sqlIdent(f.name)}` : 'NULL';
      };
      const sourceCol = (name: string, clause: string) => {
        const f = findField(sourceSchema, name);
        if (f) return `${S}.${sqlIdent(f.name)}`;
        if (spec.schemaEvolution) return 'NULL';
        throw deltaError('DELTA_COLUMN_NOT_FOUND', `${table}: ${clause} needs source column '${name}', which the source does not have`);
      };
      for (const clause of [...spec.matched, ...spec.notMatchedBySource]) {
        if (clause.kind !== 'update') continue;
        for (const k of Object.keys(clause.set)) {
          const name = k.replace(/^.*\./, '').replace(/[`"]/g, '');
          if (!findField(schema, name)) throw deltaError('DELTA_COLUMN_NOT_FOUND', `${table} has no column '${name}' to set in MERGE`);
        }
      }

      const actionCase = [
        `CASE WHEN ${T}.__loch_file IS NOT NULL AND ${S}.__loch_src IS NOT NULL THEN CASE ${spec.matched.map((m, i) => `WHEN ${cond(m.condition)} THEN 'm${i}'`).join(' ')} ELSE 'keep' END`,
        `WHEN ${T}.__loch_file IS NULL THEN CASE ${spec.notMatched.map((m, i) => `WHEN ${cond(m.condition)} THEN 'n${i}'`).join(' ')} ELSE 'skip' END`,
        `ELSE CASE ${spec.notMatchedBySource.map((m, i) => `WHEN ${cond(m.condition)} THEN 'b${i}'`).join(' ')} ELSE 'keep' END END`,
      ]
        .join(' ')
        .replaceAll('CASE  ELSE', 'CASE WHEN FALSE THEN NULL ELSE');

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

      const dv = usesDeletionVectors(snapshot);
      // Target files that cannot hold a row matching any source row's join keys are never read
      // (unless a NOT MATCHED BY SOURCE clause needs every target row).
      const targetColumns = scanColumns(snapshot, [...needed]);
      let plan: ScanPlan;
      let pruning: Predicate | undefined;
      const keyFilter =
        spec.notMatchedBySource.length === 0
          ? await sourceKeyFilter(c, joinKeys(spec.condition, spec.targetAlias ?? 'target', spec.sourceAlias ?? 'source'), srcTable, snapshot.schema)
          : undefined;
      if (keyFilter) {
        const selected = await selectFiles(c, snapshot, keyFilter);
        pruning = selected.predicate;
        plan = { ...selected.plan, columns: targetColumns };
      } else {
        plan = { ...planScan(snapshot), columns: targetColumns };
      }
      const inner = (await scanSql(c, engine, plan, { withFile: true, withRowNumber: true })) ??
        `SELECT ${snapshot.schema.fields.map((f) => `NULL AS ${sqlIdent(f.name)}`).join(', ')}, NULL::VARCHAR AS __loch_file, NULL::BIGINT AS __loch_row WHERE FALSE`;
      // Without NOT MATCHED BY SOURCE clauses only target rows that some source row matches can
      // change, so the join is driven by the (usually much smaller) source; rows to copy from
      // rewritten files are read again later. Otherwise every target row needs an outcome.
      const sourceDriven = spec.notMatchedBySource.length === 0;
      const from = sourceDriven
        ? `${srcTable} AS ${S} LEFT JOIN (${inner}) AS ${T} ON (${spec.condition})`
        : `(${inner}) AS ${T} ${spec.notMatched.length > 0 ? 'FULL OUTER JOIN' : 'LEFT JOIN'} ${srcTable} AS ${S} ON (${spec.condition})`;
      // Without a matched clause (or with only an unconditional delete) a target row may meet
      // several source rows and the outcome is still defined: keep one row per target row. With
      // one, several matches are an error, checked below, so target rows are unique either way.
      const onlyDelete = spec.matched.length === 1 && spec.matched[0].kind === 'delete' && !spec.matched[0].condition;
      const dedupe = spec.matched.length === 0 || onlyDelete;
      try {
        await c.run(`CREATE TEMP TABLE ${resultTable} AS
          SELECT ${actionCase} AS __action, ${columns.join(', ')},
                 ${T}.__loch_file AS __loch_file, ${T}.__loch_row AS __loch_row,
                 (${T}.__loch_file IS NOT NULL AND ${S}.__loch_src IS NOT NULL) AS __matched
          FROM ${from}
          ${dedupe ? `QUALIFY ${T}.__loch_file IS NULL OR row_number() OVER (PARTITION BY ${T}.__loch_file, ${T}.__loch_row ORDER BY ${T}.__loch_row) = 1` : ''}`);
      } catch (e) {
        throw deltaError('DELTA_INVALID_ARGUMENT', `${table}: cannot run MERGE: ${(e as Error).message.split('\n')[0]}`, e);
      }

      // A target row matched by several source rows has no single outcome (Spark refuses it).
      if (!dedupe) {
        const dup = (await c.runAndReadAll(`SELECT __loch_file, __loch_row FROM ${resultTable} WHERE __matched GROUP BY 1, 2 HAVING count(*) > 1 LIMIT 1`)).getRows();
        if (dup.length > 0) {
          throw deltaError(
            'DELTA_MULTIPLE_SOURCE_ROW_MATCHING_TARGET_ROW',
            `${table}: MERGE cannot update or delete a target row that several source rows match (target file ${String(dup[0][0]).split('/').pop()}, row ${String(dup[0][1])}); make the source unique on the join keys`,
          );
        }
      }

      const counts = new Map<string, number>();
      for (const [a, n] of (await c.runAndReadAll(`SELECT __action, count(*)::BIGINT FROM ${resultTable} GROUP BY 1`)).getRows()) counts.set(String(a), Number(n));
      const sum = (pred: (a: string) => boolean) => [...counts].filter(([a]) => pred(a)).reduce((n, [, v]) => n + v, 0);
      const isDelete = (a: string) =>
        (a.startsWith('m') && spec.matched[Number(a.slice(1))]?.kind === 'delete') || (a.startsWith('b') && spec.notMatchedBySource[Number(a.slice(1))]?.kind === 'delete');
      const isUpdate = (a: string) => (a.startsWith('m') || a.startsWith('b')) && !isDelete(a);

      const changedActions = [...counts.keys()].filter((a) => isDelete(a) || isUpdate(a));
      const actionList = (xs: string[]) => (xs.length ? xs.map(sqlString).join(', ') : "'__none__'");
      const touchedLocal = (await c.runAndReadAll(`SELECT DISTINCT __loch_file FROM ${resultTable} WHERE __action IN (${actionList(changedActions)})`)).getRows().map(([f]) => String(f));
      const byLocal = new Map(plan.files.map((f) => [fileURLToPath(f.url), f.add]));
      const touched: AddFile[] = touchedLocal.map((f) => byLocal.get(f)!).filter(Boolean);
      const insertActions = [...counts.keys()].filter((a) => a.startsWith('n'));
      const fileList = touchedLocal.length ? touchedLocal.map(sqlString).join(', ') : "'__none__'";

      const fileArgs = {
        tableRoot: snapshot.tableRoot,
        table,
        schema,
        partitionColumns: snapshot.partitionColumns,
        configuration: snapshot.metadata.configuration,
        checks: rowChecks(schema, snapshot.metadata.configuration, table),
      };
      const colList = schema.fields.map((f) => sqlIdent(f.name)).join(', ');
      const inserts = `SELECT ${colList} FROM ${resultTable} WHERE __action IN (${actionList(insertActions)})`;
      const changedRows = `SELECT __loch_file, __loch_row FROM ${resultTable} WHERE __action IN (${actionList(changedActions)})`;
      let written: string;
      if (dv) {
        written = `SELECT ${colList} FROM ${resultTable} WHERE __action IN (${actionList([...insertActions, ...changedActions.filter(isUpdate)])})`;
      } else if (sourceDriven) {
        // Rewritten files keep their unchanged rows: read them again, less the changed ones.
        const all = planScan(snapshot);
        const touchedSet = new Set(touchedLocal);
        const touchedPlan = { ...all, files: all.files.filter((f) => touchedSet.has(fileURLToPath(f.url))) };
        const again = touchedPlan.files.length ? await scanSql(c, engine, touchedPlan, { withFile: true, withRowNumber: true }) : undefined;
        written = `SELECT ${colList} FROM ${resultTable} WHERE __action IN (${actionList([...insertActions, ...changedActions.filter(isUpdate)])})`;
        if (again) {
          // Columns schema evolution added are null in the copied rows.
          const copyCols = schema.fields
            .map((f) => (findField(snapshot.schema, f.name) ? `t.${sqlIdent(findField(snapshot.schema, f.name)!.name)}` : `CAST(NULL AS ${duckType(f.type)})`) + ` AS ${sqlIdent(f.name)}`)
            .join(', ');
          written += ` UNION ALL SELECT ${copyCols} FROM (${again}) AS t
            ANTI JOIN (${changedRows}) AS x ON t.__loch_file = x.__loch_file AND t.__loch_row = x.__loch_row`;
        }
      } else {
        written = `${inserts} UNION ALL
           SELECT ${colList} FROM ${resultTable}
           WHERE __loch_file IN (${fileList}) AND __action NOT IN (${actionList(changedActions.filter(isDelete))})`;
      }
      const out = await writeDataFiles(c, engine.storage, { ...fileArgs, relation: `(${written})`, data: schema });
      const adds = [...out.adds];
      const removes = touched.map((a) => removeOf(a, now));
      let dvAdded = 0;
      if (dv && touched.length > 0) {
        const rowsByFile = await positionsByFile(c, `SELECT __loch_file, __loch_row FROM ${resultTable} WHERE __action IN (${actionList(changedActions)})`);
        const dvs = await writeDeletionVectors(engine, snapshot.tableRoot, touchedLocal.map((f) => ({ add: byLocal.get(f)!, rows: rowsByFile.get(f) ?? [] })));
        adds.push(...dvs.adds);
        dvAdded = dvs.adds.length;
      }

      const inserted = sum((a) => a.startsWith('n'));
      const updated = sum(isUpdate);
      const deleted = sum(isDelete);
      const touchedRows = touched.reduce((n, a) => n + (statsNumRecords(a.stats) ?? 0), 0);
      const copied = dv ? 0 : Math.max(0, touchedRows - updated - deleted - deletedByDv(touched));
      const metrics: Record<string, number> = {
        numSourceRows: Number((await c.runAndReadAll(`SELECT count(*)::BIGINT FROM ${srcTable}`)).getRows()[0][0]),
        numTargetRowsInserted: inserted,
        numTargetRowsUpdated: updated,
        numTargetRowsDeleted: deleted,
        numTargetRowsCopied: copied,
        numTargetRowsMatchedUpdated: sum((a) => a.startsWith('m') && isUpdate(a)),
        numTargetRowsMatchedDeleted: sum((a) => a.startsWith('m') && isDelete(a)),
        numTargetRowsNotMatchedBySourceUpdated: sum((a) => a.startsWith('b') && isUpdate(a)),
        numTargetRowsNotMatchedBySourceDeleted: sum((a) => a.startsWith('b') && isDelete(a)),
        numTargetFilesBeforeSkipping: snapshot.fileList.length,
        numTargetFilesAfterSkipping: plan.files.length,
        numTargetBytesBeforeSkipping: totalSize(snapshot.fileList),
        numTargetBytesAfterSkipping: plan.files.reduce((n, f) => n + f.add.size, 0),
        numTargetFilesAdded: out.adds.length,
        numTargetFilesRemoved: dv ? 0 : removes.length,
        numTargetBytesAdded: out.numOutputBytes,
        numTargetBytesRemoved: dv ? 0 : removes.reduce((n, r) => n + (r.size ?? 0), 0),
        numTargetDeletionVectorsAdded: dvAdded,
        numOutputRows: out.numOutputRows,
        numTargetChangeFilesAdded: 0,
        executionTimeMs: Math.round(performance.now() - started),
      };
      if (adds.length === 0 && removes.length === 0 && !metadata) return { version: undefined, metrics };

      const tx = openTransaction(engine, url, snapshot, options);
      if (metadata) tx.updateMetadata(metadata);
      tx.readFiles(plan.files.map((f) => f.add), mayHoldMatches(snapshot, pruning));
      tx.removeFiles(removes).addFiles(adds);
      const result = await tx.commit({
        name: 'MERGE',
        parameters: {
          predicate: JSON.stringify([spec.condition]),
          matchedPredicates: JSON.stringify(spec.matched.map((m) => ({ ...(m.condition ? { predicate: m.condition } : {}), actionType: m.kind === 'delete' ? 'delete' : 'update' }))),
          notMatchedPredicates: JSON.stringify(spec.notMatched.map((m) => ({ ...(m.condition ? { predicate: m.condition } : {}), actionType: 'insert' }))),
          notMatchedBySourcePredicates: JSON.stringify(spec.notMatchedBySource.map((m) => ({ ...(m.condition ? { predicate: m.condition } : {}), actionType: m.kind }))),
        },
        metrics,
      });
      if (result.kind !== 'committed') return { version: undefined, metrics };
      await afterCommit(engine, url, result.version, (metadata ?? snapshot.metadata).configuration);
      return { version: result.version, metrics };
    } finally {
      await c.run(`DROP TABLE IF EXISTS ${resultTable}`).catch(() => undefined);
      await c.run(`DROP TABLE IF EXISTS ${srcTable}`).catch(() => undefined);
      await src.cleanup();
    }
  });
}


function deletedByDv(files: AddFile[]): number {
  return files.reduce((n, a) => n + (a.deletionVector?.cardinality ?? 0), 0);
}
