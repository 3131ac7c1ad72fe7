import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ManagedOffsetStore } from '../src/index.ts';

/** What the contract suite needs from a backend: fresh storage, new store instances on it, its raw records. */
export interface OffsetStoreHarness {
  /** A new store instance over this harness's storage (topic or file). */
  open(): ManagedOffsetStore;
  /** The live records as stored: key text → value text. */
  raw(): Promise<Map<string, string>>;
  /** Writes a record as another writer (e.g. Kafka Connect) would; `null` is a tombstone. */
  writeRaw(key: string, value: string | null): Promise<void>;
  /** Removes the storage. */
  dispose(): Promise<void>;
}

const CONNECTOR = 'outbox-connector';
const SERVER = { server: 'dbserver1' };
const OFFSET = { ts_sec: 1676598822, file: 'binlog.000015', pos: 13396, row: 1, server_id: 1, event: 2 };

/**
 * The behaviour every offset store must show (STYLE practice 7), run against a real backend.
 * `createHarness` gives each test its own storage.
 */
export function offsetStoreContract(name: string, createHarness: () => Promise<OffsetStoreHarness>): void {
  describe(`OffsetStore contract: ${name}`, () => {
    const withStore = async (
      body: (store: ManagedOffsetStore, harness: OffsetStoreHarness) => Promise<void>,
    ): Promise<void> => {
      const harness = await createHarness();
      const store = harness.open();
      try {
        await body(store, harness);
      } finally {
        await store.close();
        await harness.dispose();
      }
    };

    it('returns null for an unknown partition', () =>
      withStore(async (store) => {
        assert.equal(await store.get(CONNECTOR, SERVER), null);
        assert.deepEqual(await store.list(CONNECTOR), []);
      }));

    it('returns what was set', () =>
      withStore(async (store) => {
        await store.set(CONNECTOR, [{ partition: SERVER, offset: OFFSET }]);
        assert.deepEqual(await store.get(CONNECTOR, SERVER), OFFSET);
        assert.deepEqual(await store.get(CONNECTOR, { server: 'other' }), null);
      }));

    it('lets a later set win, also within one call', () =>
      withStore(async (store, harness) => {
        await store.set(CONNECTOR, [{ partition: SERVER, offset: { pos: 1 } }]);
        await store.set(CONNECTOR, [
          { partition: SERVER, offset: { pos: 2 } },
          { partition: SERVER, offset: { pos: 3 } },
        ]);
        await Promise.all([
          store.set(CONNECTOR, [{ partition: SERVER, offset: { pos: 4 } }]),
          store.set(CONNECTOR, [{ partition: SERVER, offset: { pos: 5 } }]),
        ]);
        assert.deepEqual(await store.get(CONNECTOR, SERVER), { pos: 5 });
        const reopened = harness.open();
        try {
          assert.deepEqual(await reopened.get(CONNECTOR, SERVER), { pos: 5 });
        } finally {
          await reopened.close();
        }
      }));

    it('survives close and reopen', async () => {
      const harness = await createHarness();
      try {
        const first = harness.open();
        await first.set(CONNECTOR, [{ partition: SERVER, offset: OFFSET }]);
        await first.close();
        const second = harness.open();
        try {
          assert.deepEqual(await second.get(CONNECTOR, SERVER), OFFSET);
        } finally {
          await second.close();
        }
      } finally {
        await harness.dispose();
      }
    });

    it('keeps connectors and partitions apart, and lists them', () =>
      withStore(async (store) => {
        await store.set('a', [
          { partition: { server: 's1' }, offset: { pos: 1 } },
          { partition: { server: 's2' }, offset: { pos: 2 } },
        ]);
        await store.set('b', [{ partition: { server: 's1' }, offset: { pos: 10 } }]);
        assert.deepEqual(await store.get('a', { server: 's1' }), { pos: 1 });
        assert.deepEqual(await store.get('a', { server: 's2' }), { pos: 2 });
        assert.deepEqual(await store.get('b', { server: 's1' }), { pos: 10 });
        assert.equal(await store.get('b', { server: 's2' }), null);
        const listed = (await store.list('a')).sort((x, y) => Number(x.offset.pos) - Number(y.offset.pos));
        assert.deepEqual(listed, [
          { partition: { server: 's1' }, offset: { pos: 1 } },
          { partition: { server: 's2' }, offset: { pos: 2 } },
        ]);
      }));

    it('deletes every offset of one connector, durably', () =>
      withStore(async (store, harness) => {
        await store.set('a', [
          { partition: { server: 's1' }, offset: { pos: 1 } },
          { partition: { server: 's2' }, offset: { pos: 2 } },
        ]);
        await store.set('b', [{ partition: { server: 's1' }, offset: { pos: 10 } }]);
        await store.delete('a');
        assert.deepEqual(await store.list('a'), []);
        assert.equal(await store.get('a', { server: 's1' }), null);
        const reopened = harness.open();
        try {
          assert.deepEqual(await reopened.list('a'), []);
          assert.deepEqual(await reopened.get('b', { server: 's1' }), { pos: 10 });
        } finally {
          await reopened.close();
        }
      }));

    it("stores records byte for byte in Kafka Connect's format", () =>
      withStore(async (store, harness) => {
        await store.set(CONNECTOR, [{ partition: SERVER, offset: OFFSET }]);
        const raw = await harness.raw();
        assert.deepEqual(
          [...raw],
          [
            [
              '["outbox-connector",{"server":"dbserver1"}]',
              '{"ts_sec":1676598822,"file":"binlog.000015","pos":13396,"row":1,"server_id":1,"event":2}',
            ],
          ],
        );
      }));

    it('reads offsets Kafka Connect wrote, in any field order, with exact 64-bit integers', () =>
      withStore(async (_store, harness) => {
        await harness.writeRaw('["pg",{"server":"x","db":"outflow"}]', '{"lsn":9007199254740993,"txId":7}');
        await harness.writeRaw('["gone",{"server":"x"}]', '{"pos":1}');
        await harness.writeRaw('["gone",{"server":"x"}]', null);
        const store = harness.open();
        try {
          assert.deepEqual(await store.get('pg', { db: 'outflow', server: 'x' }), {
            lsn: 9007199254740993n,
            txId: 7,
          });
          assert.equal(await store.get('gone', { server: 'x' }), null);
          // A write for the same partition reuses the existing record key, so compaction merges them.
          await store.set('pg', [{ partition: { db: 'outflow', server: 'x' }, offset: { lsn: 1n } }]);
          const raw = await harness.raw();
          assert.equal(raw.get('["pg",{"server":"x","db":"outflow"}]'), '{"lsn":1}');
        } finally {
          await store.close();
        }
      }));

    it("sees another instance's writes after refresh", () =>
      withStore(async (store, harness) => {
        assert.equal(await store.get(CONNECTOR, SERVER), null);
        const other = harness.open();
        try {
          await other.set(CONNECTOR, [{ partition: SERVER, offset: { pos: 42 } }]);
        } finally {
          await other.close();
        }
        await store.refresh();
        assert.deepEqual(await store.get(CONNECTOR, SERVER), { pos: 42 });
      }));
  });
}
