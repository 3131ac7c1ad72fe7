import { Consumer, type Message, stringDeserializer } from '@platformatic/kafka';
import { baseOptions, type ClientOptions, checkInteger, checkName } from './config.ts';
import { invalidOption } from './errors.ts';

/** A consumed record: key and header values decoded as UTF-8 text, the value as raw bytes. */
export type KafkaMessage = Message<string, Buffer, string, string>;

/** The project's consumer; see {@link KafkaMessage} for how records are decoded. */
export type OutflowConsumer = Consumer<string, Buffer, string, string>;

/** Options of {@link createConsumer}. */
export interface ConsumerOptions extends ClientOptions {
  /** Consumer group; its members share the partitions and its committed offsets. */
  groupId: string;
  /**
   * Commit offsets on a timer (default `false`: the caller commits with `message.commit()` once a record is
   * handled, so a crash re-delivers instead of losing it).
   */
  autocommit?: boolean;
  /** How long the group waits for a silent member before rebalancing (default 10000 ms). */
  sessionTimeoutMs?: number;
  /** Heartbeat period, well below the session timeout (default 3000 ms). */
  heartbeatIntervalMs?: number;
  /** Longest time the broker holds a fetch open when no record is there (default 1000 ms). */
  maxWaitTimeMs?: number;
  /** Most bytes one fetch response may carry over all partitions (default the client's, 50 MiB). */
  fetchMaxBytes?: number;
  /** Most bytes one fetch response may carry for one partition (default `fetchMaxBytes`). */
  fetchMaxBytesPerPartition?: number;
  /**
   * Records the message stream buffers before it stops fetching (default the client's, 1024). A fetch
   * response is pushed whole, so the stream holds at most this many records plus one response.
   */
  highWaterMark?: number;
}

function bytes(data?: Buffer): Buffer | undefined {
  return data;
}

/**
 * Creates a consumer in `groupId` with the project's defaults (manual commits, 10 s session timeout).
 * Read with `const stream = await consumer.consume({ topics, mode: 'committed' })` and iterate the stream;
 * the caller closes the stream, then the consumer. Throws `KAFKA_CONFIG_INVALID` naming the option at fault.
 */
export function createConsumer(options: ConsumerOptions): OutflowConsumer {
  if (typeof options.groupId !== 'string') throw invalidOption('groupId', 'is required', options.groupId);
  checkName('groupId', options.groupId);
  checkInteger('sessionTimeoutMs', options.sessionTimeoutMs, 1000, 3_600_000);
  checkInteger('heartbeatIntervalMs', options.heartbeatIntervalMs, 100, 3_600_000);
  checkInteger('maxWaitTimeMs', options.maxWaitTimeMs, 0, 600_000);
  checkInteger('fetchMaxBytes', options.fetchMaxBytes, 1024, 2 ** 31 - 1);
  checkInteger('fetchMaxBytesPerPartition', options.fetchMaxBytesPerPartition, 1024, 2 ** 31 - 1);
  checkInteger('highWaterMark', options.highWaterMark, 1, 1_000_000);
  const sessionTimeout = options.sessionTimeoutMs ?? 10_000;
  const heartbeatInterval = options.heartbeatIntervalMs ?? 3000;
  if (heartbeatInterval >= sessionTimeout) {
    throw invalidOption('heartbeatIntervalMs', 'must be lower than sessionTimeoutMs', heartbeatInterval);
  }
  return new Consumer<string, Buffer, string, string>({
    ...baseOptions(options),
    groupId: options.groupId,
    autocommit: options.autocommit ?? false,
    sessionTimeout,
    heartbeatInterval,
    maxWaitTime: options.maxWaitTimeMs ?? 1000,
    ...(options.fetchMaxBytes === undefined ? {} : { maxBytes: options.fetchMaxBytes }),
    ...(options.fetchMaxBytesPerPartition === undefined
      ? {}
      : { maxBytesPerPartition: options.fetchMaxBytesPerPartition }),
    ...(options.highWaterMark === undefined ? {} : { highWaterMark: options.highWaterMark }),
    deserializers: {
      key: stringDeserializer,
      value: bytes,
      headerKey: stringDeserializer,
      headerValue: stringDeserializer,
    },
  });
}
