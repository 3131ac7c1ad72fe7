/**
 * `@outflow/offset-store`: where offsets are kept. A compacted Kafka topic in Kafka Connect's exact record
 * format, a JSON file for development, and the compacted-topic key/value store they are built on (also used
 * for connector configs), and the append-only log a schema history lives in.
 */
export { createFileOffsetStore, type FileOffsetStoreOptions } from './file-offset-store.ts';
export {
  createKafkaKvStore,
  type KafkaKvStore,
  type KafkaKvStoreOptions,
  type KvWrite,
} from './kafka-kv-store.ts';
export { createKafkaLog, type KafkaLog, type KafkaLogOptions } from './kafka-log.ts';
export {
  createKafkaOffsetStore,
  DEFAULT_OFFSETS_TOPIC,
  type KafkaOffsetStoreOptions,
} from './kafka-offset-store.ts';
export { offsetKey, offsetValue, parseOffsetKey, parseOffsetValue } from './offset-format.ts';
export type { ManagedOffsetStore, StoredOffset } from './offset-store.ts';
export { type RecordPlace, readTopicToEnd } from './topic-reader.ts';
