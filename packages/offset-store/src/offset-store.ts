import {
  type Logger,
  type OffsetStore,
  type ProducerRecord,
  RelayError,
  type SourceOffset,
  type SourcePartition,
} from '@outflow/relay-core';
import { canonicalKey, offsetKey, offsetValue, parseOffsetKey, parseOffsetValue } from './offset-format.ts';

/** One stored offset of a connector. */
export interface StoredOffset {
  readonly partition: SourcePartition;
  readonly offset: SourceOffset;
}

/**
 * An {@link OffsetStore} the relay can also administer (Kafka Connect's `GET` / `DELETE
 * /connectors/{name}/offsets`).
 *
 * Contract, on top of `OffsetStore`'s: the first call loads every stored offset; later calls answer from that
 * view, which this store's own writes keep current. `refresh` reloads it, to see what another process wrote.
 * `delete` removes every offset of a connector (durably, like `set`). Writes are applied in call order.
 */
export interface ManagedOffsetStore extends OffsetStore {
  /** Every stored offset of `connector`, in no particular order. */
  list(connector: string): Promise<StoredOffset[]>;
  /** Deletes every offset of `connector` (tombstones in Connect's format). */
  delete(connector: string): Promise<void>;
  /** Reloads the stored offsets, e.g. after another process wrote some. */
  refresh(): Promise<void>;
}

/** Where the raw offset records live: a compacted topic or a file. Keys and values are Connect's JSON text. */
export interface OffsetBackend {
  /** Every live record: key text → value bytes. */
  load(): Promise<ReadonlyMap<string, Buffer>>;
  /** Durably applies the writes in order; a null value deletes the key. */
  write(writes: readonly { key: string; value: Buffer | null }[]): Promise<void>;
  /** The records that apply these writes, for another producer to send (Kafka backends only). */
  records?(writes: readonly { key: string; value: Buffer }[]): ProducerRecord[];
  close(): Promise<void>;
}

interface Entry {
  /** The record key as stored (another writer's field order is kept so compaction merges). */
  readonly key: string;
  readonly connector: string;
  readonly partition: SourcePartition;
  readonly offset: SourceOffset;
}

interface PreparedWrite {
  readonly canonical: string;
  readonly key: string;
  readonly value: Buffer;
  readonly entry: { partition: SourcePartition; offset: SourceOffset };
}

/** The offset semantics shared by every backend: Connect's key format, in-memory view, ordered writes. */
export class BackedOffsetStore implements ManagedOffsetStore {
  readonly #backend: OffsetBackend;
  readonly #logger: Logger;
  readonly #description: string;
  #view: Map<string, Entry> | undefined;
  #queue: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(backend: OffsetBackend, logger: Logger, description: string) {
    this.#backend = backend;
    this.#logger = logger;
    this.#description = description;
  }

  async get(connector: string, partition: SourcePartition): Promise<SourceOffset | null> {
    const view = await this.#loaded();
    return view.get(canonicalKey(connector, partition))?.offset ?? null;
  }

  set(
    connector: string,
    entries: readonly { partition: SourcePartition; offset: SourceOffset }[],
  ): Promise<void> {
    return this.#serial(async (view) => {
      const writes = this.#prepare(view, connector, entries);
      await this.#write(writes.map((w) => ({ key: w.key, value: w.value })));
      this.#apply(view, connector, writes);
    });
  }

  /** The records of a `set`: the last entry of a partition wins, as it would in the log. */
  #prepare(
    view: Map<string, Entry>,
    connector: string,
    entries: readonly { partition: SourcePartition; offset: SourceOffset }[],
  ): PreparedWrite[] {
    const latest = new Map<string, { partition: SourcePartition; offset: SourceOffset }>();
    for (const e of entries) latest.set(canonicalKey(connector, e.partition), e);
    return [...latest].map(([canonical, e]) => ({
      canonical,
      key: view.get(canonical)?.key ?? offsetKey(connector, e.partition),
      value: offsetValue(e.offset),
      entry: e,
    }));
  }

  #apply(view: Map<string, Entry>, connector: string, writes: readonly PreparedWrite[]): void {
    for (const w of writes) {
      view.set(w.canonical, { key: w.key, connector, partition: w.entry.partition, offset: w.entry.offset });
    }
  }

  /** Only where the backend can hand out its records (a Kafka topic): see `OffsetStore.setAtomically`. */
  get setAtomically(): OffsetStore['setAtomically'] {
    const records = this.#backend.records?.bind(this.#backend);
    if (records === undefined) return undefined;
    return (connector, entries, send) =>
      this.#serial(async (view) => {
        const writes = this.#prepare(view, connector, entries);
        await send(records(writes.map((w) => ({ key: w.key, value: w.value }))));
        this.#apply(view, connector, writes);
      });
  }

  async list(connector: string): Promise<StoredOffset[]> {
    const view = await this.#loaded();
    return [...view.values()]
      .filter((e) => e.connector === connector)
      .map((e) => ({ partition: e.partition, offset: e.offset }));
  }

  delete(connector: string): Promise<void> {
    return this.#serial(async (view) => {
      const doomed = [...view].filter(([, e]) => e.connector === connector);
      if (doomed.length === 0) return;
      await this.#write(doomed.map(([, e]) => ({ key: e.key, value: null })));
      for (const [canonical] of doomed) view.delete(canonical);
    });
  }

  refresh(): Promise<void> {
    return this.#serial(async () => {
      this.#view = await this.#load();
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#queue.catch(() => {});
    await this.#backend.close();
  }

  async #loaded(): Promise<Map<string, Entry>> {
    if (this.#view !== undefined) return this.#view;
    await this.#serial(async () => {});
    return this.#view!;
  }

  /** Runs `action` after every earlier write, loading the view first if needed. */
  #serial(action: (view: Map<string, Entry>) => Promise<void>): Promise<void> {
    if (this.#closed) {
      return Promise.reject(new RelayError('OFFSET_STORE_FAILED', `${this.#description} is closed`));
    }
    const run = this.#queue.then(async () => {
      this.#view ??= await this.#load();
      await action(this.#view);
    });
    this.#queue = run.catch(() => {});
    return run;
  }

  async #load(): Promise<Map<string, Entry>> {
    let raw: ReadonlyMap<string, Buffer>;
    try {
      raw = await this.#backend.load();
    } catch (error) {
      throw wrap(`could not load offsets from ${this.#description}`, error);
    }
    const view = new Map<string, Entry>();
    for (const [key, value] of raw) {
      const parsedKey = parseOffsetKey(key);
      const offset = parseOffsetValue(value);
      if (parsedKey === null || offset === null) {
        this.#logger.warn({ key }, 'ignoring a record that is not a Connect offset');
        continue;
      }
      view.set(canonicalKey(parsedKey.connector, parsedKey.partition), { key, ...parsedKey, offset });
    }
    return view;
  }

  async #write(writes: readonly { key: string; value: Buffer | null }[]): Promise<void> {
    try {
      await this.#backend.write(writes);
    } catch (error) {
      throw wrap(`could not store offsets in ${this.#description}`, error);
    }
  }
}

function wrap(message: string, error: unknown): RelayError {
  if (error instanceof RelayError && error.code === 'OFFSET_STORE_FAILED') return error;
  const retriable = error instanceof RelayError ? error.retriable : true;
  return new RelayError('OFFSET_STORE_FAILED', message, { cause: error, retriable });
}
