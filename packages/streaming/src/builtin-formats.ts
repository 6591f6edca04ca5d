import { DeltaTable } from '@loch/lakehouse';
import { invalidOption } from './errors.js';
import { booleanOption, getOption, numberOption, registerSinkFormat, registerSourceFormat, type SinkFormatArgs } from './formats.js';
import { ConsoleSink } from './sinks/console.js';
import { DeltaSink } from './sinks/delta.js';
import { MemorySink } from './sinks/memory.js';
import { RateSource } from './sources/rate.js';

/** The formats Loch brings: sources rate; sinks delta, memory, console. */
export function registerBuiltinFormats(): void {
  registerSourceFormat('rate', ({ options }) => RateSource.fromOptions(options));
  registerSinkFormat('delta', deltaSink);
  registerSinkFormat('memory', ({ queryName }) => {
    if (!queryName) throw invalidOption(`the memory sink needs a queryName: writeStream.format('memory').queryName('name')`);
    return new MemorySink(queryName);
  });
  registerSinkFormat('console', ({ options }) =>
    new ConsoleSink({ numRows: numberOption(options, 'numRows', 'console sink') ?? 20, truncate: booleanOption(options, 'truncate', 'console sink', true) }),
  );
}

function deltaSink({ lake, options, path, table, partitionBy }: SinkFormatArgs): DeltaSink {
  if (path === undefined && table === undefined) throw invalidOption(`the delta sink needs a table: writeStream.toTable('name') or start('/path/to/table')`);
  const target = table !== undefined ? lake.table(table) : DeltaTable.forPath(path!, { engine: lake.engine });
  const userMetadata = getOption(options, 'userMetadata');
  return new DeltaSink(target, {
    mergeSchema: booleanOption(options, 'mergeSchema', 'delta sink', false),
    ...(partitionBy.length > 0 ? { partitionBy } : {}),
    ...(userMetadata !== undefined ? { userMetadata } : {}),
  });
}
