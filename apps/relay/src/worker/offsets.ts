import type { OffsetStore, SourceOffset, SourcePartition } from '@outflow/relay-core';

/** One stored offset of a connector, as `GET /connectors/{name}/offsets` shows it. */
export interface OffsetEntry {
  readonly partition: SourcePartition;
  readonly offset: SourceOffset;
}

/**
 * An offset store the worker can also administer (Kafka Connect's offsets endpoints, KIP-875).
 * `list` returns every stored offset of a connector; `delete` deletes them (tombstones), so the next start
 * behaves as a first start (e.g. snapshots per `snapshot.mode`). Both resolve once done and durable.
 */
export interface AdminOffsetStore extends OffsetStore {
  list(connector: string): Promise<OffsetEntry[]>;
  delete(connector: string): Promise<void>;
}

/** An in-memory administrable store (tests, and a fallback nobody should run in production). */
export function createMemoryOffsetStore(): AdminOffsetStore {
  const data = new Map<string, Map<string, OffsetEntry>>();
  const of = (connector: string): Map<string, OffsetEntry> => {
    const existing = data.get(connector);
    if (existing !== undefined) return existing;
    const created = new Map<string, OffsetEntry>();
    data.set(connector, created);
    return created;
  };
  return {
    async get(connector, partition) {
      return of(connector).get(JSON.stringify(partition))?.offset ?? null;
    },
    async set(connector, entries) {
      for (const e of entries) of(connector).set(JSON.stringify(e.partition), { ...e });
    },
    async list(connector) {
      return [...of(connector).values()];
    },
    async delete(connector) {
      data.delete(connector);
    },
    async close() {},
  };
}
