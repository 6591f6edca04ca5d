import { loadSnapshot, tableHistory } from '@loch/delta';
import { nodeEngine, localUrl } from '@loch/engine-node';
const e = nodeEngine();
for (const dir of process.argv.slice(2)) {
  const t = performance.now();
  try {
    const s = await loadSnapshot(e, localUrl(dir, true));
    console.log(dir.split('/').slice(-2).join('/'), 'v', s.version, 'files', s.files.length, 'ms', (performance.now()-t).toFixed(0));
  } catch (err) { console.log(dir.split('/').slice(-2).join('/'), 'ERR', err.code, err.message); }
}
await e.close();
