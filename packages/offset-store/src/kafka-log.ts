import { createAdmin, createConsumer, createProducer, ensureTopic } from '@outflow/kafka';
import { type Logger, silentLogger } from '@outflow/relay-core';
import { awaitLeaders, readTopicToEnd } from './topic-reader.ts';

/** Options of {@link createKafkaLog}. */
export interface KafkaLogOptions {
  /** `host:port` of one or more brokers, as an array or a comma-separated string. */
  readonly bootstrapServers: string | readonly string[];
  /** The single-partition topic holding the log (created with unlimited retention if missing). */
  readonly topic: string;
  /** Replicas of the topic when it is created (default 1). */
  readonly replicationFactor?: number;
  /** Client id the broker sees (default `outflow-log-<topic>`). */
  readonly clientId?: string;
  /** Kafka client security properties with Kafka's names (`security.protocol`, `sasl.*`, `ssl.*`). */
  readonly clientProperties?: Readonly<Record<string, string>>;
  /** Request timeout in milliseconds (default 30000). */
  readonly requestTimeoutMs?: number;
  readonly logger?: Logger;
}

/**
 * An append-only log in a one-partition Kafka topic that is never cleaned up (`cleanup.policy=delete` with
 * unlimited retention), the way Debezium keeps its schema history: the order of the records is the whole
 * point, so the topic has one partition and records have no key.
 *
 * Contract: `read` returns every value from the start of the topic to the end offset found at the call,
 * in order (creating the topic if missing). `append` resolves once the broker acknowledged every record
 * (acks=all, idempotent producer); appends of one log keep their call order. `close` is called once.
 * Errors are the Kafka client's, as they are: the owner names what failed.
 */
export interface KafkaLog {
  read(): Promise<Buffer[]>;
  append(values: readonly Buffer[]): Promise<void>;
  close(): Promise<void>;
}

/** Creates a {@link KafkaLog} over `options.topic`. Nothing is contacted until the first call. */
export function createKafkaLog(options: KafkaLogOptions): KafkaLog {
  const client = {
    bootstrapServers: options.bootstrapServers,
    clientId: options.clientId ?? `outflow-log-${options.topic}`,
    requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
    ...(options.clientProperties === undefined ? {} : { clientProperties: options.clientProperties }),
  };
  const logger = options.logger ?? silentLogger;
  const topic = options.topic;
  const admin = createAdmin(client);
  const producer = createProducer({ ...client, idempotent: true, acks: 'all' });
  const consumer = createConsumer({ ...client, groupId: `${client.clientId}-reader` });
  let ready: Promise<boolean> | undefined;
  let writes: Promise<void> = Promise.resolve();

  /** Resolves true when the topic was just created (and so holds nothing yet). */
  const ensure = (): Promise<boolean> => {
    ready ??= (async () => {
      const outcome = await ensureTopic(admin, topic, {
        partitions: 1,
        replicationFactor: options.replicationFactor ?? 1,
        // Debezium's settings for its history topic: nothing is ever deleted.
        configs: {
          'cleanup.policy': 'delete',
          'retention.ms': String(2n ** 63n - 1n),
          'retention.bytes': '-1',
        },
      });
      if (outcome !== 'created') return false;
      logger.info({ topic }, 'created log topic');
      await awaitLeaders(consumer, topic);
      return true;
    })().catch((error: unknown) => {
      ready = undefined;
      throw error;
    });
    return ready;
  };

  return {
    async read() {
      await writes;
      const values: Buffer[] = [];
      if (await ensure()) return values;
      await readTopicToEnd(consumer, topic, (_key, value) => {
        if (value !== null) values.push(value);
      });
      return values;
    },
    append(values) {
      const run = writes.then(async () => {
        if (values.length === 0) return;
        await ensure();
        await producer.send({
          messages: values.map((value) => ({ topic, partition: 0, value })),
          autocreateTopics: false,
        });
      });
      writes = run.catch(() => {});
      return run;
    },
    async close() {
      await writes;
      const results = await Promise.allSettled([producer.close(), consumer.close(true), admin.close()]);
      const failed = results.find((r) => r.status === 'rejected');
      if (failed !== undefined) throw failed.reason;
    },
  };
}
