import { randomUUID } from 'node:crypto';
import { createAdmin, createConsumer, createProducer, type KafkaMessage } from '@outflow/kafka';
import type { ConsoleKafka } from './tail.ts';

/**
 * The dead-letter headers `@outflow/inbox` writes (its `DLQ_HEADERS`; the relay does not depend on the
 * inbox library, so the two names it acts on are repeated here).
 */
const ORIGINAL_TOPIC = 'outflow.dlq.original.topic';
const DLQ_PREFIX = 'outflow.dlq.';

/** The console's own consumers, left out of the groups it lists. */
const CONSOLE_GROUP_PREFIX = 'outflow-console-';

/** One partition of a consumer group: where the group is and where the log ends. */
export interface GroupPartition {
  readonly topic: string;
  readonly partition: number;
  readonly committed: string;
  readonly end: string;
  readonly lag: string;
}

export interface GroupSummary {
  readonly id: string;
  readonly state: string;
  readonly members: number;
  readonly partitions: readonly GroupPartition[];
  /** Sum of the partitions' lag. */
  readonly lag: string;
}

/** A record of a dead-letter topic, as the Inbox view shows it. */
export interface DeadLetter {
  readonly partition: number;
  readonly offset: string;
  readonly timestamp: number;
  readonly key: string | null;
  readonly headers: readonly (readonly [string, string])[];
  readonly value: string | null;
}

const VALUE_LIMIT = 16 * 1024;
const READ_TIMEOUT_MS = 5000;

/**
 * What the Inbox view reads and does through Kafka's own APIs, with short-lived clients (opened per request,
 * closed after), so nothing stays connected while nobody looks.
 */
export class ConsoleInbox {
  readonly #kafka: ConsoleKafka;

  constructor(kafka: ConsoleKafka) {
    this.#kafka = kafka;
  }

