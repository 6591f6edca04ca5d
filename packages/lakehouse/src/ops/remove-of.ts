import type { AddFile, RemoveFile } from '@loch/delta';

/** The remove action that retires an add (keeping its size, stats and DV, as Spark writes it). */
export function removeOf(add: AddFile, now: number, dataChange = true): RemoveFile {
  return {
    path: add.path,
    deletionTimestamp: now,
    dataChange,
    extendedFileMetadata: true,
    partitionValues: add.partitionValues,
    size: add.size,
    ...(add.stats ? { stats: add.stats } : {}),
    ...(add.tags ? { tags: add.tags } : {}),
    ...(add.deletionVector ? { deletionVector: add.deletionVector } : {}),
    ...(add.baseRowId != null ? { baseRowId: add.baseRowId } : {}),
    ...(add.defaultRowCommitVersion != null ? { defaultRowCommitVersion: add.defaultRowCommitVersion } : {}),
  };
}
