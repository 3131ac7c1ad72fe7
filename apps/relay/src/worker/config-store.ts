import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** What a connector should be doing, as Kafka Connect's target states name it. */
export type TargetState = 'STARTED' | 'PAUSED' | 'STOPPED';

/** A connector as stored: its configuration, secrets included, and its target state. */
export interface StoredConnector {
  readonly config: Readonly<Record<string, string>>;
  readonly targetState: TargetState;
}

/**
 * Keeps connector configurations across relay restarts (Kafka Connect's config backing store).
 *
 * Contract: `put` resolves once the change is durable; `put(name, null, …)` deletes the connector.
 * `load` returns the last durable state of every connector. Calls are not made concurrently (the herder
 * serialises them). `close` is called once.
 */
export interface ConfigStore {
  load(): Promise<Map<string, StoredConnector>>;
  put(name: string, config: Readonly<Record<string, string>> | null, targetState: TargetState): Promise<void>;
  /**
   * Shared stores only (a relay cluster's config topic): what other workers wrote since `load` or the last
   * call, per connector (null: deleted).
   */
  changes?(): Promise<Map<string, StoredConnector | null>>;
  /**
   * Shared stores only: the connector as the store holds it now (its own writes included), for changes read
   * before a local write and applied after it.
   */
  current?(name: string): StoredConnector | null;
  close(): Promise<void>;
}

/** A store that forgets everything when the process ends (tests). */
export function createMemoryConfigStore(initial: Map<string, StoredConnector> = new Map()): ConfigStore {
  const data = new Map(initial);
  return {
    async load() {
      return new Map(data);
    },
    async put(name, config, targetState) {
      if (config === null) data.delete(name);
      else data.set(name, { config: { ...config }, targetState });
    },
    async close() {},
  };
}

/**
 * A JSON file store for development (`config.storage.file.filename`): the whole file is rewritten through a
 * temporary file and a rename, so a crash leaves either the old or the new content.
 */
export function createFileConfigStore(path: string): ConfigStore {
  let data: Map<string, StoredConnector> | undefined;
  const read = async (): Promise<Map<string, StoredConnector>> => {
    if (data !== undefined) return data;
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      text = '{}';
    }
    const parsed = JSON.parse(text) as Record<string, StoredConnector>;
    data = new Map(Object.entries(parsed));
    return data;
  };
  return {
    async load() {
      return new Map(await read());
    },
    async put(name, config, targetState) {
      const current = await read();
      if (config === null) current.delete(name);
      else current.set(name, { config: { ...config }, targetState });
      await mkdir(dirname(path), { recursive: true });
      const tmp = `${path}.tmp`;
      await writeFile(tmp, `${JSON.stringify(Object.fromEntries(current), null, 2)}\n`, { mode: 0o600 });
      await rename(tmp, path);
    },
    async close() {},
  };
}
