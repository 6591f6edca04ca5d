/**
 * The storage contract (packages/test-utils) against every storage the project has. A new
 * storage joins by adding its line here.
 */
import { after } from 'node:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryStorage } from '@loch/delta';
import { storageContract } from '@loch/test-utils';
import { LocalStorage, localUrl } from '@loch/engine-node';

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

let memoryRoots = 0;
storageContract('MemoryStorage', { storage: new MemoryStorage(), freshRoot: async () => `mem:///contract-${memoryRoots++}/` });

storageContract('LocalStorage', {
  storage: new LocalStorage(),
  freshRoot: async () => {
    const d = await mkdtemp(join(tmpdir(), 'loch-storage-contract-'));
    dirs.push(d);
    return localUrl(d, true);
  },
});
