import { DeltaTable } from '@loch/lakehouse';
import { invalidOption } from './errors.js';
import { booleanOption, getOption, numberOption, registerSinkFormat, registerSourceFormat, type SinkFormatArgs } from './formats.js';
import { ConsoleSink } from './sinks/console.js';
import { DeltaSink } from './sinks/delta.js';
import { MemorySink } from './sinks/memory.js';
import { CloudFilesSource } from './sources/cloud-files/cloud-files-source.js';
import { cloudFilesOptions } from './sources/cloud-files/options.js';
import { ChangeFeedSource } from './sources/delta/change-feed-source.js';
import { DeltaSource } from './sources/delta/delta-source.js';
import { RateSource } from './sources/rate.js';
import { NatsSource } from './sources/nats/nats-source.js';
import { natsOptions } from './sources/nats/options.js';
import { MqttSource, mqttOptions } from './sources/mqtt/mqtt-source.js';

/** The formats Loch brings: sources cloudFiles (Auto Loader), delta, rate; sinks delta, memory, console. */
export function registerBuiltinFormats(): void {
  registerSourceFormat('rate', ({ options }) => RateSource.fromOptions(options));
  registerSourceFormat('cloudFiles', ({ options, path, schema }) => {
    if (path === undefined) throw invalidOption(`the cloudFiles source needs a directory: readStream.format('cloudFiles')...load('/landing/events')`);
    return new CloudFilesSource(path, cloudFilesOptions(options, schema, path));
  });
  registerSourceFormat('delta', ({ lake, options, path, table: name }) => {
    if (path === undefined && name === undefined) throw invalidOption(`the delta source needs a table: readStream.table('name') or load('/path/to/table')`);
    const table = name !== undefined ? lake.table(name) : DeltaTable.forPath(path!, { engine: lake.engine });
    // Options are checked now; a lake table's name is looked up when the query starts.
    const checked = DeltaSource.options(`delta source ${table.name}`, options);
    // readChangeFeed streams the table's change data feed, with the same starting points and limits.
    const feed = booleanOption(options, 'readChangeFeed', 'delta source', false);
    return table.location().then((url) => (feed ? new ChangeFeedSource(table, url, checked) : new DeltaSource(table, url, checked)));
  });
  // Brokers: their clients load when a query starts, so lakes that read none never load them.
  registerSourceFormat('nats', ({ options }) => new NatsSource(natsOptions(options)));
  registerSourceFormat('mqtt', ({ options }) => new MqttSource(mqttOptions(options)));
  registerSinkFormat('delta', deltaSink);
  registerSinkFormat('memory', ({ queryName }) => {
    if (!queryName) throw invalidOption(`the memory sink needs a queryName: writeStream.format('memory').queryName('name')`);
    return new MemorySink(queryName);
  });
  registerSinkFormat('console', ({ options }) =>
    new ConsoleSink({ numRows: numberOption(options, 'numRows', 'console sink') ?? 20, truncate: booleanOption(options, 'truncate', 'console sink', true) }),
  );
}

async function deltaSink({ lake, options, path, table, partitionBy }: SinkFormatArgs): Promise<DeltaSink> {
  if (path === undefined && table === undefined) throw invalidOption(`the delta sink needs a table: writeStream.toTable('name') or start('/path/to/table')`);
  const target = table !== undefined ? lake.table(table) : DeltaTable.forPath(path!, { engine: lake.engine });
  const userMetadata = getOption(options, 'userMetadata');
  return new DeltaSink(target, await target.location(), {
    mergeSchema: booleanOption(options, 'mergeSchema', 'delta sink', false),
    ...(partitionBy.length > 0 ? { partitionBy } : {}),
    ...(userMetadata !== undefined ? { userMetadata } : {}),
  });
}
