import type { OutflowConsumer } from '@outflow/kafka';
import { type Connection, kGetApi, kGetConnection } from '@platformatic/kafka';

/**
 * Reads a whole topic by explicit fetches, the way Connect's `KafkaBasedLog` does (the consumer never joins
 * its group): shared by the compacted key/value store and the append-only log.
 */

/** A new topic's partitions get leaders shortly after creation; reading before that costs a retry delay. */
export async function awaitLeaders(consumer: OutflowConsumer, topic: string): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt++) {
    try {
      const metadata = await consumer.metadata({ topics: [topic], forceUpdate: true });
      const partitions = metadata.topics.get(topic)?.partitions ?? [];
      if (partitions.length > 0 && partitions.every((p) => p !== undefined && p.leader >= 0)) return;
    } catch {
      // Not known yet: try again.
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Reads every partition from `from` (its start where `from` has no position) up to the end offsets listed at
 * the call, committed records only, and hands each record to `visit` in offset order within its partition
 * (partition by partition when the topic has several). Returns the positions reached. Throws the client's
 * error as it is.
 */
/** Where a record read by {@link readTopicToEnd} lies, and its headers. */
export interface RecordPlace {
  readonly partition: number;
  readonly offset: bigint;
  readonly headers: readonly (readonly [Buffer | null, Buffer | null])[];
}

export async function readTopicToEnd(
  consumer: OutflowConsumer,
  topic: string,
  visit: (key: Buffer | null, value: Buffer | null, place: RecordPlace) => void,
  from: readonly bigint[] = [],
): Promise<bigint[]> {
  const ends = (await consumer.listOffsets({ topics: [topic] })).get(topic) ?? [];
  const starts = (await consumer.listOffsets({ topics: [topic], timestamp: -2n })).get(topic) ?? [];
  const positions = ends.map((_, partition) => {
    const start = starts[partition] ?? 0n;
    const known = from[partition];
    // Compaction or retention may have removed what lay between: start where the log now starts.
    return known !== undefined && known > start ? known : start;
  });
  let idleRounds = 0;
  while (positions.some((position, partition) => position < ends[partition]!)) {
    const progressed = await fetchOnce(consumer, topic, positions, ends, visit);
    idleRounds = progressed ? 0 : idleRounds + 1;
    if (idleRounds > 50) throw new Error('no progress while reading the topic to its end');
    if (!progressed) await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return positions;
}

/** One fetch per leader for the partitions still behind; returns whether any position moved. */
async function fetchOnce(
  consumer: OutflowConsumer,
  topicName: string,
  positions: bigint[],
  ends: readonly bigint[],
  visit: (key: Buffer | null, value: Buffer | null, place: RecordPlace) => void,
): Promise<boolean> {
  const metadata = await consumer.metadata({ topics: [topicName] });
  const topic = metadata.topics.get(topicName);
  if (topic === undefined) throw new Error(`topic "${topicName}" has no metadata`);
  const byLeader = new Map<number, number[]>();
  positions.forEach((position, partition) => {
    if (position >= ends[partition]!) return;
    const leader = topic.partitions[partition]!.leader;
    byLeader.set(leader, [...(byLeader.get(leader) ?? []), partition]);
  });
  let progressed = false;
  for (const [node, partitions] of byLeader) {
    const broker = metadata.brokers.get(node);
    if (broker === undefined) throw new Error(`broker ${node} of topic "${topicName}" is not known`);
    const response = await fetchCommitted(consumer, broker, {
      // Fetch v12 and older name topics; later versions identify them by id.
      topicId: topic.id,
      topicName,
      partitions: partitions.map((partition) => ({
        partition,
        fetchOffset: positions[partition]!,
        partitionMaxBytes: 8 * 1024 * 1024,
        currentLeaderEpoch: -1,
        lastFetchedEpoch: -1,
      })),
    });
    for (const topicResponse of response.responses) {
      for (const part of topicResponse.partitions) {
        if (part.errorCode !== 0)
          throw new Error(`fetch error ${part.errorCode} on partition ${part.partitionIndex}`);
        const index = part.partitionIndex;
        const aborted = new AbortedTransactions(part.abortedTransactions ?? []);
        for (const batch of part.records ?? []) {
          const next = batch.firstOffset + BigInt(batch.lastOffsetDelta) + 1n;
          // Control batches (transaction markers) carry no data; batches of aborted transactions are skipped.
          if ((batch.attributes & CONTROL) !== 0) aborted.marker(batch);
          else if (!aborted.skips(batch)) {
            for (const record of batch.records) {
              const offset = batch.firstOffset + BigInt(record.offsetDelta);
              if (offset < positions[index]! || offset >= ends[index]!) continue;
              visit(
                record.key === null ? null : Buffer.from(record.key),
                record.value === null ? null : Buffer.from(record.value),
                { partition: index, offset, headers: record.headers },
              );
            }
          }
          if (next > positions[index]!) {
            positions[index] = next;
            progressed = true;
          }
        }
      }
    }
  }
  return progressed;
}

interface FetchedBatch {
  readonly firstOffset: bigint;
  readonly lastOffsetDelta: number;
  readonly producerId: bigint;
  readonly attributes: number;
  readonly records: readonly {
    readonly offsetDelta: number;
    readonly key: Buffer | null;
    readonly value: Buffer | null;
    readonly headers: readonly (readonly [Buffer | null, Buffer | null])[];
  }[];
}

interface FetchedPartition {
  readonly partitionIndex: number;
  readonly errorCode: number;
  readonly abortedTransactions?: readonly { producerId: bigint; firstOffset: bigint }[] | null;
  readonly records?: readonly FetchedBatch[] | null;
}

/**
 * One `read_committed` Fetch sent as it is, with the broker's list of aborted transactions left for
 * {@link AbortedTransactions} to apply. The client's own fetch filters aborted records itself and gets it
 * wrong when a producer has several aborted transactions in one response (it keeps one range per producer
 * and can drop the committed transactions between them) or when an ABORT marker falls outside the response.
 */
async function fetchCommitted(
  consumer: OutflowConsumer,
  broker: { host: string; port: number },
  request: {
    topicId: string;
    topicName: string;
    partitions: {
      partition: number;
      fetchOffset: bigint;
      partitionMaxBytes: number;
      currentLeaderEpoch: number;
      lastFetchedEpoch: number;
    }[];
  },
): Promise<{ responses: readonly { partitions: readonly FetchedPartition[] }[] }> {
  const connection = await new Promise<Connection>((resolve, reject) =>
    consumer[kGetConnection](broker, (error: Error | null, found?: Connection) =>
      error || found === undefined ? reject(error ?? new Error('no connection')) : resolve(found),
    ),
  );
  const api = await new Promise<{ version: number; async: (...args: unknown[]) => Promise<unknown> }>(
    (resolve, reject) =>
      consumer[kGetApi]('Fetch', (error: Error | null, found: unknown) =>
        error
          ? reject(error)
          : resolve(found as { version: number; async: (...a: unknown[]) => Promise<unknown> }),
      ),
  );
  const topicKey = api.version <= 12 ? request.topicName : request.topicId;
  const READ_COMMITTED = 1;
  return (await api.async(
    connection,
    100,
    1,
    64 * 1024 * 1024,
    READ_COMMITTED,
    0,
    -1,
    [{ topicId: topicKey, partitions: request.partitions }],
    [],
    '',
  )) as { responses: readonly { partitions: readonly FetchedPartition[] }[] };
}

/** Record batch attribute bits (Kafka's RecordBatch): part of a transaction, a control batch. */
const TRANSACTIONAL = 0x10;
const CONTROL = 0x20;

/**
 * What a `read_committed` reader must leave out (the Java consumer's algorithm): the fetch lists the aborted
 * transactions (producer, first offset); a transactional batch of such a producer from that offset on is
 * skipped until the producer's ABORT marker.
 */
class AbortedTransactions {
  readonly #pending: { producerId: bigint; firstOffset: bigint }[];
  readonly #open = new Set<bigint>();

  constructor(list: readonly { producerId: bigint; firstOffset: bigint }[]) {
    this.#pending = [...list].sort((a, b) => (a.firstOffset < b.firstOffset ? -1 : 1));
  }

  skips(batch: { producerId: bigint; firstOffset: bigint; attributes: number }): boolean {
    if ((batch.attributes & TRANSACTIONAL) === 0) return false;
    while (this.#pending.length > 0 && this.#pending[0]!.firstOffset <= batch.firstOffset) {
      this.#open.add(this.#pending.shift()!.producerId);
    }
    return this.#open.has(batch.producerId);
  }

  marker(batch: { producerId: bigint; records: readonly { key: Buffer | null }[] }): void {
    // Control record key: version (int16), type (int16: 0 = ABORT, 1 = COMMIT).
    const key = batch.records[0]?.key;
    if (key !== null && key !== undefined && key.length >= 4 && key.readInt16BE(2) === 0)
      this.#open.delete(batch.producerId);
  }
}
