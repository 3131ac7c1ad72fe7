import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createAdmin, createConsumer, type KafkaMessage } from '@outflow/kafka';
import { type ProducerRecord, RelayError } from '@outflow/relay-core';
import { kafkaBootstrap, uniqueName } from '@outflow/testing';
import { FetchIsolationLevels } from '@platformatic/kafka';
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

/** Reads `count` records of `topic` from the beginning (only committed transactions' if `committed`). */
async function consume(topic: string, count: number, committed = false): Promise<KafkaMessage[]> {
  const consumer = createConsumer({ bootstrapServers: kafkaBootstrap, groupId: uniqueName('sink-test') });
  const stream = await consumer.consume({
    topics: [topic],
    mode: 'earliest',
    ...(committed ? { isolationLevel: FetchIsolationLevels.READ_COMMITTED } : {}),
  });
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

describe('Kafka sink with exactly-once', () => {
  it('is fenced for good once a newer sink takes its transactional.id', async () => {
    const transactionalId = uniqueName('txid');
    const topic = uniqueName('sink_fenced');
    const older = createKafkaSink({ bootstrapServers: kafkaBootstrap, transactionalId });
    const newer = createKafkaSink({ bootstrapServers: kafkaBootstrap, transactionalId });
    try {
      await older.send([record(topic, 'k', 'older 1')]);
      await newer.prepare?.();
      const error = await older.send([record(topic, 'k', 'older 2')]).then(
        () => assert.fail('the fenced sink wrote'),
        (e: unknown) => e,
      );
      assert.ok(error instanceof RelayError);
      assert.equal(error.retriable, false);
      assert.match(error.message, /PRODUCER_FENCED/);
      assert.match(error.message, /newer producer with this transactional\.id took over/);
      await newer.send([record(topic, 'k', 'newer')]);
      const seen = await consume(topic, 2, true);
      assert.deepEqual(
        seen.map((m) => m.value.toString()),
        ['older 1', 'newer'],
      );
    } finally {
      await Promise.all([older.close().catch(() => undefined), newer.close()]);
    }
  });

  it('goes on after the coordinator aborted its transaction for running past the timeout', async () => {
    // The broker throttles this client to 2 KB/s, so a 30 KB transaction stays open for seconds, well past
    // its timeout (the client's request timeout, 2 s): the coordinator aborts it and bumps the epoch.
    const clientId = uniqueName('sink-slow');
    const topic = uniqueName('sink_expired');
    const quota = (
      op:
        | { key: 'producer_byte_rate'; value: number; remove: false }
        | { key: 'producer_byte_rate'; remove: true },
    ) =>
      admin.alterClientQuotas({
        entries: [{ entities: [{ entityType: 'client-id', entityName: clientId }], ops: [op] }],
      });
    await quota({ key: 'producer_byte_rate', value: 2048, remove: false });
    const sink = createKafkaSink({
      bootstrapServers: kafkaBootstrap,
      clientId,
      transactionalId: uniqueName('txid'),
      requestTimeoutMs: 2000,
      batchSize: 1024,
    });
    try {
      const slow = Array.from({ length: 30 }, (_, i) => record(topic, 'k', `slow ${i} ${'z'.repeat(900)}`));
      const error = await sink.send(slow).then(
        () => assert.fail('the throttled transaction committed'),
        (e: unknown) => e,
      );
      assert.ok(error instanceof RelayError);
      assert.equal(error.retriable, true, String(error));
      assert.match(error.message, /coordinator aborted the transaction/);
      await quota({ key: 'producer_byte_rate', remove: true });
      await sink.send([record(topic, 'k', 'after')]);
      const [first] = await consume(topic, 1, true);
      assert.equal(first?.value.toString(), 'after');
    } finally {
      await quota({ key: 'producer_byte_rate', remove: true }).catch(() => undefined);
      await sink.close();
    }
  });
});
