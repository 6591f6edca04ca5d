/**
 * The worker thread that scores for SQL (see sql-scoring.ts): DuckDB calls a UDF synchronously,
 * while a model's predict may be asynchronous, so the SQL side blocks on this worker, which
 * loads each model directory once and keeps it for the worker's life.
 */
import { runAsWorker } from 'synckit';
import { loadModelDir, type LoadedModel } from './load-dir.js';

const models = new Map<string, Promise<LoadedModel>>();

function model(dir: string, uri: string): Promise<LoadedModel> {
  let m = models.get(dir);
  if (!m) {
    m = loadModelDir(dir, uri);
    models.set(dir, m);
    // A model that failed to load is tried again on the next call, not remembered as failed.
    m.catch(() => models.delete(dir));
  }
  return m;
}

/** `rows` undefined only loads the model (so a bad model fails when it is registered). */
runAsWorker(async (dir: string, uri: string, rows?: unknown[]): Promise<unknown[]> => {
  const m = await model(dir, uri);
  return rows === undefined ? [] : m.predict(rows);
});
