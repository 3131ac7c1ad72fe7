import { ConfigError, type ConfigProblem, type Logger, silentLogger } from '@outflow/relay-core';

/** Compression codecs the producer supports (Kafka's `compression.type`). */
export type Compression = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

/** Options of `createKafkaSink`. Every field is checked at construction; a bad one fails naming the field. */
export interface KafkaSinkOptions {
  /** `host:port` of one or more brokers, as an array or a comma-separated string. Required. */
  readonly bootstrapServers: string | readonly string[];
  /** Client id the broker logs and quotas see (default `outflow-sink`). */
  readonly clientId?: string;
  /** Kafka client security properties with Kafka's names (`security.protocol`, `sasl.*`, `ssl.*`). */
  readonly clientProperties?: Readonly<Record<string, string>>;
  /** Partitions of a topic the sink creates on first use (default 1; Connect's `topic.creation.default.partitions`). */
  readonly topicPartitions?: number;
  /** Replicas of a topic the sink creates (default 1: the local single-node broker). */
  readonly topicReplicationFactor?: number;
  /**
   * How long concurrent `send` calls wait for each other to share one produce request (default 0: only calls
   * made in the same tick of the event loop are merged). Kafka's `linger.ms`.
   */
  readonly lingerMs?: number;
  /**
   * Most bytes (estimated, uncompressed) put in one produce request (default 1,000,000). A `send` larger than
   * this is written as several requests, one after the other, so order is kept. Capped by each topic's
   * `max.message.bytes`.
   */
  readonly batchSize?: number;
  /** Compression of record batches (default `none`). */
  readonly compression?: Compression;
  /**
   * Request timeout in milliseconds (default 30000). Also the transaction timeout the producer gives Kafka:
   * a transaction left open longer is aborted by the coordinator, and the sink goes on (see `transactionalId`).
   */
  readonly requestTimeoutMs?: number;
  /**
   * Exactly-once: each `send` is one Kafka transaction of a producer with this `transactional.id` (Connect's
   * `<group.id>-<connector>-<task>`), so the records of a send commit together or not at all, and a newer
   * sink with the same id fences this one: its sends fail, not retriable. A transaction the coordinator
   * aborted for running past its timeout fails as retriable instead, and the sink's next send goes on with
   * the epoch the coordinator gave it. Unset: idempotent, non-transactional sends.
   */
  readonly transactionalId?: string;
  readonly logger?: Logger;
}

/** The options with every default applied. */
export interface ResolvedKafkaSinkOptions {
  readonly bootstrapServers: string | readonly string[];
  readonly clientId: string;
  readonly clientProperties: Readonly<Record<string, string>>;
  readonly topicPartitions: number;
  readonly topicReplicationFactor: number;
  readonly lingerMs: number;
  readonly batchSize: number;
  readonly compression: Compression;
  readonly requestTimeoutMs: number;
  readonly transactionalId: string | undefined;
  readonly logger: Logger;
}

const COMPRESSIONS: readonly Compression[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

/** Applies defaults and checks every option; throws a `ConfigError` listing each field at fault. */
export function resolveKafkaSinkOptions(options: KafkaSinkOptions): ResolvedKafkaSinkOptions {
  const problems: ConfigProblem[] = [];
  const integer = (
    property: string,
    value: number | undefined,
    fallback: number,
    min: number,
    max: number,
  ) => {
    if (value === undefined) return fallback;
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push({ property, message: `expected an integer from ${min} to ${max}, got ${String(value)}` });
    }
    return value;
  };
  const servers = options.bootstrapServers;
  const serverList = typeof servers === 'string' ? servers.split(',') : Array.isArray(servers) ? servers : [];
  if (serverList.filter((s) => String(s).trim() !== '').length === 0) {
    problems.push({ property: 'bootstrapServers', message: 'expected at least one host:port' });
  }
  if (options.transactionalId !== undefined && options.transactionalId.trim() === '') {
    problems.push({ property: 'transactionalId', message: 'must not be empty' });
  }
  if (options.clientId !== undefined && options.clientId.trim() === '') {
    problems.push({ property: 'clientId', message: 'must not be empty' });
  }
  const compression = options.compression ?? 'none';
  if (!COMPRESSIONS.includes(compression)) {
    problems.push({ property: 'compression', message: `expected one of ${COMPRESSIONS.join(', ')}` });
  }
  const resolved: ResolvedKafkaSinkOptions = {
    bootstrapServers: servers,
    clientId: options.clientId ?? 'outflow-sink',
    clientProperties: options.clientProperties ?? {},
    topicPartitions: integer('topicPartitions', options.topicPartitions, 1, 1, 100_000),
    topicReplicationFactor: integer('topicReplicationFactor', options.topicReplicationFactor, 1, 1, 32_767),
    lingerMs: integer('lingerMs', options.lingerMs, 0, 0, 60_000),
    batchSize: integer('batchSize', options.batchSize, 1_000_000, 1024, 100 * 1024 * 1024),
    compression,
    requestTimeoutMs: integer('requestTimeoutMs', options.requestTimeoutMs, 30_000, 1, 600_000),
    transactionalId: options.transactionalId,
    logger: options.logger ?? silentLogger,
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return resolved;
}
