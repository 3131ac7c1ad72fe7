import type { Converter, OffsetStore, Sink, SourceTask, Transform } from './contracts.ts';
import { RelayError } from './errors.ts';
import type { Logger } from './logger.ts';
import type { ProducerRecord, SourceOffset, SourcePartition, SourceRecord } from './record.ts';

/** What the task loop reports as it goes; the relay turns it into Prometheus metrics. */
export interface TaskMetrics {
  /** Records returned by the source. */
  recordsRead(count: number): void;
  /** Records acknowledged by Kafka; `sourceTsMs` is when the newest of them changed in the database. */
  recordsPublished(count: number, sourceTsMs: number | undefined, offset: SourceOffset | undefined): void;
  /** Records a transform dropped. */
  recordsFiltered(count: number): void;
  /** Offsets made durable. */
  offsetsCommitted(offset: SourceOffset): void;
  /** A failure of the task (counted by its `RelayError` code). */
  error(error: unknown): void;
  /** Whether Kafka acknowledges: false while a send is stalled or after it failed, true once one succeeds. */
  sinkConnected(connected: boolean): void;
  /** The running task (null once it ended), whose `pending` and `backlog` the metrics may ask. */
  sourceTask?(task: Pick<SourceTask, 'pending' | 'backlog'> | null): void;
  /** A batch of `records` goes to Kafka; the oldest was committed in the database at `oldestSourceTsMs`. */
  sendStarted?(records: number, oldestSourceTsMs: number | undefined): void;
  /** The send ended after `seconds`, acknowledged or not. */
  sendEnded?(seconds: number, acknowledged: boolean): void;
  /** Records acknowledged at `publishedAtMs`, by the database commit time of each (those that carry one). */
  published?(sourceTsMs: readonly number[], publishedAtMs: number): void;
}

/** Everything one running source task is made of. The caller owns each part and closes it afterwards. */
export interface TaskLoopOptions {
  readonly connector: string;
  readonly task: SourceTask;
  readonly transforms: readonly Transform[];
  readonly keyConverter: Converter;
  readonly valueConverter: Converter;
  readonly sink: Sink;
  readonly offsetStore: OffsetStore;
  /** How often acknowledged offsets are stored (Kafka Connect's `offset.flush.interval.ms`). */
  readonly offsetFlushIntervalMs: number;
  readonly logger: Logger;
  readonly metrics?: TaskMetrics;
  /** Aborting stops the loop after the batch in hand is delivered and its offsets stored. */
  readonly signal: AbortSignal;
  /** Called once the task has started (its snapshot, if any, under way). */
  readonly onStarted?: () => void;
  /**
   * How long a send may wait for Kafka's acknowledgement before the stall is reported (default 5000 ms).
   * The loop keeps waiting (nothing is skipped); the report makes a hung Kafka visible.
   */
  readonly sinkStallWarningMs?: number;
  /** A condition the task is waiting out (a stalled send), or null once it cleared. */
  readonly onTrouble?: (trouble: RelayError | null) => void;
  /**
   * Exactly-once delivery (KIP-618's `transaction.boundary=poll`): each polled batch and the offsets after it
   * are written in one Kafka transaction. Takes effect when the sink is transactional and the offset store
   * can write through it (`setAtomically`); otherwise offsets are flushed every `offsetFlushIntervalMs`.
   */
  readonly exactlyOnce?: boolean;
}

/**
 * Runs a source task until `signal` aborts: poll → transform → convert → send (awaiting acks=all) → store
 * offsets. An offset is stored only after Kafka acknowledged its record and every record before it, so a
 * crash at any moment replays, never skips. Resolves after a clean stop; rejects with the failure otherwise,
 * after storing the offsets of everything that was acknowledged. Does not stop the task or close the sink.
 */
