import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createOutbox,
  migrate,
  type Outboxable,
  OutboxConfigError,
  OutboxError,
  type OutboxOptions,
  OutboxPayloadError,
  type SqlExecutor,
} from '../src/index.ts';

/** An executor that records every statement instead of running it. */
class RecordingExecutor implements SqlExecutor {
  readonly calls: { sql: string; values: unknown[] }[] = [];
  failOn: RegExp | undefined;
  failWith: unknown = new Error('boom');

  async query(sql: string, values: unknown[] = []): Promise<unknown> {
    this.calls.push({ sql, values });
    if (this.failOn?.test(sql)) throw this.failWith;
    return [];
  }
}

const ID1 = '33319dbb-358c-4f06-8e60-c82b81eab769';
const ID2 = '5b0f6a1e-2f0b-4d9e-8a52-0c8d2b7e9f10';
const COURSE = 'bc32dd3f-2334-43d9-9493-71b538510efe';

function event(overrides: Partial<Outboxable> = {}): Outboxable {
  return {
    id: ID1,
    aggregateType: 'Course',
    aggregateId: COURSE,
    type: 'CoursePostedEvent',
    payload: { name: 'MSA 파헤치기', posted: true },
    ...overrides,
  };
}

/** Asserts `fn` rejects with an OutboxError of `code` and that `executor` received no statement. */
async function rejectsBeforeSql(
  executor: RecordingExecutor,
  fn: () => Promise<unknown>,
  code: string,
  message?: RegExp,
): Promise<OutboxError> {
  let caught: unknown;
  await assert.rejects(fn(), (error: unknown) => {
    caught = error;
    return true;
  });
  assert.ok(caught instanceof OutboxError, `expected an OutboxError, got ${String(caught)}`);
  assert.equal(caught.code, code);
  assert.equal(caught.retriable, false);
  if (message) assert.match(caught.message, message);
  assert.deepEqual(executor.calls, [], 'no SQL may be sent when validation fails');
  return caught;
}

describe('createOutbox options', () => {
  it('applies the Debezium Outbox Event Router defaults', () => {
    const outbox = createOutbox({ dialect: 'mysql' });
    assert.deepEqual(outbox.options, {
      dialect: 'mysql',
      table: 'outbox',
      columns: {
        id: 'id',
        aggregateType: 'aggregatetype',
        aggregateId: 'aggregateid',
        type: 'type',
        payload: 'payload',
        timestamp: 'timestamp',
      },
      mode: 'insert-then-delete',
      maxPayloadBytes: 1_048_576,
    });
    assert.ok(Object.isFrozen(outbox.options));
  });

  const bad: [string, unknown, string][] = [
    ['dialect', { dialect: 'oracle' }, 'dialect'],
    ['missing dialect', {}, 'dialect'],
    ['table with a space', { dialect: 'mysql', table: 'out box' }, 'table'],
    ['table with a quote', { dialect: 'postgres', table: 'outbox"; DROP TABLE x; --' }, 'table'],
    ['three-part table', { dialect: 'postgres', table: 'a.b.c' }, 'table'],
    ['empty table', { dialect: 'mysql', table: '' }, 'table'],
    ['postgres name over 63', { dialect: 'postgres', table: 'x'.repeat(64) }, 'table'],
    [
      'column with a dash',
      { dialect: 'mysql', columns: { aggregateId: 'aggregate-id' } },
      'columns.aggregateId',
    ],
    ['unknown column key', { dialect: 'mysql', columns: { aggregate_id: 'x' } }, 'columns.aggregate_id'],
    ['duplicate column', { dialect: 'mysql', columns: { type: 'payload' } }, 'columns.payload'],
    ['columns not an object', { dialect: 'mysql', columns: 'id' }, 'columns'],
    ['mode', { dialect: 'mysql', mode: 'delete' }, 'mode'],
    ['maxPayloadBytes zero', { dialect: 'mysql', maxPayloadBytes: 0 }, 'maxPayloadBytes'],
    ['maxPayloadBytes fraction', { dialect: 'mysql', maxPayloadBytes: 1.5 }, 'maxPayloadBytes'],
    ['maxPayloadBytes string', { dialect: 'mysql', maxPayloadBytes: '1MB' }, 'maxPayloadBytes'],
    ['unknown option', { dialect: 'mysql', maxPayloadSize: 10 }, 'maxPayloadSize'],
  ];
  for (const [name, options, option] of bad) {
    it(`rejects ${name}, naming "${option}"`, () => {
      assert.throws(
        () => createOutbox(options as OutboxOptions),
        (error: unknown) => {
          assert.ok(error instanceof OutboxConfigError);
          assert.equal(error.code, 'OUTBOX_CONFIG_INVALID');
          assert.equal(error.details.option, option);
          assert.ok(error.message.includes(`"${option}"`), error.message);
          return true;
        },
      );
    });
  }

  it('accepts schema-qualified tables and the seed naming', () => {
    const outbox = createOutbox({
      dialect: 'postgres',
      table: 'public.outbox',
      columns: { aggregateType: 'aggregate_type', aggregateId: 'aggregate_id' },
      mode: 'keep',
      maxPayloadBytes: 10,
    });
    assert.equal(outbox.options.table, 'public.outbox');
    assert.equal(outbox.options.columns.aggregateType, 'aggregate_type');
    assert.equal(outbox.options.columns.id, 'id');
  });
});

