import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createKafkaKvStore } from '@outflow/offset-store';
import { kafkaBootstrap, uniqueName } from '@outflow/testing';
import type { ConfigStore } from '../src/worker/config-store.ts';
import {
  CONFIG_WRITE_MAX_BYTES,
  configWriteBytes,
  createKafkaConfigStore,
} from '../src/worker/kafka-config-store.ts';

/** The largest configuration whose stored size is at most the limit plus `extra` bytes. */
function configOfSize(extra: number): Record<string, string> {
  const target = CONFIG_WRITE_MAX_BYTES + extra;
  const make = (pad: number) => ({
    name: 'c',
    'connector.class': 'io.debezium.connector.mysql.MySqlConnector',
    'database.hostname': 'h'.repeat(pad),
  });
  // Length prefixes are varints, so a byte more of value can add two; step down until it fits.
  let pad = target - configWriteBytes('c', make(0));
  while (configWriteBytes('c', make(pad)) > target) pad--;
  return make(pad);
}

/**
 * The size the relay refuses configurations above (a 400 when submitted) is what the real config topic
 * takes: a configuration at the limit is stored, one clearly above it is refused by Kafka.
 */
describe('config topic write size against the real Kafka', () => {
  let store: ConfigStore;
  before(async () => {
    store = createKafkaConfigStore(
      createKafkaKvStore({
        bootstrapServers: [kafkaBootstrap],
        topic: uniqueName('relay_it_config_size'),
        partitions: 1,
        replicationFactor: 1,
      }),
    );
    await store.load();
  });
  after(async () => {
    await store?.close();
  });

  it('stores a configuration at the limit and Kafka refuses one above it', async () => {
    const atLimit = configOfSize(0);
    assert.ok(configWriteBytes('c', atLimit) >= CONFIG_WRITE_MAX_BYTES - 2);
    await store.put('c', atLimit, 'STARTED');
    assert.equal((await store.load()).get('c')?.config['database.hostname'], atLimit['database.hostname']);
    await assert.rejects(store.put('c', configOfSize(1000), 'STARTED'));
  });
});
