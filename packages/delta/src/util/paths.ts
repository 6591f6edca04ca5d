/**
 * Paths in add/remove actions are URIs: relative to the table root (URI-escaped), or absolute
 * with or without a scheme (`file:/t/a`, `file:///t/a`, `/t/a`). The same file may be named in
 * several of these forms across commits, so reconciliation keys on one canonical form.
 */

const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;

/** Characters that make a path need normalizing: escapes, a scheme, dot segments, a leading '/'. */
const NOT_PLAIN = /[%:\\?#]|^\/|(?:^|\/)\.|^$/;

/** Absolute URL of a file named by a log path. */
export function resolvePath(tableRoot: string, path: string): string {
  if (SCHEME.test(path)) return new URL(path).href;
  if (path.startsWith('/')) return new URL(`file://${path}`).href;
  return new URL(path, tableRoot).href;
}

/**
 * The canonical key of a log path: the decoded path relative to the table root when the file is
 * inside the table, else the decoded absolute URL. Plain relative paths (the common case, and
 * the hot path of replay) are returned as they are.
 */
export function canonicalPath(tableRoot: string, path: string): string {
  if (!NOT_PLAIN.test(path)) return path;
  const href = resolvePath(tableRoot, path);
  const root = normalizedRoot(tableRoot);
  const rel = href.startsWith(root) ? href.slice(root.length) : href;
  try {
    return decodeURIComponent(rel);
  } catch {
    return rel;
  }
}

let lastRoot: { given: string; href: string } | undefined;

/**
 * The table root as `new URL` spells it (escapes, `file:` host and scheme case normalized), so
 * that resolved paths can be compared with it however the root was given. Cached: replay calls
 * this with one root many times.
 */
function normalizedRoot(tableRoot: string): string {
  if (lastRoot?.given !== tableRoot) {
    let href: string;
    try {
      href = new URL(tableRoot).href;
    } catch {
      href = tableRoot;
    }
    lastRoot = { given: tableRoot, href };
  }
  return lastRoot.href;
}

/** Local filesystem path of a `file:` URL, without node:url (the kernel stays pure). */
export function fileUrlToPathString(url: string): string {
  const u = new URL(url);
  if (u.protocol !== 'file:') return url;
  return decodeURIComponent(u.pathname);
}

/**
 * The decoded key of `url` relative to the table root (`a=1/part-0.parquet`), or undefined when
 * the file lies outside the table (a shallow clone's source files). Relative log paths are
 * resolved against the root first, so any form a log or a listing gives compares equal.
 */
export function keyInTable(tableRoot: string, url: string): string | undefined {
  const dir = tableRoot.endsWith('/') ? tableRoot : `${tableRoot}/`;
  const href = resolvePath(dir, url);
  const root = normalizedRoot(dir);
  if (!href.startsWith(root)) return undefined;
  const rel = href.slice(root.length);
  try {
    return decodeURIComponent(rel);
  } catch {
    return rel;
  }
}
