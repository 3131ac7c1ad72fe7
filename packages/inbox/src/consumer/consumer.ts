import {
  createAdmin,
  createConsumer,
  createProducer,
  ensureTopic,
  type KafkaMessage,
  type OutflowConsumer,
  type OutflowProducer,
} from '@outflow/kafka';
import type { Registry } from 'prom-client';
import { InboxError } from '../errors.ts';
import { BatchScheduler, type Schedulable } from './batch-scheduler.ts';
import {
  type InboxHistogram,
  InboxMetrics,
  type InboxStats,
  type PartitionLag,
  type TimingSummary,
} from './metrics.ts';
import {
  type InboxConsumerOptions,
  type ResolvedConsumerOptions,
  resolveConsumerOptions,
} from './options.ts';
import { processBatch } from './process-batch.ts';
import { type ProcessContext, where } from './process-record.ts';
import { sleep } from './retry.ts';

type Stream = Awaited<ReturnType<OutflowConsumer['consume']>>;

/**
 * An idempotent Kafka consumer over an inbox table. Create with {@link createInboxConsumer}, then `start()`.
 *
 * Delivery contract: each record's inbox row and its handler's writes commit in one database transaction
 * (with the other records of its batch); its Kafka offset is committed only afterwards, so a crash in between
 * re-delivers the record and the inbox skips it (`duplicates`). Records of one partition are processed in
 * offset order (with `ordering: 'key'`, in order per key); partitions run concurrently, up to `concurrency`
 * transactions at once. Not safe to `start()` twice.
 */
export interface InboxConsumer {
  /** Creates missing dead-letter topics, joins the group and starts consuming; resolves once subscribed. */
  start(): Promise<void>;
  /**
   * Stops reading, lets the records being processed finish (queued ones are left for the next owner),
   * stops the cleanup, leaves the group and closes its Kafka clients. Idempotent. The database stays open.
   */
  close(): Promise<void>;
  /** Settles when the consumer stops: resolves after `close()`, rejects (`INBOX_CONSUMER_STOPPED`) on a fatal error. */
  readonly done: Promise<void>;
  /** Totals since start (consumed, handled, duplicates, unhandled, retried, deadLettered, skipped, cleanupDeleted). */
  stats(): InboxStats;
  /** Prometheus text of the counters, the histograms and the per-partition lag (asks the broker for high watermarks). */
  metrics(): Promise<string>;
  /**
   * The histograms since start (handler, transaction, offsetCommit, endToEnd in milliseconds; batchRecords in
   * records): count, sum, and p50/p99 as the upper bound of their bucket.
   */
  timings(): Promise<Readonly<Record<InboxHistogram, TimingSummary>>>;
  /**
   * The consumer's own metrics (without Node's runtime ones, which `metrics()` adds): merge it into an
   * application's registry with `Registry.merge` to serve one `/metrics` for several consumers.
   */
  readonly registry: Registry;
  /** Runs one cleanup pass now (outside any handler transaction); resolves with the rows deleted. */
  cleanup(): Promise<number>;
}

const LAG_TIMEOUT_MS = 2000;

/** What a read-ahead record costs beyond its bytes (the message object, its headers map, bigints). */
const RECORD_OVERHEAD_BYTES = 512;

/**
 * Records the client's stream buffers before it stops fetching. Small: the read-ahead that matters is the
 * scheduler's, bounded in records and bytes; this only keeps the next records at hand.
 */
const STREAM_HIGH_WATER_MARK = 64;

/** A record as the scheduler holds it. */
interface Scheduled extends Schedulable {
  readonly message: KafkaMessage;
}

/**
 * Creates an inbox consumer; validates every option at once and throws `INBOX_CONFIG_INVALID` naming the
 * first bad one. Nothing connects before `start()`.
 *
 * @example
 * const consumer = createInboxConsumer<{ CoursePostedEvent: Course }>({
 *   bootstrapServers: '127.0.0.1:9092', groupId: 'catalog', topics: ['outbox.event.Course'],
 *   database: connectPool(url), inbox: createInbox({ dialect: 'mysql' }), // connectPool: @outflow/service-kit
 *   handlers: { CoursePostedEvent: async (tx, event) => { await upsert(tx, event.payload); } },
 * });
 * await consumer.start();
 */
