/**
 * The outbox writer against the project's real MariaDB (127.0.0.1:3307) and PostgreSQL (127.0.0.1:5433).
 * One suite, run per dialect; each run works in its own throwaway database.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { context, trace } from '@opentelemetry/api';
import { createMariaDbDatabase, createPostgresDatabase, type TestDatabase } from '@outflow/testing';
import { recordSpans } from '@outflow/testing/tracing';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { runCli } from '../src/cli.ts';
import {
  createOutbox,
  migrate,
  type Outboxable,
  type OutboxDialect,
  OutboxError,
  type OutboxOptions,
  type SqlExecutor,
} from '../src/index.ts';

type Row = Record<string, unknown>;

/** One connection of the dialect under test, with the transaction verbs the caller (not the outbox) owns. */
interface Connection {
  readonly executor: SqlExecutor;
  rows(sql: string, values?: unknown[]): Promise<Row[]>;
  begin(): Promise<void>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
  close(): Promise<void>;
}

/** Row events the replication log recorded for one table while `fn` ran. */
interface LogCount {
  inserts: number;
  deletes: number;
}

interface Harness {
  readonly dialect: OutboxDialect;
  createDatabase(): Promise<TestDatabase>;
  connect(url: string): Promise<Connection>;
  /** Quotes an identifier for hand-written test SQL. */
  q(name: string): string;
  /** Seconds between a row's timestamp column and now, computed by the database. */
  ageSql(column: string): string;
  /** Runs `fn` and counts the row events the binlog/WAL recorded for `table` meanwhile. */
  logged(admin: Connection, db: TestDatabase, table: string, fn: () => Promise<void>): Promise<LogCount>;
  /** The pool type of the driver, for the pool-refusal check. */
  pool(url: string): { executor: SqlExecutor; end(): Promise<void> };
}

const mariadb: Harness = {
  dialect: 'mysql',
  createDatabase: () => createMariaDbDatabase('outbox'),
  async connect(url) {
    const c = await mysql.createConnection(url);
    return {
      executor: c,
      rows: async (sql, values) => (await c.query(sql, values))[0] as Row[],
      begin: () => c.beginTransaction(),
      commit: () => c.commit(),
      rollback: () => c.rollback(),
      close: () => c.end(),
    };
  },
  q: (name) => `\`${name}\``,
  ageSql: (column) => `TIMESTAMPDIFF(MICROSECOND, \`${column}\`, CURRENT_TIMESTAMP(6)) / 1e6`,
  async logged(admin, db, table, fn) {
    const [format] = await admin.rows('SELECT @@log_bin AS logBin, @@binlog_format AS format');
    assert.equal(Number(format!.logBin), 1, 'the MariaDB binlog must be on');
    assert.equal(format!.format, 'ROW', 'the MariaDB binlog must be in ROW format');
    const [status] = await admin.rows('SHOW MASTER STATUS');
    const startFile = String(status!.File);
    const startPos = Number(status!.Position);
    await fn();
    const files = (await admin.rows('SHOW BINARY LOGS'))
      .map((r) => String(r.Log_name))
      .filter((f) => f >= startFile);
    const tableIds = new Set<string>();
    const count: LogCount = { inserts: 0, deletes: 0 };
    for (const file of files) {
      const from = file === startFile ? ` FROM ${startPos}` : '';
      for (const event of await admin.rows(`SHOW BINLOG EVENTS IN '${file}'${from}`)) {
        const type = String(event.Event_type);
        const info = String(event.Info);
        const id = /table_id: (\d+)/.exec(info)?.[1];
        if (type === 'Table_map' && info.includes(`(${db.name}.${table})`) && id) tableIds.add(id);
        if (id === undefined || !tableIds.has(id)) continue;
        if (type.startsWith('Write_rows')) count.inserts++;
        if (type.startsWith('Delete_rows')) count.deletes++;
      }
    }
    return count;
  },
  pool(url) {
    const pool = mysql.createPool(url);
    return { executor: pool, end: () => pool.end() };
  },
};

