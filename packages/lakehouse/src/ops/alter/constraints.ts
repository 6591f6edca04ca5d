import { deltaError, planScan, type Engine, type Snapshot } from '@loch/delta';
import { sqlIdent, withConnection } from '@loch/engine-node';
import { duckType } from '../../values/duck-types.js';
import { scanSql } from '../../scan/query.js';
import { tokenize } from '../../sql/parse/lexer.js';
import { minimalProtocol } from '../../write/protocol.js';
import type { AlterChange } from './change.js';
import { raised, type AlterPlan } from './plan.js';

type Of<K extends AlterChange['kind']> = Extract<AlterChange, { kind: K }>;

/** Table properties that hold CHECK constraints (`delta.constraints.<name>` = expression). */
export const CONSTRAINT_PREFIX = 'delta.constraints.';

/** ADD CONSTRAINT name CHECK (expression), after checking that every live row satisfies it. */
export async function addConstraint(engine: Engine, snapshot: Snapshot, change: Of<'addConstraint'>): Promise<AlterPlan> {
  const table = snapshot.table;
  const current = snapshot.metadata;
  const name = change.name.toLowerCase();
  const key = `${CONSTRAINT_PREFIX}${name}`;
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(change.name)) throw deltaError('DELTA_INVALID_ARGUMENT', `${table}: '${change.name}' cannot name a constraint (letters, digits and _ only)`);
  const existing = Object.keys(current.configuration).find((k) => k.toLowerCase() === key);
  if (existing) {
    throw deltaError('DELTA_INVALID_ARGUMENT', `${table} already has a constraint ${name} (${current.configuration[existing]}); drop it first`);
  }
  if (!change.expression.trim()) throw deltaError('DELTA_INVALID_ARGUMENT', `${table}: constraint ${name} needs an expression`);
  const expression = portableExpression(change.expression.trim());
  await checkExistingRows(engine, snapshot, name, expression);
  const configuration = { ...current.configuration, [key]: expression };
  let wanted = minimalProtocol(snapshot.schema, configuration);
  if (snapshot.protocol.minWriterVersion >= 7) wanted = { minReaderVersion: 1, minWriterVersion: 7, writerFeatures: ['checkConstraints'] };
  return {
    metadata: { ...current, configuration },
    protocol: raised(snapshot, wanted),
    operation: 'ADD CONSTRAINT',
    parameters: { name: change.name, expr: expression },
    checkedRows: true,
  };
}

/** DROP CONSTRAINT [IF EXISTS] name. */
export function dropConstraint(snapshot: Snapshot, change: Of<'dropConstraint'>): AlterPlan {
  const current = snapshot.metadata;
  const key = `${CONSTRAINT_PREFIX}${change.name.toLowerCase()}`;
  const existing = Object.keys(current.configuration).find((k) => k.toLowerCase() === key);
  if (!existing && !change.ifExists) {
    throw deltaError('DELTA_INVALID_ARGUMENT', `${snapshot.table} has no constraint ${change.name}; use DROP CONSTRAINT IF EXISTS to ignore a missing one`);
  }
  const configuration = { ...current.configuration };
  const expr = existing ? configuration[existing] : undefined;
  if (existing) delete configuration[existing];
  return {
    metadata: { ...current, configuration },
    operation: 'DROP CONSTRAINT',
    parameters: { name: change.name, ...(expr !== undefined ? { expr } : {}) },
  };
}

/**
 * Spark's quoting (`` `a b` ``) as DuckDB's ("a b"), so an expression written for Spark can be
 * evaluated here; everything else is kept as written.
 */
function backticksAsDuckDb(expression: string): string {
  return tokenize(expression)
    .map((t) => (t.kind === 'quoted' && t.quote === '`' ? sqlIdent(t.value) : t.text))
    .join('');
}

/** Words that cannot stand bare as a column name in Spark or DuckDB expressions. */
const RESERVED = new Set(
  'all and any array as asc between both by case cast check collate column constraint create cross current_date current_time current_timestamp current_user default desc distinct else end except exists false fetch for foreign from full grant group having in inner intersect interval into is join lateral leading left like limit not null of offset on only or order outer primary references right select session_user some table then to trailing true union unique user using when where window with'.split(' '),
);

/**
 * The expression with Spark's quoting dropped where a name needs none (`` `id` > 0 `` is stored
 * as `id > 0`), so that Spark and DuckDB read the stored constraint alike.
 */
function portableExpression(expression: string): string {
  return tokenize(expression)
    .map((t) => (t.kind === 'quoted' && t.quote === '`' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(t.value) && !RESERVED.has(t.value.toLowerCase()) ? t.value : t.text))
    .join('');
}

/** Fails naming the constraint when a live row does not make `expression` true (null fails too). */
export async function checkExistingRows(engine: Engine, snapshot: Snapshot, name: string, expression: string): Promise<void> {
  const table = snapshot.table;
  const expr = backticksAsDuckDb(expression);
  await withConnection(async (c) => {
    const inner =
      (await scanSql(c, engine, planScan(snapshot))) ??
      `SELECT ${snapshot.schema.fields.map((f) => `CAST(NULL AS ${duckType(f.type)}) AS ${sqlIdent(f.name)}`).join(', ')} WHERE false`;
    let type: string;
    let violations: number;
    try {
      const described = await c.runAndReadAll(`SELECT (${expr}) AS __loch_check FROM (${inner}) AS __loch_t LIMIT 0`);
      type = String(described.columnTypes()[0]);
      if (type !== 'BOOLEAN' && type !== '"NULL"' && type !== 'NULL') {
        throw deltaError('DELTA_INVALID_ARGUMENT', `${table}: CHECK constraint ${name} (${expression}) must be a boolean expression, not ${type}`);
      }
      violations = Number((await c.runAndReadAll(`SELECT count(*)::BIGINT FROM (${inner}) AS __loch_t WHERE (${expr}) IS NOT TRUE`)).getRows()[0][0]);
    } catch (e) {
      if ((e as { code?: string }).code === 'DELTA_INVALID_ARGUMENT') throw e;
      throw deltaError('DELTA_INVALID_ARGUMENT', `${table}: cannot evaluate CHECK constraint ${name} (${expression}): ${(e as Error).message.split('\n')[0]}`, e);
    }
    if (violations > 0) {
      throw deltaError(
        'DELTA_CONSTRAINT_VIOLATION',
        `${table}: ${violations} row${violations === 1 ? '' : 's'} violate${violations === 1 ? 's' : ''} the new CHECK constraint ${name} (${expression})`,
      );
    }
  });
}
