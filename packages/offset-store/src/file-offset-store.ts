import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ConfigError, type Logger, silentLogger } from '@outflow/relay-core';
import { BackedOffsetStore, type ManagedOffsetStore } from './offset-store.ts';

/** Options of {@link createFileOffsetStore}. */
export interface FileOffsetStoreOptions {
  /** The JSON file (Connect's `offset.storage.file.filename`); created with its directory when missing. */
  readonly path: string;
  readonly logger?: Logger;
}

/** Shape of the file: Connect's record key text → record value text. */
interface OffsetFile {
  readonly format: 'outflow-offsets/1';
  readonly offsets: Record<string, string>;
}

/**
 * Offsets in a local JSON file, for development (Kafka Connect standalone's file store). Same keys and values
 * as the Kafka store. Every write replaces the file atomically (temporary file, fsync, rename, fsync of the
 * directory), so a crash leaves the old or the new content, never a torn one. One process per file.
 */
export function createFileOffsetStore(options: FileOffsetStoreOptions): ManagedOffsetStore {
  if (typeof options.path !== 'string' || options.path.trim() === '') {
    throw new ConfigError([{ property: 'path', message: 'expected a file path' }]);
  }
  const path = options.path;
  let current = new Map<string, string>();
  return new BackedOffsetStore(
    {
      async load() {
        current = await readOffsetFile(path);
        return new Map([...current].map(([k, v]) => [k, Buffer.from(v, 'utf8')]));
      },
      async write(writes) {
        const next = new Map(current);
        for (const w of writes) {
          if (w.value === null) next.delete(w.key);
          else next.set(w.key, w.value.toString('utf8'));
        }
        const file: OffsetFile = { format: 'outflow-offsets/1', offsets: Object.fromEntries(next) };
        await writeAtomically(path, `${JSON.stringify(file, null, 2)}\n`);
        current = next;
      },
      async close() {},
    },
    options.logger ?? silentLogger,
    `offsets file "${path}"`,
  );
}

async function readOffsetFile(path: string): Promise<Map<string, string>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw error;
  }
  const parsed = JSON.parse(text) as Partial<OffsetFile>;
  if (
    parsed.format !== 'outflow-offsets/1' ||
    typeof parsed.offsets !== 'object' ||
    parsed.offsets === null
  ) {
    throw new Error(`${path} is not an Outflow offsets file`);
  }
  return new Map(
    Object.entries(parsed.offsets).filter((e): e is [string, string] => typeof e[1] === 'string'),
  );
}

async function writeAtomically(path: string, content: string): Promise<void> {
  const directory = dirname(path);
  await mkdir(directory, { recursive: true });
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const handle = await open(temporary, 'w', 0o600);
  try {
    await handle.writeFile(content, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temporary, path);
  } catch (error) {
    await unlink(temporary).catch(() => {});
    throw error;
  }
  const dir = await open(directory, 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}
