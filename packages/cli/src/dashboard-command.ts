import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { write } from './output.js';

/**
 * `loch dashboard import|export|list|delete`: the console's dashboards, stored in the lake
 * (`console.dashboards`), as the JSON described in packages/server/README.md. What `loch server`
 * serves at once: no server needs to run.
 */
export function registerDashboard(p: Command): void {
  const d = p.command('dashboard').description("the console's dashboards: import and export their JSON");
  const store = async (lake: string) => {
    const { DashboardStore } = await import('@loch/server');
    const { Lakehouse } = await import('@loch/lakehouse/core');
    return new DashboardStore(Lakehouse.open(lake));
  };
  d.command('import')
    .description('check a dashboard JSON file and save it in the lake (the same id replaces it)')
    .argument('<file>', 'the dashboard JSON')
    .option('--lake <dir>', 'the lake', './lake')
    .action(async (file: string, o: { lake: string }) => {
      const saved = await (await store(o.lake)).save(JSON.parse(await readFile(file, 'utf8')));
      await write(`${JSON.stringify({ id: saved.id, name: saved.name, widgets: saved.widgets.length })}\n`);
    });
  d.command('export')
    .description("print a dashboard's JSON")
    .argument('<id>', 'the dashboard id')
    .option('--lake <dir>', 'the lake', './lake')
    .action(async (id: string, o: { lake: string }) => {
      await write(`${JSON.stringify(await (await store(o.lake)).get(id), null, 2)}\n`);
    });
  d.command('list')
    .description("the lake's dashboards, one JSON object a line")
    .option('--lake <dir>', 'the lake', './lake')
    .action(async (o: { lake: string }) => {
      await write((await (await store(o.lake)).list()).map((x) => `${JSON.stringify(x)}\n`).join(''));
    });
  d.command('delete')
    .description('remove a dashboard from the lake')
    .argument('<id>', 'the dashboard id')
    .option('--lake <dir>', 'the lake', './lake')
    .action(async (id: string, o: { lake: string }) => {
      await (await store(o.lake)).delete(id);
    });
}
