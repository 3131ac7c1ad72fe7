import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  createJsonConverter,
  RelayError,
  type SourceOffset,
  type SourceRecord,
  silentLogger,
} from '@outflow/relay-core';
import { createMariaDbDatabase, host, mariadbPort, mariadbUrl, type TestDatabase } from '@outflow/testing';
import mysql from 'mysql2/promise';
import { mysqlConfigDef, toMySqlSourceConfig } from '../src/config.ts';
import { MySqlSourceTask } from '../src/mysql-source-task.ts';

let db: TestDatabase;
let conn: mysql.Connection;
let serverIdSeq = 5400 + Math.floor(Math.random() * 1000);

function makeTask(overrides: Record<string, string> = {}, connector: 'mysql' | 'mariadb' = 'mariadb') {
  const { values } = mysqlConfigDef.parse({
    'database.hostname': host,
    'database.port': String(mariadbPort),
    'database.user': 'outflow',
    'database.password': 'outflow',
    'database.server.id': String(serverIdSeq++),
    'topic.prefix': 'dbserver1',
    'database.include.list': db.name,
    'poll.interval.ms': '100',
    // These tests count row records; schema-change records are tested in schema-history.int.spec.ts.
    'include.schema.changes': 'false',
    ...overrides,
  });
  return new MySqlSourceTask(toMySqlSourceConfig(values, connector), silentLogger);
}

async function startTask(task: MySqlSourceTask, stored: SourceOffset | null = null) {
  await task.start({ connector: 'test', offset: async () => stored, logger: silentLogger });
}

/** Polls until `count` records arrived (or fails after `timeoutMs`). */
async function pollUntil(task: MySqlSourceTask, count: number, timeoutMs = 10_000): Promise<SourceRecord[]> {
  const out: SourceRecord[] = [];
  const deadline = Date.now() + timeoutMs;
  while (out.length < count && Date.now() < deadline) {
    out.push(...(await task.poll(new AbortController().signal)));
  }
  assert.ok(out.length >= count, `expected ${count} records, got ${out.length}`);
  return out;
}

const outboxDdl = (name: string) => `CREATE TABLE ${name} (
  id CHAR(36) NOT NULL PRIMARY KEY,
  aggregate_type VARCHAR(255) NOT NULL,
  aggregate_id VARCHAR(255) NOT NULL,
  type VARCHAR(255) NOT NULL,
  payload JSON NOT NULL,
  timestamp TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
)`;

const payload =
  '{"name":"MSA 파헤치기","posted":true,"courseId":"bc32dd3f-2334-43d9-9493-71b538510efe","registeredAt":1676458941000}';

