import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { createFileOffsetStore } from '../src/index.ts';
import { offsetStoreContract } from './offset-store.contract.ts';

async function readRaw(path: string): Promise<Map<string, string>> {
  try {
    const file = JSON.parse(await readFile(path, 'utf8')) as { offsets: Record<string, string> };
    return new Map(Object.entries(file.offsets));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw error;
  }
}

offsetStoreContract('file', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'outflow-offsets-'));
  const path = join(directory, 'nested', 'offsets.json');
  return {
    open: () => createFileOffsetStore({ path }),
    raw: () => readRaw(path),
    async writeRaw(key, value) {
      const raw = await readRaw(path);
      if (value === null) raw.delete(key);
      else raw.set(key, value);
      const { mkdir } = await import('node:fs/promises');
      await mkdir(join(directory, 'nested'), { recursive: true });
      await writeFile(
        path,
        JSON.stringify({ format: 'outflow-offsets/1', offsets: Object.fromEntries(raw) }),
      );
    },
    dispose: () => rm(directory, { recursive: true, force: true }),
  };
});

it('file store: writes leave no temporary file behind and reject a foreign file', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'outflow-offsets-'));
  try {
    const path = join(directory, 'offsets.json');
    const store = createFileOffsetStore({ path });
    await store.set('c', [{ partition: { server: 's' }, offset: { pos: 1 } }]);
    await store.set('c', [{ partition: { server: 's' }, offset: { pos: 2 } }]);
    await store.close();
    assert.deepEqual(await readdir(directory), ['offsets.json']);

    const foreign = join(directory, 'foreign.json');
    await writeFile(foreign, '{"something":"else"}');
    const bad = createFileOffsetStore({ path: foreign });
    await assert.rejects(bad.get('c', { server: 's' }), { code: 'OFFSET_STORE_FAILED' });
    await bad.close();
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
});
