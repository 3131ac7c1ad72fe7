import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createAdmin } from '@outflow/kafka';
import { kafkaBootstrap, uniqueName } from '@outflow/testing';
import { ConfigResourceTypes } from '@platformatic/kafka';
import { createKafkaKvStore, createKafkaOffsetStore } from '../src/index.ts';
import { offsetStoreContract } from './offset-store.contract.ts';

offsetStoreContract('kafka', async () => {
  const topic = uniqueName('offsets');
  const kv = () => createKafkaKvStore({ bootstrapServers: kafkaBootstrap, topic, partitions: 5 });
  return {
    open: () => createKafkaOffsetStore({ bootstrapServers: kafkaBootstrap, topic, partitions: 5 }),
    async raw() {
      const store = kv();
      try {
        await store.refresh();
        return new Map([...store.entries()].map(([k, v]) => [k, v.toString('utf8')]));
      } finally {
        await store.close();
      }
    },
    async writeRaw(key, value) {
      const store = kv();
      try {
        await store.set([{ key, value: value === null ? null : Buffer.from(value) }]);
      } finally {
        await store.close();
      }
    },
    async dispose() {
      const admin = createAdmin({ bootstrapServers: kafkaBootstrap });
      try {
        await admin.deleteTopics({ topics: [topic] });
      } catch {
        // A test that never wrote leaves no topic.
      } finally {
        await admin.close();
      }
    },
  };
});

it('kafka store: creates a compacted topic with 25 partitions by default', async () => {
  const topic = uniqueName('offsets_default');
  const store = createKafkaOffsetStore({ bootstrapServers: kafkaBootstrap, topic });
  const admin = createAdmin({ bootstrapServers: kafkaBootstrap });
  try {
    await store.set('c', [{ partition: { server: 's' }, offset: { pos: 1 } }]);
    const metadata = await admin.metadata({ topics: [topic] });
    assert.equal(metadata.topics.get(topic)?.partitionsCount, 25);
    const [description] = await admin.describeConfigs({
      resources: [
        {
          resourceType: ConfigResourceTypes.TOPIC,
          resourceName: topic,
          configurationKeys: ['cleanup.policy'],
        },
      ],
    });
    assert.equal(description?.configs.find((c) => c.name === 'cleanup.policy')?.value, 'compact');
    await admin.deleteTopics({ topics: [topic] });
  } finally {
    await store.close();
    await admin.close();
  }
});

it('kafka store: rejects a partition count outside 1..25', () => {
  assert.throws(() => createKafkaOffsetStore({ bootstrapServers: kafkaBootstrap, partitions: 26 }), {
    code: 'CONFIG_INVALID',
  });
});
