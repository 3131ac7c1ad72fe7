import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { collectTopics, kafkaBootstrap, uniqueName } from '@outflow/testing';
import {
  createInboxConsumer,
  DLQ_HEADERS,
  type Handlers,
  type InboxConsumer,
  type InboxConsumerOptions,
  type InboxEvent,
} from '../src/index.ts';
import { createFixture, createTopic, eventually, type Fixture, testProducer } from './support.ts';

// What batching adds: one transaction per batch, and the record-by-record fallback when a batch fails.

type Events = { Noted: { note: string }; Poison: { note: string } };

for (const dialect of ['mysql', 'postgres'] as const) {
  describe(`inbox batches on ${dialect}`, { concurrency: true }, () => {
    let fx: Fixture;
    const kafka = testProducer();
    const consumers: InboxConsumer[] = [];
    before(async () => {
      fx = await createFixture(dialect);
    });
    after(async () => {
      await Promise.allSettled(consumers.map((c) => c.close()));
      await kafka.producer.close();
      await fx.close();
    });

    function consumer(topic: string, handlers: Handlers<Events>, extra: Partial<InboxConsumerOptions> = {}) {
      const c = createInboxConsumer<Events>({
        bootstrapServers: kafkaBootstrap,
        groupId: uniqueName('inbox_batch'),
        topics: [topic],
        database: fx.database,
        inbox: fx.inbox,
        handlers,
        retry: { attempts: 3, minBackoffMs: 10, maxBackoffMs: 40 },
        cleanupIntervalMs: 0,
        ...extra,
      });
      consumers.push(c);
      return c;
    }

    const noted: Handlers<Events>['Noted'] = async (tx, event) => {
      await tx.query(fx.effectSql, [event.id, event.payload.note]);
    };

    async function notes(ids: readonly string[]): Promise<string[]> {
      const rows = await fx.rows<{ event_id: string; note: string }>(
        'SELECT event_id, note FROM effect ORDER BY seq',
      );
      return rows.filter((r) => ids.includes(r.event_id)).map((r) => r.note);
    }

    test('a record that fails in a batch is the only one retried and dead-lettered; the others apply once, in order', async () => {
      const topic = uniqueName('inbox_batch_poison');
      await createTopic(topic);
      const dlq = await collectTopics([`${topic}.dlq`]);
      try {
        const ids = await kafka.routed(topic, [
          { type: 'Noted', payload: { note: 'a' } },
          { type: 'Noted', payload: { note: 'b' } },
          { type: 'Poison', payload: { note: 'bad' } },
          { type: 'Noted', payload: { note: 'c' } },
        ]);
        const seen: string[] = [];
        const c = consumer(topic, {
          Noted: async (tx, event) => {
            seen.push(event.payload.note);
            await noted(tx, event);
          },
          Poison: async () => {
            throw new Error('poisoned');
          },
        });
        await c.start();
        await eventually(
          () => c.stats().handled === 3 && c.stats().deadLettered === 1,
          () => c.stats(),
        );
        await dlq.waitFor((records) => records.length === 1);
        assert.equal(dlq.records[0]?.headers.id, ids[2]);
        assert.equal(dlq.records[0]?.headers[DLQ_HEADERS.attempts], '3');
        assert.equal(c.stats().retried, 2);
        assert.deepEqual(await notes(ids), ['a', 'b', 'c']);
        // One batch ran a and b, then rolled back at the poison; record by record, a and b ran again alone.
        assert.deepEqual(seen, ['a', 'b', 'a', 'b', 'c']);
      } finally {
        await dlq.close();
      }
    });

    test('a batch of new and already recorded ids applies only the new ones', async () => {
      const first = uniqueName('inbox_batch_mixed_a');
      const second = uniqueName('inbox_batch_mixed_b');
      await createTopic(first);
      await createTopic(second);
      const known = [randomUUID(), randomUUID()];
      await kafka.routed(first, [
        { id: known[0], type: 'Noted', payload: { note: 'k0' } },
        { id: known[1], type: 'Noted', payload: { note: 'k1' } },
      ]);
      const a = consumer(first, { Noted: noted });
      await a.start();
      await eventually(
        () => a.stats().handled === 2,
        () => a.stats(),
      );
      const fresh = await kafka.routed(second, [
        { id: known[0], type: 'Noted', payload: { note: 'k0 again' } },
        { type: 'Noted', payload: { note: 'n0' } },
        { id: known[1], type: 'Noted', payload: { note: 'k1 again' } },
        { type: 'Noted', payload: { note: 'n1' } },
      ]);
      const b = consumer(second, { Noted: noted });
      await b.start();
      await eventually(
        () => b.stats().handled + b.stats().duplicates === 4,
        () => b.stats(),
      );
      assert.deepEqual([b.stats().handled, b.stats().duplicates], [2, 2]);
      assert.deepEqual(await notes(fresh), ['k0', 'k1', 'n0', 'n1']);
    });

    test('handleBatch gets the new events of a batch in one call, and one at a time after a failure', async () => {
      const topic = uniqueName('inbox_batch_handler');
      await createTopic(topic);
      const calls: string[][] = [];
      const handleBatch = async (
        tx: Parameters<typeof noted>[0],
        events: readonly InboxEvent<{ note: string }>[],
      ) => {
        calls.push(events.map((e) => e.payload.note));
        if (events.length > 1 && events.some((e) => e.payload.note === 'bad')) throw new Error('one is bad');
        if (events.length === 1 && events[0]?.payload.note === 'bad') {
          throw Object.assign(new Error('bad alone'), { retriable: false });
        }
        for (const e of events) await tx.query(fx.effectSql, [e.id, e.payload.note]);
      };
      const ids = await kafka.routed(topic, [
        { type: 'Noted', payload: { note: 'x' } },
        { type: 'Noted', payload: { note: 'y' } },
        { type: 'Noted', payload: { note: 'bad' } },
        { type: 'Noted', payload: { note: 'z' } },
      ]);
      const c = consumer(topic, { Noted: { handleBatch } });
      await c.start();
      await eventually(
        () => c.stats().handled === 3 && c.stats().deadLettered === 1,
        () => c.stats(),
      );
      assert.deepEqual(calls, [['x', 'y', 'bad', 'z'], ['x'], ['y'], ['bad'], ['z']]);
      assert.deepEqual(await notes(ids), ['x', 'y', 'z']);
    });
  });
}
