import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BatchScheduler } from '../src/consumer/batch-scheduler.ts';
import { deadLetterHeaders } from '../src/consumer/dead-letter.ts';
import { InboxMetrics } from '../src/consumer/metrics.ts';
import { resolveConsumerOptions } from '../src/consumer/options.ts';
import { backoffDelay } from '../src/consumer/retry.ts';
import { mysqlDialect } from '../src/dialects/mysql.ts';
import { postgresDialect } from '../src/dialects/postgres.ts';
import { decodeRecord, type RawRecord } from '../src/envelope.ts';
import { createInbox, type InboxConsumerOptions, InboxError, isConnectionError } from '../src/index.ts';

const decodeOptions = { idHeader: 'id', typeHeader: 'eventType' };

function record(
  value: string | null,
  headers: Record<string, string> = {},
  key: string | null = 'agg-1',
): RawRecord {
  return {
    topic: 'outbox.event.Course',
    partition: 2,
    offset: 41n,
    key,
    value: value === null ? null : Buffer.from(value),
    headers: new Map(Object.entries(headers)),
    timestamp: 1000n,
  };
}

test('an Event Router record: id from the header, aggregate id from the key, type from the topic and header', () => {
  const decoded = decodeRecord(
    record('{"courseId":"c1"}', { id: 'e1', eventType: 'CoursePostedEvent' }),
    decodeOptions,
  );
  assert.equal(decoded.kind, 'event');
  if (decoded.kind !== 'event') return;
  assert.equal(decoded.event.id, 'e1');
  assert.equal(decoded.event.type, 'CoursePostedEvent');
  assert.equal(decoded.event.aggregateType, 'Course');
  assert.equal(decoded.event.aggregateId, 'agg-1');
  assert.deepEqual(decoded.event.payload, { courseId: 'c1' });
});

test('without a type header the type comes from typeFrom, else stays undefined', () => {
  const r = record('{"kind":"X"}', { id: 'e1' });
  const withFn = decodeRecord(r, { ...decodeOptions, typeFrom: (p) => (p as { kind: string }).kind });
  assert.equal(withFn.kind === 'event' && withFn.event.type, 'X');
  const without = decodeRecord(r, decodeOptions);
  assert.equal(without.kind === 'event' && without.event.type, undefined);
  const throwing = decodeRecord(r, {
    ...decodeOptions,
    typeFrom: () => {
      throw new Error('no');
    },
  });
  assert.equal(throwing.kind === 'event' && throwing.event.type, undefined);
});

test('an escaped JSON payload (a JSON string of JSON) is unwrapped', () => {
  const decoded = decodeRecord(record(JSON.stringify('{"a":1}'), { id: 'e1' }), decodeOptions);
  assert.deepEqual(decoded.kind === 'event' && decoded.event.payload, { a: 1 });
});

test('invalid JSON, a missing id and a tombstone are told apart', () => {
  assert.equal(
    (decodeRecord(record('{nope', { id: 'e' }), decodeOptions) as { code: string }).code,
    'INBOX_PAYLOAD_INVALID',
  );
  assert.equal(
    (decodeRecord(record('{}'), decodeOptions) as { code: string }).code,
    'INBOX_EVENT_ID_MISSING',
  );
  assert.deepEqual(decodeRecord(record(null), decodeOptions), { kind: 'skip', reason: 'tombstone' });
});

test('a raw Debezium change event: id and type from after, seed column names, deletes skipped', () => {
  const after = {
    id: 'row-1',
    aggregate_type: 'Course',
    aggregate_id: 'c1',
    type: 'CourseCreatedEvent',
    payload: '{"x":1}',
  };
  const decoded = decodeRecord(
    record(JSON.stringify({ before: null, after, op: 'c' }), {}, null),
    decodeOptions,
  );
  assert.equal(decoded.kind, 'event');
  if (decoded.kind !== 'event') return;
  assert.equal(decoded.event.id, 'row-1');
  assert.equal(decoded.event.type, 'CourseCreatedEvent');
  assert.equal(decoded.event.aggregateType, 'Course');
  assert.equal(decoded.event.aggregateId, 'c1');
  assert.deepEqual(decoded.event.payload, { x: 1 });
  const deleted = decodeRecord(
    record(JSON.stringify({ before: after, after: null, op: 'd' })),
    decodeOptions,
  );
  assert.deepEqual(deleted, { kind: 'skip', reason: 'debezium-delete' });
});

test('backoff doubles from the minimum and stops at the maximum', () => {
  const b = { minMs: 100, maxMs: 5000 };
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6, 7, 50].map((a) => backoffDelay(a, b)),
    [100, 200, 400, 800, 1600, 3200, 5000, 5000],
  );
});

