import { readdir, readFile } from 'node:fs/promises';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where the bundle lives: dist/public beside this package's compiled code. */
export const PUBLIC_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'public');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

export interface Asset {
  readonly body: Buffer;
  readonly type: string;
}

/**
 * The console's files, read once: a request can only name one of them, so nothing outside the
 * bundle is ever served (no path is built from a request).
 */
export async function loadAssets(dir = PUBLIC_DIR): Promise<Map<string, Asset>> {
  const assets = new Map<string, Asset>();
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    throw new Error(`the console's bundle is missing (${dir}); run npm run build`);
  }
  for (const name of names) {
    const type = TYPES[extname(name)];
    if (type) assets.set(name, { body: await readFile(join(dir, name)), type });
  }
  if (!assets.has('index.html')) throw new Error(`the console's bundle has no index.html (${dir}); run npm run build`);
  return assets;
}
