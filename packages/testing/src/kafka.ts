import {
  createAdmin,
  createConsumer,
  ensureTopic,
  type KafkaMessage,
  type OutflowConsumer,
} from '@outflow/kafka';
import { kafkaBootstrap, uniqueName } from './env.ts';

/** A record read back from Kafka, decoded for assertions. */
export interface CollectedRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
  readonly key: string | null;
  /** The value as UTF-8 text; null for a tombstone. */
  readonly value: string | null;
  readonly headers: Readonly<Record<string, string>>;
  readonly timestamp: bigint;
  /** When this process read it (epoch ms), for latency measurements. */
  readonly receivedAt: number;
}

/** Reads topics from their beginning into memory while a test runs. */
export interface TopicCollector {
  readonly records: readonly CollectedRecord[];
  /**
   * Resolves once `predicate(records)` holds; rejects after `timeoutMs` with `describe(records)` in the
   * message, so a failure shows how far it got. `onProgress` is called every few seconds while waiting.
   */
  waitFor(
    predicate: (records: readonly CollectedRecord[]) => boolean,
    options?: {
      timeoutMs?: number;
      describe?: (records: readonly CollectedRecord[]) => string;
      onProgress?: (records: readonly CollectedRecord[]) => void;
    },
  ): Promise<void>;
  close(): Promise<void>;
}

function decode(message: KafkaMessage): CollectedRecord {
  const headers: Record<string, string> = {};
  for (const [k, v] of message.headers) headers[k] = v;
  const key = message.key as string | undefined | null;
  const value = message.value as Buffer | undefined | null;
  return {
    topic: message.topic,
    partition: message.partition,
    offset: message.offset,
    key: key === undefined || key === null || key === '' ? null : key,
    value: value === undefined || value === null || value.length === 0 ? null : value.toString('utf8'),
    headers,
    timestamp: message.timestamp,
    receivedAt: Date.now(),
  };
}

/**
 * Starts reading `topics` from the earliest offset, in a fresh consumer group. Topics that do not exist yet
 * are created first, with `partitions` partitions, so the reader can subscribe before anything is written.
 */
export async function collectTopics(
  topics: readonly string[],
  options: { partitions?: number } = {},
): Promise<TopicCollector> {
  const admin = createAdmin({ bootstrapServers: kafkaBootstrap });
  try {
    for (const topic of topics) await ensureTopic(admin, topic, { partitions: options.partitions ?? 1 });
  } finally {
    await admin.close();
  }
  const consumer: OutflowConsumer = createConsumer({
    bootstrapServers: kafkaBootstrap,
    groupId: uniqueName('collector'),
    maxWaitTimeMs: 200,
  });
  const records: CollectedRecord[] = [];
  const stream = await consumer.consume({ topics: [...topics], mode: 'earliest', fallbackMode: 'earliest' });
  const reading = (async () => {
    for await (const message of stream) records.push(decode(message as KafkaMessage));
  })().catch(() => {});
  return {
    records,
    async waitFor(predicate, options = {}) {
      const timeoutMs = options.timeoutMs ?? 30_000;
      const deadline = Date.now() + timeoutMs;
      let lastProgress = Date.now();
      while (!predicate(records)) {
        if (Date.now() > deadline) {
          const detail = options.describe?.(records) ?? `${records.length} records so far`;
          throw new Error(
            `timed out after ${timeoutMs} ms waiting for records on ${topics.join(', ')}: ${detail}`,
          );
        }
        if (options.onProgress !== undefined && Date.now() - lastProgress > 5000) {
          options.onProgress(records);
          lastProgress = Date.now();
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async close() {
      await stream.close();
      await reading;
      await consumer.close(true);
    },
  };
}
