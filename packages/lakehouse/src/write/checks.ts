import type { DeltaErrorCode, StructField, StructType } from '@loch/delta';

export interface RowCheck {
  readonly expression: string;
  readonly code: DeltaErrorCode;
  readonly message: string;
}

/**
 * Row checks a table imposes on every write: CHECK constraints (`delta.constraints.<name>`
 * properties) and column invariants (`delta.invariants` in a field's metadata). Both are SQL
 * expressions; a row passes only when its expression is true.
 */
export function rowChecks(schema: StructType, configuration: Readonly<Record<string, string>>, table: string): RowCheck[] {
  const checks: RowCheck[] = [];
  for (const [key, expression] of Object.entries(configuration)) {
    if (!key.startsWith('delta.constraints.')) continue;
    const name = key.slice('delta.constraints.'.length);
    checks.push({ expression, code: 'DELTA_CONSTRAINT_VIOLATION', message: `${table}: CHECK constraint ${name} (${expression}) is violated by a row` });
  }
  const walk = (fields: readonly StructField[]) => {
    for (const f of fields) {
      const inv = f.metadata['delta.invariants'];
      if (typeof inv === 'string') {
        try {
          const expression = (JSON.parse(inv) as { expression?: { expression?: string } }).expression?.expression;
          if (expression) checks.push({ expression, code: 'DELTA_INVARIANT_VIOLATION', message: `${table}: invariant on column '${f.name}' (${expression}) is violated by a row` });
        } catch {
          // an unreadable invariant cannot be enforced; Spark would refuse too, so do we
          checks.push({ expression: 'FALSE', code: 'DELTA_INVARIANT_VIOLATION', message: `${table}: column '${f.name}' has an invariant Loch cannot read: ${inv}` });
        }
      }
      if (f.type.kind === 'struct') walk(f.type.fields);
    }
  };
  walk(schema.fields);
  return checks;
}
