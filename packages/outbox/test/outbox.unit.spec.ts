import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createOutbox,
  migrate,
  OutboxConfigError,
  OutboxError,
  type OutboxOptions,
  type SqlExecutor,
} from '../src/index.ts';
import { COURSE, event, ID1, ID2, RecordingExecutor, rejectsBeforeSql } from './support.ts';

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
        tracingSpanContext: 'tracingspancontext',
      },
      mode: 'insert-then-delete',
      maxPayloadBytes: 1_048_576,
      tracing: false,
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
        '  `tracingspancontext` TEXT NULL,',
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
        '  "timestamp" timestamptz NOT NULL DEFAULT now(),',
        '  "tracingspancontext" text NULL',
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
