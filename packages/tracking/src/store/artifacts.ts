import { readdir, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { invalidParameter } from '../errors.js';
import { ARTIFACTS_SCHEME, type StoreContext } from './context.js';
import { str, runIdOf, type RequestBody } from './request.js';
import { runRow } from './runs.js';

export interface FileInfoJson {
  path: string;
  is_dir: boolean;
  file_size?: number;
}

/** A relative artifact path, checked: no absolute paths, no `..` steps out of the root. */
export function checkArtifactPath(path: string): string {
  const p = path.replace(/^\/+/, '').replace(/\/+$/, '');
  if (p.split('/').some((s) => s === '..') || isAbsolute(p) || p.includes('\0')) {
    throw invalidParameter(`Invalid artifact path '${path}': it must stay inside the artifact root`);
  }
  return p;
}

/** The local directory behind an artifact URI (`mlflow-artifacts:/...`, `file:///...`, or a path). */
export function localArtifactDir(ctx: Pick<StoreContext, 'artifactRoot'>, uri: string): string {
  if (uri.startsWith(ARTIFACTS_SCHEME)) return join(ctx.artifactRoot, checkArtifactPath(uri.slice(ARTIFACTS_SCHEME.length)));
  if (uri.startsWith('file:')) return fileURLToPath(uri);
  if (/^[A-Za-z][A-Za-z0-9+.-]+:/.test(uri)) throw invalidParameter(`Artifact URI '${uri}' is not stored on this server`);
  return resolve(uri);
}

/** The files and directories directly under `dir/path`, with paths relative to `dir`. */
export async function listDir(dir: string, path: string): Promise<FileInfoJson[]> {
  const rel = checkArtifactPath(path);
  const at = join(dir, rel);
  let names: string[];
  try {
    const s = await stat(at);
    if (!s.isDirectory()) return [];
    names = (await readdir(at)).sort();
  } catch {
    return [];
  }
  const out: FileInfoJson[] = [];
  for (const name of names) {
    const s = await stat(join(at, name)).catch(() => undefined);
    if (!s) continue;
    const p = relative(dir, join(at, name)).split(sep).join('/');
    out.push(s.isDirectory() ? { path: p, is_dir: true } : { path: p, is_dir: false, file_size: s.size });
  }
  return out;
}

export async function listArtifacts(ctx: StoreContext, body: RequestBody): Promise<{ root_uri: string; files: FileInfoJson[] }> {
  const run = runRow(ctx, runIdOf(body));
  const uri = String(run.artifact_uri);
  return { root_uri: uri, files: await listDir(localArtifactDir(ctx, uri), str(body, 'path') ?? '') };
}