const postgres: Harness = {
  dialect: 'postgres',
  createDatabase: () => createPostgresDatabase('outbox'),
  async connect(url) {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    return {
      executor: c,
      rows: async (sql, values) => (await c.query(sql, values)).rows as Row[],
      begin: async () => void (await c.query('BEGIN')),
      commit: async () => void (await c.query('COMMIT')),
      rollback: async () => void (await c.query('ROLLBACK')),
      close: () => c.end(),
    };
  },
  q: (name) => `"${name}"`,
  ageSql: (column) => `extract(epoch from now() - "${column}")`,
  async logged(admin, _db, table, fn) {
    const [level] = await admin.rows('SHOW wal_level');
    assert.equal(level!.wal_level, 'logical', 'PostgreSQL must run with wal_level=logical');
    const slot = `outbox_test_${process.pid}_${Date.now()}`;
    await admin.rows(`SELECT pg_create_logical_replication_slot($1, 'test_decoding', true)`, [slot]);
    try {
      await fn();
      const changes = await admin.rows('SELECT data FROM pg_logical_slot_get_changes($1, NULL, NULL)', [
        slot,
      ]);
      const lines = changes.map((r) => String(r.data));
      return {
        inserts: lines.filter((l) => l.startsWith(`table public.${table}: INSERT:`)).length,
        deletes: lines.filter((l) => l.startsWith(`table public.${table}: DELETE:`)).length,
      };
    } finally {
      await admin.rows('SELECT pg_drop_replication_slot($1)', [slot]);
    }
  },
  pool(url) {
    const pool = new pg.Pool({ connectionString: url, max: 1 });
    return { executor: pool, end: () => pool.end() };
  },
};

function event(n: number, overrides: Partial<Outboxable> = {}): Outboxable {
  return {
    aggregateType: 'Course',
    aggregateId: `course-${n}`,
    type: 'CoursePostedEvent',
    payload: { courseId: `course-${n}`, name: 'MSA 파헤치기', posted: true, tags: ['msa', n], price: 10.5 },
    ...overrides,
  };
}

function parseJson(value: unknown): unknown {
  return typeof value === 'string' ? JSON.parse(value) : value;
}

