/**
 * The course flow over the local Kafka's SASL_SSL listener (SCRAM-SHA-512, the CA made by `infra up`): the
 * relay keeps its configs and offsets there, its connector publishes there with `producer.override.*`
 * credentials, and the catalog service consumes there. The connector's database password comes from a
 * `${file:…}` reference and appears nowhere: not in the config topic, the REST answers or the log. Wrong
 * credentials, an unknown CA and a wrong host name each fail at once with the cause named.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { type StartedCatalogService, startCatalogService } from '@outflow/catalog-service';
import { buildApp, connectDatabase, type Database, migrate } from '@outflow/course-service';
import { loadConfig, saslClientProperties } from '@outflow/infra';
import { createOutbox } from '@outflow/outbox';
import {
  collectTopics,
  createMariaDbDatabase,
  mariadbUrl,
  type TestDatabase,
  uniqueName,
} from '@outflow/testing';
import type { FastifyInstance } from 'fastify';
import mysql from 'mysql2/promise';
import pino from 'pino';
import { type RunningRelay, startRelay } from '../../src/index.ts';
import { eventRouterConfig, mysqlSourceConfig, stringConverters } from '../support/connectors.ts';
import { waitForRunning } from '../support/wait-for-running.ts';

const TEACHER = '7ead2ed1-77fa-4d70-bdfd-77e67c513bbd';
const infra = loadConfig();
const SASL = saslClientProperties(infra);
const saslBootstrap = `127.0.0.1:${infra.kafkaSaslPort}`;
const prefix = uniqueName('sasl');
const topic = `${prefix}.Course`;
const dbUser = uniqueName('relay');
const dbPassword = `pw-${uniqueName('x')}`;
const dir = mkdtempSync(join(tmpdir(), 'outflow-sasl-'));
const secretsFile = join(dir, 'db.properties');
const wrongJaas = SASL['sasl.jaas.config']!.replace('outflow-secret', 'not-the-password');

let courseDb: TestDatabase;
let catalogDb: TestDatabase;
let db: Database;
let courses: FastifyInstance;
let catalog: StartedCatalogService;
let relay: RunningRelay;
const logLines: string[] = [];

function worker(extra: Record<string, string> = {}): Record<string, string> {
  return {
    'bootstrap.servers': saslBootstrap,
    ...SASL,
    'group.id': prefix,
    'offset.storage.topic': `${prefix}.offsets`,
    'config.storage.topic': `${prefix}.configs`,
    'status.storage.topic': `${prefix}.status`,
    'offset.storage.partitions': '1',
    'rest.port': '0',
    'config.providers': 'file',
    'config.providers.file.class': 'org.apache.kafka.common.config.provider.FileConfigProvider',
    ...extra,
  };
}

before(async () => {
  courseDb = await createMariaDbDatabase('sasl_course');
  catalogDb = await createMariaDbDatabase('sasl_catalog');
  // A user of its own, so its password is a string that occurs nowhere else.
  const admin = await mysql.createConnection(mariadbUrl());
  try {
    await admin.query(`CREATE USER ?@'%' IDENTIFIED BY ?`, [dbUser, dbPassword]);
    await admin.query(
      `GRANT SELECT, RELOAD, SHOW DATABASES, REPLICATION SLAVE, REPLICATION CLIENT, BINLOG MONITOR ON *.* TO ?@'%'`,
      [dbUser],
    );
  } finally {
    await admin.end();
  }
  writeFileSync(secretsFile, `user=${dbUser}\npassword=${dbPassword}\n`);
  db = connectDatabase(courseDb.url);
  const outbox = createOutbox({ dialect: 'mysql', mode: 'insert-then-delete' });
  await migrate(db, outbox);
  courses = await buildApp({ db, outbox });
  const logStream = new PassThrough();
  logStream.on('data', (chunk: Buffer) => logLines.push(chunk.toString('utf8')));
  relay = await startRelay({
    // The worker's own producers get a wrong password: only the connector's override can publish.
    workerProperties: worker({ 'producer.sasl.jaas.config': wrongJaas }),
    env: {},
    logDestination: logStream,
    connectors: [
      {
        name: prefix,
        config: {
          ...mysqlSourceConfig({ database: courseDb.name }),
          'database.user': `\${file:${secretsFile}:user}`,
          'database.password': `\${file:${secretsFile}:password}`,
          'topic.prefix': prefix,
          ...stringConverters,
          ...eventRouterConfig(`${prefix}.\${routedByValue}`, {
            'transforms.outbox.table.fields.additional.placement': 'type:header:eventType',
          }),
          'producer.override.sasl.jaas.config': SASL['sasl.jaas.config']!,
        },
      },
    ],
  });
  // RUNNING means the task holds its binlog position: a course posted before that would not be read.
  await waitForRunning(relay.url, prefix);
  catalog = await startCatalogService(
    {
      databaseUrl: catalogDb.url,
      port: 0,
      host: '127.0.0.1',
      kafkaBootstrapServers: [saslBootstrap],
      kafkaClientProperties: SASL,
      groupId: `${prefix}-catalog`,
      topic,
      logLevel: 'warn',
    },
    { logger: pino({ level: 'warn' }) },
  );
});

after(async () => {
  await catalog?.close();
  await relay?.close();
  await courses?.close();
  await db?.close();
  await courseDb?.drop();
  await catalogDb?.drop();
  const admin = await mysql.createConnection(mariadbUrl());
  await admin.query(`DROP USER IF EXISTS ?@'%'`, [dbUser]).finally(() => admin.end());
});

async function course(method: 'POST' | 'GET', url: string, payload?: object) {
  const res = await courses.inject({ method, url, ...(payload === undefined ? {} : { payload }) });
  assert.ok(res.statusCode < 300, `${method} ${url}: ${res.statusCode} ${res.body}`);
  return res.json();
}

describe('over SASL_SSL (SCRAM-SHA-512)', () => {
  it('publishes the course flow with producer.override.* credentials and the catalog consumes it', async () => {
    const { courseId } = await course('POST', '/courses', {
      name: 'SASL',
      description: 'over TLS',
      teacherId: TEACHER,
      thumbnail: 't.jpeg',
    });
    await course('POST', `/courses/${courseId}/post`);
    const began = Date.now();
    let last = '';
    while (Date.now() - began < 60_000) {
      const res = await fetch(`${catalog.url}/catalog/courses/${courseId}`);
      last = `${res.status} ${await res.text()}`;
      if (res.status === 200) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const status = (await (await fetch(`${relay.url}/connectors/${prefix}/status`)).json()) as {
      tasks: { state: string; trace?: string }[];
    };
    assert.match(
      last,
      /^200 /,
      `the catalog did not follow over SASL_SSL; last answer ${last}; relay ${JSON.stringify(status)}`,
    );
    assert.equal(status.tasks[0]?.state, 'RUNNING');
  });

  it('keeps the file-provided password out of the config topic, the REST answers and the log', async () => {
    const configs = await collectTopics([`${prefix}.configs`]);
    try {
      await configs.waitFor((records) => records.some((r) => r.value?.includes(secretsFile) === true));
      const stored = configs.records.map((r) => r.value ?? '').join('\n');
      assert.ok(stored.includes(`\${file:${secretsFile}:password}`), 'the reference is stored');
      assert.ok(!stored.includes(dbPassword), 'the password is not in the config topic');
    } finally {
      await configs.close();
    }
    for (const path of ['', '/config', '/status', '/topics']) {
      const body = await (await fetch(`${relay.url}/connectors/${prefix}${path}`)).text();
      assert.ok(!body.includes(dbPassword), `GET /connectors/${prefix}${path} shows the password`);
    }
    const expanded = await (await fetch(`${relay.url}/connectors?expand=info&expand=status`)).text();
    assert.ok(!expanded.includes(dbPassword));
    const log = logLines.join('');
    assert.ok(log.includes('connector created'), 'the log was captured');
    assert.ok(!log.includes(dbPassword), 'the password is not in the log');
  });

  for (const [cause, extra, pattern] of [
    [
      'a wrong password',
      { 'sasl.jaas.config': wrongJaas },
      /SASL authentication failed: the user name or password in sasl\.jaas\.config is wrong/,
    ],
    [
      'an unknown CA',
      { 'ssl.truststore.location': '' },
      /not signed by a trusted CA \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\)/,
    ],
    // 127.1 reaches the broker but is not a name its certificate lists (localhost, 127.0.0.1).
    [
      'a wrong host name',
      { 'bootstrap.servers': `127.1:${infra.kafkaSaslPort}` },
      /does not name the host connected to .*127\.1/,
    ],
  ] as const) {
    it(`a worker with ${cause} fails at start with the cause named, not a timeout`, async () => {
      const began = Date.now();
      await assert.rejects(
        startRelay({ workerProperties: worker({ ...extra, 'log.level': 'fatal' }), env: {} }),
        (error: Error) => {
          assert.match(error.message, pattern);
          assert.doesNotMatch(error.message, /not-the-password|outflow-secret/);
          return true;
        },
      );
      assert.ok(Date.now() - began < 60_000);
    });
  }
});
