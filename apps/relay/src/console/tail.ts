import { randomUUID } from 'node:crypto';
import { createConsumer, type KafkaMessage, type OutflowConsumer } from '@outflow/kafka';
import type { Logger } from '@outflow/relay-core';

/** One record of a tail, as the console shows it. */
export interface TailRecord {
  /** Position in the tail (1, 2, …): the console asks for what came after the last one it has. */
  readonly seq: number;
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  /** The record's timestamp (epoch ms). */
  readonly timestamp: number;
  readonly key: string | null;
  readonly headers: readonly (readonly [string, string])[];
  /** The value as UTF-8 text, cut at {@link VALUE_LIMIT} bytes; null for a tombstone. */
  readonly value: string | null;
  readonly valueBytes: number;
  readonly truncated: boolean;
}

/** What a poll of a tail answers. */
export interface TailView {
  readonly state: 'starting' | 'live' | 'failed';
  readonly error?: string;
  readonly connector: string;
  readonly filter: string;
  readonly topics: readonly string[];
  /** Records read from Kafka, and how many of them matched the filter. */
  readonly seen: number;
  readonly matched: number;
  readonly records: readonly TailRecord[];
}

/** The Kafka clients' settings of the console: the worker's `consumer.*`, `admin.*` and `producer.*` ones. */
export interface ConsoleKafka {
  readonly bootstrapServers: readonly string[];
  readonly consumer: Readonly<Record<string, string>>;
  readonly admin: Readonly<Record<string, string>>;
  readonly producer: Readonly<Record<string, string>>;
}

const VALUE_LIMIT = 16 * 1024;
/** Records a tail keeps: the browser gets at most these, and a slow or paused one loses the oldest. */
const BUFFER = 300;
const MAX_TAILS = 8;
/** A tail nobody polled for this long is closed: its page was closed or the laptop went to sleep. */
const IDLE_MS = 30_000;
const TOPIC_CHECK_MS = 1000;
/**
 * A tail starts at the records stamped from a few seconds before it opened: a record's timestamp is its
 * commit time in the database (MariaDB's binlog has whole seconds), which precedes its publishing.
 */
const START_SKEW_MS = 5000;

/**
 * The console's live tails: each is a consumer of its own (a group no one else joins, never committing)
 * reading the topics a connector writes to, opened on demand and closed when idle. It reads with its own
 * connections and keeps a bounded buffer, so a slow browser or a busy topic never holds the relay back.
 */
export class ConsoleTails {
  readonly #tails = new Map<string, Tail>();
  readonly #kafka: ConsoleKafka;
  readonly #topicsOf: (connector: string) => readonly string[];
  readonly #logger: Logger;
  #sweeper: NodeJS.Timeout | undefined;

  constructor(options: {
    kafka: ConsoleKafka;
    topicsOf: (connector: string) => readonly string[];
    logger: Logger;
  }) {
    this.#kafka = options.kafka;
    this.#topicsOf = options.topicsOf;
    this.#logger = options.logger;
  }