export async function runSourceTask(options: TaskLoopOptions): Promise<void> {
  const { task, signal, logger, metrics } = options;
  const acked = new Map<string, { partition: SourcePartition; offset: SourceOffset }>();
  const atomically =
    options.exactlyOnce === true && options.sink.transactional === true
      ? options.offsetStore.setAtomically?.bind(options.offsetStore)
      : undefined;
  let dirty = false;
  let lastFlush = Date.now();

  const flush = async (): Promise<void> => {
    if (!dirty) return;
    const entries = [...acked.values()];
    dirty = false;
    await options.offsetStore.set(options.connector, entries);
    lastFlush = Date.now();
    for (const entry of entries) {
      metrics?.offsetsCommitted(entry.offset);
      await task.commit?.(entry.partition, entry.offset);
    }
  };

  // A task starts from what is stored, never from this process's memory (another worker of the cluster may
  // have run it since): the offsets are read again the first time the task asks for them (a standby asks only
  // once it may take over). Exactly-once first fences the previous producer, whose transaction is then
  // finished either way.
  let prepared: Promise<void> | undefined;
  const prepare = (): Promise<void> =>
    (prepared ??= (async () => {
      if (atomically !== undefined) await options.sink.prepare?.();
      await options.offsetStore.refresh?.();
    })());
  await task.start({
    connector: options.connector,
    offset: async (partition) => {
      await prepare();
      return options.offsetStore.get(options.connector, partition);
    },
    logger,
    skipDeletes: options.transforms[0]?.dropsDeletes === true,
  });
  options.onStarted?.();
  metrics?.sourceTask?.(task);
  try {
    while (!signal.aborted) {
      const records = await task.poll(signal);
      if (records.length > 0) {
        metrics?.recordsRead(records.length);
        const out = convertBatch(options, records);
        const last = records[records.length - 1]!;
        if (atomically !== undefined) {
          // Exactly-once: the records and the offsets after them commit in one transaction, or neither does.
          await prepare();
          const entries = lastOffsets(records);
          await sendWatched(options, out.records.length, oldest(out.sourceTsMs), () =>
            atomically(options.connector, entries, (offsetRecords) =>
              options.sink.send([...out.records, ...offsetRecords]),
            ),
          );
          if (out.filtered > 0) metrics?.recordsFiltered(out.filtered);
          metrics?.published?.(out.sourceTsMs, Date.now());
          metrics?.recordsPublished(out.records.length, sourceTimestamp(last), last.sourceOffset);
          for (const entry of entries) {
            metrics?.offsetsCommitted(entry.offset);
            await task.commit?.(entry.partition, entry.offset);
          }
          lastFlush = Date.now();
        } else {
          if (out.records.length > 0)
            await sendWatched(options, out.records.length, oldest(out.sourceTsMs), () =>
              options.sink.send(out.records),
            );
          if (out.filtered > 0) metrics?.recordsFiltered(out.filtered);
          metrics?.published?.(out.sourceTsMs, Date.now());
          metrics?.recordsPublished(out.records.length, sourceTimestamp(last), last.sourceOffset);
          for (const entry of lastOffsets(records)) acked.set(partitionKey(entry.partition), entry);
          dirty = true;
        }
      }
      if (Date.now() - lastFlush >= options.offsetFlushIntervalMs) await flush();
    }
    await flush();
  } catch (error) {
    metrics?.error(error);
    try {
      await flush();
    } catch (flushError) {
      logger.error({ err: flushError }, 'could not store the acknowledged offsets while failing');
    }
    throw error;
  } finally {
    metrics?.sourceTask?.(null);
  }
}

function convertBatch(
  options: TaskLoopOptions,
  records: readonly SourceRecord[],
): { records: ProducerRecord[]; filtered: number; sourceTsMs: number[] } {
  const out: ProducerRecord[] = [];
  const sourceTsMs: number[] = [];
  let filtered = 0;
  for (const original of records) {
    let record: SourceRecord | null = original;
    for (const transform of options.transforms) {
      record = transform.apply(record);
      if (record === null) break;
    }
    if (record === null) {
      filtered++;
      continue;
    }
    const produced: ProducerRecord = {
      topic: record.topic,
      key: options.keyConverter.fromConnectData(record.topic, record.keySchema, record.key),
      value: options.valueConverter.fromConnectData(record.topic, record.valueSchema, record.value),
      headers: record.headers.map((h) => ({
        key: h.key,
        value:
          h.value === null
            ? null
            : typeof h.value === 'string'
              ? Buffer.from(h.value, 'utf8')
              : Buffer.from(h.value),
      })),
      ...(record.kafkaPartition === undefined ? {} : { partition: record.kafkaPartition }),
      ...(record.timestamp === undefined ? {} : { timestamp: record.timestamp }),
    };
    out.push(produced);
    const committed = sourceTimestamp(original);
    if (committed !== undefined) sourceTsMs.push(committed);
  }
  return { records: out, filtered, sourceTsMs };
}

