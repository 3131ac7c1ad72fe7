/**
 * The relay reads MariaDB and PostgreSQL over TLS, verified against the local CA that `infra up` made
 * (`database.ssl.mode=verify_ca` with `database.ssl.truststore`; `database.sslmode=verify-full` with
 * `database.sslrootcert`), and a connector that trusts another CA fails with the cause named in its trace.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildApp, connectDatabase, type Database, migrate } from '@outflow/course-service';
import { ensureCertificateAuthority, loadConfig, localCaFile } from '@outflow/infra';
import { createOutbox } from '@outflow/outbox';
import {
  collectTopics,
  createMariaDbDatabase,
  createPostgresDatabase,
  type TestDatabase,
  type TopicCollector,
  uniqueName,
} from '@outflow/testing';
import type { FastifyInstance } from 'fastify';
import { type RunningRelay, startRelay } from '../../src/index.ts';
import {
  eventRouterConfig,
  mysqlSourceConfig,
  postgresSourceConfig,
  stringConverters,
  workerConfig,
} from '../support/connectors.ts';
import { dropSlots } from '../support/postgres-slots.ts';
import { waitForRunning } from '../support/wait-for-running.ts';

const TEACHER = '7ead2ed1-77fa-4d70-bdfd-77e67c513bbd';
const ca = localCaFile(loadConfig());
const prefix = uniqueName('dbtls');
const slot = `${prefix}_slot`;
const badSlot = `${prefix}_bad`;
const myTopic = `${prefix}.my.Course`;
const pgTopic = `${prefix}.pg.Course`;

interface Service {
  readonly testDb: TestDatabase;
  readonly db: Database;
  readonly app: FastifyInstance;
}

async function startService(testDb: TestDatabase, dialect: 'mysql' | 'postgres'): Promise<Service> {
  const db = connectDatabase(testDb.url);
  const outbox = createOutbox({ dialect, mode: 'insert-then-delete' });
  await migrate(db, outbox);
  return { testDb, db, app: await buildApp({ db, outbox }) };
}

let my: Service;
let pg: Service;
let relay: RunningRelay;
let routed: TopicCollector;
let otherCa: string;

before(async () => {
  otherCa = (
    await ensureCertificateAuthority(
      join(mkdtempSync(join(tmpdir(), 'outflow-dbtls-')), 'ca'),
      'Not the local CA',
    )
  ).certFile;
  my = await startService(await createMariaDbDatabase('dbtls'), 'mysql');
  pg = await startService(await createPostgresDatabase('dbtls'), 'postgres');
  routed = await collectTopics([myTopic, pgTopic]);
  const router = (topic: string) => ({ ...stringConverters, ...eventRouterConfig(topic) });
  relay = await startRelay({
    workerProperties: workerConfig(prefix, { 'rest.port': '0', 'offset.storage.partitions': '1' }),
    env: {},
    connectors: [
      {
        name: `${prefix}-my`,
        config: {
          ...mysqlSourceConfig({ database: my.testDb.name }),
          'database.ssl.mode': 'verify_ca',
          'database.ssl.truststore': ca,
          'topic.prefix': `${prefix}my`,
          ...router(`${prefix}.my.\${routedByValue}`),
        },
      },
      {
        name: `${prefix}-pg`,
        config: {
          ...postgresSourceConfig({ database: pg.testDb.name, slot }),
          // The local certificate names 127.0.0.1, the address connected to: verify-full passes.
          'database.sslmode': 'verify-full',
          'database.sslrootcert': ca,
          'topic.prefix': `${prefix}pg`,
          ...router(`${prefix}.pg.\${routedByValue}`),
        },
      },
    ],
  });
  await waitForRunning(relay.url, `${prefix}-my`);
  await waitForRunning(relay.url, `${prefix}-pg`);
});

after(async () => {
  await relay?.close();
  await routed?.close();
  for (const service of [my, pg]) {
    await service?.app.close();
    await service?.db.close();
  }
  await dropSlots([slot, badSlot]);
  await my?.testDb.drop();
  await pg?.testDb.drop();
});

async function createCourse(app: FastifyInstance): Promise<string> {
  const res = await app.inject({
    method: 'POST',
    url: '/courses',
    payload: { name: 'TLS', description: 'verified', teacherId: TEACHER, thumbnail: 't.jpeg' },
  });
  assert.equal(res.statusCode, 201, res.body);
  return res.json().courseId as string;
}

/** Waits for the task to be FAILED; returns its trace. */
async function failedTrace(name: string): Promise<string> {
  const until = Date.now() + 60_000;
  let last = '';
  while (Date.now() < until) {
    last = await (await fetch(`${relay.url}/connectors/${name}/status`)).text();
    const task = (JSON.parse(last) as { tasks: { state: string; trace?: string }[] }).tasks[0];
    if (task?.state === 'FAILED') return task.trace ?? '';
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${name} did not fail; last status ${last}`);
}

describe('database TLS verified against the local CA', () => {
  it('MariaDB (verify_ca) and PostgreSQL (verify-full) events are published', async () => {
    const myId = await createCourse(my.app);
    const pgId = await createCourse(pg.app);
    await routed.waitFor(
      (records) => records.some((r) => r.key === myId) && records.some((r) => r.key === pgId),
      { timeoutMs: 60_000 },
    );
  });

  it('a MariaDB connector trusting another CA fails, naming the truststore', async () => {
    const name = `${prefix}-my-bad`;
    await relay.herder.putConfig(name, {
      ...mysqlSourceConfig({ database: my.testDb.name }),
      'database.ssl.mode': 'verify_ca',
      'database.ssl.truststore': otherCa,
      'topic.prefix': `${prefix}mybad`,
    });
    assert.match(await failedTrace(name), /not signed by a CA of database\.ssl\.truststore/);
  });

  it('a PostgreSQL connector trusting another CA fails, naming the root certificate', async () => {
    const name = `${prefix}-pg-bad`;
    await relay.herder.putConfig(name, {
      ...postgresSourceConfig({ database: pg.testDb.name, slot: badSlot }),
      'database.sslmode': 'verify-ca',
      'database.sslrootcert': otherCa,
      'topic.prefix': `${prefix}pgbad`,
    });
    assert.match(await failedTrace(name), /database\.sslrootcert/);
  });
});
