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
} from '../src/index.ts';
import { createFixture, createTopic, eventually, type Fixture, testProducer } from './support.ts';

// Needs the project's MariaDB (3307), PostgreSQL (5433) and Kafka (9092): `npm run infra -- up`.

type Events = {
  Noted: { note: string };
  Poison: { note: string };
  Hopeless: { note: string };
};

class PoisonError extends Error {
  readonly code = 'POISONED';
  constructor(message: string) {
    super(message);
    this.name = 'PoisonError';
  }
}

// Every scenario runs with batching on (the default) and off (`batch.maxRecords: 1`): the guarantees are the same.
for (const [dialect, batching] of [
  ['mysql', true],
  ['mysql', false],
  ['postgres', true],
  ['postgres', false],
] as const) {
  describe(`inbox consumer on ${dialect}, batching ${batching ? 'on' : 'off'}`, { concurrency: true }, () => {
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

    const handlers: Handlers<Events> = {
      Noted: async (tx, event) => {
        await tx.query(fx.effectSql, [event.id, event.payload.note]);
      },
      Poison: async () => {
        throw new PoisonError('this event always fails');
      },
      Hopeless: async () => {
        throw Object.assign(new PoisonError('this payload can never be handled'), { retriable: false });
      },
    };

    function consumer(topic: string, extra: Partial<InboxConsumerOptions<Events>> = {}): InboxConsumer {
      const c = createInboxConsumer<Events>({
        bootstrapServers: kafkaBootstrap,
        groupId: uniqueName('inbox_group'),
        topics: [topic],
        database: fx.database,
        inbox: fx.inbox,
        handlers,
        retry: { attempts: 3, minBackoffMs: 10, maxBackoffMs: 40 },
        cleanupIntervalMs: 0,
        ...(batching ? {} : { batch: { maxRecords: 1 } }),
        ...extra,
      });
      consumers.push(c);
      return c;
    }

    /** Records whose processing ended (`consumed` counts a record as soon as it is read). */
    function finished(c: InboxConsumer): number {
      const s = c.stats();
      return s.handled + s.duplicates + s.unhandled + s.deadLettered + s.skipped;
    }

    async function effectCount(ids: readonly string[]): Promise<number> {
      const rows = await fx.rows<{ event_id: string }>('SELECT event_id FROM effect');
      return rows.filter((r) => ids.includes(r.event_id)).length;
    }

    test('the same events produced twice are handled once; the second copies count as duplicates', async () => {
      const topic = uniqueName('inbox_dup');
      await createTopic(topic, 2);
      const records = Array.from({ length: 6 }, (_, i) => ({
        id: randomUUID(),
        aggregateId: `agg-${i % 3}`,
        type: 'Noted',
        payload: { note: `n${i}` },
      }));
      const ids = await kafka.routed(topic, records);
      await kafka.routed(topic, records);
      const c = consumer(topic);
      await c.start();
      await eventually(
        () => finished(c) === 12,
        () => c.stats(),
      );
      assert.equal(await effectCount(ids), 6);
      assert.equal(c.stats().handled, 6);
      assert.equal(c.stats().duplicates, 6);
      const inboxRows = await fx.rows<{
        event_id: string;
        event_type: string;
        aggregate_id: string;
        topic: string;
      }>(
        `SELECT event_id, event_type, aggregate_id, topic FROM inbox WHERE topic = ${fx.dialect === 'mysql' ? '?' : '$1'}`,
        [topic],
      );
      assert.equal(inboxRows.length, 6);
      assert.ok(inboxRows.every((r) => r.event_type === 'Noted' && r.aggregate_id.startsWith('agg-')));
      const text = await c.metrics();
      assert.match(text, /outflow_inbox_duplicates_total\{group="[^"]+",topic="[^"]+"\} 6/);
      assert.match(text, /outflow_inbox_handled_total\{group="[^"]+",topic="[^"]+",type="Noted"\} 6/);
      assert.match(text, /outflow_inbox_lag_records\{group="[^"]+",topic="[^"]+",partition="\d"\} 0/);
    });

    test('a consumer dying after the database commit but before the offset commit: the event is not applied twice', async () => {
      const topic = uniqueName('inbox_kill');
      const groupId = uniqueName('inbox_group');
      await createTopic(topic);
      const [first] = await kafka.routed(topic, [{ type: 'Noted', payload: { note: 'once' } }]);
      const dying = consumer(topic, {
        groupId,
        hooks: {
          afterTransaction: () => {
            throw new Error('simulated crash between commits');
          },
        },
      });
      await dying.start();
      await assert.rejects(dying.done, { code: 'INBOX_CONSUMER_STOPPED' });
      assert.equal(await effectCount([first as string]), 1);
      await dying.close();

      const outcomes: string[] = [];
      const next = consumer(topic, {
        groupId,
        hooks: { afterTransaction: (_event, outcome) => void outcomes.push(outcome) },
      });
      await next.start();
      const [second] = await kafka.routed(topic, [{ type: 'Noted', payload: { note: 'after restart' } }]);
      await eventually(
        () => next.stats().handled === 1,
        () => next.stats(),
      );
      assert.deepEqual(outcomes, ['duplicate', 'handled']);
      assert.equal(next.stats().duplicates, 1);
      assert.equal(await effectCount([first as string]), 1);
      assert.equal(await effectCount([second as string]), 1);
    });

    test('a handler that always throws ends on the dead-letter topic after N attempts; the partition moves on', async () => {
      const topic = uniqueName('inbox_poison');
      await createTopic(topic);
      const dlq = await collectTopics([`${topic}.dlq`]);
      try {
        const ids = await kafka.routed(topic, [
          { type: 'Poison', aggregateId: 'same', payload: { note: 'bad' } },
          { type: 'Noted', aggregateId: 'same', payload: { note: 'good' } },
        ]);
        const c = consumer(topic);
        await c.start();
        await eventually(
          () => c.stats().handled === 1,
          () => c.stats(),
        );
        await dlq.waitFor((records) => records.length === 1);
        const [dead] = dlq.records;
        assert.ok(dead);
        assert.equal(dead.key, 'same');
        assert.equal(dead.value, JSON.stringify({ note: 'bad' }));
        assert.equal(dead.headers.id, ids[0]);
        assert.equal(dead.headers[DLQ_HEADERS.errorMessage], 'this event always fails');
        assert.equal(dead.headers[DLQ_HEADERS.errorClass], 'PoisonError');
        assert.equal(dead.headers[DLQ_HEADERS.errorCode], 'POISONED');
        assert.equal(dead.headers[DLQ_HEADERS.originalTopic], topic);
        assert.equal(dead.headers[DLQ_HEADERS.originalPartition], '0');
        assert.equal(dead.headers[DLQ_HEADERS.originalOffset], '0');
        assert.equal(dead.headers[DLQ_HEADERS.attempts], '3');
        assert.equal(c.stats().retried, 2);
        assert.equal(c.stats().deadLettered, 1);
        assert.equal(await effectCount([ids[1] as string]), 1);
        // A dead-lettered event is not in the inbox, so replaying it from the DLQ later is possible.
        const p = fx.dialect === 'mysql' ? '?' : '$1';
        assert.equal((await fx.rows(`SELECT event_id FROM inbox WHERE event_id = ${p}`, [ids[0]])).length, 0);
      } finally {
        await dlq.close();
      }
    });

    test('a handler error that says it is not retriable goes to the dead-letter topic at once', async () => {
      const topic = uniqueName('inbox_hopeless');
      await createTopic(topic);
      const dlq = await collectTopics([`${topic}.dlq`]);
      try {
        const ids = await kafka.routed(topic, [
          { type: 'Hopeless', aggregateId: 'same', payload: { note: 'bad' } },
          { type: 'Noted', aggregateId: 'same', payload: { note: 'good' } },
        ]);
        const c = consumer(topic);
        await c.start();
        await eventually(
          () => c.stats().handled === 1,
          () => c.stats(),
        );
        await dlq.waitFor((records) => records.length === 1);
        assert.equal(dlq.records[0]?.headers.id, ids[0]);
        assert.equal(dlq.records[0]?.headers[DLQ_HEADERS.attempts], '1');
        assert.equal(c.stats().retried, 0);
        assert.equal(await effectCount([ids[1] as string]), 1);
      } finally {
        await dlq.close();
      }
    });

    test('a value that is not JSON goes to the dead-letter topic at once', async () => {
      const topic = uniqueName('inbox_badjson');
      await createTopic(topic);
      const dlq = await collectTopics([`${topic}.dlq`]);
      try {
        const ids = await kafka.routed(topic, [
          { type: 'Noted', raw: '{"note": oops' },
          { type: 'Noted', payload: { note: 'fine' } },
        ]);
        const c = consumer(topic);
        await c.start();
        await eventually(
          () => c.stats().handled === 1,
          () => c.stats(),
        );
        await dlq.waitFor((records) => records.length === 1);
        const [dead] = dlq.records;
        assert.equal(dead?.value, '{"note": oops');
        assert.equal(dead?.headers[DLQ_HEADERS.errorCode], 'INBOX_PAYLOAD_INVALID');
        assert.equal(dead?.headers[DLQ_HEADERS.attempts], '0');
        assert.equal(dead?.headers[DLQ_HEADERS.reason], 'invalid-payload');
        assert.equal(c.stats().retried, 0);
        assert.equal(await effectCount([ids[1] as string]), 1);
      } finally {
        await dlq.close();
      }
    });

    test('an event type nobody handles is recorded in the inbox and skipped', async () => {
      const topic = uniqueName('inbox_unknown');
      await createTopic(topic);
      const ids = await kafka.routed(topic, [
        { type: 'SomethingElse', payload: { note: 'ignored' } },
        { payload: { note: 'no type at all' } },
        { type: 'Noted', payload: { note: 'handled' } },
      ]);
      const c = consumer(topic);
      await c.start();
      await eventually(
        () => c.stats().handled === 1,
        () => c.stats(),
      );
      assert.equal(c.stats().unhandled, 2);
      assert.equal(await effectCount(ids), 1);
      const p = fx.dialect === 'mysql' ? '?' : '$1';
      const rows = await fx.rows<{ event_id: string; event_type: string | null }>(
        `SELECT event_id, event_type FROM inbox WHERE topic = ${p}`,
        [topic],
      );
      assert.equal(rows.length, 3);
      assert.equal(rows.find((r) => r.event_id === ids[0])?.event_type, 'SomethingElse');
      assert.equal(rows.find((r) => r.event_id === ids[1])?.event_type, null);
    });

    test('a raw Debezium change event of the outbox table is deduplicated by the row id', async () => {
      const topic = uniqueName('inbox_raw');
      await createTopic(topic);
      const id = randomUUID();
      const change = {
        schema: { type: 'struct' },
        payload: {
          before: null,
          after: { id, aggregatetype: 'Note', aggregateid: 'n-1', type: 'Noted', payload: '{"note":"raw"}' },
          source: { connector: 'mysql' },
          op: 'c',
          ts_ms: 1,
        },
      };
      const raw = JSON.stringify(change);
      await kafka.producer.send({
        messages: [
          { topic, key: '{"id":1}', value: raw },
          { topic, key: '{"id":1}', value: raw },
          {
            topic,
            key: '{"id":1}',
            value: JSON.stringify({ ...change, payload: { ...change.payload, op: 'd' } }),
          },
          { topic, key: '{"id":1}', value: undefined },
        ],
      });
      const c = consumer(topic);
      await c.start();
      await eventually(
        () => finished(c) === 4,
        () => c.stats(),
      );
      assert.deepEqual([c.stats().handled, c.stats().duplicates, c.stats().skipped], [1, 1, 2]);
      const rows = await fx.rows<{ note: string }>(
        `SELECT note FROM effect WHERE event_id = ${fx.dialect === 'mysql' ? '?' : '$1'}`,
        [id],
      );
      assert.deepEqual(
        rows.map((r) => r.note),
        ['raw'],
      );
    });

    test('cleanup deletes only rows older than the retention, in batches', async () => {
      const table = fx.inbox.table;
      const old = fx.dialect === 'mysql' ? 'NOW(3) - INTERVAL 8 DAY' : "now() - interval '8 days'";
      const recent = fx.dialect === 'mysql' ? 'NOW(3) - INTERVAL 6 DAY' : "now() - interval '6 days'";
      const prefix = uniqueName('cleanup');
      const columns = fx.dialect === 'mysql' ? '`partition`, `offset`' : '"partition", "offset"';
      for (let i = 0; i < 5; i++) {
        await fx.rows(
          `INSERT INTO ${table} (event_id, topic, ${fx.dialect === 'mysql' ? '`partition`, `offset`' : '"partition", "offset"'}, received_at) VALUES ('${prefix}-old-${i}', 't', 0, ${i}, ${old})`,
        );
      }
      await fx.rows(
        `INSERT INTO ${table} (event_id, topic, ${fx.dialect === 'mysql' ? '`partition`, `offset`' : '"partition", "offset"'}, received_at) VALUES ('${prefix}-recent', 't', 0, 9, ${recent})`,
      );
      await fx.rows(
        `INSERT INTO ${table} (event_id, topic, ${fx.dialect === 'mysql' ? '`partition`, `offset`' : '"partition", "offset"'}) VALUES ('${prefix}-now', 't', 0, 10)`,
      );
      const executor = { query: (sql: string, values?: unknown[]) => fx.database.execute(sql, values) };
      const deleted = await fx.inbox.cleanup(executor, { retentionMs: 7 * 24 * 3600 * 1000, batchSize: 2 });
      assert.equal(deleted, 5);
      const left = await fx.rows<{ event_id: string }>(`SELECT event_id FROM ${table}`);
      const mine = left.map((r) => r.event_id).filter((id) => id.startsWith(prefix));
      assert.deepEqual(mine.sort(), [`${prefix}-now`, `${prefix}-recent`]);

      // The consumer runs the same cleanup on its own timer, outside the handlers' transactions.
      for (let i = 0; i < 3; i++) {
        await fx.rows(
          `INSERT INTO ${table} (event_id, topic, ${columns}, received_at) VALUES ('${prefix}-later-${i}', 't', 0, ${i}, ${old})`,
        );
      }
      const topic = uniqueName('inbox_cleanup');
      await createTopic(topic);
      const c = consumer(topic, { cleanupIntervalMs: 100 });
      await c.start();
      await eventually(
        () => c.stats().cleanupDeleted === 3,
        () => c.stats(),
      );
      assert.match(await c.metrics(), /^outflow_inbox_cleanup_deleted_total\{group="[^"]+"\} 3$/m);
      const after = await fx.rows<{ event_id: string }>(`SELECT event_id FROM ${table}`);
      assert.equal(after.filter((r) => r.event_id.startsWith(`${prefix}-later`)).length, 0);
    });
  });
}
