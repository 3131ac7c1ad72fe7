import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createAdmin, createConsumer, type KafkaMessage } from '@outflow/kafka';
import type { ProducerRecord } from '@outflow/relay-core';
import { kafkaBootstrap, uniqueName } from '@outflow/testing';
import { createKafkaSink, javaKeyPartition } from '../src/index.ts';

const PARTITIONS = 3;
const sink = createKafkaSink({ bootstrapServers: kafkaBootstrap, topicPartitions: PARTITIONS });
const admin = createAdmin({ bootstrapServers: kafkaBootstrap });

after(async () => {
  await sink.close();
  await admin.close();
});

function record(
  topic: string,
  key: string | null,
  value: string | null,
  headers: ProducerRecord['headers'] = [],
) {
  return {
    topic,
    key: key === null ? null : Buffer.from(key),
    value: value === null ? null : Buffer.from(value),
    headers,
  } satisfies ProducerRecord;
}

/** Reads `count` records of `topic` from the beginning. */
async function consume(topic: string, count: number): Promise<KafkaMessage[]> {
  const consumer = createConsumer({ bootstrapServers: kafkaBootstrap, groupId: uniqueName('sink-test') });
  const stream = await consumer.consume({ topics: [topic], mode: 'earliest' });
  const messages: KafkaMessage[] = [];
  const timeout = setTimeout(
    () => stream.destroy(new Error(`only ${messages.length} of ${count} records`)),
    20_000,
  );
  try {
    for await (const message of stream) {
      messages.push(message);
      if (messages.length >= count) break;
    }
  } finally {
    clearTimeout(timeout);
    await stream.close();
    await consumer.close(true);
  }
  return messages;
}

describe('Kafka sink against the local broker', () => {
  it('creates a missing topic with the configured partitions', async () => {
    const topic = uniqueName('sink_created');
    await sink.send([record(topic, 'k', 'v')]);
    const metadata = await admin.metadata({ topics: [topic] });
    assert.equal(metadata.topics.get(topic)?.partitionsCount, PARTITIONS);
    assert.ok(sink.stats().topics.includes(topic));
  });

  it('keeps per-key order over 1,000 records and 10 keys, on the Java partition of each key', async () => {
    const topic = uniqueName('sink_order');
    const keys = Array.from({ length: 10 }, (_, i) => `aggregate-${i}`);
    const all = Array.from({ length: 1000 }, (_, i) => record(topic, keys[i % keys.length]!, String(i)));
    const before = sink.stats().recordsSent;
    // Ten calls in flight at once: merged, then written in call order.
    await Promise.all(Array.from({ length: 10 }, (_, c) => sink.send(all.slice(c * 100, c * 100 + 100))));
    assert.equal(sink.stats().recordsSent - before, 1000);

    const messages = await consume(topic, 1000);
    assert.equal(messages.length, 1000);
    const lastByKey = new Map<string, number>();
    for (const m of messages) {
      const n = Number(m.value.toString());
      const key = m.key;
      assert.ok((lastByKey.get(key) ?? -1) < n, `order of ${key}`);
      lastByKey.set(key, n);
      assert.equal(m.partition, javaKeyPartition(Buffer.from(key), PARTITIONS), `partition of ${key}`);
    }
    assert.equal(lastByKey.size, 10);
  });

  it('round-trips headers and tombstones', async () => {
    const topic = uniqueName('sink_headers');
    await sink.send([
      record(topic, 'agg-1', '{"a":1}', [
        { key: 'id', value: Buffer.from('3f2c') },
        { key: 'empty', value: Buffer.alloc(0) },
      ]),
      record(topic, 'agg-1', null),
    ]);
    const [first, tombstone] = await consume(topic, 2);
    assert.ok(first && tombstone);
    assert.equal(first.key, 'agg-1');
    assert.equal(first.value.toString(), '{"a":1}');
    assert.equal(first.headers.get('id'), '3f2c');
    assert.equal(first.headers.get('empty'), '');
    assert.equal(tombstone.key, 'agg-1');
    assert.ok(tombstone.value === null || tombstone.value === undefined, 'tombstone value is null');
    assert.equal(tombstone.partition, first.partition);
  });

  it('rejects a record over max.message.bytes naming topic, key and size, writing nothing', async () => {
    const topic = uniqueName('sink_large');
    const big = 'x'.repeat(1_100_000);
    await assert.rejects(
      sink.send([record(topic, 'small', 'ok'), record(topic, 'huge-key', big)]),
      (error: unknown) => {
        const e = error as {
          code: string;
          retriable: boolean;
          message: string;
          details: Record<string, unknown>;
        };
        assert.equal(e.code, 'SINK_FAILED');
        assert.equal(e.retriable, false);
        assert.match(e.message, new RegExp(topic));
        assert.match(e.message, /huge-key/);
        assert.match(e.message, /max\.message\.bytes/);
        assert.ok(Number(e.details.size) > 1_100_000);
        return true;
      },
    );
    // The sink keeps working afterwards.
    await sink.send([record(topic, 'after', 'ok')]);
    const [only] = await consume(topic, 1);
    assert.equal(only?.key, 'after');
  });

  it('splits a send larger than batchSize into ordered requests', async () => {
    const small = createKafkaSink({ bootstrapServers: kafkaBootstrap, batchSize: 4096, compression: 'gzip' });
    try {
      const topic = uniqueName('sink_split');
      const records = Array.from({ length: 50 }, (_, i) =>
        record(topic, 'one-key', `${i}:${'y'.repeat(500)}`),
      );
      await small.send(records);
      assert.ok(small.stats().requestsSent >= 5);
      const messages = await consume(topic, 50);
      assert.deepEqual(
        messages.map((m) => Number(m.value.toString().split(':')[0])),
        Array.from({ length: 50 }, (_, i) => i),
      );
    } finally {
      await small.close();
    }
  });
});
