import {
  type Bytes,
  createAdmin,
  createProducer,
  ensureTopic,
  explainConnectionFailure,
  KafkaClientError,
  type OutflowProducer,
} from '@outflow/kafka';
import { type ProducerRecord, RelayError, type Sink } from '@outflow/relay-core';
import { ConfigResourceTypes, findErrorBy, type MessageToProduce } from '@platformatic/kafka';
import { type KafkaSinkOptions, type ResolvedKafkaSinkOptions, resolveKafkaSinkOptions } from './config.ts';
import { murmur2 } from './partitioner.ts';
import { recordSizeUpperBound } from './record-size.ts';

/** Counters of what a sink delivered, for metrics. */
export interface KafkaSinkStats {
  /** Records acknowledged by the broker. */
  readonly recordsSent: number;
  /** Bytes of keys, values and headers acknowledged (uncompressed). */
  readonly bytesSent: number;
  /** Produce requests acknowledged. */
  readonly requestsSent: number;
  /** `send` calls that rejected. */
  readonly failedSends: number;
  /** Topics the sink created or found existing. */
  readonly topics: readonly string[];
}

/** A {@link Sink} writing to Kafka, with delivery counters. */
export interface KafkaSink extends Sink {
  stats(): KafkaSinkStats;
}

/** The broker's default `message.max.bytes` (used when a topic's `max.message.bytes` cannot be read). */
const DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;

/**
 * What a transactional producer is told once its epoch is no longer the coordinator's: a newer producer with
 * the same transactional.id took over, or the coordinator aborted a transaction left open past its timeout.
 */
const STALE_EPOCH_API_IDS = ['PRODUCER_FENCED', 'INVALID_PRODUCER_EPOCH'];

/** Errors that retrying the same records cannot fix. */
const PERMANENT_API_IDS = [
  'MESSAGE_TOO_LARGE',
  'RECORD_LIST_TOO_LARGE',
  'INVALID_RECORD',
  'CORRUPT_MESSAGE',
  'TOPIC_AUTHORIZATION_FAILED',
  'CLUSTER_AUTHORIZATION_FAILED',
  'INVALID_TOPIC_EXCEPTION',
  'INVALID_REQUIRED_ACKS',
  'UNSUPPORTED_COMPRESSION_TYPE',
  // Unless the producer resumes (see #resume), this one must stop writing.
  ...STALE_EPOCH_API_IDS,
  'TRANSACTIONAL_ID_AUTHORIZATION_FAILED',
];

interface Pending {
  readonly records: readonly ProducerRecord[];
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

type Message = MessageToProduce<Bytes, Bytes, string, Bytes>;

/** The producer itself, or one of its transactions: both send the same way. */
type Sender = Pick<OutflowProducer, 'send'>;

/**
 * Creates the Kafka sink: one idempotent producer (`acks=all`) and an admin client.
 *
 * - Topics are created on first use with `topicPartitions` / `topicReplicationFactor` (an existing topic is
 *   used as it is), and their `max.message.bytes` read once.
 * - Keyed records are partitioned as the Java producer does (`murmur2(key) & 0x7fffffff % partitions`), so a
 *   key lands where Debezium/Kafka Connect would put it; records without a key are spread round-robin; an
 *   explicit `partition` is kept.
 * - `send` resolves once every record of the call is acknowledged, rejects with `RelayError('SINK_FAILED')`
 *   otherwise (`retriable` unless the records themselves are at fault). Concurrent calls are merged into one
 *   produce request set (see `lingerMs`) and written in call order; one call at a time is in flight, which
 *   keeps per-key order across calls.
 * - A record larger than its topic's `max.message.bytes` fails the whole call before anything is written.
 * - Kafka headers are written as given, but two headers with the same key in one record collapse to the last
 *   (a limitation of the underlying client).
 *
 * The caller owns the sink and calls `close()` once its sends are settled.
 */
export function createKafkaSink(options: KafkaSinkOptions): KafkaSink {
  return new KafkaSinkImpl(resolveKafkaSinkOptions(options));
}

class KafkaSinkImpl implements KafkaSink {
  readonly #options: ResolvedKafkaSinkOptions;
  #producer: OutflowProducer;
  readonly #admin;
  /** Topic → its `max.message.bytes`, once ensured. */
  readonly #topics = new Map<string, Promise<number>>();
  #queue: Pending[] = [];
  #queuedBytes = 0;
  #timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  #chain: Promise<void> = Promise.resolve();
  #closed = false;
  #prepared = false;
  #roundRobin = 0;
  #stats = { recordsSent: 0, bytesSent: 0, requestsSent: 0, failedSends: 0 };

