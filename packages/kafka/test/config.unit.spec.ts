import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  bootstrapFromEnv,
  createAdmin,
  createConsumer,
  createProducer,
  ensureTopic,
  KafkaClientError,
  parseBootstrapServers,
} from '../src/index.ts';

function rejectsOption(fn: () => unknown, option: string): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof KafkaClientError);
    assert.equal(error.code, 'KAFKA_CONFIG_INVALID');
    assert.equal(error.details.option, option);
    return true;
  });
}

test('bootstrapFromEnv defaults to the local broker and reads a comma-separated list', () => {
  assert.deepEqual(bootstrapFromEnv({}), ['127.0.0.1:9092']);
  assert.deepEqual(bootstrapFromEnv({ KAFKA_BOOTSTRAP_SERVERS: '  ' }), ['127.0.0.1:9092']);
  assert.deepEqual(bootstrapFromEnv({ KAFKA_BOOTSTRAP_SERVERS: 'a:1, b.example:9093,[::1]:9094' }), [
    'a:1',
    'b.example:9093',
    '[::1]:9094',
  ]);
});

test('a malformed bootstrap address names its source', () => {
  rejectsOption(() => bootstrapFromEnv({ KAFKA_BOOTSTRAP_SERVERS: 'localhost' }), 'KAFKA_BOOTSTRAP_SERVERS');
  rejectsOption(() => bootstrapFromEnv({ KAFKA_BOOTSTRAP_SERVERS: 'host:70000' }), 'KAFKA_BOOTSTRAP_SERVERS');
  rejectsOption(() => parseBootstrapServers([]), 'bootstrapServers');
  rejectsOption(() => createAdmin({ bootstrapServers: 'nope' }), 'bootstrapServers');
});

test('the producer is idempotent with acks all unless told otherwise', () => {
  rejectsOption(() => createProducer({ bootstrapServers: '127.0.0.1:9092', acks: 'leader' }), 'acks');
  rejectsOption(
    () => createProducer({ bootstrapServers: '127.0.0.1:9092', acks: 'some' as never, idempotent: false }),
    'acks',
  );
  rejectsOption(() => createProducer({ bootstrapServers: '127.0.0.1:9092', clientId: ' ' }), 'clientId');
  rejectsOption(() => createProducer({ bootstrapServers: '127.0.0.1:9092', retries: -1 }), 'retries');
});

test('consumer options are checked at construction', () => {
  const bootstrapServers = '127.0.0.1:9092';
  rejectsOption(() => createConsumer({ bootstrapServers, groupId: '' }), 'groupId');
  rejectsOption(() => createConsumer({ bootstrapServers } as never), 'groupId');
  rejectsOption(
    () => createConsumer({ bootstrapServers, groupId: 'g', sessionTimeoutMs: 10.5 }),
    'sessionTimeoutMs',
  );
  rejectsOption(
    () =>
      createConsumer({ bootstrapServers, groupId: 'g', sessionTimeoutMs: 5000, heartbeatIntervalMs: 5000 }),
    'heartbeatIntervalMs',
  );
});

test('ensureTopic rejects an illegal topic name before any request', async () => {
  const admin = createAdmin({ bootstrapServers: '127.0.0.1:9' });
  try {
    for (const name of ['', '..', 'has space', 'x'.repeat(250)]) {
      await assert.rejects(ensureTopic(admin, name), (error: unknown) => {
        assert.ok(error instanceof KafkaClientError);
        assert.equal(error.details.option, 'topic');
        return true;
      });
    }
    await assert.rejects(ensureTopic(admin, 'ok', { partitions: 0 }), /partitions/);
  } finally {
    await admin.close();
  }
});
