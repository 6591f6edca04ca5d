export { mergeInto } from './merge-into.js';
export { MergeBuilder } from './builder.js';
export type { MergeSpec, MergeResult, MatchedClause, NotMatchedClause, NotMatchedBySourceClause } from './spec.js';