test('dead-letter headers carry the error, the origin and the attempts, and keep the original headers', () => {
  const error = Object.assign(new TypeError('boom'), { code: 'E_BOOM' });
  const headers = deadLetterHeaders(
    {
      topic: 't',
      partition: 3,
      offset: 7n,
      headers: new Map([
        ['id', 'e1'],
        ['outflow.dlq.attempts', 'old'],
      ]),
    },
    error,
    5,
    'handler-failed',
  );
  assert.deepEqual(headers, {
    id: 'e1',
    'outflow.dlq.error.message': 'boom',
    'outflow.dlq.error.class': 'TypeError',
    'outflow.dlq.error.code': 'E_BOOM',
    'outflow.dlq.original.topic': 't',
    'outflow.dlq.original.partition': '3',
    'outflow.dlq.original.offset': '7',
    'outflow.dlq.attempts': '5',
    'outflow.dlq.reason': 'handler-failed',
  });
});

test('metrics render every counter, with labels, and the lag gauge', async () => {
  const m = new InboxMetrics({ group: 'g', topics: ['t'] });
  m.inc('handled', { topic: 't', type: 'A' });
  m.inc('handled', { topic: 't', type: 'A' });
  m.inc('duplicates', { topic: 't' });
  m.observe('handler', 3);
  const text = await m.render([{ topic: 't', partition: 0, lag: 3 }]);
  assert.match(text, /^# TYPE outflow_inbox_handled_total counter$/m);
  assert.match(text, /^outflow_inbox_handled_total\{group="g",topic="t",type="A"\} 2$/m);
  assert.match(text, /^outflow_inbox_retried_total\{group="g",topic="t"\} 0$/m);
  assert.match(text, /^outflow_inbox_cleanup_deleted_total\{group="g"\} 0$/m);
  assert.match(text, /^outflow_inbox_lag_records\{group="g",topic="t",partition="0"\} 3$/m);
  assert.match(text, /^outflow_inbox_handler_seconds_bucket\{le="0.005",group="g"\} 1$/m);
  assert.match(text, /^process_resident_memory_bytes \d+$/m, 'Node runtime metrics');
  assert.equal(m.stats().handled, 2);
  assert.equal(m.stats().duplicates, 1);
  const timings = await m.timings();
  assert.equal(timings.handler.count, 1);
  assert.equal(timings.handler.sum, 3);
  assert.equal(timings.handler.p50, 5);
});

test('the scheduler runs one partition in order and partitions side by side', async () => {
  const log: string[] = [];
  const commits: string[] = [];
  const s = new BatchScheduler<{ lane: string; key: string | null; bytes: number; n: number }>({
    concurrency: 4,
    maxBatch: 1,
    lingerMs: 0,
    byKey: false,
    maxRecords: 100,
    maxBytes: 1_000_000,
    async run(batch, complete) {
      const [r] = batch;
      await new Promise((done) => setTimeout(done, r?.lane === 'a' ? 5 : 1));
      log.push(`${r?.lane}${r?.n}`);
      complete(batch);
    },
    commit: (r) => commits.push(`${r.lane}${r.n}`),
  });
  for (let i = 0; i < 3; i++) {
    s.push({ lane: 'a', key: 'k', bytes: 1, n: i });
    s.push({ lane: 'b', key: 'k', bytes: 1, n: i });
  }
  await s.idle();
  assert.deepEqual(
    log.filter((l) => l.startsWith('a')),
    ['a0', 'a1', 'a2'],
  );
  assert.deepEqual(
    log.filter((l) => l.startsWith('b')),
    ['b0', 'b1', 'b2'],
  );
  assert.ok(log.indexOf('b2') < log.indexOf('a2'));
  assert.deepEqual(
    commits.filter((c) => c.startsWith('a')),
    ['a0', 'a1', 'a2'],
  );
  assert.equal(s.records, 0);
});

test('createInbox validates its options and builds the DDL of each dialect', () => {
  assert.throws(() => createInbox({ dialect: 'oracle' as 'mysql' }), { code: 'INBOX_CONFIG_INVALID' });
  assert.throws(() => createInbox({ dialect: 'mysql', table: 'drop table;' }), /"table"/);
  assert.throws(() => createInbox({ dialect: 'mysql', tabel: 'x' } as never), /"tabel"/);
  const my = createInbox({ dialect: 'mysql' }).ddl().join('\n');
  assert.match(my, /`event_id` VARCHAR\(255\) NOT NULL/);
  assert.match(my, /KEY `inbox_received_at` \(`received_at`\)/);
  const pg = createInbox({ dialect: 'postgres', table: 'app.inbox' }).ddl();
  assert.match(pg[0] ?? '', /CREATE TABLE IF NOT EXISTS "app"."inbox"/);
  assert.match(
    pg[1] ?? '',
    /CREATE INDEX IF NOT EXISTS "inbox_received_at" ON "app"."inbox" \(received_at\)/,
  );
});

test('consumer options: defaults, and each bad value named', () => {
  const inbox = createInbox({ dialect: 'mysql' });
  const database = {
    dialect: 'mysql' as const,
    transaction: async () => undefined as never,
    execute: async () => [],
  };
  const base: InboxConsumerOptions = {
    bootstrapServers: '127.0.0.1:9092',
    groupId: 'g',
    topics: ['t'],
    database,
    inbox,
    handlers: {},
  };
  const o = resolveConsumerOptions(base);
  assert.equal(o.attempts, 5);
  assert.equal(o.minBackoffMs, 100);
  assert.equal(o.maxBackoffMs, 5000);
  assert.equal(o.retentionMs, 7 * 24 * 3600 * 1000);
  assert.equal(o.typeHeader, 'eventType');
  assert.equal(o.idHeader, 'id');
  assert.equal(o.deadLetterTopic('outbox.event.Course'), 'outbox.event.Course.dlq');
  const bad: [Partial<InboxConsumerOptions>, RegExp][] = [
    [{ bootstrapServers: 'nohost' }, /"bootstrapServers"/],
    [{ groupId: '' }, /"groupId"/],
    [{ topics: [] }, /"topics"/],
    [{ retry: { attempts: 0 } }, /"retry.attempts"/],
    [{ retry: { minBackoffMs: 500, maxBackoffMs: 100 } }, /"retry.maxBackoffMs"/],
    [{ retry: { tries: 3 } as never }, /"retry.tries"/],
    [{ deadLetterTopic: 'bad topic' }, /"deadLetterTopic"/],
    [{ database: { ...database, dialect: 'postgres' } }, /"database"/],
    [{ handlers: { A: 'nope' as never } }, /"handlers.A"/],
    [{ retentionMs: -1 }, /"retentionMs"/],
    [{ colour: 'blue' } as never, /"colour"/],
  ];
  for (const [patch, message] of bad) {
    assert.throws(
      () => resolveConsumerOptions({ ...base, ...patch }),
      (e: unknown) => {
        assert.ok(e instanceof InboxError);
        assert.equal(e.code, 'INBOX_CONFIG_INVALID');
        assert.match(e.message, message);
        return true;
      },
    );
  }
});

test('connection errors are transient, handler errors are not', () => {
  assert.equal(isConnectionError(Object.assign(new Error('x'), { code: 'ECONNREFUSED' })), true);
  assert.equal(isConnectionError(new Error('wrapped', { cause: { code: '57P01' } })), true);
  assert.equal(isConnectionError(Object.assign(new Error('dup'), { code: 'ER_DUP_ENTRY' })), false);
  assert.equal(isConnectionError(new Error('plain')), false);
});

test('a duplicate event id is recognised as the driver reports it and under Prisma, other errors are not', () => {
  // Prisma's raw-query failure, as its driver adapters and its query engine shape it.
  const prisma = (meta: object) => Object.assign(new Error('Raw query failed'), { code: 'P2010', meta });
  const adapter = (originalCode: string) =>
    prisma({ driverAdapterError: { cause: { originalCode, kind: 'UniqueConstraintViolation' } } });
  const cases: [typeof mysqlDialect, unknown, boolean][] = [
    [mysqlDialect, Object.assign(new Error('dup'), { code: 'ER_DUP_ENTRY', errno: 1062 }), true],
    [mysqlDialect, Object.assign(new Error('dup'), { errno: 1062 }), true],
    [mysqlDialect, adapter('1062'), true],
    [mysqlDialect, prisma({ code: '1062', message: 'Duplicate entry' }), true],
    [mysqlDialect, adapter('1213'), false],
    [mysqlDialect, prisma({ code: 1062 }), false],
    [mysqlDialect, Object.assign(new Error('x'), { code: 'ER_LOCK_DEADLOCK', errno: 1213 }), false],
    [postgresDialect, Object.assign(new Error('dup'), { code: '23505' }), true],
    [postgresDialect, adapter('23505'), true],
    [postgresDialect, prisma({ code: '23505' }), true],
    [postgresDialect, adapter('40001'), false],
    [postgresDialect, prisma({}), false],
  ];
  for (const [dialect, error, expected] of cases) {
    assert.equal(dialect.isDuplicate(error), expected, `${dialect.name}: ${JSON.stringify(error)}`);
  }
  assert.equal(mysqlDialect.isDuplicate(null), false);
  assert.equal(postgresDialect.isDuplicate(undefined), false);
});
