import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { isTrackingError } from '../errors.js';
import type { RunJson } from '../store/runs.js';
import { TrackingStore } from '../store/tracking-store.js';
import { EmbeddedBackend, RestBackend, type TrackingBackend } from './backend.js';
import type { HttpMethod } from '../store/endpoints.js';

export type RunStatus = 'FINISHED' | 'FAILED' | 'KILLED';

export interface StartRunOptions {
  /** Experiment name (created when missing) or `{ id }`; default: the tracking's experiment, else Default. */
  readonly experiment?: string | { readonly id: string };
  readonly runName?: string;
  /** Make the run a child of the active run (MLflow's mlflow.parentRunId tag). */
  readonly nested?: boolean;
  /** An explicit parent run id (implies nested). */
  readonly parentRunId?: string;
  readonly tags?: Readonly<Record<string, string>>;
  readonly description?: string;
}

export interface TrackingOptions {
  /**
   * Where runs go: an http(s) URL of a tracking server, or a lake directory (`file:` URL or a
   * path) written directly. Default: LOCH_TRACKING_URI, then MLFLOW_TRACKING_URI, then ./lake.
   */
  readonly uri?: string;
  /** Bearer token for a server (default LOCH_TRACKING_TOKEN, then MLFLOW_TRACKING_TOKEN). */
  readonly token?: string;
  /** An open store to write into (embedded), instead of a URI. */
  readonly store?: TrackingStore;
}

/** The tracking URI from the environment, as MLflow's clients read it. */
export function trackingUriFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return env.LOCH_TRACKING_URI || env.MLFLOW_TRACKING_URI || './lake';
}

