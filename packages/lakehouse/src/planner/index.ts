export { wherePredicate } from './predicate.js';
export { selectFiles, fileCounts, type FileSelection, type FileCounts } from './files.js';
export { mayHoldMatches } from './read-predicate.js';
