import { isDeltaError, parseSchema, schemaToJson, type StorageHandler, type StructType } from '@loch/delta';
import { streamingError } from '../../errors.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * The versions of an Auto Loader schema, kept where `cloudFiles.schemaLocation` says
 * (`_schemas/0`, `_schemas/1`, ...), as Databricks keeps them. Version 0 is inferred from the
 * first files; each new column found with schemaEvolutionMode addNewColumns adds a version,
 * which the restarted stream reads with.
 */
export class SchemaLog {
  private readonly dir: string;

  constructor(
    private readonly storage: StorageHandler,
    /** The schema location's URL, ending in '/'. */
    location: string,
  ) {
    this.dir = `${location}_schemas/`;
  }

  async latest(): Promise<{ version: number; schema: StructType } | undefined> {
    const versions = (await this.storage.list(this.dir))
      .map((f) => f.path.slice(f.path.lastIndexOf('/') + 1))
      .filter((n) => /^\d+$/.test(n))
      .map(Number)
      .sort((a, b) => a - b);
    const version = versions.at(-1);
    return version === undefined ? undefined : { version, schema: await this.read(version) };
  }

  /** Writes version `version`; when another run wrote it first, its schema is the one kept. */
  async write(version: number, schema: StructType): Promise<StructType> {
    const text = `v1\n${JSON.stringify({ dataSchemaJson: schemaToJson(schema) })}`;
    try {
      await this.storage.putIfAbsent(this.fileOf(version), encoder.encode(text));
      return schema;
    } catch (e) {
      if (!isDeltaError(e, 'DELTA_FILE_ALREADY_EXISTS')) throw e;
      return this.read(version);
    }
  }

  private fileOf(version: number): string {
    return `${this.dir}${version}`;
  }

  private async read(version: number): Promise<StructType> {
    const file = this.fileOf(version);
    const lines = decoder.decode(await this.storage.read(file)).split('\n');
    try {
      if (lines[0] !== 'v1') throw new Error(`it does not start with 'v1'`);
      return parseSchema(JSON.parse(lines[1]).dataSchemaJson as string);
    } catch (e) {
      throw streamingError('STREAM_CORRUPT_CHECKPOINT_FILE', `schema file ${decodeURIComponent(file)} is corrupt: ${(e as Error).message}`, e);
    }
  }
}
