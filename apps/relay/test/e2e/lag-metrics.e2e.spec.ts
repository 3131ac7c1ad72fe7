/**
 * The honest lag on the real MariaDB and Kafka, read from `/metrics` as Prometheus would: 0 while the relay
 * is caught up and idle (where Debezium's MilliSecondsBehindSource keeps its last value), growing while the
 * connector is paused and the database moves on, back to 0 once the change is published.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createOutbox, migrate } from '@outflow/outbox';
import { createMariaDbDatabase, type TestDatabase, uniqueName } from '@outflow/testing';
import mysql from 'mysql2/promise';
import { type RunningRelay, startRelay } from '../../src/index.ts';
import { eventRouterConfig, mysqlSourceConfig, workerConfig } from '../support/connectors.ts';
import { waitForRunning } from '../support/wait-for-running.ts';

const prefix = uniqueName('lag');
let db: TestDatabase;
let conn: mysql.Connection;
let relay: RunningRelay;
const outbox = createOutbox({ dialect: 'mysql', mode: 'keep' });

before(async () => {
  db = await createMariaDbDatabase('lag');
  conn = await mysql.createConnection(db.url);
  await migrate(conn, outbox);
  relay = await startRelay({
    workerProperties: workerConfig(prefix, { 'rest.port': '0', 'offset.storage.partitions': '1' }),
    env: {},
    connectors: [
      {
        name: prefix,
        config: {
          ...mysqlSourceConfig({ database: db.name }),
          'topic.prefix': prefix,
          // Only the outbox rows: the counts below are of changes, not of schema-change records.
          'include.schema.changes': 'false',
          ...eventRouterConfig(`${prefix}.events`),
        },
      },
    ],
  });
  await waitForRunning(relay.url, prefix);
});

after(async () => {
  await relay?.close();
  await conn?.end();
  await db?.drop();
});

async function sample(name: string): Promise<number | undefined> {
  const text = await (await fetch(`${relay.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{connector="${prefix}"}`));
  return line === undefined ? undefined : Number(line.split(' ').at(-1));
}

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within 20 s: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function write(id: string): Promise<void> {
  await conn.beginTransaction();
  await outbox.write(conn, {
    aggregateType: 'Course',
    aggregateId: id,
    type: 'CoursePostedEvent',
    payload: { id },
  });
  await conn.commit();
}

async function state(): Promise<string | undefined> {
  const body = (await (await fetch(`${relay.url}/connectors/${prefix}/status`)).json()) as {
    tasks?: { state: string }[];
  };
  return body.tasks?.[0]?.state;
}

describe('outflow_source_lag_seconds on a real relay', () => {
  it('is 0 while caught up and idle, grows while paused behind the database, and returns to 0', async () => {
    await write('a');
    await until('the first event is published and the relay caught up', async () => {
      return (
        ((await sample('outflow_events_published_total')) ?? 0) >= 1 &&
        (await sample('outflow_source_lag_seconds')) === 0
      );
    });
    // Idle: a second later Debezium would still report the last lag; nothing is behind, so this stays 0.
    await new Promise((r) => setTimeout(r, 1200));
    assert.equal(await sample('outflow_source_lag_seconds'), 0);
    assert.equal(await sample('outflow_source_backlog_bytes'), 0);

    assert.equal((await fetch(`${relay.url}/connectors/${prefix}/pause`, { method: 'PUT' })).status, 202);
    await until('the task is paused', async () => (await state()) === 'PAUSED');
    await write('b');
    const first = (await sample('outflow_source_lag_seconds')) ?? 0;
    await until(
      'the lag grows while paused',
      async () => ((await sample('outflow_source_lag_seconds')) ?? 0) > first + 0.5,
    );

    assert.equal((await fetch(`${relay.url}/connectors/${prefix}/resume`, { method: 'PUT' })).status, 202);
    await until('the paused change is published and the lag is 0 again', async () => {
      return (
        ((await sample('outflow_events_published_total')) ?? 0) >= 2 &&
        (await sample('outflow_source_lag_seconds')) === 0
      );
    });
    const text = await (await fetch(`${relay.url}/metrics`)).text();
    assert.match(
      text,
      new RegExp(`outflow_commit_to_publish_seconds_count\\{connector="${prefix}"\\} [2-9]`),
    );
  });
});
