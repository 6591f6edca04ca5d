import type { Engine, IsolationLevel, Snapshot } from '@loch/delta';
import type { CommitOptions, OperationOptions } from '../../commit-options.js';
import { type MatchedClause, type MergeResult, type MergeSpec, type NotMatchedBySourceClause, type NotMatchedClause } from './spec.js';
import { mergeInto } from './merge-into.js';

type Cond = { condition?: string };

/** An immutable MERGE builder, in the shape of Delta's `DeltaTable.merge(...)` API. */
export class MergeBuilder {
  constructor(
    private readonly engine: Engine,
    /** The target table's root URL, found when the merge executes (a lake table's on first use). */
    private readonly url: () => Promise<string>,
    readonly spec: MergeSpec,
    readonly options: OperationOptions = {},
  ) {}

  private with(patch: Partial<MergeSpec>): MergeBuilder {
    return new MergeBuilder(this.engine, this.url, { ...this.spec, ...patch }, this.options);
  }

  private matched(c: MatchedClause) {
    return this.with({ matched: [...this.spec.matched, c] });
  }

  private notMatched(c: NotMatchedClause) {
    return this.with({ notMatched: [...this.spec.notMatched, c] });
  }

  private bySource(c: NotMatchedBySourceClause) {
    return this.with({ notMatchedBySource: [...this.spec.notMatchedBySource, c] });
  }

  /** WHEN MATCHED [AND condition] THEN UPDATE SET col = expr, ... */
  whenMatchedUpdate(o: { set: Readonly<Record<string, string>> } & Cond): MergeBuilder {
    return this.matched({ kind: 'update', set: o.set, condition: o.condition });
  }

  /** WHEN MATCHED [AND condition] THEN UPDATE SET * */
  whenMatchedUpdateAll(o: Cond = {}): MergeBuilder {
    return this.matched({ kind: 'updateAll', condition: o.condition });
  }

  /** WHEN MATCHED [AND condition] THEN DELETE */
  whenMatchedDelete(o: Cond = {}): MergeBuilder {
    return this.matched({ kind: 'delete', condition: o.condition });
  }

  /** WHEN NOT MATCHED [AND condition] THEN INSERT (cols) VALUES (exprs) */
  whenNotMatchedInsert(o: { values: Readonly<Record<string, string>> } & Cond): MergeBuilder {
    return this.notMatched({ kind: 'insert', values: o.values, condition: o.condition });
  }

  /** WHEN NOT MATCHED [AND condition] THEN INSERT * */
  whenNotMatchedInsertAll(o: Cond = {}): MergeBuilder {
    return this.notMatched({ kind: 'insertAll', condition: o.condition });
  }

  /** WHEN NOT MATCHED BY SOURCE [AND condition] THEN UPDATE SET ... */
  whenNotMatchedBySourceUpdate(o: { set: Readonly<Record<string, string>> } & Cond): MergeBuilder {
    return this.bySource({ kind: 'update', set: o.set, condition: o.condition });
  }

  /** WHEN NOT MATCHED BY SOURCE [AND condition] THEN DELETE */
  whenNotMatchedBySourceDelete(o: Cond = {}): MergeBuilder {
    return this.bySource({ kind: 'delete', condition: o.condition });
  }

  /** Adds source columns the target lacks (for UPDATE SET * / INSERT *), like Delta's autoMerge. */
  withSchemaEvolution(enabled = true): MergeBuilder {
    return this.with({ schemaEvolution: enabled });
  }

  withIsolationLevel(isolationLevel: IsolationLevel): MergeBuilder {
    return this.withCommitOptions({ isolationLevel });
  }

  /** Isolation level, userMetadata, txn, engineInfo for the commit (merged with those set before). */
  withCommitOptions(options: CommitOptions): MergeBuilder {
    return new MergeBuilder(this.engine, this.url, this.spec, { ...this.options, ...options });
  }

  /** Plans against this snapshot (default: the latest when `execute()` runs); the commit is checked from its version. */
  withSnapshot(snapshot: Snapshot): MergeBuilder {
    return new MergeBuilder(this.engine, this.url, this.spec, { ...this.options, snapshot });
  }

  async execute(): Promise<MergeResult> {
    return mergeInto(this.engine, await this.url(), this.spec, this.options);
  }
}
