import { invalidParameter } from '../errors.js';

/** A request body or query, as JSON (POST) or query-string values (GET). */
export type RequestBody = Readonly<Record<string, unknown>>;

const missing = (field: string) =>
  invalidParameter(`Missing value for required parameter '${field}'. See the API docs for more information about request parameters.`);

const badType = (field: string, value: unknown, expected: string) =>
  invalidParameter(`Invalid value ${JSON.stringify(value)} for parameter '${field}' supplied: expected ${expected}`);

/** A string field; `required` fails when it is absent or empty. */
export function str(body: RequestBody, field: string, required: true): string;
export function str(body: RequestBody, field: string, required?: false): string | undefined;
export function str(body: RequestBody, field: string, required = false): string | undefined {
  const v = body[field];
  if (v === undefined || v === null || v === '') {
    if (required) throw missing(field);
    return undefined;
  }
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (typeof v !== 'string') throw badType(field, v, 'a string');
  return v;
}

/** The run id, from `run_id` or MLflow's deprecated `run_uuid`. */
export function runIdOf(body: RequestBody): string {
  const id = str(body, 'run_id') ?? str(body, 'run_uuid');
  if (id === undefined) throw missing('run_id');
  return id;
}

/** An integer field (JSON number or decimal string, as protobuf's JSON form allows for int64). */
export function int(body: RequestBody, field: string, required: true): number;
export function int(body: RequestBody, field: string, required?: false): number | undefined;
export function int(body: RequestBody, field: string, required = false): number | undefined {
  const v = body[field];
  if (v === undefined || v === null || v === '') {
    if (required) throw missing(field);
    return undefined;
  }
  const n = typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) throw badType(field, v, 'an integer');
  return n;
}

/** A double field: a JSON number, or "NaN" / "Infinity" / "-Infinity" / a numeric string as protobuf's JSON form writes them. */
export function double(body: RequestBody, field: string): number {
  const v = body[field];
  if (v === undefined || v === null || v === '') throw missing(field);
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    const t = v.trim();
    if (t === 'NaN') return NaN;
    if (t === 'Infinity' || t === 'inf') return Infinity;
    if (t === '-Infinity' || t === '-inf') return -Infinity;
    if (t !== '' && Number.isFinite(Number(t))) return Number(t);
  }
  throw badType(field, v, 'a number');
}

/** A repeated field: an array, or one value (a query string with the key once). */
export function list(body: RequestBody, field: string): unknown[] {
  const v = body[field];
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v : [v];
}

/** Repeated {key, value} messages (tags, params). */
export function keyValues(body: RequestBody, field: string): { key: string; value: string }[] {
  return list(body, field).map((e, i) => {
    if (!e || typeof e !== 'object') throw badType(`${field}[${i}]`, e, 'an object with key and value');
    const o = e as RequestBody;
    return { key: str(o, 'key', true), value: str(o, 'value') ?? '' };
  });
}

/** A page token: base64 of {"offset": n}, as MLflow's stores write it. */
export function pageOffset(body: RequestBody): number {
  const token = str(body, 'page_token');
  if (token === undefined) return 0;
  let offset: unknown;
  try {
    offset = (JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { offset?: unknown }).offset;
  } catch {
    throw invalidParameter(`Invalid page token '${token}': not base64-encoded JSON`);
  }
  if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) throw invalidParameter(`Invalid page token '${token}': no offset`);
  return offset;
}

export function pageToken(offset: number): string {
  return Buffer.from(JSON.stringify({ offset })).toString('base64');
}

/** One page of `items`, with the token for the next when there is one. */
export function page<T>(items: readonly T[], offset: number, max: number): { items: T[]; next?: string } {
  const out = items.slice(offset, offset + max);
  return offset + max < items.length ? { items: out, next: pageToken(offset + max) } : { items: out };
}

/** Checks a key (metric, param or tag name) as MLflow does: no empty names, no path tricks. */
export function checkKey(kind: string, key: string): void {
  if (key.length > 250) throw invalidParameter(`${kind} name '${key.slice(0, 40)}...' is longer than 250 characters`);
  if (!/^[\w\-. /:]+$/u.test(key) || key.split('/').some((p) => p === '..' || p === '.') || key.startsWith('/')) {
    throw invalidParameter(
      `Invalid ${kind.toLowerCase()} name: '${key}'. Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colons (:) and slashes (/).`,
    );
  }
}
