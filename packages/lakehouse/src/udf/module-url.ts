// A UDF module is a local file node imports (resolved as node resolves it), not table I/O.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * The URL to import a UDF module from: a URL as given; a path (relative to the working
 * directory) when it names a file or starts like one; else a package specifier
 * (`@loch/qos/udfs`), resolved from the working directory as `node` would resolve it there.
 */
export function moduleUrl(spec: string): string {
  if (/^(file|data|node):/.test(spec)) return spec;
  const looksLikePath = spec.startsWith('.') || isAbsolute(spec) || existsSync(resolve(spec));
  if (looksLikePath) return pathToFileURL(resolve(spec)).href;
  try {
    return pathToFileURL(createRequire(join(process.cwd(), 'package.json')).resolve(spec)).href;
  } catch {
    // Not a package either: the import below fails naming the file it looked for.
    return pathToFileURL(resolve(spec)).href;
  }
}