for (const h of [mariadb, postgres]) {
  describe(`outbox on ${h.dialect === 'mysql' ? 'MariaDB' : 'PostgreSQL'}`, { timeout: 120_000 }, () => {
    let db: TestDatabase;
    let conn: Connection;
    let admin: Connection;
    const options = (extra: Partial<OutboxOptions> = {}): OutboxOptions => ({ dialect: h.dialect, ...extra });
    const count = async (table = 'outbox') =>
      Number((await conn.rows(`SELECT COUNT(*) AS n FROM ${h.q(table)}`))[0]!.n);

    before(async () => {
      db = await h.createDatabase();
      conn = await h.connect(db.url);
      admin = await h.connect(db.url);
      await conn.rows(
        `CREATE TABLE ${h.q('course')} (${h.q('id')} varchar(64) PRIMARY KEY, ${h.q('posted')} int)`,
      );
    });

    after(async () => {
      await conn?.close();
      await admin?.close();
      await db?.drop();
    });

    it('migrate creates the table with the Debezium default columns, and is idempotent', async () => {
      const outbox = createOutbox(options());
      await migrate(conn.executor, outbox);
      await migrate(conn.executor, outbox);
      const schema = h.dialect === 'mysql' ? db.name : 'public';
      const columns = await conn.rows(
        h.dialect === 'mysql'
          ? 'SELECT COLUMN_NAME AS name, DATA_TYPE AS type, IS_NULLABLE AS nullable FROM information_schema.columns WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION'
          : 'SELECT column_name AS name, data_type AS type, is_nullable AS nullable FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position',
        [schema, 'outbox'],
      );
      assert.deepEqual(
        columns.map((c) => c.name),
        ['id', 'aggregatetype', 'aggregateid', 'type', 'payload', 'timestamp', 'tracingspancontext'],
      );
      assert.deepEqual(
        columns.map((c) => c.nullable),
        ['NO', 'NO', 'NO', 'NO', 'NO', 'NO', 'YES'],
      );
      const types = columns.map((c) => String(c.type).toLowerCase());
      assert.deepEqual(
        types,
        h.dialect === 'mysql'
          ? ['char', 'varchar', 'varchar', 'varchar', 'longtext', 'timestamp', 'text'] // MariaDB: JSON = LONGTEXT + JSON_VALID
          : [
              'uuid',
              'character varying',
              'character varying',
              'character varying',
              'jsonb',
              'timestamp with time zone',
              'text',
            ],
      );
      assert.equal(await count(), 0);
    });

    it('tracing: migrate adds the span context column to an older table, and writes store the context', async () => {
      const table = 'outbox_before_tracing';
      const older = createOutbox(options({ table, mode: 'keep' }));
      const [create] = older.ddl();
      await conn.rows(create!.replace(/,\s*\S+tracingspancontext\S+ (TEXT|text) NULL/, ''));
      const before = await conn.rows(
        h.dialect === 'mysql'
          ? 'SELECT COLUMN_NAME AS name FROM information_schema.columns WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?'
          : 'SELECT column_name AS name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2',
        [h.dialect === 'mysql' ? db.name : 'public', table],
      );
      assert.ok(!before.some((c) => c.name === 'tracingspancontext'), 'the older table lacks the column');
      await older.write(conn.executor, event(7)); // without the option the older table keeps working

      const traced = createOutbox(options({ table, mode: 'keep', tracing: true }));
      await migrate(conn.executor, traced);
      await migrate(conn.executor, traced);
      const recorder = recordSpans();
      try {
        const request = trace.getTracer('test').startSpan('POST /courses/:courseId/post');
        await context.with(trace.setSpan(context.active(), request), async () => {
          await conn.begin();
          await traced.write(conn.executor, event(8));
          await conn.commit();
        });
        request.end();
        const written = recorder.spans().find((span) => span.name === 'outbox-write');
        assert.ok(written);
        const rows = await conn.rows(
          `SELECT aggregateid, tracingspancontext FROM ${h.q(table)} ORDER BY aggregateid`,
        );
        assert.deepEqual(
          rows.map((r) => [r.aggregateid, r.tracingspancontext]),
          [
            ['course-7', null],
            [
              'course-8',
              `traceparent=00-${written.spanContext().traceId}-${written.spanContext().spanId}-01\n`,
            ],
          ],
        );
      } finally {
        await recorder.close();
      }
    });

    it('keep mode leaves exactly the written rows', async () => {
      const outbox = createOutbox(options({ mode: 'keep' }));
      await conn.begin();
      const written = await outbox.write(conn.executor, [
        event(1),
        event(2, { type: 'CourseUnpostedEvent' }),
      ]);
      await conn.commit();
      const rows = await conn.rows(
        `SELECT ${h.q('id')} AS id, aggregatetype, aggregateid, ${h.q('type')} AS type, payload, ${h.ageSql('timestamp')} AS age FROM outbox ORDER BY aggregateid`,
      );
      assert.equal(rows.length, 2);
      for (const [i, row] of rows.entries()) {
        assert.equal(row.id, written[i]!.id);
        assert.equal(row.aggregatetype, 'Course');
        assert.equal(row.aggregateid, `course-${i + 1}`);
        assert.equal(row.type, i === 0 ? 'CoursePostedEvent' : 'CourseUnpostedEvent');
        assert.deepEqual(parseJson(row.payload), event(i + 1).payload);
        const age = Number(row.age);
        assert.ok(age >= 0 && age < 60, `timestamp set by the database (age ${age}s)`);
      }
      await conn.rows('DELETE FROM outbox');
    });

    it('insert-then-delete leaves the table empty, but the log carries the insert (and the delete)', async () => {
      const outbox = createOutbox(options());
      const logged = await h.logged(admin, db, 'outbox', async () => {
        await conn.begin();
        await conn.rows(`INSERT INTO ${h.q('course')} VALUES ('course-1', 1)`);
        await outbox.write(conn.executor, [event(1), event(2), event(3)]);
        await conn.commit();
      });
      assert.equal(await count(), 0);
      if (h.dialect === 'mysql') {
        // One multi-row INSERT and one DELETE: one Write_rows and one Delete_rows event (3 rows each).
        assert.deepEqual(logged, { inserts: 1, deletes: 1 });
      } else {
        // test_decoding emits one line per row.
        assert.deepEqual(logged, { inserts: 3, deletes: 3 });
      }
    });

    it("rolling back the caller's transaction leaves nothing", async () => {
      const outbox = createOutbox(options({ mode: 'keep' }));
      await conn.begin();
      await conn.rows(`INSERT INTO ${h.q('course')} VALUES ('course-rollback', 1)`);
      await outbox.write(conn.executor, event(9));
      assert.equal(await count(), 1, 'visible inside the transaction');
      await conn.rollback();
      assert.equal(await count(), 0);
      assert.equal(
        (await conn.rows(`SELECT * FROM ${h.q('course')} WHERE id = 'course-rollback'`)).length,
        0,
      );
    });

    it('a payload over the limit throws before anything is written; the transaction stays usable', async () => {
      const outbox = createOutbox(options({ mode: 'keep', maxPayloadBytes: 64 }));
      await conn.begin();
      await conn.rows(`INSERT INTO ${h.q('course')} VALUES ('course-big', 1)`);
      await assert.rejects(
        outbox.write(conn.executor, [event(1), event(2, { payload: { blob: 'x'.repeat(100) } })]),
        {
          code: 'OUTBOX_PAYLOAD_TOO_LARGE',
        },
      );
      assert.equal(await count(), 0, 'nothing written');
      // Still usable, even on PostgreSQL (which aborts a transaction after any failed statement).
      await outbox.write(conn.executor, event(3, { payload: { ok: true } }));
      await conn.commit();
      assert.equal(await count(), 1);
      assert.equal((await conn.rows(`SELECT * FROM ${h.q('course')} WHERE id = 'course-big'`)).length, 1);
      await conn.rows('DELETE FROM outbox');
    });

    it('payloads the database would refuse are caught before any SQL; U+0000 round-trips on MariaDB', async () => {
      const outbox = createOutbox(options({ mode: 'keep' }));
      await conn.begin();
      const refused = (reason: string, path: string) => (error: unknown) => {
        const e = error as { code?: string; details?: Record<string, unknown> };
        assert.equal(e.code, 'OUTBOX_PAYLOAD_NOT_JSON');
        assert.equal(e.details?.reason, reason);
        assert.equal(e.details?.path, path);
        return true;
      };
      await assert.rejects(
        outbox.write(conn.executor, event(1, { payload: { name: 'lone \ud800' } })),
        refused('lone-surrogate', '/name'),
      );
      await assert.rejects(
        outbox.write(conn.executor, event(1, { payload: { tags: ['ok', { 'k\udc00': 1 }] } })),
        refused('lone-surrogate', '/tags/1/k\udc00'),
      );
      const nul = { name: 'a\0b' };
      if (h.dialect === 'postgres') {
        await assert.rejects(
          outbox.write(conn.executor, event(2, { payload: nul })),
          refused('nul', '/name'),
        );
      } else {
        await outbox.write(conn.executor, event(2, { payload: nul }));
      }
      await outbox.write(conn.executor, event(3)); // the transaction is still usable
      await conn.commit();
      const rows = await conn.rows('SELECT aggregateid, payload FROM outbox ORDER BY aggregateid');
      assert.deepEqual(
        rows.map((r) => [r.aggregateid, parseJson(r.payload)]),
        [...(h.dialect === 'mysql' ? [['course-2', nul]] : []), ['course-3', event(3).payload]],
      );
      await conn.rows('DELETE FROM outbox');
    });

    it("the seed's column naming (aggregate_type, aggregate_id) works", async () => {
      const outbox = createOutbox(
        options({
          table: 'course_outbox',
          mode: 'keep',
          columns: { aggregateType: 'aggregate_type', aggregateId: 'aggregate_id' },
        }),
      );
      await migrate(conn.executor, outbox);
      await conn.begin();
      const [w] = await outbox.write(conn.executor, event(7));
      await conn.commit();
      const rows = await conn.rows(
        `SELECT ${h.q('id')} AS id, aggregate_type, aggregate_id, payload FROM course_outbox`,
      );
      assert.deepEqual(
        rows.map((r) => [r.id, r.aggregate_type, r.aggregate_id, parseJson(r.payload)]),
        [[w!.id, 'Course', 'course-7', event(7).payload]],
      );
    });

    it('a database failure becomes OUTBOX_SQL_FAILED with the driver error as cause', async () => {
      const outbox = createOutbox(options({ table: 'no_such_table' }));
      await conn.begin();
      await assert.rejects(outbox.write(conn.executor, event(1)), (error: unknown) => {
        assert.ok(error instanceof OutboxError);
        assert.equal(error.code, 'OUTBOX_SQL_FAILED');
        assert.ok(error.cause instanceof Error);
        assert.equal(
          (error.cause as { code?: unknown }).code,
          h.dialect === 'mysql' ? 'ER_NO_SUCH_TABLE' : '42P01',
        );
        return true;
      });
      await conn.rollback();
    });

    it('refuses a real connection pool and accepts a duplicate id only once', async () => {
      const pool = h.pool(db.url);
      try {
        await assert.rejects(createOutbox(options()).write(pool.executor, event(1)), {
          code: 'OUTBOX_EXECUTOR_INVALID',
        });
      } finally {
        await pool.end();
      }
      const outbox = createOutbox(options({ mode: 'keep' }));
      const id = '0f8fad5b-d9cb-469f-a165-70867728950e';
      await conn.begin();
      await outbox.write(conn.executor, event(1, { id }));
      await assert.rejects(outbox.write(conn.executor, event(2, { id })), { code: 'OUTBOX_SQL_FAILED' });
      await conn.rollback();
      assert.equal(await count(), 0);
    });

    it('the migrate command creates a table from a URL and never prints the password', async () => {
      let out = '';
      let err = '';
      const io = { out: (t: string) => (out += t), err: (t: string) => (err += t) };
      const code = await runCli(
        ['migrate', '--table', 'cli_outbox', '--columns', 'timestamp=created_at'],
        { DATABASE_URL: db.url },
        io,
      );
      assert.equal(err, '');
      assert.equal(code, 0);
      // The password is masked; here it equals the user name, so that is masked too.
      assert.match(
        out,
        /Outbox table cli_outbox is ready on [a-z]+:\/\/\*\*\*:\*\*\*@127\.0\.0\.1:\d+\/outbox_/,
      );
      assert.equal(await count('cli_outbox'), 0);
      await createOutbox(
        options({ table: 'cli_outbox', mode: 'keep', columns: { timestamp: 'created_at' } }),
      ).write(conn.executor, event(1));
      assert.equal(await count('cli_outbox'), 1);

      out = '';
      const bad = db.url.replace('outflow:outflow@', 'outflow:wrong-Secret-42@');
      assert.equal(await runCli(['--url', bad], {}, io), 1);
      assert.match(err, /Cannot connect to [a-z]+:\/\/outflow:\*\*\*@/);
      assert.ok(!err.includes('wrong-Secret-42'), err);
    });
  });
}
