import {
  type Bytes,
  createAdmin,
  createConsumer,
  createProducer,
  ensureTopic,
  explainConnectionFailure,
} from '@outflow/kafka';
import { type Logger, RelayError, silentLogger } from '@outflow/relay-core';
import { compatibilityPartitioner, type MessageToProduce } from '@platformatic/kafka';
import { awaitLeaders, readTopicToEnd } from './topic-reader.ts';

/** Options of {@link createKafkaKvStore}. */
export interface KafkaKvStoreOptions {
  /** `host:port` of one or more brokers, as an array or a comma-separated string. */
  readonly bootstrapServers: string | readonly string[];
  /** The compacted topic holding the entries (e.g. `outflow-offsets`, `outflow-configs`). */
  readonly topic: string;
  /** Partitions of the topic when it is created (default 1). Keys are spread like the Java producer does. */
  readonly partitions?: number;
  /** Replicas of the topic when it is created (default 1). */
  readonly replicationFactor?: number;
  /** Client id the broker sees (default `outflow-kv-<topic>`). */
  readonly clientId?: string;
  /** Kafka client security properties with Kafka's names (`security.protocol`, `sasl.*`, `ssl.*`). */
  readonly clientProperties?: Readonly<Record<string, string>>;
  /** Request timeout in milliseconds (default 30000). */
  readonly requestTimeoutMs?: number;
  readonly logger?: Logger;
}

/** One write: `value: null` deletes the key (a tombstone that compaction eventually removes). */
export interface KvWrite {
  readonly key: string;
  readonly value: Buffer | null;
}

/**
 * A key/value map kept in a compacted Kafka topic, the way Kafka Connect keeps offsets and connector configs
 * (`KafkaBasedLog`): every write is a record, the newest record of a key wins, a null value deletes it.
 *
 * Contract: `refresh` reads the topic from its start to the end offsets it finds at the call (creating the
 * topic, with `cleanup.policy=compact`, if missing), replacing the in-memory view; it must be called once before
 * `get`/`entries`. `set` resolves once the broker acknowledged every record (acks=all, idempotent producer) and
 * then updates the view. Writes of one store are applied in call order; another process's writes are seen
 * after the next `refresh`. Keys are UTF-8 text. Calls may overlap; `close` is called once, after them.
 */
export interface KafkaKvStore {
  refresh(): Promise<void>;
  /**
   * Reads what other processes wrote since the last `refresh` or `catchUp` (up to the end offsets found at
   * the call) into the view, and returns the keys whose value changed. Reads the whole topic if it was never.
   */
  catchUp(): Promise<string[]>;
  /** The value of a key, or undefined. */
  get(key: string): Buffer | undefined;
  /** Every live entry, in no particular order. */
  entries(): ReadonlyMap<string, Buffer>;
  set(writes: readonly KvWrite[]): Promise<void>;
  close(): Promise<void>;
}

type Message = MessageToProduce<Bytes, Bytes, string, Bytes>;

/** Creates a {@link KafkaKvStore} over `options.topic`. Nothing is contacted until the first call. */
export function createKafkaKvStore(options: KafkaKvStoreOptions): KafkaKvStore {
  return new KafkaKvStoreImpl(options);
}

class KafkaKvStoreImpl implements KafkaKvStore {
  readonly #topic: string;
  readonly #options: KafkaKvStoreOptions;
  readonly #logger: Logger;
  readonly #admin;
  readonly #producer;
  readonly #consumer;
  readonly #entries = new Map<string, Buffer>();
  #topicReady: Promise<void> | undefined;
  #loaded = false;
  #justCreated = false;
  /** Where the next `catchUp` reads from, per partition: the end offsets the last read reached. */
  #positions: bigint[] = [];
  #writes: Promise<void> = Promise.resolve();

  constructor(options: KafkaKvStoreOptions) {
    this.#topic = options.topic;
    this.#options = options;
    this.#logger = options.logger ?? silentLogger;
    const client = {
      bootstrapServers: options.bootstrapServers,
      clientId: options.clientId ?? `outflow-kv-${options.topic}`,
      requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
      ...(options.clientProperties === undefined ? {} : { clientProperties: options.clientProperties }),
    };
    this.#admin = createAdmin(client);
    this.#producer = createProducer({ ...client, idempotent: true, acks: 'all' });
    // Never joins its group: partitions are read by explicit fetches, as Connect's KafkaBasedLog assigns them.
    this.#consumer = createConsumer({ ...client, groupId: `${client.clientId}-reader` });
  }

