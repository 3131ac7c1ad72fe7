import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadConfig, saslClientProperties } from '@outflow/infra';
import { createKafkaLog } from '@outflow/offset-store';
import { type Schema, type SourceOffset, type SourceRecord, silentLogger } from '@outflow/relay-core';
import {
  createMariaDbDatabase,
  host,
  kafkaBootstrap,
  mariadbPort,
  mariadbUrl,
  type TestDatabase,
  uniqueName,
} from '@outflow/testing';
import mysql from 'mysql2/promise';
import {
  acceptsMySqlProperty,
  mysqlConfigDef,
  toMySqlSourceConfig,
  validateMySqlConfig,
} from '../src/config.ts';
import { MySqlSourceTask } from '../src/mysql-source-task.ts';

let db: TestDatabase;
let conn: mysql.Connection;
let serverIdSeq = 6400 + Math.floor(Math.random() * 1000);

/** A task as the worker makes it: the parsed properties and the accepted undeclared ones as given. */
function makeTask(overrides: Record<string, string>) {
  const props = {
    'database.hostname': host,
    'database.port': String(mariadbPort),
    'database.user': 'outflow',
    'database.password': 'outflow',
    'database.server.id': String(serverIdSeq++),
    'topic.prefix': 'hist',
    'database.include.list': db.name,
    'poll.interval.ms': '100',
    ...overrides,
  };
  const { values } = mysqlConfigDef.parse(props, { allowUnknown: acceptsMySqlProperty });
  const accepted = Object.fromEntries(Object.entries(props).filter(([name]) => acceptsMySqlProperty(name)));
  const all = { ...values, ...accepted };
  assert.deepEqual(validateMySqlConfig(all), []);
  return new MySqlSourceTask(toMySqlSourceConfig(all, 'mariadb'), silentLogger);
}

/**
 * Runs a task from `stored` until `done` says the records so far are all there; returns them and the offset
 * of the last one (what the worker would have stored).
 */
async function runUntil(
  overrides: Record<string, string>,
  stored: SourceOffset | null,
  done: (records: readonly SourceRecord[]) => boolean,
  timeoutMs = 20_000,
): Promise<{ records: SourceRecord[]; offset: SourceOffset }> {
  const task = makeTask(overrides);
  const records: SourceRecord[] = [];
  try {
    await task.start({ connector: 'hist-test', offset: async () => stored, logger: silentLogger });
    const deadline = Date.now() + timeoutMs;
    while (!done(records) && Date.now() < deadline)
      records.push(...(await task.poll(new AbortController().signal)));
    assert.ok(done(records), `records so far: ${records.map(show).join(' | ')}`);
  } finally {
    await task.stop();
  }
  return { records, offset: records[records.length - 1]!.sourceOffset };
}

function show(r: SourceRecord): string {
  const v = r.value as { ddl?: string; op?: string; after?: unknown; before?: unknown } | null;
  return v?.ddl !== undefined ? `ddl:${v.ddl}` : `${v?.op}:${JSON.stringify(v?.after ?? v?.before)}`;
}

const isDdl = (r: SourceRecord) => (r.value as { ddl?: unknown } | null)?.ddl !== undefined;
const rows = (records: readonly SourceRecord[]) => records.filter((r) => !isDdl(r) && r.value !== null);
const ddls = (records: readonly SourceRecord[]) => records.filter(isDdl);

/** A row record's `after` field schemas: name → [type, optional, default]. */
function fields(record: SourceRecord): Record<string, [string, boolean, unknown]> {
  const after = record.valueSchema!.fields!.find((f) => f.name === 'after')!.schema as Schema;
  return Object.fromEntries(
    after.fields!.map((f) => [f.name, [f.schema.type, f.schema.optional, f.schema.default]]),
  );
}