  #client(kind: 'consumer' | 'admin' | 'producer') {
    return { bootstrapServers: [...this.#kafka.bootstrapServers], clientProperties: this.#kafka[kind] };
  }

  /** Every consumer group but the console's own, with its lag per partition. */
  async groups(): Promise<GroupSummary[]> {
    const admin = createAdmin({ ...this.#client('admin'), clientId: 'outflow-console-admin', retries: 0 });
    try {
      const listed = [...(await admin.listGroups()).values()].filter(
        (g) =>
          !g.id.startsWith(CONSOLE_GROUP_PREFIX) && (g.protocolType === 'consumer' || g.protocolType === ''),
      );
      if (listed.length === 0) return [];
      const described = await admin.describeGroups({ groups: listed.map((g) => g.id) });
      const committed = await admin.listConsumerGroupOffsets({ groups: listed.map((g) => g.id) });
      const wanted = new Map<string, Set<number>>();
      for (const g of committed)
        for (const t of g.topics)
          for (const p of t.partitions) {
            if (!wanted.has(t.name)) wanted.set(t.name, new Set());
            wanted.get(t.name)!.add(p.partitionIndex);
          }
      const ends = new Map<string, bigint>();
      if (wanted.size > 0) {
        const listedOffsets = await admin.listOffsets({
          topics: [...wanted].map(([name, partitions]) => ({
            name,
            partitions: [...partitions].map((partitionIndex) => ({ partitionIndex, timestamp: -1n })),
          })),
        });
        for (const t of listedOffsets)
          for (const p of t.partitions) ends.set(`${t.name}\0${p.partitionIndex}`, p.offset);
      }
      return listed
        .map((g) => {
          const offsets = committed.find((c) => c.groupId === g.id);
          const partitions: GroupPartition[] = [];
          let total = 0n;
          for (const t of offsets?.topics ?? [])
            for (const p of t.partitions) {
              if (p.committedOffset < 0n) continue;
              const end = ends.get(`${t.name}\0${p.partitionIndex}`) ?? p.committedOffset;
              const lag = end > p.committedOffset ? end - p.committedOffset : 0n;
              total += lag;
              partitions.push({
                topic: t.name,
                partition: p.partitionIndex,
                committed: p.committedOffset.toString(),
                end: end.toString(),
                lag: lag.toString(),
              });
            }
          partitions.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
          return {
            id: g.id,
            state: described.get(g.id)?.state ?? g.state,
            members: described.get(g.id)?.members.size ?? 0,
            partitions,
            lag: total.toString(),
          };
        })
        .sort((a, b) => a.id.localeCompare(b.id));
    } finally {
      await admin.close().catch(() => undefined);
    }
  }

  /** Topic names, for choosing a dead-letter topic. */
  async topics(): Promise<string[]> {
    const admin = createAdmin({ ...this.#client('admin'), clientId: 'outflow-console-admin', retries: 0 });
    try {
      return (await admin.listTopics()).sort();
    } finally {
      await admin.close().catch(() => undefined);
    }
  }

  /** The last `limit` records of each partition of `topic`, newest first. */
  async lastRecords(topic: string, limit: number): Promise<DeadLetter[]> {
    const messages = await this.#read(topic, (end, start) =>
      end - BigInt(limit) > start ? end - BigInt(limit) : start,
    );
    return messages
      .map((m) => {
        const value = m.value as Buffer | null | undefined;
        return {
          partition: m.partition,
          offset: m.offset.toString(),
          timestamp: Number(m.timestamp),
          key: m.key === undefined || m.key === null || m.key === '' ? null : m.key,
          headers: [...m.headers].map(([k, v]) => [String(k), String(v)] as const),
          value:
            value === undefined || value === null || value.length === 0
              ? null
              : value.toString('utf8', 0, VALUE_LIMIT),
        };
      })
      .sort((a, b) => b.timestamp - a.timestamp || Number(BigInt(b.offset) - BigInt(a.offset)));
  }

  /**
   * Writes the dead-lettered record at `partition`/`offset` of `topic` back to the topic it came from (its
   * `outflow.dlq.original.topic` header), with its key, value and original headers, so the consumer handles
   * it again. Returns the topic it went to.
   */
  async replay(topic: string, partition: number, offset: bigint): Promise<string> {
    const wanted = (m: KafkaMessage) => m.partition === partition && m.offset === offset;
    const [record] = (
      await this.#read(
        topic,
        (end, start, p) => (p === partition && offset >= start && offset < end ? offset : end),
        wanted,
      )
    ).filter(wanted);
    if (record === undefined) throw new Error(`no record at ${topic}/${partition}@${offset}`);
    const target = record.headers.get(ORIGINAL_TOPIC);
    if (target === undefined || target === '')
      throw new Error(`the record at ${topic}/${partition}@${offset} has no ${ORIGINAL_TOPIC} header`);
    const headers = new Map<string, string>();
    for (const [k, v] of record.headers)
      if (!String(k).startsWith(DLQ_PREFIX)) headers.set(String(k), String(v));
    const producer = createProducer({ ...this.#client('producer'), clientId: 'outflow-console-replay' });
    try {
      await producer.send({
        messages: [
          {
            topic: target,
            key: record.key === undefined || record.key === null ? undefined : record.key,
            value: (record.value as Buffer | null | undefined) ?? undefined,
            headers,
          },
        ],
      } as Parameters<typeof producer.send>[0]);
    } finally {
      await producer.close().catch(() => undefined);
    }
    return target;
  }

  /**
   * Reads each partition of `topic` from `from(end, start, partition)` to the end it had when asked (or until
   * `enough`), with a consumer that joins no one else's group and commits nothing.
   */
  async #read(
    topic: string,
    from: (end: bigint, start: bigint, partition: number) => bigint,
    enough?: (message: KafkaMessage) => boolean,
  ): Promise<KafkaMessage[]> {
    const consumer = createConsumer({
      ...this.#client('consumer'),
      groupId: `${CONSOLE_GROUP_PREFIX}read-${randomUUID()}`,
      maxWaitTimeMs: 200,
    });
    try {
      const ends = (await consumer.listOffsets({ topics: [topic] })).get(topic) ?? [];
      const starts = (await consumer.listOffsets({ topics: [topic], timestamp: -2n })).get(topic) ?? [];
      const offsets = ends.map((end, partition) => ({
        topic,
        partition,
        offset: from(end, starts[partition] ?? 0n, partition),
      }));
      const pending = new Set(offsets.filter((o, p) => o.offset < ends[p]!).map((o) => o.partition));
      if (pending.size === 0) return [];
      const out: KafkaMessage[] = [];
      const stream = await consumer.consume({ topics: [topic], mode: 'manual', offsets });
      const timer = setTimeout(() => void stream.close(), READ_TIMEOUT_MS);
      try {
        for await (const message of stream) {
          const m = message as KafkaMessage;
          if (m.offset < ends[m.partition]!) out.push(m);
          if (m.offset >= ends[m.partition]! - 1n) pending.delete(m.partition);
          if (pending.size === 0 || enough?.(m) === true) break;
        }
      } finally {
        clearTimeout(timer);
        await stream.close().catch(() => undefined);
      }
      return out;
    } finally {
      await consumer.close(true).catch(() => undefined);
    }
  }
}