  refresh(): Promise<void> {
    // Queued with the writes, so a write acknowledged while reading is not lost from the view.
    const run = this.#writes.then(async () => {
      await this.#ensureTopic();
      // A topic this store has just created holds nothing yet (and its end offsets can take a while to list).
      const entries = new Map<string, Buffer | null>();
      this.#positions = this.#justCreated ? [] : await this.#readToEnd(entries, []);
      this.#justCreated = false;
      this.#entries.clear();
      for (const [key, value] of entries) if (value !== null) this.#entries.set(key, value);
      this.#loaded = true;
    });
    this.#writes = run.catch(() => {});
    return run;
  }

  catchUp(): Promise<string[]> {
    const run = this.#writes.then(async () => {
      await this.#ensureTopic();
      if (!this.#loaded) {
        const entries = new Map<string, Buffer | null>();
        this.#positions = await this.#readToEnd(entries, []);
        this.#justCreated = false;
        for (const [key, value] of entries) if (value !== null) this.#entries.set(key, value);
        this.#loaded = true;
        return [...this.#entries.keys()];
      }
      const read = new Map<string, Buffer | null>();
      this.#positions = await this.#readToEnd(read, this.#positions);
      const changed: string[] = [];
      for (const [key, value] of read) {
        const before = this.#entries.get(key);
        if (value === null) {
          if (before === undefined) continue;
          this.#entries.delete(key);
        } else {
          if (before?.equals(value)) continue;
          this.#entries.set(key, value);
        }
        changed.push(key);
      }
      return changed;
    });
    this.#writes = run.then(
      () => {},
      () => {},
    );
    return run;
  }

  get(key: string): Buffer | undefined {
    this.#assertLoaded();
    return this.#entries.get(key);
  }

  entries(): ReadonlyMap<string, Buffer> {
    this.#assertLoaded();
    return this.#entries;
  }

  set(writes: readonly KvWrite[]): Promise<void> {
    const run = this.#writes.then(async () => {
      if (writes.length === 0) return;
      await this.#ensureTopic();
      const messages = writes.map(
        (w): Message => ({
          topic: this.#topic,
          key: w.key,
          ...(w.value === null ? {} : { value: w.value }),
        }),
      );
      try {
        await this.#producer.send({
          messages,
          partitioner: compatibilityPartitioner,
          autocreateTopics: false,
        });
      } catch (error) {
        throw storeError(`could not write ${writes.length} entries to topic "${this.#topic}"`, error, true);
      }
      for (const w of writes) {
        if (w.value === null) this.#entries.delete(w.key);
        else this.#entries.set(w.key, w.value);
      }
    });
    this.#writes = run.catch(() => {});
    return run;
  }

  async close(): Promise<void> {
    await this.#writes;
    const results = await Promise.allSettled([
      this.#producer.close(),
      this.#consumer.close(true),
      this.#admin.close(),
    ]);
    const failed = results.find((r) => r.status === 'rejected');
    if (failed !== undefined) throw storeError('could not close the Kafka clients', failed.reason, false);
  }

  #assertLoaded(): void {
    if (!this.#loaded) {
      throw new RelayError(
        'OFFSET_STORE_FAILED',
        `topic "${this.#topic}" was not read yet: call refresh() first`,
      );
    }
  }

  #ensureTopic(): Promise<void> {
    this.#topicReady ??= (async () => {
      try {
        const outcome = await ensureTopic(this.#admin, this.#topic, {
          partitions: this.#options.partitions ?? 1,
          replicationFactor: this.#options.replicationFactor ?? 1,
          configs: { 'cleanup.policy': 'compact' },
        });
        if (outcome === 'created') {
          this.#logger.info({ topic: this.#topic }, 'created compacted topic');
          this.#justCreated = true;
          await this.#awaitLeaders();
        }
      } catch (error) {
        this.#topicReady = undefined;
        throw storeError(`could not create topic "${this.#topic}"`, error, true);
      }
    })();
    return this.#topicReady;
  }

  #awaitLeaders(): Promise<void> {
    return awaitLeaders(this.#consumer, this.#topic);
  }

  /**
   * Reads every partition from `from` (its start where `from` has no position) up to the end offsets listed
   * now into `entries` (null: deleted); the newest record of a key wins. Returns the positions reached.
   */
  async #readToEnd(entries: Map<string, Buffer | null>, from: readonly bigint[]): Promise<bigint[]> {
    try {
      return await readTopicToEnd(
        this.#consumer,
        this.#topic,
        (key, value) => {
          if (key !== null) entries.set(key.toString('utf8'), value);
        },
        from,
      );
    } catch (error) {
      if (error instanceof RelayError) throw error;
      throw storeError(`could not read topic "${this.#topic}"`, error, true);
    }
  }
}

function storeError(message: string, cause: unknown, retriable: boolean): RelayError {
  const why = explainConnectionFailure(cause);
  return new RelayError('OFFSET_STORE_FAILED', why === undefined ? message : `${message}: ${why}`, {
    cause,
    retriable: retriable && why === undefined,
  });
}
