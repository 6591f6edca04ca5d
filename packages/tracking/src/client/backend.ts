import { cp, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { TrackingError, trackingError, type TrackingErrorCode } from '../errors.js';
import { ARTIFACTS_SCHEME } from '../store/context.js';
import { localArtifactDir, listDir, type FileInfoJson } from '../store/artifacts.js';
import { methodOf, type HttpMethod } from '../store/endpoints.js';
import type { TrackingStore } from '../store/tracking-store.js';

/**
 * Where a client's calls go: straight into a lake's tracking tables (embedded), or to a tracking
 * server over HTTP. Both take MLflow's REST requests and return its responses.
 */
export interface TrackingBackend {
  /**
   * Calls `path` (under /api/2.0/mlflow/) with the method its proto gives it, or `method` for a
   * path with several (registered-models/alias is set with POST and read with GET).
   */
  call<T = any>(path: string, body?: Record<string, unknown>, method?: HttpMethod): Promise<T>;
  /** Writes a local file or directory's files to `<artifactUri>/<artifactPath>`. */
  upload(artifactUri: string, localPath: string, artifactPath: string): Promise<void>;
  /** Copies the artifacts at `artifactUri/path` (a file or a directory) into `localDir`. */
  download(artifactUri: string, localDir: string): Promise<string>;
  /** The local directory of an artifact URI when the artifacts are on this machine. */
  localDir(artifactUri: string): string | undefined;
  close(): Promise<void>;
}

function method(path: string): HttpMethod {
  const m = methodOf(path);
  if (!m) throw trackingError('ENDPOINT_NOT_FOUND', `No API endpoint ${path}`);
  return m;
}

/** Calls go to a TrackingStore in this process. */
export class EmbeddedBackend implements TrackingBackend {
  constructor(readonly store: TrackingStore, private readonly owned = false) {}

  async call<T>(path: string, body: Record<string, unknown> = {}, m?: HttpMethod): Promise<T> {
    return (await this.store.call(m ?? method(path), path, body)) as T;
  }

  localDir(artifactUri: string): string {
    return localArtifactDir(this.store, artifactUri);
  }

  async upload(artifactUri: string, localPath: string, artifactPath: string): Promise<void> {
    const isDir = (await stat(localPath)).isDirectory();
    const target = join(this.localDir(artifactUri), artifactPath, isDir ? '' : basename(localPath));
    await mkdir(isDir ? target : dirname(target), { recursive: true });
    await cp(localPath, target, { recursive: true, force: true });
  }

  async download(artifactUri: string): Promise<string> {
    return this.localDir(artifactUri);
  }

  async close(): Promise<void> {
    if (this.owned) await this.store.close();
  }
}

/** Calls go to a tracking server (`loch server`, or MLflow's own) over HTTP. */
export class RestBackend implements TrackingBackend {
  private readonly base: string;

  constructor(url: string, private readonly token?: string) {
    this.base = url.replace(/\/+$/, '');
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return { ...extra, ...(this.token ? { authorization: `Bearer ${this.token}` } : {}) };
  }

  async call<T>(path: string, body: Record<string, unknown> = {}, httpMethod?: HttpMethod): Promise<T> {
    const m = httpMethod ?? method(path);
    let url = `${this.base}/api/2.0/mlflow/${path}`;
    const init: RequestInit = { method: m, headers: this.headers() };
    if (m === 'GET') {
      const q = new URLSearchParams();
      for (const [k, v] of Object.entries(body)) {
        if (v === undefined || v === null) continue;
        for (const x of Array.isArray(v) ? v : [v]) q.append(k, String(x));
      }
      if ([...q.keys()].length) url += `?${q}`;
    } else {
      init.body = JSON.stringify(body);
      init.headers = this.headers({ 'content-type': 'application/json' });
    }
    const r = await fetch(url, init);
    const text = await r.text();
    let json: any;
    try {
      json = text ? JSON.parse(text) : {};
    } catch {
      throw trackingError('INTERNAL_ERROR', `${m} ${url} answered ${r.status} with a body that is not JSON: ${text.slice(0, 200)}`);
    }
    if (!r.ok) {
      const code = (json?.error_code ?? 'INTERNAL_ERROR') as TrackingErrorCode;
      throw new TrackingError(code, json?.message ?? `${m} ${url} answered ${r.status}`);
    }
    return json as T;
  }

  /** The proxied artifact service's path for an artifact URI. */
  private servicePath(artifactUri: string): string {
    if (!artifactUri.startsWith(ARTIFACTS_SCHEME)) {
      throw trackingError('INVALID_PARAMETER_VALUE', `Artifact URI '${artifactUri}' is not served by the tracking server (expected ${ARTIFACTS_SCHEME}/...)`);
    }
    return artifactUri.slice(ARTIFACTS_SCHEME.length).replace(/^\/+/, '');
  }

  localDir(): undefined {
    return undefined;
  }

  async upload(artifactUri: string, localPath: string, artifactPath: string): Promise<void> {
    const root = this.servicePath(artifactUri);
    const files = await localFiles(localPath);
    for (const f of files) {
      const rel = [artifactPath, f.rel].filter(Boolean).join('/');
      const r = await fetch(`${this.base}/api/2.0/mlflow-artifacts/artifacts/${encodePath(`${root}/${rel}`)}`, {
        method: 'PUT',
        headers: this.headers({ 'content-type': 'application/octet-stream' }),
        body: await readFile(f.path),
      });
      if (!r.ok) throw trackingError('INTERNAL_ERROR', `uploading ${f.path} failed: ${r.status} ${await r.text()}`);
    }
  }

  async download(artifactUri: string, localDir: string): Promise<string> {
    const root = this.servicePath(artifactUri);
    await rm(localDir, { recursive: true, force: true });
    const walk = async (rel: string): Promise<void> => {
      const listed = await fetch(`${this.base}/api/2.0/mlflow-artifacts/artifacts?path=${encodeURIComponent(rel)}`, { headers: this.headers() });
      const { files = [] } = (await listed.json()) as { files?: FileInfoJson[] };
      if (files.length === 0 && rel === root) {
        // The URI names a file rather than a directory.
        await fetchFile(rel, join(localDir, rel.split('/').at(-1)!));
        return;
      }
      for (const f of files) {
        if (f.is_dir) await walk(f.path);
        else await fetchFile(f.path, join(localDir, f.path.slice(root.length).replace(/^\/+/, '')));
      }
    };
    const fetchFile = async (rel: string, to: string) => {
      const r = await fetch(`${this.base}/api/2.0/mlflow-artifacts/artifacts/${encodePath(rel)}`, { headers: this.headers() });
      if (!r.ok) throw trackingError('RESOURCE_DOES_NOT_EXIST', `artifact ${rel}: ${r.status} ${await r.text()}`);
      await mkdir(dirname(to), { recursive: true });
      await writeFile(to, new Uint8Array(await r.arrayBuffer()));
    };
    await walk(root);
    return localDir;
  }

  async close(): Promise<void> {}
}

const encodePath = (p: string) => p.split('/').map(encodeURIComponent).join('/');

async function localFiles(path: string): Promise<{ path: string; rel: string }[]> {
  const s = await stat(path);
  if (!s.isDirectory()) return [{ path, rel: path.split(/[\\/]/).at(-1)! }];
  const out: { path: string; rel: string }[] = [];
  const walk = async (dir: string, rel: string) => {
    for (const f of await listDir(dir, '')) {
      const r = rel ? `${rel}/${f.path}` : f.path;
      if (f.is_dir) await walk(join(dir, f.path), r);
      else out.push({ path: join(dir, f.path), rel: r });
    }
  };
  await walk(path, '');
  return out;
}
