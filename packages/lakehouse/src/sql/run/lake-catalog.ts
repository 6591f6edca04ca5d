import { deltaError } from '@loch/delta';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, readdir, rename, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

const CATALOG_FILE = '_loch_catalog.json';

interface CatalogFile {
  readonly tables: Record<string, string>;
}

export interface LakeTableEntry {
  readonly name: string;
  /** Absolute local path of the table root. */
  readonly location: string;
}

/**
 * The names of a lake directory: a table is a subdirectory holding `_delta_log`, or a name that
 * `CREATE TABLE ... LOCATION` pointed elsewhere (kept in `_loch_catalog.json`). Names resolve
 * case-insensitively, as Spark resolves them; the Delta log stays the only truth about tables.
 */
export class LakeCatalog {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = resolve(dir);
  }

  /** Where the table called `name` lives (or would be created). */
  locate(name: string): string {
    checkName(name);
    const registered = this.registered();
    const key = Object.keys(registered).find((k) => k === name) ?? Object.keys(registered).find((k) => k.toLowerCase() === name.toLowerCase());
    if (key !== undefined) return registered[key];
    const direct = join(this.dir, name);
    if (existsSync(direct)) return direct;
    try {
      const other = readdirSync(this.dir).find((d) => d.toLowerCase() === name.toLowerCase());
      if (other !== undefined) return join(this.dir, other);
    } catch {
      // No lake directory yet: the table would be created under it.
    }
    return direct;
  }

  /** Whether `name` names a Delta table (its `_delta_log` exists). */
  has(name: string): boolean {
    try {
      return statSync(join(this.locate(name), '_delta_log')).isDirectory();
    } catch {
      return false;
    }
  }

  async list(): Promise<LakeTableEntry[]> {
    const out = new Map<string, string>();
    let names: string[] = [];
    try {
      names = await readdir(this.dir);
    } catch {
      names = [];
    }
    for (const n of names) {
      if (await isDir(join(this.dir, n, '_delta_log'))) out.set(n, join(this.dir, n));
    }
    for (const [n, location] of Object.entries(this.registered())) out.set(n, location);
    return [...out].map(([name, location]) => ({ name, location })).sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Records that `name` lives at `location` (outside the lake directory). */
  async register(name: string, location: string): Promise<void> {
    checkName(name);
    await this.save({ ...this.registered(), [name]: resolve(location) });
  }

  /** Whether `name` was registered with a LOCATION (an external table: the lake does not own its files). */
  isExternal(name: string): boolean {
    return Object.keys(this.registered()).some((k) => k.toLowerCase() === name.toLowerCase());
  }

  /** Forgets a registered name; the table's files stay where they are. */
  async unregister(name: string): Promise<void> {
    const tables = Object.fromEntries(Object.entries(this.registered()).filter(([k]) => k.toLowerCase() !== name.toLowerCase()));
    await this.save(tables);
  }

  private async save(tables: Record<string, string>): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const tmp = join(this.dir, `.${CATALOG_FILE}.${process.pid}.${Date.now()}`);
    await writeFile(tmp, `${JSON.stringify({ tables } satisfies CatalogFile, null, 2)}\n`);
    await rename(tmp, join(this.dir, CATALOG_FILE));
  }

  private registered(): Record<string, string> {
    let text: string;
    try {
      text = readFileSync(join(this.dir, CATALOG_FILE), 'utf8');
    } catch {
      return {};
    }
    try {
      const parsed = JSON.parse(text) as Partial<CatalogFile>;
      return { ...(parsed.tables ?? {}) };
    } catch (e) {
      throw deltaError('DELTA_IO_ERROR', `${join(this.dir, CATALOG_FILE)} is not valid JSON`, e);
    }
  }
}

function checkName(name: string): void {
  if (name === '' || name === '.' || name === '..' || /[/\\\0]/.test(name)) {
    throw deltaError('DELTA_INVALID_ARGUMENT', `'${name}' cannot name a lake table; name a table by path as delta.\`/path\``);
  }
}

async function isDir(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}
