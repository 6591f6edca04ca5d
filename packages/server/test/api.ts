/** Helpers for the lake APIs' tests: JSON over real HTTP. */
export async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: any }> {
  const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await r.text();
  return { status: r.status, json: text ? JSON.parse(text) : undefined };
}

export async function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; json: any }> {
  const r = await fetch(url, { headers });
  const text = await r.text();
  return { status: r.status, json: text ? JSON.parse(text) : undefined };
}

/** Runs a statement synchronously and returns its response. */
export async function sql(base: string, statement: string, extra: Record<string, unknown> = {}): Promise<any> {
  const r = await post(`${base}/api/2.0/sql/statements`, { statement, wait_timeout: '30s', ...extra });
  if (r.status !== 200) throw new Error(`statement failed with HTTP ${r.status}: ${JSON.stringify(r.json)}`);
  return r.json;
}
