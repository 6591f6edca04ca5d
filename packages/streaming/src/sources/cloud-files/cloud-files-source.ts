import type { FileMeta, StorageHandler, StructType } from '@loch/delta';
import { withConnection } from '@loch/engine-node';
import { tableUrl } from '@loch/lakehouse';
import { randomUUID } from 'node:crypto';
import { streamingError } from '../../errors.js';
import { emptyRelation, STREAM_SCHEMA } from '../../query/batch-tables.js';
import type { Offset, ReadLimit, Source, SourceBatch, SourceContext } from '../../source.js';
import { FileDiscovery, splitGlob } from './discovery.js';
import { FileLog } from './file-log.js';
import { inferSchema, newColumns, withHints } from './infer.js';
import { localFiles } from './local-files.js';
import type { CloudFilesOptions } from './options.js';
import { fittingJsonQuery } from './json-fitting.js';
import { readBatchFiles, type BatchFile, type ReadSpec } from './read-files.js';
import { SchemaLog } from './schema-log.js';

/** Spark's FileStreamSourceOffset: the newest entry of the file log the batch reads. */
type FilesOffset = { readonly logOffset: number };

const STRING = { kind: 'primitive', name: 'string' } as const;

/**
 * Auto Loader (format 'cloudFiles'): new files under a directory, nested folders and glob
 * patterns included, in json, csv, parquet or text. Which files were taken lives in the
 * checkpoint (FileLog), so a restart neither takes a file twice nor misses one, and a trigger's
 * cost follows the number of new files. The schema is inferred from the first files and kept
 * at cloudFiles.schemaLocation; new columns evolve it as schemaEvolutionMode says, and what
 * does not fit goes to the rescued data column.
 */
export class CloudFilesSource implements Source {
  readonly description: string;
  readonly identity: string;
  private readonly dir: string;
  private readonly pattern: string | undefined;
  private discovery!: FileDiscovery;
  private storage!: StorageHandler;
  private log!: FileLog;
  private schemaLog: SchemaLog | undefined;
  private schema: { version: number; fields: StructType } | undefined;
  /** Files found but not yet taken (the rate limit held them back), in discovery order. */
  private pending: FileMeta[] = [];
  private pendingSet = new Set<string>();
  /** Trigger.AvailableNow: no listing after the one made when the trigger began. */
  private listingClosed = false;
  private ignoredThrough: { from: number; last: number; empty: boolean } | undefined;
  /** The inference sample, while the schema is inferred from its first file only (see inferFrom). */
  private tentative: readonly FileMeta[] | undefined;

  constructor(
    private readonly path: string,
    private readonly options: CloudFilesOptions,
  ) {
    const { dir, pattern } = splitGlob(path);
    this.dir = dir;
    this.pattern = pattern;
    this.description = `CloudFilesSource[${path}]`;
    this.identity = `cloudFiles:${dir}${pattern ?? ''}`;
  }

  async start(context: SourceContext, committed: Offset | undefined): Promise<void> {
    const o = this.options;
    this.storage = context.engine.storage;
    this.discovery = new FileDiscovery(this.storage, this.dir, {
      ...(this.pattern !== undefined ? { pattern: this.pattern } : {}),
      ...(o.pathGlobFilter !== undefined ? { nameGlob: o.pathGlobFilter } : {}),
      ...(o.modifiedAfter !== undefined ? { modifiedAfter: o.modifiedAfter } : {}),
      ...(o.modifiedBefore !== undefined ? { modifiedBefore: o.modifiedBefore } : {}),
      incremental: o.useIncrementalListing,
      backfillIntervalMs: o.backfillIntervalMs,
    });
    this.log = await FileLog.open(this.storage, context.checkpointDir, (url) => this.discovery.keyOf(url));
    if (this.options.schemaLocation !== undefined) this.schemaLog = new SchemaLog(this.storage, tableUrl(this.options.schemaLocation));
    if (this.options.schema) this.schema = { version: 0, fields: withHints(this.options.schema, this.options.schemaHints) };
    else if (this.options.format === 'text') this.schema = { version: 0, fields: { kind: 'struct', fields: [{ name: 'value', type: STRING, nullable: true, metadata: {} }] } };
    else {
      const latest = await this.schemaLog!.latest();
      if (latest) this.schema = { version: latest.version, fields: latest.schema };
    }
    // A new stream that leaves out existing files records them as seen (not as data).
    if (!this.options.includeExistingFiles && committed === undefined && this.log.lastEntry < 0) {
      const existing = await this.discovery.all();
      await this.log.add(existing.map((f) => ({ ...f, ignored: true })));
    }
  }