  constructor(options: ResolvedKafkaSinkOptions) {
    this.#options = options;
    this.#producer = this.#createProducer();
    this.#admin = createAdmin(this.#client());
  }

  #client() {
    const options = this.#options;
    return {
      bootstrapServers: options.bootstrapServers,
      clientId: options.clientId,
      requestTimeoutMs: options.requestTimeoutMs,
      clientProperties: options.clientProperties,
    };
  }

  #createProducer(): OutflowProducer {
    const { transactionalId } = this.#options;
    return createProducer({
      ...this.#client(),
      idempotent: true,
      acks: 'all',
      ...(transactionalId === undefined ? {} : { transactionalId }),
    });
  }

  get transactional(): boolean {
    return this.#options.transactionalId !== undefined;
  }

  async prepare(): Promise<void> {
    if (!this.transactional || this.#prepared) return;
    try {
      // Beginning a transaction initialises the producer id (see #transaction), which fences the previous
      // holder; nothing was added to it, so it is dropped on the client side (an EndTxn would be refused).
      const tx = await this.#producer.beginTransaction({ producerId: -1n, producerEpoch: -1 });
      await tx.cancel();
    } catch (error) {
      throw toSinkError(error);
    }
    this.#prepared = true;
  }

  send(records: readonly ProducerRecord[]): Promise<void> {
    if (this.#closed) return Promise.reject(new RelayError('SINK_FAILED', 'the Kafka sink is closed'));
    if (records.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ records, resolve, reject });
      for (const record of records) this.#queuedBytes += recordSizeUpperBound(record);
      this.#schedule();
    });
  }

  stats(): KafkaSinkStats {
    return { ...this.#stats, topics: [...this.#topics.keys()] };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer !== undefined) this.#flush();
    await this.#chain;
    const results = await Promise.allSettled([this.#producer.close(), this.#admin.close()]);
    const failed = results.find((r) => r.status === 'rejected');
    if (failed !== undefined) {
      throw new RelayError('SINK_FAILED', 'could not close the Kafka clients', { cause: failed.reason });
    }
  }

  #schedule(): void {
    if (this.#queuedBytes >= this.#options.batchSize) {
      this.#flush();
      return;
    }
    if (this.#timer !== undefined) return;
    this.#timer =
      this.#options.lingerMs === 0
        ? setImmediate(() => this.#flush())
        : setTimeout(() => this.#flush(), this.#options.lingerMs);
  }

  /** Hands the queued calls to the delivery chain: they go out after every earlier call settled. */
  #flush(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer as NodeJS.Timeout);
      clearImmediate(this.#timer as NodeJS.Immediate);
      this.#timer = undefined;
    }
    const batch = this.#queue;
    if (batch.length === 0) return;
    this.#queue = [];
    this.#queuedBytes = 0;
    this.#chain = this.#chain.then(async () => {
      try {
        await this.#transaction(batch.flatMap((p) => p.records));
        for (const p of batch) p.resolve();
      } catch (error) {
        this.#stats.failedSends += batch.length;
        const wrapped = toSinkError(error);
        this.#options.logger.error(
          { err: wrapped, calls: batch.length },
          'Kafka did not acknowledge a batch',
        );
        for (const p of batch) p.reject(wrapped);
      }
    });
  }

  /** Delivers the records, in one transaction when the sink is transactional (aborted if anything fails). */
  async #transaction(records: readonly ProducerRecord[]): Promise<void> {
    if (!this.transactional) return this.#deliver(records, this.#producer);
    // The first transaction initialises the producer id: -1/-1 asks the coordinator for a fresh epoch of this
    // transactional.id (fencing the previous holder and aborting its open transaction); the client's default
    // of 0/0 would be taken for a stale epoch of an earlier producer and refused as PRODUCER_FENCED.
    const tx = await this.#producer.beginTransaction({ producerId: -1n, producerEpoch: -1 });
    const { producerId, producerEpoch } = this.#producer;
    try {
      await this.#deliver(records, tx);
      await tx.commit();
    } catch (error) {
      if (producerId !== undefined && producerEpoch !== undefined && staleEpoch(error))
        throw await this.#resume({ producerId, producerEpoch }, error);
      await tx.abort().catch(() => undefined);
      throw error;
    }
  }

  /**
   * Tells the two reasons for a stale epoch apart. The coordinator aborts a transaction left open longer than
   * the transaction timeout (Kafka frozen mid-send) and bumps the epoch; the producer that held it may then
   * init again with the epoch it held and is given the new one, unless another producer initialised the
   * transactional.id since, which is the other reason. So: resumed, the transaction was aborted and the
   * records are retriable, sent by a new producer holding the id; refused, this sink is fenced for good.
   */
  async #resume(held: { producerId: bigint; producerEpoch: number }, error: unknown): Promise<RelayError> {
    const successor = this.#createProducer();
    try {
      const probe = await successor.beginTransaction(held);
      await probe.cancel();
    } catch (refusal) {
      await successor.close(true).catch(() => undefined);
      const fenced = toSinkError(error);
      const why = staleEpoch(refusal)
        ? 'a newer producer with this transactional.id took over'
        : 'whether another producer took over is unknown, so this one stops';
      return new RelayError(
        'SINK_FAILED',
        `${fenced.message}; resuming as the holder of transactional.id ${JSON.stringify(this.#options.transactionalId)} ` +
          `failed too (${toSinkError(refusal).message}): ${why}`,
        {
          cause: error,
          retriable: false,
          details: {
            ...fenced.details,
            producerId: String(held.producerId),
            producerEpoch: held.producerEpoch,
          },
        },
      );
    }
    const stale = this.#producer;
    this.#producer = successor;
    await stale.close(true).catch(() => undefined);
    return new RelayError(
      'SINK_FAILED',
      `Kafka's transaction coordinator aborted the transaction of transactional.id ${JSON.stringify(this.#options.transactionalId)} ` +
        `(open longer than its timeout of ${this.#options.requestTimeoutMs} ms); the producer resumed with epoch ` +
        `${String(successor.producerEpoch)}; the batch was aborted with it and may be sent again`,
      {
        cause: error,
        retriable: true,
        details: { producerId: String(held.producerId), producerEpoch: successor.producerEpoch },
      },
    );
  }

  async #deliver(records: readonly ProducerRecord[], via: Sender): Promise<void> {
    // A batch's topics (the events' and, with exactly-once, the offsets') are checked at once, not in turn.
    const topics = [...new Set(records.map((r) => r.topic))];
    const maxBytes = await Promise.all(topics.map((topic) => this.#ensureTopic(topic)));
    const limits = new Map(topics.map((topic, i) => [topic, maxBytes[i]!]));
    const sizes = records.map(recordSizeUpperBound);
    records.forEach((record, i) => {
      const limit = limits.get(record.topic)!;
      if (sizes[i]! > limit) throw recordTooLarge(record, sizes[i]!, limit);
    });
    // Split into requests of at most batchSize bytes (and under each topic's limit), sent one after another.
    let start = 0;
    while (start < records.length) {
      let end = start;
      let bytes = 0;
      let cap = this.#options.batchSize;
      while (end < records.length) {
        const nextCap = Math.min(cap, limits.get(records[end]!.topic)!);
        if (end > start && bytes + sizes[end]! > nextCap) break;
        cap = nextCap;
        bytes += sizes[end]!;
        end++;
      }
      await this.#produce(records.slice(start, end), via);
      start = end;
    }
  }

  async #produce(records: readonly ProducerRecord[], via: Sender): Promise<void> {
    const messages = records.map((r): Message => {
      const headers = new Map<string, Bytes>();
      for (const h of r.headers) headers.set(h.key, h.value as Bytes);
      return {
        topic: r.topic,
        key: (r.key ?? undefined) as Bytes,
        value: (r.value ?? undefined) as Bytes,
        headers,
        ...(r.partition === undefined ? {} : { partition: r.partition }),
        ...(r.timestamp === undefined ? {} : { timestamp: BigInt(r.timestamp) }),
      };
    });
    await via.send({
      messages,
      acks: -1,
      idempotent: true,
      autocreateTopics: false,
      compression: this.#options.compression,
      // The partition is taken modulo the topic's partition count by the client afterwards.
      partitioner: (_message, key) =>
        key === undefined ? this.#roundRobin++ & 0x7fffffff : murmur2(key) & 0x7fffffff,
    });
    this.#stats.requestsSent++;
    this.#stats.recordsSent += records.length;
    for (const r of records) {
      this.#stats.bytesSent +=
        (r.key?.length ?? 0) +
        (r.value?.length ?? 0) +
        r.headers.reduce((n, h) => n + h.key.length + (h.value?.length ?? 0), 0);
    }
  }

  /** Creates the topic if needed (once per sink) and resolves its `max.message.bytes`. */
  #ensureTopic(topic: string): Promise<number> {
    let known = this.#topics.get(topic);
    if (known === undefined) {
      known = (async () => {
        try {
          const outcome = await ensureTopic(this.#admin, topic, {
            partitions: this.#options.topicPartitions,
            replicationFactor: this.#options.topicReplicationFactor,
          });
          if (outcome === 'created') {
            this.#options.logger.info({ topic, partitions: this.#options.topicPartitions }, 'created topic');
          }
        } catch (error) {
          this.#topics.delete(topic);
          // A transform routed a record to a name Kafka refuses (Connect's producer fails the task the same
          // way); the trace must say which name, or nobody can find the row behind it.
          if (error instanceof KafkaClientError && error.code === 'KAFKA_CONFIG_INVALID')
            throw new RelayError(
              'SINK_FAILED',
              `cannot write to topic ${JSON.stringify(topic)}: not a valid Kafka topic name (${error.message})`,
              { cause: error, retriable: false, details: { topic } },
            );
          throw error;
        }
        return this.#maxMessageBytes(topic);
      })();
      this.#topics.set(topic, known);
    }
    return known;
  }

  async #maxMessageBytes(topic: string): Promise<number> {
    try {
      const [description] = await this.#admin.describeConfigs({
        resources: [
          {
            resourceType: ConfigResourceTypes.TOPIC,
            resourceName: topic,
            configurationKeys: ['max.message.bytes'],
          },
        ],
      });
      const value = Number(description?.configs.find((c) => c.name === 'max.message.bytes')?.value);
      return Number.isInteger(value) && value > 0 ? value : DEFAULT_MAX_MESSAGE_BYTES;
    } catch (error) {
      this.#options.logger.warn(
        { err: error, topic },
        'could not read max.message.bytes; assuming the default',
      );
      return DEFAULT_MAX_MESSAGE_BYTES;
    }
  }
}

