/** What a file in `_delta_log/` is, read off its name. */
export type LogFileKind =
  | { readonly kind: 'commit'; readonly version: number }
  | { readonly kind: 'checkpoint'; readonly version: number; readonly format: 'classic' }
  | { readonly kind: 'checkpoint'; readonly version: number; readonly format: 'multipart'; readonly part: number; readonly parts: number }
  | { readonly kind: 'checkpoint'; readonly version: number; readonly format: 'v2'; readonly uuid: string; readonly ext: 'json' | 'parquet' }
  | { readonly kind: 'compaction'; readonly version: number; readonly endVersion: number }
  | { readonly kind: 'crc'; readonly version: number }
  | { readonly kind: 'lastCheckpoint' }
  | { readonly kind: 'other' };

const COMMIT = /^(\d{20})\.json$/;
const CLASSIC = /^(\d{20})\.checkpoint\.parquet$/;
const MULTIPART = /^(\d{20})\.checkpoint\.(\d{10})\.(\d{10})\.parquet$/;
const V2 = /^(\d{20})\.checkpoint\.([0-9a-fA-F-]{36})\.(json|parquet)$/;
const COMPACTION = /^(\d{20})\.(\d{20})\.compacted\.json$/;
const CRC = /^(\d{20})\.crc$/;

export function parseLogFileName(name: string): LogFileKind {
  let m = COMMIT.exec(name);
  if (m) return { kind: 'commit', version: Number(m[1]) };
  m = CLASSIC.exec(name);
  if (m) return { kind: 'checkpoint', version: Number(m[1]), format: 'classic' };
  m = MULTIPART.exec(name);
  if (m) return { kind: 'checkpoint', version: Number(m[1]), format: 'multipart', part: Number(m[2]), parts: Number(m[3]) };
  m = V2.exec(name);
  if (m) return { kind: 'checkpoint', version: Number(m[1]), format: 'v2', uuid: m[2], ext: m[3] as 'json' | 'parquet' };
  m = COMPACTION.exec(name);
  if (m) return { kind: 'compaction', version: Number(m[1]), endVersion: Number(m[2]) };
  m = CRC.exec(name);
  if (m) return { kind: 'crc', version: Number(m[1]) };
  if (name === '_last_checkpoint') return { kind: 'lastCheckpoint' };
  return { kind: 'other' };
}

const pad20 = (v: number) => String(v).padStart(20, '0');
const pad10 = (v: number) => String(v).padStart(10, '0');

export const commitFileName = (version: number) => `${pad20(version)}.json`;
export const classicCheckpointFileName = (version: number) => `${pad20(version)}.checkpoint.parquet`;
export const multipartCheckpointFileName = (version: number, part: number, parts: number) =>
  `${pad20(version)}.checkpoint.${pad10(part)}.${pad10(parts)}.parquet`;
export const v2CheckpointFileName = (version: number, uuid: string, ext: 'json' | 'parquet') =>
  `${pad20(version)}.checkpoint.${uuid}.${ext}`;

export function baseName(url: string): string {
  const i = url.lastIndexOf('/');
  return decodeURIComponent(url.slice(i + 1));
}