describe('MySQL/MariaDB source against the project MariaDB', () => {
  before(async () => {
    db = await createMariaDbDatabase('srcmysql');
    conn = await mysql.createConnection(mariadbUrl(db.name));
    await conn.query("SET time_zone = '+00:00'");
  });
  after(async () => {
    await conn?.end();
    await db?.drop();
  });

  it('emits the outbox insert-then-delete of one transaction as c, d and a tombstone', async () => {
    await conn.query(outboxDdl('outbox'));
    const task = makeTask({ 'snapshot.mode': 'no_data', 'table.include.list': `${db.name}\\.outbox` });
    try {
      await startTask(task);
      await new Promise((r) => setTimeout(r, 300));
      await conn.query('BEGIN');
      await conn.query(
        "INSERT INTO outbox (id, aggregate_type, aggregate_id, type, payload, timestamp) VALUES ('33319dbb-358c-4f06-8e60-c82b81eab769', 'Course', 'bc32dd3f-2334-43d9-9493-71b538510efe', 'CoursePostedEvent', ?, '2023-02-17 01:53:42')",
        [payload],
      );
      await conn.query("DELETE FROM outbox WHERE id = '33319dbb-358c-4f06-8e60-c82b81eab769'");
      await conn.query('COMMIT');
      const records = await pollUntil(task, 3);
      assert.equal(records.length, 3);
      const [created, deleted, tombstone] = records as [SourceRecord, SourceRecord, SourceRecord];
      assert.equal(created.topic, `dbserver1.${db.name}.outbox`);
      assert.deepEqual(created.key, { id: '33319dbb-358c-4f06-8e60-c82b81eab769' });
      const cv = created.value as Record<string, Record<string, unknown> | string | null>;
      assert.equal(cv.op, 'c');
      assert.deepEqual(cv.after, {
        id: '33319dbb-358c-4f06-8e60-c82b81eab769',
        aggregate_type: 'Course',
        aggregate_id: 'bc32dd3f-2334-43d9-9493-71b538510efe',
        type: 'CoursePostedEvent',
        payload,
        timestamp: '2023-02-17T01:53:42Z',
      });
      const source = cv.source as Record<string, unknown>;
      assert.equal(source.connector, 'mariadb');
      assert.equal(source.name, 'dbserver1');
      assert.equal(source.snapshot, 'false');
      assert.equal(source.db, db.name);
      assert.equal(source.table, 'outbox');
      assert.equal(source.row, 0);
      assert.match(String(source.file), /bin\.\d+$/);
      assert.ok(Number(source.pos) > 4);
      assert.match(String(source.gtid), /^\d+-\d+-\d+$/);
      const payloadSchema = created.valueSchema?.fields?.[1]?.schema.fields?.find(
        (f) => f.name === 'payload',
      );
      assert.equal(payloadSchema?.schema.name, undefined, 'MariaDB JSON is LONGTEXT: a plain string');
      // source.pos is the row event's own position, as SHOW BINLOG EVENTS lists it.
      const [events] = (await conn.query(
        `SHOW BINLOG EVENTS IN '${String(source.file)}' FROM ${Number(source.pos)} LIMIT 1`,
      )) as [{ Pos: number; Event_type: string }[], unknown];
      assert.deepEqual(
        [Number(events[0]!.Pos), events[0]!.Event_type.replace(/_v\d$/, '')],
        [Number(source.pos), 'Write_rows'],
      );
      const tsSchema = created.valueSchema?.fields?.[1]?.schema.fields?.find((f) => f.name === 'timestamp');
      assert.equal(tsSchema?.schema.default, '1970-01-01T00:00:00Z');
      const dv = deleted.value as Record<string, unknown>;
      assert.equal(dv.op, 'd');
      assert.deepEqual(dv.before, cv.after);
      assert.equal(dv.after, null);
      assert.deepEqual(deleted.key, created.key);
      assert.equal(tombstone.value, null);
      assert.deepEqual(tombstone.key, created.key);
      assert.deepEqual(created.sourcePartition, { server: 'dbserver1' });
      assert.ok(Number((deleted.value as { source: { pos: number } }).source.pos) > Number(source.pos));
    } finally {
      await task.stop();
    }
  });

  it('round-trips every column type', async () => {
    await conn.query(`CREATE TABLE types (
      id INT NOT NULL PRIMARY KEY,
      t TINYINT, b BOOLEAN, s SMALLINT, su SMALLINT UNSIGNED, m MEDIUMINT, i INT, iu INT UNSIGNED, bi BIGINT,
      dec1 DECIMAL(10,2), f FLOAT, d DOUBLE, dt DATE, dtm DATETIME, dtm6 DATETIME(6), ts TIMESTAMP(3) NULL,
      tm TIME(6), y YEAR, c CHAR(3), v VARCHAR(20), tx TEXT, j JSON, bl BLOB, bn BINARY(4),
      e ENUM('a','b'), st SET('x','y'), bt BIT(1), u UUID
    )`);
    const task = makeTask({ 'snapshot.mode': 'no_data', 'table.include.list': `${db.name}\\.types` });
    try {
      await startTask(task);
      await new Promise((r) => setTimeout(r, 300));
      await conn.query(`INSERT INTO types VALUES (1, -5, TRUE, -300, 65000, 8000000, -70000, 4000000000,
        9007199254740993, -123.45, 1.5, 2.25, '2024-02-29', '2024-02-29 10:11:12', '2024-02-29 10:11:12.123456',
        '2024-02-29 10:11:12.345', '-01:02:03.5', 2024, 'abc', 'héllo', 'long text', '{"k":[1,2]}', x'00ff',
        x'01020304', 'b', 'x,y', b'1', '858685f3-e89d-11f1-b3bc-02fc00000001')`);
      const [rec] = await pollUntil(task, 1);
      const after = (rec!.value as { after: Record<string, unknown> }).after;
      assert.deepEqual(
        { ...after, dec1: undefined, bl: undefined, bn: undefined },
        {
          id: 1,
          t: -5,
          b: 1,
          s: -300,
          su: 65000,
          m: 8000000,
          i: -70000,
          iu: 4000000000,
          bi: 9007199254740993n,
          dec1: undefined,
          f: 1.5,
          d: 2.25,
          dt: 19782,
          dtm: Date.UTC(2024, 1, 29, 10, 11, 12),
          dtm6: Date.UTC(2024, 1, 29, 10, 11, 12) * 1000 + 123456,
          ts: '2024-02-29T10:11:12.345Z',
          tm: -(3723 * 1_000_000 + 500_000),
          y: 2024,
          c: 'abc',
          v: 'héllo',
          tx: 'long text',
          j: '{"k":[1,2]}',
          bl: undefined,
          bn: undefined,
          e: 'b',
          st: 'x,y',
          bt: true,
          u: '858685f3-e89d-11f1-b3bc-02fc00000001',
        },
      );
      assert.deepEqual([...(after.dec1 as Uint8Array)], [0xcf, 0xc7]); // -12345
      assert.deepEqual([...(after.bl as Uint8Array)], [0x00, 0xff]);
      assert.deepEqual([...(after.bn as Uint8Array)], [1, 2, 3, 4]);
      // The record goes through Connect's JsonConverter as Kafka gets it (precise decimals once crashed here).
      const json = JSON.parse(
        createJsonConverter({ schemasEnable: true })
          .fromConnectData(rec!.topic, rec!.valueSchema, rec!.value)!
          .toString(),
      );
      assert.equal(json.payload.after.dec1, 'z8c=');
      const types = Object.fromEntries(
        json.schema.fields[1].fields.map((f: { field: string; type: string }) => [f.field, f.type]),
      );
      assert.equal(types.f, 'float');
      assert.equal(types.d, 'double');
    } finally {
      await task.stop();
    }
  });

  it('snapshots existing rows as r, then streams later inserts without gap or duplicate', async () => {
    await conn.query('CREATE TABLE snap (id INT PRIMARY KEY, v VARCHAR(10))');
    await conn.query("INSERT INTO snap VALUES (1,'a'),(2,'b'),(3,'c')");
    const task = makeTask({ 'table.include.list': `${db.name}\\.snap` });
    try {
      await startTask(task);
      const snapshot = await pollUntil(task, 3);
      assert.deepEqual(
        snapshot.map((r) => (r.value as { op: string }).op),
        ['r', 'r', 'r'],
      );
      assert.deepEqual(
        snapshot.map((r) => (r.value as { source: { snapshot: string } }).source.snapshot),
        ['first', 'true', 'last'],
      );
      assert.equal(snapshot[0]!.sourceOffset.snapshot, true);
      assert.equal(snapshot[2]!.sourceOffset.snapshot, undefined);
      await conn.query("INSERT INTO snap VALUES (4,'d')");
      const streamed = await pollUntil(task, 1);
      assert.equal(streamed.length, 1);
      assert.deepEqual((streamed[0]!.value as { after: unknown }).after, { id: 4, v: 'd' });
    } finally {
      await task.stop();
    }
  });

  it('buffers about max.queue.size records while nothing polls, however many rows one binlog event holds', async () => {
    await conn.query('CREATE TABLE bulk (id INT PRIMARY KEY, v VARCHAR(100))');
    const task = makeTask({
      'snapshot.mode': 'no_data',
      'table.include.list': `${db.name}\\.bulk`,
      'max.queue.size': '200',
      'max.batch.size': '50',
    });
    try {
      // A backlog written before the task starts, so the reader gets it in large socket chunks: 30
      // transactions of one 100-row INSERT (a few rows events each).
      const [[status]] = (await conn.query('SHOW MASTER STATUS')) as [
        { File: string; Position: number }[],
        unknown,
      ];
      for (let t = 0; t < 30; t++) {
        const rows = Array.from({ length: 100 }, (_, i) => `(${t * 100 + i}, '${'x'.repeat(50)}')`);
        await conn.query(`INSERT INTO bulk VALUES ${rows.join(',')}`);
      }
      await startTask(task, {
        file: status!.File,
        pos: status!.Position,
        event: 0,
        row: 0,
        server_id: 1,
        ts_sec: 0,
      });
      await new Promise((r) => setTimeout(r, 1000));
      // The reader pauses once the queue holds max.queue.size records; the last event read may add its rows.
      assert.ok(task.queuedRecords >= 100, `only ${task.queuedRecords} records queued`);
      assert.ok(task.queuedRecords <= 300, `${task.queuedRecords} records queued with max.queue.size=200`);
      const records = await pollUntil(task, 3000);
      assert.deepEqual(
        records.map((r) => (r.value as { after: { id: number } }).after.id),
        Array.from({ length: 3000 }, (_, i) => i),
      );
    } finally {
      await task.stop();
    }
  });

  it('reports what it holds and how far the binlog end is: behind while paused, 0 once read through', async () => {
    await conn.query('CREATE TABLE lagging (id INT PRIMARY KEY, v VARCHAR(100))');
    await conn.query('CREATE TABLE elsewhere (id INT PRIMARY KEY)');
    const task = makeTask({
      'snapshot.mode': 'no_data',
      'table.include.list': `${db.name}\\.lagging`,
      'max.queue.size': '100',
      'max.batch.size': '100',
    });
    const eventually = async (what: string, check: () => Promise<boolean>) => {
      const deadline = Date.now() + 10_000;
      while (!(await check())) {
        if (Date.now() > deadline) throw new Error(`not within 10 s: ${what}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    try {
      await startTask(task);
      await eventually('the reader reaches the log end', async () => (await task.backlog())?.bytes === 0);
      const before = Date.now();
      for (let t = 0; t < 20; t++) {
        const rows = Array.from({ length: 100 }, (_, i) => `(${t * 100 + i}, '${'x'.repeat(50)}')`);
        await conn.query(`INSERT INTO lagging VALUES ${rows.join(',')}`);
      }
      // Nothing polls: the queue fills, the reader pauses, and the rest stays in the binlog.
      await eventually('the queue fills', async () => task.pending().records >= 100);
      const pending = task.pending();
      assert.ok(pending.oldestSourceTsMs !== undefined && pending.oldestSourceTsMs >= before - 1000);
      const behind = await task.backlog();
      assert.ok(behind?.exact === true && behind.bytes > 50_000, `backlog ${JSON.stringify(behind)}`);

      assert.equal((await pollUntil(task, 2000)).length, 2000);
      await eventually('the backlog is read through', async () => (await task.backlog())?.bytes === 0);
      assert.equal(task.pending().records, 0);
      // Writes to a table the task does not capture move the log end, and the reader past them.
      await conn.query('INSERT INTO elsewhere VALUES (1), (2)');
      await eventually('uncaptured writes are read past', async () => (await task.backlog())?.bytes === 0);
    } finally {
      await task.stop();
    }
  });

  it('resumes from an offset stored mid-transaction without losing or repeating rows', async () => {
    await conn.query('CREATE TABLE resume (id INT PRIMARY KEY)');
    const first = makeTask({ 'snapshot.mode': 'no_data', 'table.include.list': `${db.name}\\.resume` });
    let stored: SourceOffset;
    try {
      await startTask(first);
      await new Promise((r) => setTimeout(r, 300));
      await conn.query('BEGIN');
      await conn.query('INSERT INTO resume VALUES (1),(2),(3)');
      await conn.query('INSERT INTO resume VALUES (4)');
      await conn.query('COMMIT');
      await conn.query('INSERT INTO resume VALUES (5)');
      const records = await pollUntil(first, 5);
      // Pretend only the first two rows reached Kafka.
      stored = records[1]!.sourceOffset;
      assert.equal(stored.event, 0);
      assert.equal(stored.row, 2);
    } finally {
      await first.stop();
    }
    const second = makeTask({ 'snapshot.mode': 'no_data', 'table.include.list': `${db.name}\\.resume` });
    try {
      await startTask(second, stored);
      const again = await pollUntil(second, 3);
      await new Promise((r) => setTimeout(r, 300));
      again.push(...(await second.poll(new AbortController().signal)));
      assert.deepEqual(
        again.map((r) => (r.value as { after: { id: number } }).after.id),
        [3, 4, 5],
      );
    } finally {
      await second.stop();
    }
  });

  it('decodes rows written before an ALTER with the definition they were written under (relay stopped)', async () => {
    await conn.query('CREATE TABLE altered (id INT PRIMARY KEY, a INT NOT NULL, b VARCHAR(10), c INT)');
    const include = { 'snapshot.mode': 'no_data', 'table.include.list': `${db.name}\\.altered` };
    const first = makeTask(include);
    let stored: SourceOffset;
    try {
      await startTask(first);
      await new Promise((r) => setTimeout(r, 300));
      await conn.query("INSERT INTO altered VALUES (1, 1, 'x', 10)");
      stored = (await pollUntil(first, 1))[0]!.sourceOffset;
    } finally {
      await first.stop();
    }
    // While no task runs: a row under the old definition, the ALTER (add, drop, change type), a row under the new.
    await conn.query("INSERT INTO altered VALUES (2, 2, 'y', 20)");
    await conn.query(
      'ALTER TABLE altered ADD COLUMN d INT NOT NULL DEFAULT 7, DROP COLUMN b, MODIFY c VARCHAR(20)',
    );
    await conn.query("INSERT INTO altered VALUES (3, 3, 'thirty', 8)");
    const second = makeTask({ ...include, 'include.schema.changes': 'true' });
    try {
      await startTask(second, stored);
      const [old, alter, current] = await pollUntil(second, 3);
      // Between them, the ALTER as a schema-change record on the <topic.prefix> topic.
      assert.equal(alter!.topic, 'dbserver1');
      assert.deepEqual(alter!.key, { databaseName: db.name });
      assert.match(String((alter!.value as { ddl: string }).ddl), /^ALTER TABLE altered ADD COLUMN d/);
      assert.deepEqual((old!.value as { after: unknown }).after, { id: 2, a: 2, b: 'y', c: 20 });
      const oldFields = old!.valueSchema!.fields![1]!.schema.fields!;
      assert.deepEqual(
        oldFields.map((f) => [f.name, f.schema.type]),
        [
          ['id', 'int32'],
          ['a', 'int32'],
          ['b', 'string'],
          ['c', 'int32'],
        ],
      );
      assert.deepEqual((current!.value as { after: unknown }).after, { id: 3, a: 3, c: 'thirty', d: 8 });
      const fields = current!.valueSchema!.fields![1]!.schema.fields!;
      assert.deepEqual(
        fields.map((f) => [f.name, f.schema.type, f.schema.default]),
        [
          ['id', 'int32', undefined],
          ['a', 'int32', undefined],
          ['c', 'string', undefined],
          ['d', 'int32', 7],
        ],
      );
      assert.deepEqual(old!.key, { id: 2 }, 'the key survives the ALTER');
    } finally {
      await second.stop();
    }
  });

  it('fails with SOURCE_POSITION_LOST when the stored binlog file was purged', async () => {
    const admin = await mysql.createConnection(mariadbUrl());
    try {
      const [before] = (await admin.query('SHOW BINARY LOGS')) as [{ Log_name: string }[], unknown];
      const oldFile = before[before.length - 1]!.Log_name;
      await admin.query('FLUSH BINARY LOGS');
      // A replica still reading the old file (another test's stream being closed) delays the purge.
      for (let attempt = 0; attempt < 50; attempt++) {
        const [logs] = (await admin.query('SHOW BINARY LOGS')) as [{ Log_name: string }[], unknown];
        if (!logs.some((l) => l.Log_name === oldFile)) break;
        await admin.query(`PURGE BINARY LOGS TO '${logs[logs.length - 1]!.Log_name}'`);
        await new Promise((r) => setTimeout(r, 200));
      }
      const task = makeTask({ 'snapshot.mode': 'initial' });
      try {
        await assert.rejects(
          startTask(task, { file: oldFile, pos: 4, event: 0, row: 0, server_id: 1, ts_sec: 0 }),
          (error: unknown) =>
            error instanceof RelayError &&
            error.code === 'SOURCE_POSITION_LOST' &&
            error.message.includes('no longer available on the server') &&
            error.message.includes('when_needed'),
        );
      } finally {
        await task.stop();
      }
    } finally {
      await admin.end();
    }
  });
});
