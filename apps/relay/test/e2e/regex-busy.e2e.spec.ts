/**
 * A routing regex that a backtracking engine needs exponential time for, `(a+)+`, meets the rows that
 * trigger it, on the real MariaDB and Kafka with the relay run as its own process. The relay must keep
 * answering its REST API while it routes them, publish every row, and report the row whose routed topic is
 * not a valid Kafka topic name by failing the task with the name in the trace, as Kafka Connect does
 * (the producer refuses an invalid topic and the task stops), never by hanging.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  collectTopics,
  createMariaDbDatabase,
  mariadbUrl,
  type TestDatabase,
  type TopicCollector,
  uniqueName,
} from '@outflow/testing';
import mysql from 'mysql2/promise';
import {
  eventRouterConfig,
  mysqlSourceConfig,
  stringConverters,
  workerConfig,
} from '../support/connectors.ts';
import { freePort, type RelayProcess, startRelayProcess } from '../support/relay-process.ts';

/** A request that takes longer than this counts as "not answering": the frozen relay never answered. */
const ANSWER_BOUND_MS = 5000;

const name = uniqueName('regexbusy');
const normalType = 'aaa';
const normalTopic = `${name}.${normalType}`;
// Forty 'a' then a character the regex cannot match: 2^40 backtracking steps for a backtracking engine.
// Unmatched, the value is its own topic: a valid name here, unique to this run...
const slowType = `${'a'.repeat(40)}-${name}`;
// ...and an invalid one here ('!' is not allowed in a topic name).
const invalidType = `${'a'.repeat(40)}!`;

let db: TestDatabase;
let conn: mysql.Connection;
let dir: string;
let collector: TopicCollector;
let relay: RelayProcess | undefined;

before(async () => {
  db = await createMariaDbDatabase('regexbusy');
  conn = await mysql.createConnection(mariadbUrl(db.name));
  await conn.query(`CREATE TABLE outbox (
    id CHAR(36) NOT NULL PRIMARY KEY,
    aggregatetype VARCHAR(255) NOT NULL,
    aggregateid VARCHAR(255) NOT NULL,
    type VARCHAR(255) NOT NULL,
    payload TEXT
  )`);
  dir = mkdtempSync(join(tmpdir(), 'outflow-regexbusy-'));
  collector = await collectTopics([normalTopic, slowType]);
});

after(async () => {
  // SIGKILL, not SIGTERM: a relay frozen by a regex (what this test guards against) would never exit.
  await relay?.kill();
  await collector?.close();
  await conn?.end();
  await db?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function write(aggregatetype: string, aggregateid: string): Promise<void> {
  await conn.query(
    "INSERT INTO outbox (id, aggregatetype, aggregateid, type, payload) VALUES (?, ?, ?, 'Made', '{}')",
    [randomUUID(), aggregatetype, aggregateid],
  );
}

/** GETs `path`, failing when no answer comes within the bound; returns the body and how long it took. */
async function timedGet(path: string): Promise<{ ms: number; body: unknown }> {
  const started = performance.now();
  const res = await fetch(`${relay?.url}${path}`, { signal: AbortSignal.timeout(ANSWER_BOUND_MS) });
  const body = await res.json();
  assert.equal(res.status, 200, `${path}: ${JSON.stringify(body)}`);
  return { ms: performance.now() - started, body };
}

type Status = { tasks: { state: string; trace?: string }[] };

/**
 * Calls GET / and GET /connectors/{name}/status over and over until `done` holds (60 s at most), each
 * within the bound; returns the slowest answer's time.
 */
async function answerPromptlyUntil(done: () => Promise<boolean>): Promise<number> {
  let slowest = 0;
  const deadline = Date.now() + 60_000;
  while (!(await done())) {
    assert.ok(Date.now() < deadline, `not done in 60 s:\n${relay?.output()}`);
    slowest = Math.max(slowest, (await timedGet('/')).ms);
    slowest = Math.max(slowest, (await timedGet(`/connectors/${name}/status`)).ms);
    await new Promise((r) => setTimeout(r, 100));
  }
  return slowest;
}

test('the REST API keeps answering while rows meet the formerly catastrophic regex; every row is accounted for', async () => {
  relay = await startRelayProcess({
    dir,
    restPort: await freePort(),
    worker: workerConfig(name, { 'offset.flush.interval.ms': '200' }),
    connector: {
      name,
      config: {
        ...mysqlSourceConfig({ database: db.name, onlyDatabase: true }),
        'topic.prefix': name,
        ...stringConverters,
        ...eventRouterConfig(`${name}.\${routedByValue}`, {
          'transforms.outbox.route.topic.regex': '(?<routedByValue>(a+)+)',
        }),
      },
    },
  });
  await relay.waitForRunning(name);

  for (let i = 0; i < 5; i++) await write(normalType, `before-${i}`);
  await write(slowType, 'slow');
  for (let i = 0; i < 5; i++) await write(normalType, `after-${i}`);
  const published = () =>
    collector.records.filter((r) => r.topic === normalTopic).length >= 10 &&
    collector.records.some((r) => r.topic === slowType);
  let slowest = await answerPromptlyUntil(async () => published());
  const keys = collector.records.filter((r) => r.topic === normalTopic).map((r) => r.key);
  assert.deepEqual([...new Set(keys)].sort(), [
    ...[0, 1, 2, 3, 4].map((i) => `after-${i}`),
    ...[0, 1, 2, 3, 4].map((i) => `before-${i}`),
  ]);
  assert.deepEqual(
    collector.records.filter((r) => r.topic === slowType).map((r) => r.key),
    ['slow'],
  );

  // The same regex leaves this value unchanged, and '!' cannot be in a topic name: the task stops, loudly.
  await write(invalidType, 'invalid');
  let status: Status | undefined;
  slowest = Math.max(
    slowest,
    await answerPromptlyUntil(async () => {
      status = (await timedGet(`/connectors/${name}/status`)).body as Status;
      return status.tasks[0]?.state === 'FAILED';
    }),
  );
  const task = status?.tasks[0];
  assert.ok(task?.trace?.includes(`"${invalidType}": not a valid Kafka topic name`), task?.trace);
  console.log(`slowest REST answer while routing: ${Math.round(slowest)} ms`);
  assert.equal(((await timedGet(`/connectors/${name}/status`)).body as Status).tasks[0]?.state, 'FAILED');
});
