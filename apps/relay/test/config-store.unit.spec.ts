import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KafkaKvStore, KvWrite } from '@outflow/offset-store';
import { createKafkaConfigStore } from '../src/worker/kafka-config-store.ts';

/** A KafkaKvStore kept in a Map, recording every write. */
function fakeKv(): KafkaKvStore & { writes: KvWrite[]; data: Map<string, Buffer> } {
  const data = new Map<string, Buffer>();
  const writes: KvWrite[] = [];
  return {
    data,
    writes,
    async refresh() {},
    async catchUp() {
      return [];
    },
    get: (key) => data.get(key),
    entries: () => data,
    async set(batch) {
      for (const w of batch) {
        writes.push(w);
        if (w.value === null) data.delete(w.key);
        else data.set(w.key, w.value);
      }
    },
    async close() {},
  };
}

describe('Kafka config store (Connect config-topic records)', () => {
  it("writes Connect's connector-<name> and target-state-<name> records and reads them back", async () => {
    const kv = fakeKv();
    const store = createKafkaConfigStore(kv);
    await store.put('c1', { name: 'c1', 'connector.class': 'X', 'database.password': 'pw' }, 'STOPPED');
    assert.deepEqual(JSON.parse(kv.data.get('connector-c1')!.toString()), {
      properties: { name: 'c1', 'connector.class': 'X', 'database.password': 'pw' },
    });
    assert.deepEqual(JSON.parse(kv.data.get('target-state-c1')!.toString()), {
      state: 'PAUSED',
      'state.v2': 'STOPPED',
    });
    await store.put('c2', { name: 'c2' }, 'STARTED');
    const loaded = await store.load();
    assert.equal(loaded.get('c1')?.targetState, 'STOPPED');
    assert.equal(loaded.get('c1')?.config['database.password'], 'pw');
    assert.equal(loaded.get('c2')?.targetState, 'STARTED');
  });

  it('deletes with tombstones and ignores records it does not know', async () => {
    const kv = fakeKv();
    kv.data.set('task-c9-0', Buffer.from('{}'));
    kv.data.set('connector-broken', Buffer.from('not json'));
    const store = createKafkaConfigStore(kv);
    await store.put('c1', { name: 'c1' }, 'PAUSED');
    await store.put('c1', null, 'PAUSED');
    assert.deepEqual(
      kv.writes.slice(-2).map((w) => [w.key, w.value]),
      [
        ['target-state-c1', null],
        ['connector-c1', null],
      ],
    );
    assert.deepEqual([...(await store.load()).keys()], []);
  });
});
