/**
 * A relay that is stopped while 1,000 outbox events are committed delivers all of them, in order per
 * aggregate, once it starts again from its stored offset. Real MariaDB, real Kafka, the relay's CLI.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createOutbox, migrate } from '@outflow/outbox';
import {
  collectTopics,
  createMariaDbDatabase,
  type TestDatabase,
  type TopicCollector,
  uniqueName,
} from '@outflow/testing';
import mysql from 'mysql2/promise';
import { eventRouterConfig, mysqlSourceConfig, workerConfig } from '../support/connectors.ts';
import { judgeDelivery, writeOutboxEvents } from '../support/outbox-workload.ts';
import { freePort, startRelayProcess } from '../support/relay-process.ts';

let db: TestDatabase;
let dir: string;
let collector: TopicCollector;
const name = uniqueName('restart');
const topic = `${name}.events`;

before(async () => {
  db = await createMariaDbDatabase('restart');
  const conn = await mysql.createConnection(db.url);
  await migrate(conn, createOutbox({ dialect: 'mysql' }));
  await conn.end();
  dir = mkdtempSync(join(tmpdir(), 'outflow-restart-'));
  collector = await collectTopics([topic]);
});

after(async () => {
  await collector?.close();
  await db?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('events committed while the relay is stopped are all delivered after it restarts', {
  timeout: 180_000,
}, async (t) => {
  const options = {
    dir,
    restPort: await freePort(),
    worker: workerConfig(name),
    connector: {
      name,
      config: {
        ...mysqlSourceConfig({ database: db.name }),
        'topic.prefix': name,
        ...eventRouterConfig(topic),
      },
    },
  };
  const first = await startRelayProcess(options);
  await first.waitForRunning(name);
  const before = await writeOutboxEvents({
    url: db.url,
    aggregateType: 'Tick',
    total: 10,
    writers: 1,
    aggregates: 5,
  });
  await collector.waitFor((records) => records.length >= 10, {
    describe: (records) => `${records.length} of 10 records; relay output:\n${first.output()}`,
  });
  assert.equal(await first.stop(), 0, 'the relay stops cleanly on SIGTERM');

  const during = await writeOutboxEvents({
    url: db.url,
    aggregateType: 'Tick',
    total: 1000,
    writers: 4,
    aggregates: 40,
  });
  const second = await startRelayProcess(options);
  try {
    await second.waitForRunning(name);
    await collector.waitFor((records) => records.length >= 1010, {
      timeoutMs: 60_000,
      describe: (records) => `${records.length} of 1010 records; relay output:\n${second.output()}`,
    });
    const written = [...before, ...during];
    const report = judgeDelivery(written, collector.records);
    t.diagnostic(`received ${report.received}, distinct ${report.distinct}, duplicates ${report.duplicates}`);
    assert.deepEqual(report.missing, []);
    assert.deepEqual(report.outOfOrder, []);
    assert.equal(report.duplicates, 0, 'a clean stop stores its offsets, so nothing is sent twice');
  } finally {
    await second.stop();
  }
});