  /** Opens a tail of `connector`'s topics keeping the records whose text contains `filter`. */
  open(connector: string, filter: string): string {
    this.#topicsOf(connector); // throws the REST API's 404 for an unknown connector
    this.#sweep();
    if (this.#tails.size >= MAX_TAILS) {
      const oldest = [...this.#tails.values()].sort((a, b) => a.lastPoll - b.lastPoll)[0]!;
      this.close(oldest.id);
    }
    const tail = new Tail(randomUUID(), connector, filter, this.#kafka, this.#topicsOf, this.#logger);
    this.#tails.set(tail.id, tail);
    this.#sweeper ??= setInterval(() => this.#sweep(), IDLE_MS / 3).unref();
    return tail.id;
  }

  /** The records after `after`; undefined for a tail that is not open (closed, or idle too long). */
  read(id: string, after: number): TailView | undefined {
    return this.#tails.get(id)?.view(after);
  }

  close(id: string): void {
    const tail = this.#tails.get(id);
    if (tail === undefined) return;
    this.#tails.delete(id);
    void tail.close();
  }

  async closeAll(): Promise<void> {
    clearInterval(this.#sweeper);
    const tails = [...this.#tails.values()];
    this.#tails.clear();
    await Promise.allSettled(tails.map((t) => t.close()));
  }

  #sweep(): void {
    const now = Date.now();
    for (const tail of this.#tails.values()) if (now - tail.lastPoll > IDLE_MS) this.close(tail.id);
  }
}

class Tail {
  lastPoll = Date.now();
  readonly #openedAt = Date.now();
  readonly #records: TailRecord[] = [];
  readonly #needle: string;
  /** The next offset to read of each partition read so far (`topic\0partition`). */
  readonly #positions = new Map<string, bigint>();
  #seq = 0;
  #seen = 0;
  #matched = 0;
  #state: TailView['state'] = 'starting';
  #error: string | undefined;
  #topics: string[] = [];
  #consumer: OutflowConsumer | undefined;
  #stream: { close(): Promise<void> } | undefined;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  /** Subscription changes run one at a time. */
  #chain: Promise<void> = Promise.resolve();

  readonly id: string;
  readonly connector: string;
  readonly filter: string;
  readonly kafka: ConsoleKafka;
  readonly topicsOf: (connector: string) => readonly string[];
  readonly logger: Logger;

  constructor(
    id: string,
    connector: string,
    filter: string,
    kafka: ConsoleKafka,
    topicsOf: (connector: string) => readonly string[],
    logger: Logger,
  ) {
    this.id = id;
    this.connector = connector;
    this.filter = filter;
    this.kafka = kafka;
    this.topicsOf = topicsOf;
    this.logger = logger;
    this.#needle = filter.toLowerCase();
    this.#check();
    this.#timer = setInterval(() => this.#check(), TOPIC_CHECK_MS).unref();
  }

  view(after: number): TailView {
    this.lastPoll = Date.now();
    return {
      state: this.#state,
      ...(this.#error === undefined ? {} : { error: this.#error }),
      connector: this.connector,
      filter: this.filter,
      topics: this.#topics,
      seen: this.#seen,
      matched: this.#matched,
      records: this.#records.filter((r) => r.seq > after),
    };
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    await this.#chain;
    await this.#stop();
  }

  /** Follows the connector's topics: a topic it starts writing to joins the tail. */
  #check(): void {
    let topics: string[];
    try {
      topics = [...this.topicsOf(this.connector)].sort();
    } catch {
      return; // deleted: the page says so from the status it polls
    }
    if (topics.join('\n') === this.#topics.join('\n') && this.#state !== 'failed') {
      if (topics.length === 0) this.#state = 'live';
      return;
    }
    this.#topics = topics;
    this.#chain = this.#chain.then(() => this.#subscribe(topics));
  }

  async #subscribe(topics: string[]): Promise<void> {
    if (this.#closed) return;
    await this.#stop();
    if (topics.length === 0) return;
    try {
      const consumer = createConsumer({
        bootstrapServers: [...this.kafka.bootstrapServers],
        clientProperties: this.kafka.consumer,
        groupId: `outflow-console-tail-${this.id}`,
        maxWaitTimeMs: 500,
        highWaterMark: 64,
        fetchMaxBytes: 1024 * 1024,
        fetchMaxBytesPerPartition: 256 * 1024,
      });
      this.#consumer = consumer;
      const unknown = topics.filter((t) => ![...this.#positions.keys()].some((k) => k.startsWith(`${t}\0`)));
      if (unknown.length > 0) {
        const byTime = await consumer.listOffsets({
          topics: unknown,
          timestamp: BigInt(this.#openedAt - START_SKEW_MS),
        });
        const latest = await consumer.listOffsets({ topics: unknown });
        for (const topic of unknown) {
          const ends = latest.get(topic) ?? [];
          ends.forEach((end, partition) => {
            const at = byTime.get(topic)?.[partition];
            // No record stamped since then: only what comes next.
            this.#positions.set(`${topic}\0${partition}`, at === undefined || at < 0n ? end : at);
          });
        }
      }
      const offsets = [...this.#positions.entries()]
        .map(([key, offset]) => {
          const [topic, partition] = key.split('\0') as [string, string];
          return { topic, partition: Number(partition), offset };
        })
        .filter((o) => topics.includes(o.topic));
      const stream = await consumer.consume({ topics, mode: 'manual', offsets });
      this.#stream = stream;
      if (this.#closed) return;
      this.#state = 'live';
      this.#error = undefined;
      stream.on('data', (message: KafkaMessage) => this.#add(message));
      stream.on('error', (error: Error) => this.#fail(error));
    } catch (error) {
      this.#fail(error as Error);
    }
  }

  #fail(error: Error): void {
    if (this.#closed) return;
    this.#state = 'failed';
    this.#error = error.message;
    this.logger.warn({ connector: this.connector, err: error.message }, 'console tail failed');
    // The next topic check subscribes again.
    this.#topics = [];
  }

  async #stop(): Promise<void> {
    const stream = this.#stream;
    const consumer = this.#consumer;
    this.#stream = undefined;
    this.#consumer = undefined;
    await stream?.close().catch(() => undefined);
    await consumer?.close(true).catch(() => undefined);
  }

  #add(message: KafkaMessage): void {
    this.#positions.set(`${message.topic}\0${message.partition}`, message.offset + 1n);
    this.#seen++;
    const value = message.value as Buffer | null | undefined;
    const key = message.key === undefined || message.key === null || message.key === '' ? null : message.key;
    const headers = [...message.headers].map(([k, v]) => [String(k), String(v)] as const);
    const text =
      value === undefined || value === null || value.length === 0
        ? null
        : value.toString('utf8', 0, VALUE_LIMIT);
    if (this.#needle !== '') {
      const haystack = [message.topic, key ?? '', text ?? '', ...headers.map(([k, v]) => `${k}=${v}`)];
      if (!haystack.some((s) => s.toLowerCase().includes(this.#needle))) return;
    }
    this.#matched++;
    this.#records.push({
      seq: ++this.#seq,
      topic: message.topic,
      partition: message.partition,
      offset: message.offset.toString(),
      timestamp: Number(message.timestamp),
      key,
      headers,
      value: text,
      valueBytes: value?.length ?? 0,
      truncated: (value?.length ?? 0) > VALUE_LIMIT,
    });
    if (this.#records.length > BUFFER) this.#records.shift();
  }
}
