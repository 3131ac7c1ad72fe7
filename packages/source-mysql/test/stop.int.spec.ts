/**
 * A MySQL source task can be stopped at any moment: while `start` is still running, while zongji is still
 * connecting, during a snapshot, while streaming. Errors the drivers raise after the stop (zongji's
 * interrupted start-up queries fail with ERR_STREAM_WRITE_AFTER_END) must not escape as uncaught
 * exceptions, which would end the relay's process.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { silentLogger } from '@outflow/relay-core';
import { createMariaDbDatabase, host, mariadbPort, mariadbUrl, type TestDatabase } from '@outflow/testing';
import mysql from 'mysql2/promise';
import { mysqlConfigDef, toMySqlSourceConfig } from '../src/config.ts';
import { MySqlSourceTask } from '../src/mysql-source-task.ts';

let db: TestDatabase;
let conn: mysql.Connection;
let serverIdSeq = 7400 + Math.floor(Math.random() * 1000);
const uncaught: unknown[] = [];
const onUncaught = (error: unknown) => uncaught.push(error);

function makeTask(overrides: Record<string, string> = {}) {
  const { values } = mysqlConfigDef.parse({
    'database.hostname': host,
    'database.port': String(mariadbPort),
    'database.user': 'outflow',
    'database.password': 'outflow',
    'database.server.id': String(serverIdSeq++),
    'topic.prefix': 'stopper',
    'database.include.list': db.name,
    'table.include.list': `${db.name}\\.t`,
    'snapshot.mode': 'no_data',
    'poll.interval.ms': '50',
    // Only rows: a schema snapshot's records queued before the stop would be handed out by a poll after it.
    'include.schema.changes': 'false',
    ...overrides,
  });
  return new MySqlSourceTask(toMySqlSourceConfig(values, 'mariadb'), silentLogger);
}

const context = { connector: 'test', offset: async () => null, logger: silentLogger };

describe('stopping a MySQL source task at any moment', () => {
  before(async () => {
    db = await createMariaDbDatabase('srcstop');
    conn = await mysql.createConnection(mariadbUrl(db.name));
    await conn.query('CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20))');
    await conn.query(
      `INSERT INTO t VALUES ${Array.from({ length: 500 }, (_, i) => `(${i}, 'v${i}')`).join(',')}`,
    );
  });
  after(async () => {
    await conn?.end();
    await db?.drop();
  });
  beforeEach(() => {
    uncaught.length = 0;
    process.on('uncaughtException', onUncaught);
    process.on('unhandledRejection', onUncaught);
  });
  afterEach(() => {
    process.off('uncaughtException', onUncaught);
    process.off('unhandledRejection', onUncaught);
  });

  it('right after start returned, while zongji is still connecting', async () => {
    for (const delayMs of [0, 0, 1, 2, 5, 10, 20, 40]) {
      const task = makeTask();
      await task.start(context);
      if (delayMs > 0) await sleep(delayMs);
      await task.stop();
    }
    await sleep(500); // zongji's interrupted start-up fails asynchronously
    assert.deepEqual(uncaught, []);
  });

  it('while start itself is still running', async () => {
    for (const delayMs of [0, 1, 3, 8, 15]) {
      const task = makeTask();
      const started = task.start(context);
      if (delayMs > 0) await sleep(delayMs);
      await task.stop();
      await started;
      // Nothing is streamed once stopped: poll fails at once instead of waiting.
      await assert.rejects(task.poll(new AbortController().signal), { code: 'SOURCE_UNAVAILABLE' });
    }
    await sleep(500);
    assert.deepEqual(uncaught, []);
  });

  it('during a snapshot and while streaming', async () => {
    const snapshotting = makeTask({ 'snapshot.mode': 'initial' });
    await snapshotting.start(context);
    await snapshotting.stop();
    const streaming = makeTask();
    await streaming.start(context);
    await sleep(300);
    await conn.query("INSERT INTO t VALUES (1000, 'x')");
    const deadline = Date.now() + 5000;
    let seen = 0;
    while (seen === 0 && Date.now() < deadline)
      seen += (await streaming.poll(new AbortController().signal)).length;
    assert.ok(seen > 0, 'the streaming task read the insert');
    await streaming.stop();
    await streaming.stop();
    await sleep(300);
    assert.deepEqual(uncaught, []);
  });
});