function recordTooLarge(record: ProducerRecord, size: number, limit: number): RelayError {
  const key = record.key === null ? null : record.key.toString('utf8').slice(0, 200);
  return new RelayError(
    'SINK_FAILED',
    `a record for topic "${record.topic}" with key ${key === null ? 'null' : JSON.stringify(key)} is ${size} bytes, ` +
      `over the topic's max.message.bytes of ${limit}`,
    { retriable: false, details: { topic: record.topic, key, size, maxMessageBytes: limit } },
  );
}

function staleEpoch(error: unknown): boolean {
  return STALE_EPOCH_API_IDS.some((id) => findErrorBy(error as Error, 'apiId', id) !== null);
}

function toSinkError(error: unknown): RelayError {
  if (error instanceof RelayError) return error;
  if (error instanceof KafkaClientError) {
    return new RelayError('SINK_FAILED', error.message, {
      cause: error,
      retriable: error.retriable,
      details: { ...error.details, kafkaCode: error.code },
    });
  }
  const apiId = PERMANENT_API_IDS.find((id) => findErrorBy(error as Error, 'apiId', id) !== null);
  const userError = findErrorBy(error as Error, 'code', 'PLT_KFK_USER') !== null;
  const retriable = apiId === undefined && !userError;
  const why = explainConnectionFailure(error);
  const reason = apiId ?? why ?? (error instanceof Error ? error.message : String(error));
  return new RelayError('SINK_FAILED', `Kafka did not acknowledge the records: ${reason}`, {
    cause: error,
    retriable: retriable && why === undefined,
    ...(apiId === undefined ? {} : { details: { apiId } }),
  });
}
