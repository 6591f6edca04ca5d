import type { DeletionVectorDescriptor } from '../actions/deletion-vector.js';
import { dvUniqueId } from '../dv/descriptor.js';
import { canonicalPath } from '../util/paths.js';

/**
 * The one key a data file is known by in a table, wherever files are compared (log replay,
 * conflict checks, RESTORE, the JSON reader's precomputed hashes): its canonical path, plus its
 * deletion vector's unique id when it has one (so an add with a new DV replaces the add with
 * the old one only through the matching remove). Path and DV are separate arguments so that
 * replay can key columnar actions without making an object per file.
 */
export function fileKey(tableRoot: string, path: string, dv: DeletionVectorDescriptor | null | undefined): string {
  const p = canonicalPath(tableRoot, path);
  return dv ? `${p}\u0000${dvUniqueId(dv)}` : p;
}