  async prepareForTriggerAvailableNow(): Promise<void> {
    await this.refill();
    this.listingClosed = true;
  }

  async latestOffset(start: Offset | undefined, limit: ReadLimit): Promise<Offset | undefined> {
    const from = (start as FilesOffset | undefined)?.logOffset ?? -1;
    // Entries after the committed one (written before a crash) are read first, as they are;
    // entries of files that were there before the stream (includeExistingFiles false) need no batch.
    if (this.log.lastEntry > from && !(await this.onlyIgnoredAfter(from))) return { logOffset: this.log.lastEntry };
    const max = limit === 'allAvailable' ? Infinity : this.options.maxFilesPerTrigger;
    if (!this.listingClosed && this.pending.length < max) await this.refill();
    if (this.pending.length === 0) return start;
    const take = this.admit(limit);
    if (!this.schema) await this.inferFrom(take);
    const k = await this.log.add(take);
    this.pending = this.pending.slice(take.length);
    for (const f of take) this.pendingSet.delete(f.path);
    return { logOffset: k };
  }

  async getBatch(start: Offset | undefined, end: Offset): Promise<SourceBatch> {
    const from = (start as FilesOffset | undefined)?.logOffset ?? -1;
    const files = await this.log.filesBetween(from, (end as FilesOffset).logOffset);
    if (files.length > 0 && !this.schema) await this.inferFrom(files);
    if (files.length === 0 || !this.schema) return { kind: 'query', sql: emptyRelation(this.outputSchema()) };
    const local = await localFiles(this.storage, files);
    // JSON files are first offered as a query that only reads them when they all fit the schema
    // (so that a sink may write them without a copy); if it fails, the engine asks for the table.
    const direct = this.options.format === 'json' ? await fittingJsonQuery(this.readSpec(local.files), local.files) : undefined;
    if (!direct && this.tentative) await this.inferFrom(this.tentative, true);
    const spec = this.readSpec(local.files);
    if (direct) {
      return {
        kind: 'query',
        sql: direct.sql,
        fallback: async () => {
          // A tentative schema that the files did not confirm: the whole sample decides.
          if (this.tentative) await this.inferFrom(this.tentative, true);
          return this.readTable(files, this.readSpec(local.files));
        },
        release: async () => {
          await direct.release();
          await local.release();
        },
      };
    }
    try {
      return { ...(await this.readTable(files, spec)), release: local.release };
    } catch (e) {
      await local.release();
      throw e;
    }
  }

  /** The batch's rows as a table, each file read as fast as it allows. */
  private async readTable(files: readonly FileMeta[], spec: ReadSpec): Promise<{ kind: 'table'; table: string }> {
    const table = `${STREAM_SCHEMA}.cf_${randomUUID().replaceAll('-', '')}`;
    try {
      const extras = await withConnection((c) => readBatchFiles(c, table, spec));
      if (extras.length > 0) await this.onNewColumns(extras, files);
    } catch (e) {
      await withConnection((c) => c.run(`DROP TABLE IF EXISTS ${table}`));
      throw e;
    }
    return { kind: 'table', table };
  }

  private readSpec(files: readonly BatchFile[]): ReadSpec {
    return {
      format: this.options.format,
      files,
      schema: this.schema!.fields,
      ...(this.options.rescuedDataColumn !== undefined ? { rescue: this.options.rescuedDataColumn } : {}),
      rescueNewFields: this.options.schemaEvolutionMode === 'rescue',
      header: this.options.header,
      delimiter: this.options.delimiter,
    };
  }

  async commit(end: Offset): Promise<void> {
    if (this.tentative) {
      // Confirmed by the batch's read: it is what the whole sample gives.
      this.schema = { version: 0, fields: await this.schemaLog!.write(0, this.schema!.fields) };
      this.tentative = undefined;
    }
    await this.log.compact((end as FilesOffset).logOffset);
  }

  metrics(): Readonly<Record<string, string>> {
    return {
      numFilesOutstanding: String(this.pending.length),
      numBytesOutstanding: String(this.pending.reduce((n, f) => n + f.size, 0)),
    };
  }