describe('schema history and schema-change records against the project MariaDB and Kafka', () => {
  before(async () => {
    db = await createMariaDbDatabase('schemahist');
    conn = await mysql.createConnection(mariadbUrl(db.name));
  });
  after(async () => {
    await conn?.end();
    await db?.drop();
  });

  it('decodes every row with the definition it was written under across ALTERs while stopped, also after a binlog purge', async () => {
    const historyTopic = uniqueName('hist.history');
    const config = {
      'table.include.list': `${db.name}\\.items`,
      'schema.history.internal.kafka.bootstrap.servers': kafkaBootstrap,
      'schema.history.internal.kafka.topic': historyTopic,
    };
    await conn.query(
      'CREATE TABLE items (id INT PRIMARY KEY, a INT NOT NULL DEFAULT 3, b VARCHAR(10), c INT)',
    );
    await conn.query("INSERT INTO items VALUES (1, 1, 'x', 10)");

    // 1. A first run snapshots the table: the schema-change records of the snapshot come first, then the row.
    const first = await runUntil(config, null, (r) => rows(r).length >= 1);
    assert.deepEqual(
      ddls(first.records).map((r) => (r.value as { ddl: string }).ddl.split('\n')[0]),
      [
        (ddls(first.records)[0]!.value as { ddl: string }).ddl,
        `DROP TABLE IF EXISTS \`${db.name}\`.\`items\``,
        `DROP DATABASE IF EXISTS \`${db.name}\``,
        `CREATE DATABASE \`${db.name}\` CHARSET utf8mb4 COLLATE utf8mb4_unicode_ci`,
        `USE \`${db.name}\``,
        'CREATE TABLE `items` (',
      ],
    );
    assert.match(
      (ddls(first.records)[0]!.value as { ddl: string }).ddl,
      /^SET character_set_server=\w+, collation_server=\w+$/,
    );
    assert.ok(
      first.records.indexOf(rows(first.records)[0]!) > first.records.indexOf(ddls(first.records)[5]!),
    );

    // 2. While no task runs: a row under the old definition, an ALTER (add, drop, change type, nullability and
    // default), a row under the new one.
    await conn.query("INSERT INTO items VALUES (2, 2, 'y', 20)");
    await conn.query(
      'ALTER TABLE items ADD COLUMN d INT NOT NULL DEFAULT 7, DROP COLUMN b, MODIFY c VARCHAR(20), MODIFY a INT NULL',
    );
    await conn.query("INSERT INTO items (id, a, c, d) VALUES (3, 3, 'thirty', 8)");
    const second = await runUntil(config, first.offset, (r) => rows(r).length >= 2);
    assert.deepEqual(second.records.map(show), [
      'c:{"id":2,"a":2,"b":"y","c":20}',
      `ddl:ALTER TABLE items ADD COLUMN d INT NOT NULL DEFAULT 7, DROP COLUMN b, MODIFY c VARCHAR(20), MODIFY a INT NULL`,
      'c:{"id":3,"a":3,"c":"thirty","d":8}',
    ]);
    const [old, alter, current] = second.records as [SourceRecord, SourceRecord, SourceRecord];
    // The row before the ALTER has the definition of the history: `a` NOT NULL DEFAULT 3, which
    // information_schema no longer shows.
    assert.deepEqual(fields(old), {
      id: ['int32', false, undefined],
      a: ['int32', false, 3],
      b: ['string', true, undefined],
      c: ['int32', true, undefined],
    });
    assert.deepEqual(fields(current), {
      id: ['int32', false, undefined],
      a: ['int32', true, undefined],
      c: ['string', true, undefined],
      d: ['int32', false, 7],
    });
    assert.equal(alter.topic, 'hist');
    assert.deepEqual(alter.key, { databaseName: db.name });
    const change = alter.value as {
      databaseName: string;
      source: { snapshot: string; table: string; pos: number };
      tableChanges: {
        type: string;
        id: string;
        table: { columns: { name: string; typeName: string; length: number | null }[] };
      }[];
    };
    assert.equal(change.databaseName, db.name);
    assert.equal(change.source.snapshot, 'false');
    assert.equal(change.source.table, 'items');
    assert.deepEqual(
      change.tableChanges.map((c) => [c.type, c.id]),
      [['ALTER', `"${db.name}"."items"`]],
    );
    assert.deepEqual(
      change.tableChanges[0]!.table.columns.map((c) => [c.name, c.typeName, c.length]),
      [
        ['id', 'INT', 11],
        ['a', 'INT', null],
        ['c', 'VARCHAR', 20],
        ['d', 'INT', null],
      ],
    );

    // 3. The binlog holding that ALTER is purged; while stopped, rows around another ALTER. The definition
    // the first ALTER left can only come from the history now.
    const admin = await mysql.createConnection(mariadbUrl());
    try {
      const [logs] = (await admin.query('SHOW BINARY LOGS')) as [{ Log_name: string }[], unknown];
      const oldFile = logs[logs.length - 1]!.Log_name;
      await admin.query('FLUSH BINARY LOGS');
      // A replica still reading the old file (a stream being closed) delays the purge.
      for (let attempt = 0; attempt < 50; attempt++) {
        const [now] = (await admin.query('SHOW BINARY LOGS')) as [{ Log_name: string }[], unknown];
        if (!now.some((l) => l.Log_name === oldFile)) break;
        await admin.query(`PURGE BINARY LOGS TO '${now[now.length - 1]!.Log_name}'`);
        await new Promise((r) => setTimeout(r, 200));
      }
      const [left] = (await admin.query('SHOW BINARY LOGS')) as [{ Log_name: string }[], unknown];
      assert.ok(!left.some((l) => l.Log_name === oldFile), `${oldFile} was not purged`);
    } finally {
      await admin.end();
    }
    await conn.query("INSERT INTO items (id, a, c, d) VALUES (4, NULL, 'forty', 9)");
    await conn.query("ALTER TABLE items MODIFY d INT NULL DEFAULT NULL, ALTER c SET DEFAULT 'z'");
    await conn.query("INSERT INTO items (id, a, c, d) VALUES (5, 5, 'fifty', NULL)");
    // The stored offset is in the purged file: resume from the start of the current one by file and position
    // (its GTIDs name transactions the server no longer has), as an operator would after such a purge.
    const [[status]] = (await conn.query('SHOW MASTER STATUS')) as [{ File: string }[], unknown];
    const { gtids: _purged, ...kept } = second.offset;
    const resumed = { ...kept, file: status!.File, pos: 4, event: 0, row: 0 };
    const third = await runUntil(config, resumed, (r) => rows(r).length >= 2);
    const [before4, , after5] = third.records as [SourceRecord, SourceRecord, SourceRecord];
    assert.deepEqual(rows(third.records).map(show), [
      'c:{"id":4,"a":null,"c":"forty","d":9}',
      'c:{"id":5,"a":5,"c":"fifty","d":null}',
    ]);
    assert.deepEqual(fields(before4).d, ['int32', false, 7], 'd as the purged ALTER left it');
    assert.deepEqual(fields(before4).c, ['string', true, undefined]);
    assert.deepEqual(fields(after5).d, ['int32', true, undefined]);
    assert.deepEqual(fields(after5).c, ['string', true, 'z']);

    // The history topic holds Debezium's records: the snapshot's statements and both ALTERs.
    const log = createKafkaLog({ bootstrapServers: kafkaBootstrap, topic: historyTopic });
    try {
      const history = (await log.read()).map((v) => JSON.parse(v.toString()) as Record<string, unknown>);
      assert.deepEqual(Object.keys(history[0]!), [
        'source',
        'position',
        'ts_ms',
        'databaseName',
        'ddl',
        'tableChanges',
      ]);
      assert.deepEqual(history[0]!.source, { server: 'hist' });
      const alters = history.filter((h) => String(h.ddl).startsWith('ALTER TABLE items'));
      assert.equal(alters.length, 2);
    } finally {
      await log.close();
    }
  });

  it('publishes no schema-change records with include.schema.changes=false; without a history topic the task runs on its own definitions', async () => {
    await conn.query('CREATE TABLE quiet (id INT PRIMARY KEY, v INT)');
    await conn.query('INSERT INTO quiet VALUES (1, 1)');
    const config = { 'table.include.list': `${db.name}\\.quiet`, 'include.schema.changes': 'false' };
    const first = await runUntil(config, null, (r) => rows(r).length >= 1);
    assert.deepEqual(ddls(first.records), []);
    await conn.query('ALTER TABLE quiet ADD COLUMN w INT');
    await conn.query('INSERT INTO quiet VALUES (2, 2, 2)');
    const second = await runUntil(config, first.offset, (r) => rows(r).length >= 1);
    assert.deepEqual(second.records.map(show), ['c:{"id":2,"v":2,"w":2}']);
  });

  it('keeps the history over SASL_SSL with schema.history.internal.producer.*/consumer.* security', async () => {
    const infra = loadConfig();
    const sasl = saslClientProperties(infra);
    const prefixed = (prefix: string) =>
      Object.fromEntries(Object.entries(sasl).map(([k, v]) => [`schema.history.internal.${prefix}.${k}`, v]));
    const config = {
      'table.include.list': `${db.name}\\.secured`,
      'include.schema.changes': 'false',
      'schema.history.internal.kafka.bootstrap.servers': `127.0.0.1:${infra.kafkaSaslPort}`,
      'schema.history.internal.kafka.topic': uniqueName('hist.sasl'),
      ...prefixed('producer'),
      ...prefixed('consumer'),
    };
    await conn.query('CREATE TABLE secured (id INT PRIMARY KEY, a INT NOT NULL DEFAULT 3)');
    await conn.query('INSERT INTO secured VALUES (1, 1)');
    const first = await runUntil(config, null, (r) => rows(r).length >= 1);
    await conn.query('INSERT INTO secured VALUES (2, 2)');
    await conn.query('ALTER TABLE secured MODIFY a INT NULL');
    await conn.query('INSERT INTO secured VALUES (3, NULL)');
    const second = await runUntil(config, first.offset, (r) => rows(r).length >= 2);
    // `a` as the history over SASL kept it for the row written before the ALTER.
    assert.deepEqual(fields(second.records[0]!).a, ['int32', false, 3]);
    assert.deepEqual(fields(second.records[1]!).a, ['int32', true, undefined]);
  });

  it('snapshots the schema with snapshot.mode=no_data: the statements, no rows, and the history for later restarts', async () => {
    const config = {
      'snapshot.mode': 'no_data',
      'table.include.list': `${db.name}\\.nodata`,
      'schema.history.internal.kafka.bootstrap.servers': kafkaBootstrap,
      'schema.history.internal.kafka.topic': uniqueName('hist.nodata'),
    };
    await conn.query('CREATE TABLE nodata (id INT PRIMARY KEY, a INT NOT NULL DEFAULT 3)');
    await conn.query('INSERT INTO nodata VALUES (1, 1)');
    const first = await runUntil(config, null, (r) =>
      ddls(r).some((d) => (d.value as { ddl: string }).ddl.startsWith('CREATE TABLE `nodata`')),
    );
    assert.deepEqual(rows(first.records), [], 'no rows');
    assert.ok(
      ddls(first.records).every(
        (d) => (d.value as { source: { snapshot: string } }).source.snapshot === 'true',
      ),
    );
    assert.equal(first.offset.snapshot, undefined, 'a restart streams from the position taken');
    await conn.query('INSERT INTO nodata VALUES (2, 2)');
    await conn.query('ALTER TABLE nodata MODIFY a INT NULL');
    const second = await runUntil(config, first.offset, (r) => rows(r).length >= 1);
    assert.deepEqual(rows(second.records).map(show), ['c:{"id":2,"a":2}']);
    assert.deepEqual(
      fields(rows(second.records)[0]!).a,
      ['int32', false, 3],
      'a as the schema snapshot kept it',
    );
  });
});
