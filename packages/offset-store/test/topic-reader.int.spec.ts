import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createAdmin, createConsumer, createProducer, ensureTopic } from '@outflow/kafka';
import { kafkaBootstrap, uniqueName } from '@outflow/testing';
import { readTopicToEnd } from '../src/index.ts';

/**
 * What a relay's crashes leave in a topic: one transactional.id whose producers abort, commit and get fenced
 * in turn (each new producer bumps the epoch of the same producer id). A read_committed reader must see the
 * committed records, all of them, and nothing else. (The Kafka client's own read_committed filter keeps one
 * aborted range per producer id and dropped the committed transactions between two aborts: a relay read its
 * offsets from before them and published those records again.)
 */
it('reads every committed transaction of a producer id and none of its aborted ones', async () => {
  const topic = uniqueName('txns');
  const admin = createAdmin({ bootstrapServers: kafkaBootstrap });
  await ensureTopic(admin, topic, { partitions: 1 });
  await admin.close();
  const transactionalId = uniqueName('txid');
  const expected: string[] = [];
  const send = async (values: string[], outcome: 'commit' | 'abort' | 'leave open') => {
    const producer = createProducer({
      bootstrapServers: kafkaBootstrap,
      transactionalId,
      idempotent: true,
      acks: 'all',
    });
    const tx = await producer.beginTransaction({ producerId: -1n, producerEpoch: -1 });
    await tx.send({
      messages: values.map((value) => ({ topic, key: 'k', value: Buffer.from(value) })),
      acks: -1,
    });
    if (outcome === 'commit') {
      await tx.commit();
      expected.push(...values);
    } else if (outcome === 'abort') await tx.abort();
    // Left open, the next producer's initialisation aborts it, as after a SIGKILL.
    await producer.close(outcome === 'leave open');
  };
  await send(['a1', 'a2'], 'abort');
  await send(['c1', 'c2', 'c3'], 'commit');
  await send(['k1'], 'leave open');
  await send(['c4'], 'commit');
  await send(['a3', 'a4', 'a5'], 'abort');
  await send(['c5', 'c6'], 'commit');
  await send(['k2', 'k3'], 'leave open');
  await send(['c7'], 'commit');

  const consumer = createConsumer({ bootstrapServers: kafkaBootstrap, groupId: uniqueName('reader') });
  try {
    const seen: string[] = [];
    await readTopicToEnd(consumer, topic, (_key, value) => seen.push(value?.toString('utf8') ?? ''));
    assert.deepEqual(seen, expected);
  } finally {
    await consumer.close(true);
  }
});
