import { createRequire } from 'node:module';
import type * as NodeApi from '@duckdb/node-api';
import type * as NodeBindings from '@duckdb/node-bindings';

/**
 * `@duckdb/node-api`, loaded with `require`. It is CommonJS that re-exports some 150 files, and an
 * ESM import of it has Node run its export lexer over every one of them: about 150 ms of CPU,
 * half of a one-shot `loch sql` run, which `require` does not spend. Values come from here; types
 * are imported as types (`import type`), which costs nothing at run time.
 */
export const duckdbApi: typeof NodeApi = createRequire(import.meta.url)('@duckdb/node-api');

/**
 * `@duckdb/node-bindings`, the C API node-api wraps, for hot paths that node-api's wrappers make
 * slow: a user function's batches read and write DuckDB vectors' bytes through it, with no
 * wrapper objects (and no logical type made) per batch.
 */
export const duckdbBindings: typeof NodeBindings = createRequire(import.meta.url)('@duckdb/node-bindings');

/**
 * The C API handle of a node-api materialized result (its `result` field, which node-api does not
 * publish): its chunks read through duckdbBindings (`result_get_chunk`) skip node-api's wrapper
 * objects.
 */
export const rawResult = (r: NodeApi.DuckDBMaterializedResult) => (r as unknown as { readonly result: Parameters<typeof NodeBindings.result_get_chunk>[0] }).result;
