/**
 * Architecture checked by tests: the module specifiers each source file imports, so that a test
 * can assert a layer rule (the kernel imports nothing from Node; only a short list of lakehouse
 * files touch the file system; the planner never imports the scan layer).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Module specifiers in TypeScript source: import/export ... from, side-effect imports, import(), require(), triple-slash references. */
export function importSpecifiers(source: string): string[] {
  const text = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
  const out: string[] = [];
  const patterns = [
    /\b(?:import|export)\s+(?:type\s+)?[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]/g,
    /\bimport\s*['"]([^'"]+)['"]/g,
    /\bimport\s*\(\s*['"`]([^'"`]+)['"`]\s*\)/g,
    /\brequire\s*\(\s*['"`]([^'"`]+)['"`]\s*\)/g,
  ];
  for (const re of patterns) for (const m of text.matchAll(re)) out.push(m[1]);
  for (const m of source.matchAll(/\/\/\/\s*<reference\s+(?:types|path)\s*=\s*['"]([^'"]+)['"]/g)) out.push(m[1]);
  return [...new Set(out)];
}

/** The directory of the workspace package named `name`, found from a test file's URL upwards. */
export function packageDir(name: string, from: string): string {
  let dir = path.dirname(fileURLToPath(from));
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg) && JSON.parse(readFileSync(pkg, 'utf8')).name === name) return dir;
    const packages = path.join(dir, 'packages');
    if (existsSync(packages)) {
      for (const d of readdirSync(packages)) {
        const p = path.join(packages, d, 'package.json');
        if (existsSync(p) && JSON.parse(readFileSync(p, 'utf8')).name === name) return path.join(packages, d);
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`package ${name} not found above ${from}`);
    dir = parent;
  }
}

/** Every .ts file under `dir`, as paths relative to it with `/` separators. */
export function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = path.join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.ts')) out.push(path.relative(dir, p).split(path.sep).join('/'));
    }
  };
  walk(dir);
  return out.sort();
}

/** Each source file under `dir` with the specifiers it imports. */
export function importsUnder(dir: string): { file: string; specifiers: string[] }[] {
  return sourceFiles(dir).map((file) => ({ file, specifiers: importSpecifiers(readFileSync(path.join(dir, file), 'utf8')) }));
}