/**
 * Sends a batch and waits for Kafka's acknowledgement however long it takes (the task must not skip it), but
 * reports a send that waits longer than `sinkStallWarningMs`: a warning, the sink marked disconnected and the
 * stall handed to `onTrouble` (the task's status trace), then an info line with its duration once it clears.
 */
async function sendWatched(
  options: TaskLoopOptions,
  count: number,
  oldestSourceTsMs: number | undefined,
  send: () => Promise<void>,
): Promise<void> {
  const { logger, metrics } = options;
  const stallMs = options.sinkStallWarningMs ?? 5000;
  const started = Date.now();
  const startedPrecise = performance.now();
  metrics?.sendStarted?.(count, oldestSourceTsMs);
  let stalled = false;
  // No records: an exactly-once transaction that only moves the stored source position forward.
  const what = count === 0 ? 'a source position commit (no records)' : `a batch of ${count} records`;
  let timer: NodeJS.Timeout;
  const watch = (armedAt: number) => {
    timer = setTimeout(() => onStall(armedAt), stallMs);
    timer.unref();
  };
  const onStall = (armedAt: number) => {
    // A timer that fires far later than asked means this process did not run meanwhile (frozen, or its event
    // loop blocked), not that Kafka kept it waiting: Kafka is given its full time again from now.
    if (performance.now() - armedAt > 2 * stallMs) {
      watch(performance.now());
      return;
    }
    stalled = true;
    metrics?.sinkConnected(false);
    const trouble = new RelayError(
      'SINK_FAILED',
      `Kafka has not acknowledged ${what} for ${stallMs} ms; still waiting ` +
        '(the records stay in hand and their offsets are not stored until it does)',
      { retriable: true, details: { records: count, since: new Date(started).toISOString() } },
    );
    logger.warn({ records: count, waitingMs: stallMs }, trouble.message);
    metrics?.error(trouble);
    options.onTrouble?.(trouble);
  };
  watch(startedPrecise);
  try {
    await send();
  } catch (error) {
    metrics?.sendEnded?.((performance.now() - startedPrecise) / 1000, false);
    metrics?.sinkConnected(false);
    if (error instanceof RelayError) throw error;
    throw new RelayError('SINK_FAILED', `Kafka did not acknowledge ${what}`, {
      cause: error,
      retriable: true,
    });
  } finally {
    clearTimeout(timer!);
  }
  metrics?.sendEnded?.((performance.now() - startedPrecise) / 1000, true);
  if (stalled) {
    logger.info(
      { waitedMs: Date.now() - started, records: count },
      `Kafka acknowledged again after ${Date.now() - started} ms`,
    );
    options.onTrouble?.(null);
  }
  metrics?.sinkConnected(true);
}

function oldest(timestamps: readonly number[]): number | undefined {
  let min: number | undefined;
  for (const ts of timestamps) if (min === undefined || ts < min) min = ts;
  return min;
}

/** Debezium envelopes carry `source.ts_ms`: when the change was committed in the database. */
export function sourceTimestamp(record: SourceRecord): number | undefined {
  const value = record.value as { source?: { ts_ms?: unknown } } | null;
  const ts = value?.source?.ts_ms;
  return typeof ts === 'number' ? ts : typeof ts === 'bigint' ? Number(ts) : undefined;
}

/** The offset of the last record of each source partition in the batch. */
function lastOffsets(
  records: readonly SourceRecord[],
): { partition: SourcePartition; offset: SourceOffset }[] {
  const last = new Map<string, { partition: SourcePartition; offset: SourceOffset }>();
  for (const r of records)
    last.set(partitionKey(r.sourcePartition), { partition: r.sourcePartition, offset: r.sourceOffset });
  return [...last.values()];
}

function partitionKey(partition: SourcePartition): string {
  return JSON.stringify(partition);
}