export function createInboxConsumer<TEvents extends Record<string, unknown> = Record<string, unknown>>(
  options: InboxConsumerOptions<TEvents>,
): InboxConsumer {
  const o: ResolvedConsumerOptions = resolveConsumerOptions(options as unknown as InboxConsumerOptions);
  const { logger } = o;
  const metrics = new InboxMetrics({ group: o.groupId, topics: o.topics });
  const abort = new AbortController();
  let consumer: OutflowConsumer | undefined;
  let producer: OutflowProducer | undefined;
  let stream: Stream | undefined;
  let reading: Promise<void> | undefined;
  let cleanupTimer: NodeJS.Timeout | undefined;
  let cleaning: Promise<number> | undefined;
  let closing: Promise<void> | undefined;
  let lastLag: PartitionLag[] = [];
  let settle!: { resolve: () => void; reject: (error: unknown) => void };
  const done = new Promise<void>((resolve, reject) => {
    settle = { resolve, reject };
  });
  done.catch(() => {}); // observed through `done` by whoever cares

  const context: ProcessContext = {
    options: o,
    metrics,
    signal: abort.signal,
    producer: () => {
      producer ??= createProducer({
        bootstrapServers: o.bootstrapServers,
        clientId: `${o.clientId}-dlq`,
        clientProperties: o.clientProperties,
      });
      return producer;
    },
  };

  const commits = new Set<Promise<void>>();
  /** Commits past `message`; not awaited by its partition, which goes on with its next batch meanwhile. */
  function commit(message: KafkaMessage): void {
    const started = performance.now();
    const done: Promise<void> = new Promise<void>((resolve, reject) => {
      message.commit((error?: Error | null) => (error ? reject(error) : resolve()));
    })
      .then(
        () => metrics.observe('offsetCommit', performance.now() - started),
        // A rebalance took the partition: its next owner re-reads the record and the inbox skips it.
        (error: unknown) => logger.warn({ ...where(message), err: error }, 'inbox: offset commit failed'),
      )
      .finally(() => commits.delete(done));
    commits.add(done);
  }

  const scheduler = new BatchScheduler<Scheduled>({
    concurrency: o.concurrency,
    maxBatch: o.maxBatchRecords,
    lingerMs: o.lingerMs,
    byKey: o.ordering === 'key',
    maxRecords: o.maxInFlight,
    maxBytes: o.maxInFlightBytes,
    commit: (record) => commit(record.message),
    async run(batch, complete) {
      if (abort.signal.aborted) return;
      const byMessage = new Map(batch.map((r) => [r.message, r]));
      const result = await processBatch(
        context,
        batch.map((r) => r.message),
        (messages) => complete(messages.map((m) => byMessage.get(m) as Scheduled)),
      );
      if (result.kind === 'fatal') void stop(result.error);
    },
  });

  function subscribe(): Promise<Stream> {
    return consumer!.consume({
      topics: [...o.topics],
      mode: 'committed',
      fallbackMode: o.startFrom,
      autocommit: false,
    });
  }

  function schedule(m: KafkaMessage): void {
    metrics.inc('consumed', { topic: m.topic });
    let bytes = RECORD_OVERHEAD_BYTES + (m.value?.length ?? 0) + (m.key?.length ?? 0);
    for (const [k, v] of m.headers) bytes += k.length + v.length;
    scheduler.push({ lane: `${m.topic}:${m.partition}`, key: m.key ?? null, bytes, message: m });
  }

  /** Feeds the partition queues from `initial`; if the stream fails (e.g. a failed rejoin), subscribes again. */
  async function read(initial: Stream): Promise<void> {
    let current: Stream | undefined = initial;
    while (!abort.signal.aborted) {
      try {
        current ??= stream = await subscribe();
        for await (const message of current) {
          if (abort.signal.aborted) return;
          // Not pulling from the stream is what pauses it: the client stops fetching once its buffer is full.
          await scheduler.waitForRoom();
          if (abort.signal.aborted) return;
          schedule(message as KafkaMessage);
        }
        return;
      } catch (error) {
        if (abort.signal.aborted) return;
        logger.error({ err: error }, 'inbox: consumer stream failed, subscribing again in 1 s');
        await current?.close().catch(() => {});
        current = undefined;
        await sleep(1000, abort.signal);
      }
    }
  }

  async function cleanup(): Promise<number> {
    cleaning ??= o.inbox
      .cleanup(
        { query: (sql, values) => o.database.execute(sql, values) },
        {
          retentionMs: o.retentionMs,
          batchSize: o.cleanupBatchSize,
        },
      )
      .then((deleted) => {
        if (deleted > 0) {
          metrics.inc('cleanupDeleted', {}, deleted);
          logger.info({ deleted, table: o.inbox.table }, 'inbox: cleanup deleted expired rows');
        }
        return deleted;
      })
      .finally(() => {
        cleaning = undefined;
      });
    return cleaning;
  }

  async function shutdown(): Promise<void> {
    abort.abort();
    scheduler.close();
    if (cleanupTimer !== undefined) clearInterval(cleanupTimer);
    await scheduler.idle();
    while (commits.size > 0) await Promise.allSettled([...commits]);
    await stream
      ?.close()
      .catch((error: unknown) => logger.warn({ err: error }, 'inbox: stream close failed'));
    await reading;
    await consumer
      ?.close(true)
      .catch((error: unknown) => logger.warn({ err: error }, 'inbox: consumer close failed'));
    await producer
      ?.close()
      .catch((error: unknown) => logger.warn({ err: error }, 'inbox: producer close failed'));
    await cleaning?.catch(() => {});
  }

  /** A fatal error: stop as if the process died here (nothing more is committed). */
  function stop(error: unknown): Promise<void> {
    logger.error({ err: error }, 'inbox: fatal error, consumer stopping');
    closing ??= shutdown();
    return closing.then(() =>
      settle.reject(
        new InboxError('INBOX_CONSUMER_STOPPED', `inbox consumer stopped: ${(error as Error)?.message}`, {
          cause: error,
        }),
      ),
    );
  }

  async function lag(): Promise<PartitionLag[]> {
    if (consumer === undefined || abort.signal.aborted) return lastLag;
    let timer: NodeJS.Timeout | undefined;
    try {
      // Offset commits are not awaited by the partitions: let those already requested land first, so the
      // lag reflects every record this member has finished.
      await Promise.race([
        Promise.allSettled([...commits]),
        new Promise((resolve) => {
          timer = setTimeout(resolve, LAG_TIMEOUT_MS);
        }),
      ]);
      clearTimeout(timer);
      const offsets = await Promise.race([
        consumer.getLag({ topics: [...o.topics] }),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('lag request timed out')), LAG_TIMEOUT_MS);
        }),
      ]);
      const out: PartitionLag[] = [];
      for (const [topic, partitions] of offsets) {
        partitions.forEach((value, partition) => {
          if (value >= 0n) out.push({ topic, partition, lag: Number(value) });
        });
      }
      lastLag = out;
    } catch (error) {
      logger.debug({ err: error }, 'inbox: lag unavailable, reporting the last known values');
    } finally {
      clearTimeout(timer);
    }
    return lastLag;
  }

  return {
    done,
    async start() {
      if (consumer !== undefined) throw new InboxError('INBOX_CONFIG_INVALID', 'start() was already called');
      const admin = createAdmin({
        bootstrapServers: o.bootstrapServers,
        clientId: `${o.clientId}-admin`,
        clientProperties: o.clientProperties,
      });
      let missing: string[];
      try {
        if (o.createDeadLetterTopics) {
          for (const topic of new Set(o.topics.map(o.deadLetterTopic))) await ensureTopic(admin, topic);
        }
        // Listing the topics also makes start() fail on an unreachable broker.
        missing = await missingTopics(admin, o.topics);
      } finally {
        await admin.close();
      }
      consumer = createConsumer({
        bootstrapServers: o.bootstrapServers,
        clientId: o.clientId,
        clientProperties: o.clientProperties,
        groupId: o.groupId,
        autocommit: false,
        sessionTimeoutMs: o.sessionTimeoutMs,
        heartbeatIntervalMs: o.heartbeatIntervalMs,
        maxWaitTimeMs: o.maxWaitTimeMs,
        fetchMaxBytes: o.fetchMaxBytes,
        fetchMaxBytesPerPartition: o.fetchMaxBytesPerPartition,
        highWaterMark: STREAM_HIGH_WATER_MARK,
      });
      if (missing.length === 0) {
        stream = await subscribe();
        reading = read(stream);
      } else {
        logger.info({ topics: missing }, 'inbox: waiting for the topics to be created by their producer');
        reading = waitForTopics(o, abort.signal).then(async () => {
          if (abort.signal.aborted) return;
          stream = await subscribe();
          await read(stream);
        });
      }
      if (o.cleanupIntervalMs > 0) {
        cleanupTimer = setInterval(() => {
          cleanup().catch((error: unknown) => logger.warn({ err: error }, 'inbox: cleanup failed'));
        }, o.cleanupIntervalMs);
        cleanupTimer.unref();
      }
      logger.info({ groupId: o.groupId, topics: o.topics }, 'inbox: consuming');
    },
    close() {
      closing ??= shutdown().then(() => settle.resolve());
      return closing;
    },
    stats: () => metrics.stats(),
    timings: () => metrics.timings(),
    registry: metrics.registry,
    async metrics() {
      return metrics.render(await lag());
    },
    cleanup,
  };
}

async function missingTopics(
  admin: ReturnType<typeof createAdmin>,
  topics: readonly string[],
): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  return topics.filter((t) => !existing.has(t));
}

/**
 * Resolves once every topic exists (or `signal` aborts). A consumer usually starts before its producer has
 * published anything, and the producer (the relay) creates its topics with their partition count on first
 * use: waiting, as Kafka's Java consumer does, is right; creating them here would choose that count for it.
 */
async function waitForTopics(
  o: {
    bootstrapServers: string | readonly string[];
    clientId: string;
    clientProperties: Readonly<Record<string, string>>;
    topics: readonly string[];
  },
  signal: AbortSignal,
): Promise<void> {
  const admin = createAdmin({
    bootstrapServers: o.bootstrapServers,
    clientId: `${o.clientId}-admin`,
    clientProperties: o.clientProperties,
  });
  try {
    while (!signal.aborted) {
      try {
        if ((await missingTopics(admin, o.topics)).length === 0) return;
      } catch {
        // the broker is briefly unreachable: keep waiting, as for a missing topic
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  } finally {
    await admin.close();
  }
}
