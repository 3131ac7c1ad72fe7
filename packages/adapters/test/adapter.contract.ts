import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  createInbox,
  type Handler,
  type Inbox,
  type InboxDatabase,
  type InboxEvent,
  type SqlExecutor,
} from '@outflow/inbox';
import { createOutbox, type Outbox } from '@outflow/outbox';

/**
 * One data layer on one database, as the contract suite drives it. `Tx` is the library's own transaction type.
 */
export interface AdapterHarness<Tx> {
  readonly dialect: 'mysql' | 'postgres';
  /** Runs `fn` in one of the library's own transactions; rolls back and rethrows if it throws. */
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /** The adapter's `sqlExecutor(tx)`. */
  executor(tx: Tx): SqlExecutor;
  /** The adapter's `inboxDatabase(db)`. */
  readonly inboxDatabase: InboxDatabase;
  /** The adapter's `inboxHandler(fn)`. */
  inboxHandler(fn: (tx: Tx, event: InboxEvent<{ id: string }>) => Promise<void>): Handler<{ id: string }>;
  /** Inserts row `id` into `business` through the library's own query API on `tx`. */
  insertBusiness(tx: Tx, id: string): Promise<void>;
  /** Creates the outbox and inbox tables (through the library's migration format where the adapter has one). */
  migrate(outbox: Outbox, inbox: Inbox): Promise<void>;
  /** Counts the rows of `table` whose key column equals `id`, outside any transaction. */
  count(table: 'business' | 'outbox' | 'inbox', id: string): Promise<number>;
  /** Moves an inbox row's `received_at` an hour back, outside any transaction. */
  backdateInbox(eventId: string): Promise<void>;
  close(): Promise<void>;
}

function event(id: string): InboxEvent<{ id: string }> {
  return {
    id: randomUUID(),
    type: 'BusinessCreated',
    aggregateType: 'Business',
    aggregateId: id,
    payload: { id },
    headers: {},
    topic: 'outbox.event.Business',
    partition: 0,
    offset: 7n,
    timestamp: 0n,
  };
}

/**
 * What every adapter must do on every database it supports: the business change and the outbox row commit
 * together or not at all, and the inbox row is written in the handler's transaction. The inbox half drives
 * `InboxDatabase.transaction` exactly as the consumer does for one record (record, then handler).
 */
export function adapterContract<Tx>(name: string, open: () => Promise<AdapterHarness<Tx>>): void {
  describe(name, () => {
    let h: AdapterHarness<Tx>;
    let outbox: ReturnType<typeof createOutbox>;
    let inbox: ReturnType<typeof createInbox>;

    before(async () => {
      h = await open();
      outbox = createOutbox({ dialect: h.dialect, mode: 'keep' });
      inbox = createInbox({ dialect: h.dialect });
      await h.migrate(outbox, inbox);
    });
    after(() => h.close());

    it('commits the business row and the outbox row together', async () => {
      const id = randomUUID();
      await h.transaction(async (tx) => {
        await h.insertBusiness(tx, id);
        await outbox.write(h.executor(tx), {
          aggregateType: 'Business',
          aggregateId: id,
          type: 'Created',
          payload: { id },
        });
      });
      assert.equal(await h.count('business', id), 1);
      assert.equal(await h.count('outbox', id), 1);
    });

    it('leaves neither row after a rollback', async () => {
      const id = randomUUID();
      const boom = new Error('rolled back on purpose');
      await assert.rejects(
        h.transaction(async (tx) => {
          await h.insertBusiness(tx, id);
          await outbox.write(h.executor(tx), {
            aggregateType: 'Business',
            aggregateId: id,
            type: 'Created',
            payload: { id },
          });
          throw boom;
        }),
        (error) => error === boom,
      );
      assert.equal(await h.count('business', id), 0);
      assert.equal(await h.count('outbox', id), 0);
    });

    it("records the inbox row in the handler's transaction and skips a redelivery", async () => {
      const id = randomUUID();
      const e = event(id);
      const handler = h.inboxHandler((tx, ev) => h.insertBusiness(tx, ev.payload.id));
      const once = () =>
        h.inboxDatabase.transaction(async (tx) => {
          const outcome = await inbox.record(tx, {
            eventId: e.id,
            eventType: 'BusinessCreated',
            aggregateType: 'Business',
            aggregateId: id,
            topic: e.topic,
            partition: 0,
            offset: 7n,
          });
          if (outcome === 'recorded') await handler(tx, e);
          return outcome;
        });
      assert.equal(await once(), 'recorded');
      assert.equal(await h.count('inbox', e.id), 1);
      assert.equal(await h.count('business', id), 1);
      assert.equal(await once(), 'duplicate');
      assert.equal(await h.count('business', id), 1);
    });

    it('rolls the inbox row back with a failing handler, so the event is processed again', async () => {
      const id = randomUUID();
      const e = event(id);
      const failing = h.inboxHandler(async (tx, ev) => {
        await h.insertBusiness(tx, ev.payload.id);
        throw new Error('handler failed on purpose');
      });
      await assert.rejects(
        h.inboxDatabase.transaction(async (tx) => {
          await inbox.record(tx, {
            eventId: e.id,
            eventType: null,
            aggregateType: null,
            aggregateId: id,
            topic: e.topic,
            partition: 0,
            offset: 7n,
          });
          await failing(tx, e);
        }),
        /handler failed on purpose/,
      );
      assert.equal(await h.count('inbox', e.id), 0);
      assert.equal(await h.count('business', id), 0);
    });

    it('runs the inbox cleanup through execute and reports the rows it deleted', async () => {
      const ids = [randomUUID(), randomUUID()];
      for (const eventId of ids) {
        await h.inboxDatabase.transaction((tx) =>
          inbox.record(tx, {
            eventId,
            eventType: null,
            aggregateType: null,
            aggregateId: null,
            topic: 't',
            partition: 0,
            offset: 1n,
          }),
        );
        await h.backdateInbox(eventId);
      }
      const deleted = await inbox.cleanup(
        { query: (sql, values) => h.inboxDatabase.execute(sql, values) },
        { retentionMs: 60_000 },
      );
      assert.equal(deleted, 2);
      for (const eventId of ids) assert.equal(await h.count('inbox', eventId), 0);
    });

    it('refuses to run a handler under an executor the adapter did not make', async () => {
      const handler = h.inboxHandler(async () => {});
      assert.throws(() => handler({ query: async () => ({}) }, event('x')), {
        code: 'ADAPTER_FOREIGN_EXECUTOR',
      });
    });
  });
}
