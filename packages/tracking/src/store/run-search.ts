import { invalidParameter } from '../errors.js';
import type { Row } from '../storage/tables.js';
import type { StoreContext } from './context.js';
import { viewTypeStages } from './experiments.js';
import { int, list, page, pageOffset, str, type RequestBody } from './request.js';
import { runJson, type RunJson } from './runs.js';
import { parseFilter, parseOrderBy, RUN_GRAMMAR, runAttributeName, type Comparison, type Entity } from './search-filter.js';
import { compareValues, matches } from './search-match.js';

const DATASET_CONTEXT_TAG = 'mlflow.data.context';

/** The value a run has for `entity.key` (undefined when it has none). */
function valueOf(ctx: StoreContext, run: Row, entity: Entity, key: string): unknown {
  const id = String(run.run_uuid);
  switch (entity) {
    case 'metric': return ctx.tables.latestMetrics.get(id)?.get(key)?.value;
    case 'param': return ctx.tables.rows.params.get(id, key)?.value ?? undefined;
    case 'tag': return ctx.tables.rows.tags.get(id, key)?.value ?? undefined;
    case 'attribute': {
      const attr = runAttributeName(key);
      return attr === 'run_id' ? id : (run[attr] ?? undefined);
    }
    case 'dataset': return undefined;
  }
}

/** Dataset comparisons hold when any of the run's inputs satisfies them. */
function datasetMatches(ctx: StoreContext, run: Row, c: Comparison): boolean {
  return ctx.tables.rows.inputs.owned(String(run.run_uuid)).some((input) => {
    if (c.key === 'context') return matches(c, (JSON.parse(String(input.tags ?? '{}')) as Record<string, string>)[DATASET_CONTEXT_TAG]);
    return matches(c, input[`dataset_${c.key}`]);
  });
}

export function runMatches(ctx: StoreContext, run: Row, filter: readonly Comparison[]): boolean {
  for (const c of filter) {
    if (c.entity === 'dataset' ? !datasetMatches(ctx, run, c) : !matches(c, valueOf(ctx, run, c.entity, c.key))) return false;
  }
  return true;
}

/**
 * runs/search: the runs of the given experiments that match the filter, ordered by order_by
 * then by start time (newest first) and run id, one page at a time.
 */
export function searchRuns(ctx: StoreContext, body: RequestBody): { runs: RunJson[]; next_page_token?: string } {
  const experiments = new Set(list(body, 'experiment_ids').map(String));
  const max = int(body, 'max_results') ?? 1000;
  if (max < 1 || max > 50_000) throw invalidParameter(`Invalid value ${max} for parameter 'max_results' supplied: must be between 1 and 50000`);
  const stages = viewTypeStages(body.run_view_type);
  const filter = parseFilter(RUN_GRAMMAR, str(body, 'filter') ?? '');
  const order = list(body, 'order_by').map((o) => parseOrderBy(RUN_GRAMMAR, String(o)));
  const found: Row[] = [];
  for (const run of ctx.tables.rows.runs.values()) {
    if (experiments.has(String(run.experiment_id)) && stages.has(String(run.lifecycle_stage)) && runMatches(ctx, run, filter)) found.push(run);
  }
  const keys = order.map((o) => ({ ...o, values: new Map(found.map((r) => [r, valueOf(ctx, r, o.entity, o.key)])) }));
  found.sort((a, b) => {
    for (const k of keys) {
      const c = compareValues(k.values.get(a), k.values.get(b), k.ascending);
      if (c !== 0) return c;
    }
    const t = Number(b.start_time) - Number(a.start_time);
    if (t !== 0) return t;
    return String(a.run_uuid) < String(b.run_uuid) ? -1 : String(a.run_uuid) > String(b.run_uuid) ? 1 : 0;
  });
  const { items, next } = page(found, pageOffset(body), max);
  return { runs: items.map((r) => runJson(ctx, r)), ...(next ? { next_page_token: next } : {}) };
}
