import { ApiError } from '../api-errors.js';
import type { AlertDestination } from './destinations.js';
import type { Alert } from './format.js';

/** What reads show in place of a destination's password or secret query value. */
export const MASK = '****';

/** Query parameters whose values are credentials: Slack-style `?token=`, API keys, signed URLs. */
const SECRET_PARAM = /token|key|secret|passw|signature|^sig$/i;

/**
 * One server address taken apart without normalising it, so that putting it back together gives
 * the same text: `scheme://user:password@host/path?query#fragment`, every part optional (NATS
 * servers are often bare `host:port`). The user info ends at the authority's last `@`.
 */
interface Address {
  readonly scheme: string;
  readonly user?: string;
  readonly password?: string;
  readonly host: string;
  readonly path: string;
  readonly query?: readonly { readonly name: string; readonly value?: string }[];
  readonly fragment: string;
}

const ADDRESS = /^([a-z][a-z\d+.-]*:\/\/)?(?:([^/?#]*)@)?([^/?#]*)([^?#]*)(?:\?([^#]*))?(#.*)?$/is;

function parse(text: string): Address {
  const [, scheme = '', userinfo, host, path, query, fragment = ''] = ADDRESS.exec(text)!;
  const colon = userinfo?.indexOf(':') ?? -1;
  return {
    scheme,
    ...(userinfo !== undefined ? { user: colon < 0 ? userinfo : userinfo.slice(0, colon) } : {}),
    ...(colon >= 0 ? { password: userinfo!.slice(colon + 1) } : {}),
    host,
    path,
    ...(query !== undefined ? { query: query.split('&').map((p) => (p.includes('=') ? { name: p.slice(0, p.indexOf('=')), value: p.slice(p.indexOf('=') + 1) } : { name: p })) } : {}),
    fragment,
  };
}

function format(a: Address): string {
  const userinfo = a.user === undefined ? '' : `${a.user}${a.password === undefined ? '' : `:${a.password}`}@`;
  const query = a.query === undefined ? '' : `?${a.query.map((q) => (q.value === undefined ? q.name : `${q.name}=${q.value}`)).join('&')}`;
  return `${a.scheme}${userinfo}${a.host}${a.path}${query}${a.fragment}`;
}

const secret = (q: { name: string; value?: string }) => SECRET_PARAM.test(q.name) && !!q.value;

/** An address with its password and secret-like query values replaced by MASK; user and host stay. */
export function maskUrl(text: string): string {
  const a = parse(text);
  if (!a.password && !a.query?.some(secret)) return text;
  return format({ ...a, ...(a.password ? { password: MASK } : {}), ...(a.query ? { query: a.query.map((q) => (secret(q) ? { name: q.name, value: MASK } : q)) } : {}) });
}

/** Rewrites each address a destination holds (a NATS destination lists several, comma-separated). */
function mapAddresses(d: AlertDestination, fn: (address: string, key: string, i: number) => string): AlertDestination {
  switch (d.type) {
    case 'webhook': return { ...d, url: fn(d.url, 'url', 0) };
    case 'nats': return d.servers ? { ...d, servers: d.servers.split(',').map((s, i) => fn(s, 'servers', i)).join(',') } : d;
    case 'amqp':
    case 'mqtt': return d.url ? { ...d, url: fn(d.url, 'url', 0) } : d;
  }
}

/** The addresses a destination holds, in mapAddresses' order. */
function addresses(d: AlertDestination): string[] {
  const out: string[] = [];
  mapAddresses(d, (address) => (out.push(address), address));
  return out;
}

/** A destination as reads show it (the API, the console, `notified`): its secrets masked. */
export const maskDestination = (d: AlertDestination): AlertDestination => mapAddresses(d, maskUrl);

export const maskAlert = (a: Alert): Alert => ({ ...a, destinations: a.destinations.map(maskDestination) });

/** An error's text with the destination's addresses masked: a driver may quote the URL it was given. */
export function maskAddressesIn(text: string, d: AlertDestination): string {
  return addresses(d).reduce((out, address) => out.replaceAll(address, maskUrl(address)), text);
}

const invalid = (message: string): ApiError => new ApiError('LOCH_ALERT_INVALID', message, 400);

/** A masked value in `next` replaced by the one in `stored`, or the error saying why it cannot be. */
function unmask(next: string, stored: string | undefined, at: string): string {
  const a = parse(next);
  if (a.password !== MASK && !a.query?.some((q) => secret(q) && q.value === MASK)) return next;
  const o = stored === undefined ? undefined : parse(stored);
  const sameServer = !!o && o.scheme.toLowerCase() === a.scheme.toLowerCase() && o.user === a.user && o.host.toLowerCase() === a.host.toLowerCase();
  const kept = `reads show '${MASK}' in its place, and the saved one is kept only for the destination at the same position with the same type, host and user`;
  if (a.password === MASK && !(sameServer && o?.password)) throw invalid(`${at}: the password is '${MASK}': ${kept}; send the password itself`);
  const query = a.query?.map((q) => {
    if (!secret(q) || q.value !== MASK) return q;
    const before = sameServer && o.path === a.path ? o.query?.find((p) => p.name === q.name && secret(p)) : undefined;
    if (!before) throw invalid(`${at}: query parameter '${q.name}' is '${MASK}': ${kept} (and path); send its value itself`);
    return before;
  });
  return format({ ...a, ...(a.password === MASK ? { password: o!.password } : {}), ...(query ? { query } : {}) });
}

/**
 * Reads mask secrets, so a client that saves what it read (the console's edit, an API client's
 * GET → change the threshold → POST) sends the mask back. The rule: a masked password, or a
 * masked secret query value, takes the stored value of the destination at the same position in
 * the stored alert, when that destination has the same type and the address (the same one of a
 * NATS list) the same scheme, user and host; a query value also needs the same path. Any other
 * mask is refused rather than guessed, so that a secret is never sent to a server it was not
 * given for. A new value replaces the stored one; an address without one has none.
 */
export function keepSecrets(next: Alert, stored: Alert | undefined): Alert {
  const destinations = next.destinations.map((d, i) => {
    const before = stored?.destinations[i];
    const previous = before?.type === d.type ? addresses(before) : [];
    return mapAddresses(d, (address, key, j) => unmask(address, previous[j], `destinations[${i}].${key}`));
  });
  return { ...next, destinations };
}