describe('ddl', () => {
  it('mysql: Debezium-compatible table with backtick quoting', () => {
    const [sql, ...rest] = createOutbox({ dialect: 'mysql' }).ddl();
    assert.deepEqual(rest, []);
    assert.equal(
      sql,
      [
        'CREATE TABLE IF NOT EXISTS `outbox` (',
        '  `id` CHAR(36) NOT NULL,',
        '  `aggregatetype` VARCHAR(255) NOT NULL,',
        '  `aggregateid` VARCHAR(255) NOT NULL,',
        '  `type` VARCHAR(255) NOT NULL,',
        '  `payload` JSON NOT NULL,',
        '  `timestamp` TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),',
        '  PRIMARY KEY (`id`)',
        ') ENGINE=InnoDB DEFAULT CHARSET=utf8mb4',
      ].join('\n'),
    );
  });

  it('postgres: uuid/jsonb/timestamptz with double-quote quoting and qualified table', () => {
    const [sql] = createOutbox({ dialect: 'postgres', table: 'public.outbox' }).ddl();
    assert.equal(
      sql,
      [
        'CREATE TABLE IF NOT EXISTS "public"."outbox" (',
        '  "id" uuid NOT NULL PRIMARY KEY,',
        '  "aggregatetype" varchar(255) NOT NULL,',
        '  "aggregateid" varchar(255) NOT NULL,',
        '  "type" varchar(255) NOT NULL,',
        '  "payload" jsonb NOT NULL,',
        '  "timestamp" timestamptz NOT NULL DEFAULT now()',
        ')',
      ].join('\n'),
    );
  });

  it('uses renamed columns', () => {
    const [sql] = createOutbox({
      dialect: 'mysql',
      table: 'course_outbox',
      columns: { aggregateType: 'aggregate_type', aggregateId: 'aggregate_id', timestamp: 'created_at' },
    }).ddl();
    assert.match(sql!, /^CREATE TABLE IF NOT EXISTS `course_outbox` \(/);
    assert.match(sql!, /`aggregate_type` VARCHAR\(255\) NOT NULL/);
    assert.match(sql!, /`aggregate_id` VARCHAR\(255\) NOT NULL/);
    assert.match(sql!, /`created_at` TIMESTAMP\(6\)/);
    assert.doesNotMatch(sql!, /aggregatetype|aggregateid/);
  });

  it('migrate runs every DDL statement', async () => {
    const executor = new RecordingExecutor();
    const outbox = createOutbox({ dialect: 'postgres' });
    await migrate(executor, outbox);
    assert.deepEqual(
      executor.calls.map((c) => c.sql),
      outbox.ddl(),
    );
  });
});

describe('write: generated SQL', () => {
  it('mysql insert-then-delete: one INSERT then one DELETE of the same id', async () => {
    const executor = new RecordingExecutor();
    const written = await createOutbox({ dialect: 'mysql' }).write(executor, event());
    assert.deepEqual(executor.calls, [
      {
        sql: 'INSERT INTO `outbox` (`id`, `aggregatetype`, `aggregateid`, `type`, `payload`) VALUES (?, ?, ?, ?, ?)',
        values: [ID1, 'Course', COURSE, 'CoursePostedEvent', '{"name":"MSA 파헤치기","posted":true}'],
      },
      { sql: 'DELETE FROM `outbox` WHERE `id` IN (?)', values: [ID1] },
    ]);
    assert.deepEqual(written, [
      {
        id: ID1,
        aggregateType: 'Course',
        aggregateId: COURSE,
        type: 'CoursePostedEvent',
        payload: '{"name":"MSA 파헤치기","posted":true}',
      },
    ]);
  });

  it('mysql keep: only the INSERT', async () => {
    const executor = new RecordingExecutor();
    await createOutbox({ dialect: 'mysql', mode: 'keep' }).write(executor, event());
    assert.equal(executor.calls.length, 1);
    assert.match(executor.calls[0]!.sql, /^INSERT INTO `outbox`/);
  });

  it('postgres insert-then-delete: numbered placeholders', async () => {
    const executor = new RecordingExecutor();
    await createOutbox({ dialect: 'postgres', table: 'public.outbox' }).write(executor, event());
    assert.deepEqual(
      executor.calls.map((c) => c.sql),
      [
        'INSERT INTO "public"."outbox" ("id", "aggregatetype", "aggregateid", "type", "payload") VALUES ($1, $2, $3, $4, $5)',
        'DELETE FROM "public"."outbox" WHERE "id" IN ($1)',
      ],
    );
    assert.deepEqual(executor.calls[1]!.values, [ID1]);
  });

  it('postgres keep: only the INSERT', async () => {
    const executor = new RecordingExecutor();
    await createOutbox({ dialect: 'postgres', mode: 'keep' }).write(executor, [event()]);
    assert.deepEqual(
      executor.calls.map((c) => c.sql),
      [
        'INSERT INTO "outbox" ("id", "aggregatetype", "aggregateid", "type", "payload") VALUES ($1, $2, $3, $4, $5)',
      ],
    );
  });

  it('a batch is one multi-row INSERT and one DELETE, in input order', async () => {
    const executor = new RecordingExecutor();
    const batch = [
      event({ id: ID1, type: 'CourseCreatedEvent', payload: { n: 1 } }),
      event({ id: ID2, type: 'CoursePostedEvent', payload: { n: 2 } }),
      event({ id: undefined, aggregateId: 'other', type: 'CourseUnpostedEvent', payload: [3] }),
    ];
    const written = await createOutbox({ dialect: 'postgres' }).write(executor, batch);
    assert.equal(executor.calls.length, 2);
    const [insert, del] = executor.calls;
    assert.equal(
      insert!.sql,
      'INSERT INTO "outbox" ("id", "aggregatetype", "aggregateid", "type", "payload") VALUES ' +
        '($1, $2, $3, $4, $5), ($6, $7, $8, $9, $10), ($11, $12, $13, $14, $15)',
    );
    const generated = written[2]!.id;
    assert.match(generated, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.deepEqual(insert!.values, [
      ...[ID1, 'Course', COURSE, 'CourseCreatedEvent', '{"n":1}'],
      ...[ID2, 'Course', COURSE, 'CoursePostedEvent', '{"n":2}'],
      ...[generated, 'Course', 'other', 'CourseUnpostedEvent', '[3]'],
    ]);
    assert.equal(del!.sql, 'DELETE FROM "outbox" WHERE "id" IN ($1, $2, $3)');
    assert.deepEqual(del!.values, [ID1, ID2, generated]);
    assert.deepEqual(
      written.map((w) => w.type),
      ['CourseCreatedEvent', 'CoursePostedEvent', 'CourseUnpostedEvent'],
    );
  });

  it('mysql batch uses ? placeholders for every row', async () => {
    const executor = new RecordingExecutor();
    await createOutbox({ dialect: 'mysql', mode: 'keep' }).write(executor, [
      event({ id: ID1 }),
      event({ id: ID2 }),
    ]);
    assert.equal(executor.calls.length, 1);
    assert.match(executor.calls[0]!.sql, /VALUES \(\?, \?, \?, \?, \?\), \(\?, \?, \?, \?, \?\)$/);
    assert.equal(executor.calls[0]!.values.length, 10);
  });

  it('splits only very large batches (over 500 events)', async () => {
    const executor = new RecordingExecutor();
    const batch = Array.from({ length: 501 }, (_, i) => event({ id: undefined, payload: { i } }));
    const written = await createOutbox({ dialect: 'postgres' }).write(executor, batch);
    assert.equal(written.length, 501);
    assert.deepEqual(
      executor.calls.map((c) => [c.sql.split(' ')[0], c.values.length]),
      [
        ['INSERT', 2500],
        ['DELETE', 500],
        ['INSERT', 5],
        ['DELETE', 1],
      ],
    );
  });

  it('renamed columns (the seed naming) appear in INSERT and DELETE', async () => {
    const executor = new RecordingExecutor();
    await createOutbox({
      dialect: 'mysql',
      columns: { id: 'event_id', aggregateType: 'aggregate_type', aggregateId: 'aggregate_id' },
    }).write(executor, event());
    assert.deepEqual(
      executor.calls.map((c) => c.sql),
      [
        'INSERT INTO `outbox` (`event_id`, `aggregate_type`, `aggregate_id`, `type`, `payload`) VALUES (?, ?, ?, ?, ?)',
        'DELETE FROM `outbox` WHERE `event_id` IN (?)',
      ],
    );
  });

  it('an empty batch sends nothing', async () => {
    const executor = new RecordingExecutor();
    assert.deepEqual(await createOutbox({ dialect: 'mysql' }).write(executor, []), []);
    assert.deepEqual(executor.calls, []);
  });

  it('generates a UUID when id is absent and lower-cases a given one', async () => {
    const executor = new RecordingExecutor();
    const outbox = createOutbox({ dialect: 'mysql', mode: 'keep' });
    const [a, b] = await outbox.write(executor, [event({ id: undefined }), event({ id: ID2.toUpperCase() })]);
    assert.match(a!.id, /^[0-9a-f-]{36}$/);
    assert.equal(b!.id, ID2);
  });

  it('stores a string payload as a JSON string, and null as JSON null', async () => {
    const executor = new RecordingExecutor();
    const written = await createOutbox({ dialect: 'mysql', mode: 'keep' }).write(executor, [
      event({ id: ID1, payload: '{"a":1}' }),
      event({ id: ID2, payload: null }),
    ]);
    assert.deepEqual(
      written.map((w) => w.payload),
      ['"{\\"a\\":1}"', 'null'],
    );
  });
});

describe('write: payload limit', () => {
  // {"s":"…"} is 8 bytes of framing around the string.
  const framed = (content: string) => ({ s: content });

  it('a payload exactly at the limit passes', async () => {
    const executor = new RecordingExecutor();
    const outbox = createOutbox({ dialect: 'mysql', maxPayloadBytes: 20 });
    const [w] = await outbox.write(executor, event({ payload: framed('x'.repeat(12)) }));
    assert.equal(Buffer.byteLength(w!.payload), 20);
    assert.equal(executor.calls.length, 2);
  });

  it('one byte over the limit fails before any SQL, naming the event, the size and the limit', async () => {
    const executor = new RecordingExecutor();
    const outbox = createOutbox({ dialect: 'mysql', maxPayloadBytes: 20 });
    const error = await rejectsBeforeSql(
      executor,
      () => outbox.write(executor, event({ payload: framed('x'.repeat(13)) })),
      'OUTBOX_PAYLOAD_TOO_LARGE',
      /CoursePostedEvent.*bc32dd3f-2334-43d9-9493-71b538510efe.*21 bytes.*limit of 20 bytes/,
    );
    assert.ok(error instanceof OutboxPayloadError);
    assert.equal(error.details.bytes, 21);
    assert.equal(error.details.limit, 20);
    assert.equal(error.details.type, 'CoursePostedEvent');
    assert.equal(error.details.aggregateId, COURSE);
  });

  it('counts multibyte UTF-8 in bytes, not characters', async () => {
    const outbox = createOutbox({ dialect: 'postgres', maxPayloadBytes: 20 });
    // '강' is 3 bytes in UTF-8: 8 + 4 * 3 = 20 bytes in 12 characters.
    const ok = new RecordingExecutor();
    const [w] = await outbox.write(ok, event({ payload: framed('강'.repeat(4)) }));
    assert.equal(w!.payload.length, 12);
    const over = new RecordingExecutor();
    await rejectsBeforeSql(
      over,
      () => outbox.write(over, event({ payload: framed(`${'강'.repeat(4)}x`) })),
      'OUTBOX_PAYLOAD_TOO_LARGE',
      /21 bytes/,
    );
    // An emoji is one surrogate pair (2 UTF-16 units) and 4 bytes: 8 + 3 * 4 = 20 bytes.
    const [emoji] = await outbox.write(ok, event({ payload: framed('😀'.repeat(3)) }));
    assert.equal(Buffer.byteLength(emoji!.payload), 20);
    await rejectsBeforeSql(
      over,
      () => outbox.write(over, event({ payload: framed(`${'😀'.repeat(3)}x`) })),
      'OUTBOX_PAYLOAD_TOO_LARGE',
      /21 bytes of JSON \(UTF-8\), over the limit of 20 bytes/,
    );
  });

  it('the default limit is 1 MiB', async () => {
    const executor = new RecordingExecutor();
    const outbox = createOutbox({ dialect: 'mysql', mode: 'keep' });
    await outbox.write(executor, event({ payload: 'x'.repeat(1_048_574) })); // + 2 quotes = 1 MiB
    await assert.rejects(outbox.write(executor, event({ payload: 'x'.repeat(1_048_575) })), {
      code: 'OUTBOX_PAYLOAD_TOO_LARGE',
    });
    assert.equal(executor.calls.length, 1);
  });

  it('a bad event anywhere in a batch stops the whole batch before SQL', async () => {
    const executor = new RecordingExecutor();
    const outbox = createOutbox({ dialect: 'mysql', maxPayloadBytes: 100 });
    const error = await rejectsBeforeSql(
      executor,
      () => outbox.write(executor, [event({ id: ID1 }), event({ id: ID2, payload: 'y'.repeat(200) })]),
      'OUTBOX_PAYLOAD_TOO_LARGE',
      /event 1 /,
    );
    assert.equal(error.details.index, 1);
  });
});

describe('write: payloads that are not JSON', () => {
  const circular: Record<string, unknown> = { a: 1 };
  circular.self = circular;
  const cases: [string, unknown][] = [
    ['a BigInt', 10n],
    ['a nested BigInt', { amount: 10n }],
    ['a circular object', circular],
    ['undefined', undefined],
    ['a function', () => 1],
    ['a symbol', Symbol('s')],
    [
      'a throwing toJSON',
      {
        toJSON() {
          throw new Error('nope');
        },
      },
    ],
  ];
  for (const [name, payload] of cases) {
    it(`rejects ${name} before any SQL`, async () => {
      const executor = new RecordingExecutor();
      const error = await rejectsBeforeSql(
        executor,
        () => createOutbox({ dialect: 'postgres' }).write(executor, event({ payload })),
        'OUTBOX_PAYLOAD_NOT_JSON',
        /CoursePostedEvent.*bc32dd3f-2334-43d9-9493-71b538510efe.*not serialisable to JSON/,
      );
      assert.ok(error instanceof OutboxPayloadError);
    });
  }
});

describe('write: invalid events', () => {
  const cases: [string, Partial<Record<keyof Outboxable, unknown>>, string][] = [
    ['empty aggregateType', { aggregateType: '' }, 'aggregateType'],
    ['blank aggregateId', { aggregateId: '  ' }, 'aggregateId'],
    ['empty type', { type: '' }, 'type'],
    ['missing type', { type: undefined }, 'type'],
    ['numeric aggregateId', { aggregateId: 42 }, 'aggregateId'],
    ['aggregateType unusable in a topic name', { aggregateType: 'Course Events' }, 'aggregateType'],
    ['aggregateId over 255 characters', { aggregateId: 'a'.repeat(256) }, 'aggregateId'],
    ['id not a UUID', { id: 'not-a-uuid' }, 'id'],
    ['id a number', { id: 7 }, 'id'],
  ];
  for (const [name, overrides, field] of cases) {
    it(`rejects ${name}, naming "${field}", before any SQL`, async () => {
      const executor = new RecordingExecutor();
      const bad = { ...event(), ...overrides } as Outboxable;
      const error = await rejectsBeforeSql(
        executor,
        () => createOutbox({ dialect: 'mysql' }).write(executor, bad),
        'OUTBOX_EVENT_INVALID',
        new RegExp(`"${field}"`),
      );
      assert.equal(error.details.field, field);
    });
  }

  it('rejects duplicate ids in one batch', async () => {
    const executor = new RecordingExecutor();
    await rejectsBeforeSql(
      executor,
      () => createOutbox({ dialect: 'mysql' }).write(executor, [event(), event({ id: ID1.toUpperCase() })]),
      'OUTBOX_EVENT_INVALID',
      /appears twice/,
    );
  });

  it('rejects a null event and a missing batch', async () => {
    const executor = new RecordingExecutor();
    const outbox = createOutbox({ dialect: 'mysql' });
    await rejectsBeforeSql(
      executor,
      () => outbox.write(executor, [null as unknown as Outboxable]),
      'OUTBOX_EVENT_INVALID',
    );
    await rejectsBeforeSql(
      executor,
      () => outbox.write(executor, undefined as never),
      'OUTBOX_EVENT_INVALID',
    );
  });
});

describe('write: executors and SQL failures', () => {
  it('refuses a mysql2 pool and a pg pool before any SQL', async () => {
    const outbox = createOutbox({ dialect: 'mysql' });
    const mysqlPool = Object.assign(new RecordingExecutor(), { getConnection: async () => ({}) });
    await rejectsBeforeSql(
      mysqlPool,
      () => outbox.write(mysqlPool, event()),
      'OUTBOX_EXECUTOR_INVALID',
      /pool/,
    );
    const pgPool = Object.assign(new RecordingExecutor(), { totalCount: 0, connect: async () => ({}) });
    await rejectsBeforeSql(pgPool, () => outbox.write(pgPool, event()), 'OUTBOX_EXECUTOR_INVALID', /pool/);
  });

  it('migrate accepts a pool', async () => {
    const pool = Object.assign(new RecordingExecutor(), { getConnection: async () => ({}) });
    await migrate(pool, createOutbox({ dialect: 'mysql' }));
    assert.equal(pool.calls.length, 1);
  });

  it('refuses an executor without query, and a callback-style query', async () => {
    const outbox = createOutbox({ dialect: 'mysql' });
    await assert.rejects(outbox.write({} as SqlExecutor, event()), { code: 'OUTBOX_EXECUTOR_INVALID' });
    const callbackStyle = { query: () => ({ on() {} }) } as unknown as SqlExecutor;
    await assert.rejects(outbox.write(callbackStyle, event()), {
      code: 'OUTBOX_EXECUTOR_INVALID',
      message: /promise/,
    });
  });

  it('wraps a driver error as OUTBOX_SQL_FAILED with the cause; stops after the failing INSERT', async () => {
    const executor = new RecordingExecutor();
    const driverError = Object.assign(new Error("Table 'shop.outbox' doesn't exist"), {
      code: 'ER_NO_SUCH_TABLE',
    });
    executor.failOn = /^INSERT/;
    executor.failWith = driverError;
    await assert.rejects(createOutbox({ dialect: 'mysql' }).write(executor, event()), (error: unknown) => {
      assert.ok(error instanceof OutboxError);
      assert.equal(error.code, 'OUTBOX_SQL_FAILED');
      assert.equal(error.cause, driverError);
      assert.equal(error.retriable, false);
      assert.equal(error.details.statement, 'insert');
      assert.match(error.message, /INSERT on outbox failed: Table 'shop.outbox' doesn't exist/);
      return true;
    });
    assert.equal(executor.calls.length, 1, 'no DELETE after a failed INSERT');
  });

  it('marks deadlocks and serialisation failures retriable', async () => {
    for (const failWith of [
      Object.assign(new Error('Deadlock found'), {
        code: 'ER_LOCK_DEADLOCK',
        errno: 1213,
        sqlState: '40001',
      }),
      Object.assign(new Error('could not serialize access'), { code: '40001' }),
      Object.assign(new Error('deadlock detected'), { code: '40P01' }),
    ]) {
      const executor = new RecordingExecutor();
      executor.failOn = /^DELETE/;
      executor.failWith = failWith;
      await assert.rejects(createOutbox({ dialect: 'postgres' }).write(executor, event()), {
        code: 'OUTBOX_SQL_FAILED',
        retriable: true,
      });
    }
  });
});

describe('README', () => {
  it('documents every option with its declared default and description', async () => {
    const { readFile } = await import('node:fs/promises');
    const { OPTION_SPECS } = await import('../src/options.ts');
    const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
    const table = /<!-- options:start -->\n([\s\S]*?)<!-- options:end -->/.exec(readme)?.[1];
    assert.ok(table, 'README has an options table');
    // Cells, not layout: the formatter may pad the table.
    const rows = table
      .trim()
      .split('\n')
      .filter((line) => !/^\|[\s|:-]+\|$/.test(line))
      .map((line) =>
        line
          .slice(1, -1)
          .split(' | ')
          .map((cell) => cell.trim()),
      );
    assert.deepEqual(rows, [
      ['option', 'default', 'description'],
      ...OPTION_SPECS.map((o) => [`\`${o.name}\``, o.default, o.description]),
    ]);
  });
});
