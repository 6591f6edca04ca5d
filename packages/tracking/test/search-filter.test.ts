import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFilter, parseOrderBy, RUN_GRAMMAR, EXPERIMENT_GRAMMAR, MODEL_VERSION_GRAMMAR } from '../src/store/search-filter.js';
import { compareValues, matches } from '../src/store/search-match.js';
import { TrackingError } from '../src/errors.js';

const runs = (f: string) => parseFilter(RUN_GRAMMAR, f);

function fails(f: () => unknown, pattern: RegExp): void {
  assert.throws(f, (e: unknown) => e instanceof TrackingError && e.code === 'INVALID_PARAMETER_VALUE' && pattern.test(e.message));
}

test('comparisons over metrics, params, tags and attributes, joined by AND in any case', () => {
  assert.deepEqual(runs("metrics.rmse < 1 and params.model = 'tree' AND tags.team != \"ml\""), [
    { entity: 'metric', key: 'rmse', op: '<', value: 1 },
    { entity: 'param', key: 'model', op: '=', value: 'tree' },
    { entity: 'tag', key: 'team', op: '!=', value: 'ml' },
  ]);
  assert.deepEqual(runs('metric.acc >= -0.5e1'), [{ entity: 'metric', key: 'acc', op: '>=', value: -5 }]);
  assert.deepEqual(runs("attributes.status = 'FINISHED'"), [{ entity: 'attribute', key: 'status', op: '=', value: 'FINISHED' }]);
  assert.deepEqual(runs("status = 'FAILED'"), [{ entity: 'attribute', key: 'status', op: '=', value: 'FAILED' }]);
  assert.deepEqual(runs('attr.start_time > 1000'), [{ entity: 'attribute', key: 'start_time', op: '>', value: 1000 }]);
  assert.deepEqual(runs(''), []);
});

test('quoted keys hold spaces, dots and dashes', () => {
  assert.deepEqual(runs('metrics."my metric" > 2'), [{ entity: 'metric', key: 'my metric', op: '>', value: 2 }]);
  assert.deepEqual(runs("tags.`user-name` = 'Ada'"), [{ entity: 'tag', key: 'user-name', op: '=', value: 'Ada' }]);
  assert.deepEqual(runs("params.lr.decay = '0.9'"), [{ entity: 'param', key: 'lr.decay', op: '=', value: '0.9' }]);
});

test('LIKE, ILIKE, IN and NOT IN', () => {
  assert.deepEqual(runs("tags.note LIKE 'a%' and params.x ilike '%B_'"), [
    { entity: 'tag', key: 'note', op: 'LIKE', value: 'a%' },
    { entity: 'param', key: 'x', op: 'ILIKE', value: '%B_' },
  ]);
  assert.deepEqual(runs("attributes.run_id IN ('a', 'b')"), [{ entity: 'attribute', key: 'run_id', op: 'IN', value: ['a', 'b'] }]);
  assert.deepEqual(runs("run_id not in ('a')"), [{ entity: 'attribute', key: 'run_id', op: 'NOT IN', value: ['a'] }]);
  assert.deepEqual(runs("dataset.context = 'train'"), [{ entity: 'dataset', key: 'context', op: '=', value: 'train' }]);
});

test('what MLflow rejects, with a message naming the problem', () => {
  fails(() => runs("metrics.rmse = 'x'"), /Expected numeric value type for 'metrics.rmse'/);
  fails(() => runs('params.model = tree'), /Expected a quoted string value for 'params.model'/);
  fails(() => runs("params.model > 'a'"), /Invalid comparator '>'/);
  fails(() => runs('metrics.a LIKE 1'), /Invalid comparator 'LIKE'/);
  fails(() => runs("metrics.a < 1 or metrics.b > 2"), /expected AND between comparisons, got 'or'/);
  fails(() => runs("foo.bar = 'x'"), /Invalid entity type 'foo'/);
  fails(() => runs("attributes.color = 'red'"), /Invalid attribute key 'color'/);
  fails(() => runs("status IN ('a')"), /Invalid comparator 'IN'/);
  fails(() => runs("tags.x = 'unterminated"), /unterminated quote/);
  fails(() => runs('metrics.a <'), /Expected numeric value type/);
  fails(() => runs("dataset.size = 'x'"), /Invalid dataset key 'size'/);
  fails(() => parseFilter(EXPERIMENT_GRAMMAR, 'metrics.a > 1'), /Invalid entity type 'metrics'/);
});

test('other searches: experiments and model versions', () => {
  assert.deepEqual(parseFilter(EXPERIMENT_GRAMMAR, "name LIKE 'exp-%' and tags.k = 'v' and creation_time > 5"), [
    { entity: 'attribute', key: 'name', op: 'LIKE', value: 'exp-%' },
    { entity: 'tag', key: 'k', op: '=', value: 'v' },
    { entity: 'attribute', key: 'creation_time', op: '>', value: 5 },
  ]);
  assert.deepEqual(parseFilter(MODEL_VERSION_GRAMMAR, "name = 'iot' and version_number >= 2"), [
    { entity: 'attribute', key: 'name', op: '=', value: 'iot' },
    { entity: 'attribute', key: 'version_number', op: '>=', value: 2 },
  ]);
});

test('order_by clauses', () => {
  assert.deepEqual(parseOrderBy(RUN_GRAMMAR, 'metrics.rmse DESC'), { entity: 'metric', key: 'rmse', ascending: false });
  assert.deepEqual(parseOrderBy(RUN_GRAMMAR, 'start_time'), { entity: 'attribute', key: 'start_time', ascending: true });
  assert.deepEqual(parseOrderBy(RUN_GRAMMAR, 'params.`a b` asc'), { entity: 'param', key: 'a b', ascending: true });
  fails(() => parseOrderBy(RUN_GRAMMAR, 'attributes.nope'), /Invalid attribute key 'nope'/);
});

test('matching and sorting as MLflow does', () => {
  const [lt] = runs('metrics.x < 1');
  assert.equal(matches(lt, 0.5), true);
  assert.equal(matches(lt, 1), false);
  assert.equal(matches(lt, undefined), false);
  const [like] = runs("tags.t LIKE 'a_c%'");
  assert.equal(matches(like, 'abcdef'), true);
  assert.equal(matches(like, 'ABcdef'), false);
  assert.equal(matches(runs("tags.t ILIKE 'a_c%'")[0], 'ABcdef'), true);
  assert.equal(matches(runs("tags.t LIKE 'a.c'")[0], 'abc'), false, 'regex characters in a pattern are literal');
  const sorted = [3, undefined, NaN, 1].sort((a, b) => compareValues(a, b, true));
  assert.deepEqual(sorted.map(String), ['1', '3', 'NaN', 'undefined']);
  const desc = [3, undefined, 1].sort((a, b) => compareValues(a, b, false));
  assert.deepEqual(desc.map(String), ['3', '1', 'undefined']);
});
