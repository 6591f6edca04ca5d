import type { StructType } from '@loch/delta';
import { toStructType, type Lakehouse, type SchemaInput } from '@loch/lakehouse';
import { invalidOption } from './errors.js';
import { sourceFormat, type SourceFormatArgs } from './formats.js';
import { StreamingDataFrame } from './frame/streaming-frame.js';

type OptionValue = string | number | boolean;

interface ReaderSpec {
  readonly format?: string;
  readonly options: Readonly<Record<string, string>>;
  readonly schema?: StructType;
}

/**
 * How a stream is read (Spark's DataStreamReader, reached as `lake.readStream`), an immutable
 * builder: `format` ('delta', 'cloudFiles', 'rate', or a registered one), `option`s, `schema`,
 * then `load(path)` or `table(name)`.
 */
export class DataStreamReader {
  constructor(
    private readonly lake: Lakehouse,
    private readonly spec: ReaderSpec = { options: {} },
  ) {}

  private with(change: Partial<ReaderSpec>): DataStreamReader {
    return new DataStreamReader(this.lake, { ...this.spec, ...change });
  }

  format(name: string): DataStreamReader {
    return this.with({ format: name });
  }

  /** An option of the source (`maxFilesPerTrigger`, `cloudFiles.format`, ...); names are case-insensitive. */
  option(key: string, value: OptionValue): DataStreamReader {
    return this.with({ options: { ...this.spec.options, [key.toLowerCase()]: String(value) } });
  }

  options(options: Readonly<Record<string, OptionValue>>): DataStreamReader {
    let r: DataStreamReader = this;
    for (const [k, v] of Object.entries(options)) r = r.option(k, v);
    return r;
  }

  /** The rows' schema, where the source needs or takes one (`{ id: 'long', ts: 'timestamp' }`). */
  schema(schema: SchemaInput): DataStreamReader {
    return this.with({ schema: toStructType(schema) });
  }

  /** The stream at `path` (a directory for cloudFiles, a table location for delta). */
  load(path?: string): StreamingDataFrame {
    return this.from(path !== undefined ? { path } : {});
  }

  /** The lake's table `name` as a stream of its changes (format delta). */
  table(name: string): StreamingDataFrame {
    if (this.spec.format && this.spec.format.toLowerCase() !== 'delta') throw invalidOption(`readStream.table() reads Delta tables; format '${this.spec.format}' does not apply`);
    return this.with({ format: 'delta' }).from({ table: name });
  }

  private from(target: { path?: string; table?: string }): StreamingDataFrame {
    if (!this.spec.format) throw invalidOption(`readStream: say which format to read, e.g. readStream.format('cloudFiles')`);
    const make = sourceFormat(this.spec.format);
    const args: SourceFormatArgs = { lake: this.lake, options: this.spec.options, ...target, ...(this.spec.schema ? { schema: this.spec.schema } : {}) };
    // Options are checked now, not when the query starts; the source made is not used (what it
    // would look up then, such as a lake table's location, is looked up again at the start).
    const checked = make(args);
    if (checked instanceof Promise) checked.catch(() => undefined);
    return StreamingDataFrame.fromSource(this.lake, () => make(args));
  }
}
