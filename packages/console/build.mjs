// Bundles the console's browser code (app/) with esbuild into dist/public: index.html, app.js,
// app.css. Everything the page needs (Chart.js included) is in the bundle; nothing is fetched
// from elsewhere at run time. Run by the root build after tsc has checked the types.
import { build } from 'esbuild';
import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, 'dist', 'public');
await mkdir(out, { recursive: true });
await build({
  entryPoints: [join(here, 'app', 'main.ts')],
  outfile: join(out, 'app.js'),
  bundle: true,
  format: 'esm',
  target: 'es2022',
  minify: true,
  sourcemap: true,
  legalComments: 'linked',
  logLevel: 'warning',
});
await copyFile(join(here, 'app', 'index.html'), join(out, 'index.html'));
await copyFile(join(here, 'app', 'style.css'), join(out, 'app.css'));