  /** The rows' columns: the data columns, then the rescued data column. */
  private outputSchema(): StructType {
    const fields = [...(this.schema?.fields.fields ?? [])];
    if (this.options.rescuedDataColumn !== undefined) fields.push({ name: this.options.rescuedDataColumn, type: STRING, nullable: true, metadata: {} });
    return { kind: 'struct', fields };
  }

  /** Whether the entries after `from` hold no file to read (answered once per newest entry). */
  private async onlyIgnoredAfter(from: number): Promise<boolean> {
    const last = this.log.lastEntry;
    if (this.ignoredThrough?.from !== from || this.ignoredThrough.last !== last) {
      this.ignoredThrough = { from, last, empty: (await this.log.filesBetween(from, last)).length === 0 };
    }
    return this.ignoredThrough.empty;
  }

  private async refill(): Promise<void> {
    for (const f of await this.discovery.newFiles(this.log, this.pendingSet)) {
      this.pending.push(f);
      this.pendingSet.add(f.path);
    }
  }

  /** The pending files the next batch takes: up to maxFilesPerTrigger, and maxBytesPerTrigger (at least one file). */
  private admit(limit: ReadLimit): FileMeta[] {
    if (limit === 'allAvailable') return [...this.pending];
    const { maxFilesPerTrigger, maxBytesPerTrigger } = this.options;
    const take: FileMeta[] = [];
    let bytes = 0;
    for (const f of this.pending) {
      if (take.length >= maxFilesPerTrigger) break;
      if (maxBytesPerTrigger !== undefined && take.length > 0 && bytes + f.size > maxBytesPerTrigger) break;
      take.push(f);
      bytes += f.size;
    }
    return take;
  }

  /**
   * Infers the schema from the first files and keeps it at the schema location. JSON read as
   * strings (no inferColumnTypes) is first inferred from the first file alone, tentatively: the
   * batch's read, which fails on any key outside the schema, then confirms that no other file
   * has more keys, which is the schema the whole sample gives; the sample is parsed once rather
   * than twice. Kept once the batch commits; if the read fails, `full` inference replaces it.
   */
  private async inferFrom(files: readonly FileMeta[], full = false): Promise<void> {
    const sample = files.slice(0, this.options.inferenceFiles);
    this.tentative = undefined;
    if (!full && sample.length > 1 && this.options.format === 'json' && !this.options.inferColumnTypes) {
      const first = await this.inferLocal(sample.slice(0, 1)).catch(() => undefined);
      if (first) {
        this.schema = { version: 0, fields: first };
        this.tentative = sample;
        return;
      }
    }
    const fields = await this.schemaLog!.write(0, await this.inferLocal(sample));
    this.schema = { version: 0, fields };
  }

  /** The schema of `files`, hints applied. */
  private async inferLocal(files: readonly FileMeta[]): Promise<StructType> {
    const local = await localFiles(this.storage, files);
    try {
      const inferred = await withConnection((c) => inferSchema(c, local.files.map((f) => f.local), this.options, this.description));
      return withHints(inferred, this.options.schemaHints);
    } finally {
      await local.release();
    }
  }

  /** Fields the schema lacks were found: evolve and stop, stop, or go on, as the mode says. */
  private async onNewColumns(names: readonly string[], files: readonly FileMeta[]): Promise<void> {
    const mode = this.options.schemaEvolutionMode;
    if (mode === 'rescue' || mode === 'none') return;
    const where = `${files.length} file(s) of this batch, e.g. ${decodeURIComponent(files[0].path)}`;
    if (mode === 'failOnNewColumns') {
      throw streamingError('UNKNOWN_FIELD_EXCEPTION', `Encountered unknown fields during parsing: ${names.join(', ')} (in ${where}); schemaEvolutionMode is failOnNewColumns: add them to the schema or schemaHints, or use another mode`);
    }
    const evolved: StructType = { kind: 'struct', fields: [...this.schema!.fields.fields, ...newColumns(names, this.options.schemaHints)] };
    const version = this.schema!.version + 1;
    await this.schemaLog!.write(version, evolved);
    throw streamingError(
      'UNKNOWN_FIELD_EXCEPTION',
      `Encountered unknown fields during parsing: ${names.join(', ')} (in ${where}). The schema at ${this.options.schemaLocation} now has them (version ${version}): restart the stream to read them.`,
    );
  }
}
