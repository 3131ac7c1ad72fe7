import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { kafkaBootstrap, uniqueName } from '@outflow/testing';
import {
  createAdmin,
  createConsumer,
  createProducer,
  ensureTopic,
  type KafkaMessage,
  type OutflowAdmin,
} from '../src/index.ts';

// Needs the broker of `npm run infra -- up` (OUTFLOW_KAFKA_PORT, default 9092).
let admin: OutflowAdmin;

before(() => {
  admin = createAdmin({ bootstrapServers: kafkaBootstrap, clientId: 'kafka-int-spec' });
});

after(async () => {
  await admin.close();
});

test('ensureTopic creates a topic once and then reports it exists', async () => {
  const topic = uniqueName('kafka_ensure');
  assert.equal(await ensureTopic(admin, topic, { partitions: 2 }), 'created');
  assert.equal(await ensureTopic(admin, topic, { partitions: 2 }), 'exists');
  await admin.deleteTopics({ topics: [topic] });
});

test('a record produced with key, value and header is consumed back unchanged', async () => {
  const topic = uniqueName('kafka_roundtrip');
  await ensureTopic(admin, topic);

  const producer = createProducer({ bootstrapServers: kafkaBootstrap, clientId: 'kafka-int-spec-producer' });
  try {
    const sent = await producer.send({
      messages: [
        { topic, key: 'order-42', value: '{"total":12.5}', headers: { 'event-type': 'OrderPlaced' } },
      ],
    });
    assert.equal(sent.offsets?.[0]?.offset, 0n);
  } finally {
    await producer.close();
  }

  const consumer = createConsumer({
    bootstrapServers: kafkaBootstrap,
    clientId: 'kafka-int-spec-consumer',
    groupId: uniqueName('kafka_group'),
  });
  try {
    const stream = await consumer.consume({ topics: [topic], mode: 'earliest' });
    let received: KafkaMessage | undefined;
    try {
      for await (const message of stream) {
        received = message;
        await message.commit();
        break;
      }
    } finally {
      await stream.close();
    }
    assert.ok(received, 'no record consumed');
    assert.equal(received.topic, topic);
    assert.equal(received.key, 'order-42');
    assert.ok(Buffer.isBuffer(received.value));
    assert.equal(received.value.toString('utf8'), '{"total":12.5}');
    assert.equal(received.headers.get('event-type'), 'OrderPlaced');
  } finally {
    await consumer.close();
    await admin.deleteTopics({ topics: [topic] });
  }
});