function backendFor(options: TrackingOptions): TrackingBackend {
  if (options.store) return new EmbeddedBackend(options.store);
  const uri = options.uri ?? trackingUriFromEnv();
  if (/^https?:\/\//i.test(uri)) return new RestBackend(uri, options.token ?? process.env.LOCH_TRACKING_TOKEN ?? process.env.MLFLOW_TRACKING_TOKEN);
  const dir = uri.startsWith('file:') ? new URL(uri).pathname : uri;
  return new LazyEmbedded(dir);
}

/** Opens the lake's store on first use (opening reads the tracking tables). */
class LazyEmbedded implements TrackingBackend {
  private inner?: Promise<EmbeddedBackend>;
  constructor(private readonly dir: string) {}
  private get(): Promise<EmbeddedBackend> {
    this.inner ??= TrackingStore.open(this.dir).then((s) => new EmbeddedBackend(s, true));
    return this.inner;
  }
  async call<T>(path: string, body?: Record<string, unknown>, method?: HttpMethod): Promise<T> {
    return (await this.get()).call<T>(path, body, method);
  }
  async upload(uri: string, local: string, path: string): Promise<void> {
    return (await this.get()).upload(uri, local, path);
  }
  async download(uri: string): Promise<string> {
    return (await this.get()).download(uri);
  }
  localDir(): string | undefined {
    return undefined;
  }
  async close(): Promise<void> {
    if (this.inner) await (await this.inner).close();
  }
}

/**
 * MLflow's fluent tracking API in TypeScript: start a run, log params, metrics, tags and
 * artifacts to it, end it. Runs nest (a child gets the mlflow.parentRunId tag), and the active
 * run follows async calls, so concurrent `withRun` calls each see their own.
 */
export class Tracking {
  readonly backend: TrackingBackend;
  private readonly stack = new AsyncLocalStorage<Run[]>();
  private readonly global: Run[] = [];
  private experimentName?: string;

  constructor(options: TrackingOptions = {}) {
    this.backend = backendFor(options);
  }

  /** Sets the experiment later runs go to (created when missing), as mlflow.set_experiment. */
  setExperiment(name: string): this {
    this.experimentName = name;
    return this;
  }

  /** The experiment id for a name, creating the experiment when there is none. */
  async experimentId(name: string): Promise<string> {
    try {
      return (await this.backend.call<{ experiment: { experiment_id: string } }>('experiments/get-by-name', { experiment_name: name })).experiment.experiment_id;
    } catch (e) {
      if (!isTrackingError(e, 'RESOURCE_DOES_NOT_EXIST')) throw e;
    }
    try {
      return (await this.backend.call<{ experiment_id: string }>('experiments/create', { name })).experiment_id;
    } catch (e) {
      // Someone else created it in between.
      if (!isTrackingError(e, 'RESOURCE_ALREADY_EXISTS')) throw e;
      return (await this.backend.call<{ experiment: { experiment_id: string } }>('experiments/get-by-name', { experiment_name: name })).experiment.experiment_id;
    }
  }

  private runs(): Run[] {
    return this.stack.getStore() ?? this.global;
  }

  /** The innermost active run, if any. */
  activeRun(): Run | undefined {
    return this.runs().at(-1);
  }

  /** Starts a run and makes it the active one. */
  async startRun(options: StartRunOptions = {}): Promise<Run> {
    const parent = options.parentRunId ?? (options.nested ? this.activeRun()?.id : undefined);
    if (options.nested && parent === undefined) throw new Error('startRun({ nested: true }) needs an active run to nest under');
    if (!options.nested && !options.parentRunId && this.activeRun()) {
      throw new Error(`Run ${this.activeRun()!.id} is already active; end it first or start this one with { nested: true }`);
    }
    const experiment = options.experiment ?? this.experimentName;
    const experimentId = experiment === undefined ? (parent ? (await this.backend.call<{ run: RunJson }>('runs/get', { run_id: parent })).run.info.experiment_id : '0')
      : typeof experiment === 'string' ? await this.experimentId(experiment) : experiment.id;
    const tags: Record<string, string> = {
      'mlflow.user': safeUser(),
      'mlflow.source.name': process.argv[1] ?? 'node',
      'mlflow.source.type': 'LOCAL',
      ...(parent ? { 'mlflow.parentRunId': parent } : {}),
      ...(options.description ? { 'mlflow.note.content': options.description } : {}),
      ...options.tags,
    };
    const { run } = await this.backend.call<{ run: RunJson }>('runs/create', {
      experiment_id: experimentId,
      ...(options.runName ? { run_name: options.runName } : {}),
      start_time: Date.now(),
      tags: Object.entries(tags).map(([key, value]) => ({ key, value })),
    });
    const r = new Run(this, run);
    this.runs().push(r);
    return r;
  }

  /**
   * Runs `fn` inside a new run: FINISHED when it returns, FAILED when it throws (the error is
   * rethrown). Nested calls nest.
   */
  async withRun<T>(options: StartRunOptions, fn: (run: Run) => Promise<T> | T): Promise<T> {
    const outer = this.runs();
    return this.stack.run([...outer], async () => {
      const run = await this.startRun({ nested: outer.length > 0 && options.parentRunId === undefined, ...options });
      try {
        const out = await fn(run);
        await run.end('FINISHED');
        return out;
      } catch (e) {
        await run.end('FAILED');
        throw e;
      }
    });
  }

  /** Ends the active run. */
  async endRun(status: RunStatus = 'FINISHED'): Promise<void> {
    await this.activeRun()?.end(status);
  }

  /** Forgets a run that ended (called by Run.end). */
  detach(run: Run): void {
    const runs = this.runs();
    const i = runs.lastIndexOf(run);
    if (i >= 0) runs.splice(i, 1);
  }

  private need(): Run {
    const r = this.activeRun();
    if (!r) throw new Error('No active run: call startRun() or withRun() first');
    return r;
  }

  logParam(key: string, value: unknown) { return this.need().logParam(key, value); }
  logParams(params: Readonly<Record<string, unknown>>) { return this.need().logParams(params); }
  logMetric(key: string, value: number, options?: { step?: number; timestamp?: number }) { return this.need().logMetric(key, value, options); }
  logMetrics(metrics: Readonly<Record<string, number>>, options?: { step?: number; timestamp?: number }) { return this.need().logMetrics(metrics, options); }
  setTag(key: string, value: string) { return this.need().setTag(key, value); }
  setTags(tags: Readonly<Record<string, string>>) { return this.need().setTags(tags); }
  logArtifact(localPath: string, artifactPath?: string) { return this.need().logArtifact(localPath, artifactPath); }
  logArtifacts(localDir: string, artifactPath?: string) { return this.need().logArtifacts(localDir, artifactPath); }
  logText(text: string, artifactFile: string) { return this.need().logText(text, artifactFile); }
  logDict(value: unknown, artifactFile: string) { return this.need().logDict(value, artifactFile); }

  /** Ends active runs and releases the backend (an embedded store finishes its writes). */
  async close(): Promise<void> {
    await this.backend.close();
  }
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

/** A run being logged to. */
export class Run {
  readonly id: string;
  readonly experimentId: string;
  readonly artifactUri: string;

  constructor(readonly tracking: Tracking, readonly info: RunJson) {
    this.id = info.info.run_id;
    this.experimentId = info.info.experiment_id;
    this.artifactUri = info.info.artifact_uri;
  }

  private call(path: string, body: Record<string, unknown>) {
    return this.tracking.backend.call(path, { run_id: this.id, ...body });
  }

  async logParam(key: string, value: unknown): Promise<void> {
    await this.call('runs/log-parameter', { key, value: String(value) });
  }

  async logParams(params: Readonly<Record<string, unknown>>): Promise<void> {
    const all = Object.entries(params).map(([key, value]) => ({ key, value: String(value) }));
    for (let i = 0; i < all.length; i += 100) await this.call('runs/log-batch', { params: all.slice(i, i + 100) });
  }

  async logMetric(key: string, value: number, options: { step?: number; timestamp?: number } = {}): Promise<void> {
    await this.call('runs/log-metric', { key, value: jsonNumber(value), timestamp: options.timestamp ?? Date.now(), step: options.step ?? 0 });
  }

  async logMetrics(metrics: Readonly<Record<string, number>>, options: { step?: number; timestamp?: number } = {}): Promise<void> {
    const timestamp = options.timestamp ?? Date.now();
    const all = Object.entries(metrics).map(([key, value]) => ({ key, value: jsonNumber(value), timestamp, step: options.step ?? 0 }));
    for (let i = 0; i < all.length; i += 1000) await this.call('runs/log-batch', { metrics: all.slice(i, i + 1000) });
  }

  async setTag(key: string, value: string): Promise<void> {
    await this.call('runs/set-tag', { key, value: String(value) });
  }

  async setTags(tags: Readonly<Record<string, string>>): Promise<void> {
    const all = Object.entries(tags).map(([key, value]) => ({ key, value: String(value) }));
    for (let i = 0; i < all.length; i += 100) await this.call('runs/log-batch', { tags: all.slice(i, i + 100) });
  }

  /** Copies a local file into the run's artifacts (under `artifactPath` when given). */
  async logArtifact(localPath: string, artifactPath = ''): Promise<void> {
    await this.tracking.backend.upload(this.artifactUri, localPath, artifactPath);
  }

  /** Copies a local directory's files into the run's artifacts. */
  async logArtifacts(localDir: string, artifactPath = ''): Promise<void> {
    await this.tracking.backend.upload(this.artifactUri, localDir, artifactPath);
  }

  /** Writes text as an artifact file (`artifactFile` may hold directories: 'notes/readme.md'). */
  async logText(text: string, artifactFile: string): Promise<void> {
    const dir = await mkdtemp(join(tmpdir(), 'loch-artifact-'));
    try {
      const parts = artifactFile.split('/');
      const name = parts.pop()!;
      await writeFile(join(dir, name), text);
      await this.logArtifact(join(dir, name), parts.join('/'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** Writes a value as a JSON artifact file. */
  async logDict(value: unknown, artifactFile: string): Promise<void> {
    await this.logText(`${JSON.stringify(value, null, 2)}\n`, artifactFile);
  }

  /** Ends the run with a status (default FINISHED). */
  async end(status: RunStatus = 'FINISHED'): Promise<void> {
    await this.call('runs/update', { status, end_time: Date.now() });
    this.tracking.detach(this);
  }
}

/** A double as protobuf JSON writes it (NaN and infinities as strings). */
function jsonNumber(v: number): number | string {
  return Number.isFinite(v) ? v : String(v);
}
