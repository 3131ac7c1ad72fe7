import { ConfigError, type Logger, silentLogger } from '@outflow/relay-core';
import { createKafkaKvStore } from './kafka-kv-store.ts';
import { BackedOffsetStore, type ManagedOffsetStore } from './offset-store.ts';

/** Options of {@link createKafkaOffsetStore}. */
export interface KafkaOffsetStoreOptions {
  /** `host:port` of one or more brokers, as an array or a comma-separated string. */
  readonly bootstrapServers: string | readonly string[];
  /** The compacted offsets topic (default `outflow-offsets`; Connect's `offset.storage.topic`). */
  readonly topic?: string;
  /** Partitions of the topic when created, 1 to 25 (default 25, Connect's `offset.storage.partitions`). */
  readonly partitions?: number;
  /** Replicas of the topic when created (default 1; Connect's `offset.storage.replication.factor`). */
  readonly replicationFactor?: number;
  readonly clientId?: string;
  /** Kafka client security properties with Kafka's names (`security.protocol`, `sasl.*`, `ssl.*`). */
  readonly clientProperties?: Readonly<Record<string, string>>;
  readonly logger?: Logger;
}

/** The default offsets topic. */
export const DEFAULT_OFFSETS_TOPIC = 'outflow-offsets';

/**
 * Offsets in a compacted Kafka topic, record for record as Kafka Connect's `KafkaOffsetBackingStore` keeps
 * them (key `["<connector>",{<partition>}]`, value the offset JSON, null = deleted), so the topic can be read
 * by Connect tooling and a Connect offsets topic can be read by Outflow. The topic is created with
 * `cleanup.policy=compact` if missing. `set` resolves once acknowledged by every in-sync replica.
 * The first call reads the topic to its end, committed records only (offsets written in a transaction that
 * was aborted, or is still open, are not offsets); `refresh()` reads it again. `setAtomically` hands the
 * records to a transactional producer instead (exactly-once).
 */
export function createKafkaOffsetStore(options: KafkaOffsetStoreOptions): ManagedOffsetStore {
  const topic = options.topic ?? DEFAULT_OFFSETS_TOPIC;
  const partitions = options.partitions ?? 25;
  if (!Number.isInteger(partitions) || partitions < 1 || partitions > 25) {
    throw new ConfigError([{ property: 'partitions', message: 'expected an integer from 1 to 25' }]);
  }
  const logger = options.logger ?? silentLogger;
  const kv = createKafkaKvStore({
    bootstrapServers: options.bootstrapServers,
    topic,
    partitions,
    replicationFactor: options.replicationFactor ?? 1,
    clientId: options.clientId ?? `outflow-offsets-${process.pid}`,
    ...(options.clientProperties === undefined ? {} : { clientProperties: options.clientProperties }),
    logger,
  });
  return new BackedOffsetStore(
    {
      async load() {
        await kv.refresh();
        return kv.entries();
      },
      write: (writes) => kv.set(writes),
      // Keyed like the store's own writes, so the sink's Java-compatible partitioner puts them where Connect
      // would (and where this store reads them back).
      records: (writes) =>
        writes.map((w) => ({ topic, key: Buffer.from(w.key, 'utf8'), value: w.value, headers: [] })),
      close: () => kv.close(),
    },
    logger,
    `offsets topic "${topic}"`,
  );
}
