/**
 * The web console in a real browser (Debian's Chromium, headless, driven by playwright-core) against a real
 * relay with basic authentication, MariaDB and Kafka: the overview shows the running connector, its charts
 * move when events flow, the tail shows a freshly inserted outbox row, a configuration change through the form
 * takes effect, pausing from the console pauses the task, and a dead letter is replayed to its topic.
 * Screenshots of each page go to `test-results/console/` (git-ignored); their paths are printed.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createAdmin, createProducer, ensureTopic } from '@outflow/kafka';
import { createOutbox, migrate } from '@outflow/outbox';
import {
  closedPort,
  collectTopics,
  createMariaDbDatabase,
  kafkaBootstrap,
  type TestDatabase,
  uniqueName,
} from '@outflow/testing';
import mysql from 'mysql2/promise';
import { type Browser, chromium, type Page } from 'playwright-core';
import { buildConsole } from '../../console/build.ts';
import { type RunningRelay, startRelay } from '../../src/index.ts';
import {
  eventRouterConfig,
  mysqlSourceConfig,
  stringConverters,
  uniqueServerId,
  workerConfig,
} from '../support/connectors.ts';
import { waitForRunning } from '../support/wait-for-running.ts';

/** Debian's package (`apt-get install chromium`, which `.ci/run` does); another binary with OUTFLOW_CHROMIUM. */
const CHROMIUM = process.env.OUTFLOW_CHROMIUM ?? '/usr/bin/chromium';
const SCREENSHOTS = new URL('../../../../test-results/console/', import.meta.url).pathname;
const USER = 'operator';
const PASSWORD = `pw-${randomUUID()}`;
const AUTH = { authorization: `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}` };

const prefix = uniqueName('console');
const connector = `${prefix}-courses`;
const topicOf = (route: string) => `${prefix}.${route}.Course`;
let dir: string;
let testDb: TestDatabase;
let db: mysql.Connection;
let relay: RunningRelay;
let browser: Browser;
let page: Page;
const outbox = createOutbox({ dialect: 'mysql' });

async function insertCourse(aggregateId: string = randomUUID()): Promise<string> {
  await outbox.write(db, {
    aggregateType: 'Course',
    aggregateId,
    type: 'CoursePostedEvent',
    payload: { courseId: aggregateId, name: 'Outbox in practice' },
  });
  return aggregateId;
}

async function rest<T>(path: string, init: RequestInit = {}): Promise<T> {
  const response = await fetch(`${relay.url}${path}`, { ...init, headers: { ...AUTH, ...init.headers } });
  const body = await response.text();
  assert.ok(response.ok, `${path}: ${response.status} ${body}`);
  return (body === '' ? undefined : JSON.parse(body)) as T;
}

async function screenshot(name: string): Promise<void> {
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path });
  console.log(`console screenshot: ${path}`);
}

before(async () => {
  assert.ok(
    existsSync(CHROMIUM),
    `Chromium not found at ${CHROMIUM}: install Debian's package (apt-get install -y chromium) or set OUTFLOW_CHROMIUM`,
  );
  mkdirSync(SCREENSHOTS, { recursive: true });
  await buildConsole();
  dir = mkdtempSync(join(tmpdir(), 'outflow-console-'));
  const credentials = join(dir, 'credentials.properties');
  writeFileSync(credentials, `${USER}: ${PASSWORD}\n`);
  testDb = await createMariaDbDatabase('console');
  db = await mysql.createConnection(testDb.url);
  await migrate(db, outbox);
  relay = await startRelay({
    workerProperties: workerConfig(prefix, {
      'rest.port': '0',
      'rest.host.name': '127.0.0.1',
      'offset.storage.partitions': '1',
      'rest.basic.auth.credentials.file': credentials,
    }),
    env: { OUTFLOW_RELAY_LOG_LEVEL: 'warn' },
    connectors: [
      {
        name: connector,
        config: {
          ...mysqlSourceConfig({ database: testDb.name, onlyDatabase: true }),
          'topic.prefix': prefix,
          // The charts count outbox events only: no schema-change records at the first start.
          'include.schema.changes': 'false',
          ...stringConverters,
          ...eventRouterConfig(`${prefix}.v1.\${routedByValue}`),
        },
      },
    ],
  });
  await waitForRunning(relay.url, connector, { headers: AUTH });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // As root (CI, containers) Chromium's sandbox cannot start.
    args: ['--no-sandbox'],
  });
  const context = await browser.newContext({
    httpCredentials: { username: USER, password: PASSWORD },
    viewport: { width: 1360, height: 900 },
  });
  page = await context.newPage();
  page.setDefaultTimeout(20_000);
  page.on('dialog', (dialog) => void dialog.accept());
});

after(async () => {
  await browser?.close();
  await relay?.close();
  await db?.end();
  await testDb?.drop();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe('web console', () => {
  it('is behind the REST API’s basic authentication', async () => {
    const anonymous = await fetch(`${relay.url}/console/`);
    assert.equal(anonymous.status, 401);
    const rates = await fetch(`${relay.url}/console/api/rates`);
    assert.equal(rates.status, 401);
  });

  it('overview: the running connector, and charts that move when events flow', async () => {
    await page.goto(`${relay.url}/console/`);
    const row = page.locator(`tr[data-connector="${connector}"]`);
    await row.locator('[title="task 0"][data-state="RUNNING"]').waitFor();
    const events = page.locator('[data-chart="events"]');
    assert.equal(await events.getAttribute('data-total'), '0', 'nothing published yet');
    for (let i = 0; i < 20; i++) await insertCourse();
    await page.locator('[data-chart="events"]:not([data-total="0"])').waitFor();
    await page.locator('[data-chart="bytes"]:not([data-total="0"])').waitFor();
    await screenshot('overview');
  });

  it('live tail: a freshly inserted outbox row appears', async () => {
    await page.goto(`${relay.url}/console/#/tail/${connector}`);
    await page.locator('[data-tail-state="live"]').waitFor();
    const id = await insertCourse();
    const record = page.locator(`li.record[data-key="${id}"]`);
    await record.waitFor();
    assert.match((await record.locator('pre.value').textContent()) ?? '', /"courseId": "[0-9a-f-]+"/);
    assert.match((await record.textContent()) ?? '', new RegExp(topicOf('v1')));
    await screenshot('tail');

    // Paused, the list stands still and counts what arrives; resumed, it shows it.
    await page.getByRole('button', { name: 'Pause' }).click();
    const held = await insertCourse();
    await page.getByRole('button', { name: 'Resume (1 new)' }).waitFor();
    assert.equal(await page.locator(`li.record[data-key="${held}"]`).count(), 0);
    await page.getByRole('button', { name: 'Resume (1 new)' }).click();
    await page.locator(`li.record[data-key="${held}"]`).waitFor();

    // The filter is applied by the relay to what it reads from now on.
    await page.getByLabel('filter').fill('no-such-text');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByText('matching “no-such-text”').waitFor();
    const filteredOut = await insertCourse();
    const wanted = await insertCourse();
    await page.getByLabel('filter').fill(wanted);
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.locator(`li.record[data-key="${wanted}"]`).waitFor();
    assert.equal(await page.locator(`li.record[data-key="${filteredOut}"]`).count(), 0);
  });

  it('connector page: validation as you type, and a config change that takes effect', async () => {
    await page.goto(`${relay.url}/console/#/connectors/${connector}`);
    const password = page.locator('input[name="database.password"]');
    assert.equal(await password.getAttribute('type'), 'password');
    assert.equal(await password.inputValue(), '********', 'the secret is shown masked');
    const port = page.locator('input[name="database.port"]');
    const original = await port.inputValue();
    await port.fill('not-a-port');
    await page.locator('tr.invalid input[name="database.port"]').waitFor();
    await page.locator('.validation[data-errors="1"]').waitFor();
    await port.fill(original);
    await page.locator('.validation[data-errors="0"]').waitFor();

    const v2 = await collectTopics([topicOf('v2')]);
    try {
      await page
        .locator('input[name="transforms.outbox.route.topic.replacement"]')
        .fill(`${prefix}.v2.\${routedByValue}`);
      await page.locator('.validation[data-errors="0"]').waitFor();
      await page.getByRole('button', { name: 'Save and apply' }).click();
      await page.locator('p.saved').waitFor();
      const config = await rest<Record<string, string>>(`/connectors/${connector}/config`);
      assert.equal(config['transforms.outbox.route.topic.replacement'], `${prefix}.v2.\${routedByValue}`);
      assert.equal(config['database.password'], '********');
      await waitForRunning(relay.url, connector, { headers: AUTH });
      const id = await insertCourse();
      await v2.waitFor((records) => records.some((r) => r.key === id), {
        describe: (records) => `${records.length} records on ${topicOf('v2')}, none with key ${id}`,
      });
    } finally {
      await v2.close();
    }
    await page.locator('.title [title="task 0"][data-state="RUNNING"]').waitFor();
    await page.locator('.validation[data-errors="0"]').waitFor();
    await screenshot('connector');
  });

  it('pausing from the console pauses the task, resuming runs it again', async () => {
    await page.goto(`${relay.url}/console/#/connectors/${connector}`);
    await page.getByRole('button', { name: 'Pause', exact: true }).click();
    await page.locator('.title [title="task 0"][data-state="PAUSED"]').waitFor();
    const paused = await rest<{ tasks: { state: string }[] }>(`/connectors/${connector}/status`);
    assert.equal(paused.tasks[0]?.state, 'PAUSED');
    await page.getByRole('button', { name: 'Resume' }).click();
    await page.locator('.title [title="task 0"][data-state="RUNNING"]').waitFor();
  });

  it('new connector form: created, its retried failure shown, stopped, offsets reset, deleted', async () => {
    const name = `${prefix}-unreachable`;
    await page.goto(`${relay.url}/console/#/new`);
    await page.getByLabel('Name', { exact: true }).fill(name);
    const set = (key: string, value: string) => page.locator(`input[name="${key}"]`).fill(value);
    await set('database.port', String(await closedPort()));
    await set('database.user', 'outflow');
    await set('database.password', 'outflow');
    await set('database.server.id', uniqueServerId());
    await set('topic.prefix', `${prefix}u`);
    await set('table.include.list', `${testDb.name}.outbox`);
    await page.locator('.validation[data-errors="0"]').waitFor();
    await page.getByRole('button', { name: 'Create' }).click();
    await page.locator('h1', { hasText: name }).waitFor();
    await page.getByRole('heading', { name: 'Retrying after' }).waitFor();

    await page.goto(`${relay.url}/console/`);
    await page.locator('tr.trace-row summary', { hasText: 'Retrying after' }).waitFor();

    await page.goto(`${relay.url}/console/#/connectors/${name}`);
    await page.getByRole('button', { name: 'Stop' }).click();
    await page.locator('.title [title="connector"][data-state="STOPPED"]').waitFor();
    await page.getByRole('button', { name: 'Reset offsets' }).click();
    await page.getByRole('button', { name: 'Delete' }).click();
    await page.locator(`tr[data-connector="${connector}"]`).waitFor();
    assert.equal(await page.locator(`tr[data-connector="${name}"]`).count(), 0);
    assert.deepEqual(
      (await rest<string[]>('/connectors')).filter((n) => n === name),
      [],
    );
  });

  it('inbox: a consumer group’s lag and a dead letter replayed to its topic', async () => {
    const original = `${prefix}.orders`;
    const dlq = `${prefix}.orders.dlq`;
    const admin = createAdmin({ bootstrapServers: [kafkaBootstrap] });
    try {
      await ensureTopic(admin, original);
      await ensureTopic(admin, dlq);
    } finally {
      await admin.close();
    }
    const producer = createProducer({ bootstrapServers: [kafkaBootstrap] });
    const key = randomUUID();
    try {
      await producer.send({
        messages: [
          {
            topic: dlq,
            key,
            value: JSON.stringify({ orderId: key }),
            headers: new Map([
              ['id', key],
              ['outflow.dlq.error.message', 'handler failed: the catalog is read-only'],
              ['outflow.dlq.error.class', 'Error'],
              ['outflow.dlq.original.topic', original],
              ['outflow.dlq.original.partition', '0'],
              ['outflow.dlq.original.offset', '41'],
              ['outflow.dlq.attempts', '5'],
              ['outflow.dlq.reason', 'handler-failed'],
            ]),
          },
        ],
      });
    } finally {
      await producer.close();
    }
    const replayed = await collectTopics([original]);
    try {
      await page.goto(`${relay.url}/console/#/inbox`);
      await page.getByLabel('dead-letter topic').selectOption(dlq);
      const letter = page.locator('li.record.dead').filter({ hasText: key });
      await letter.getByText('handler failed: the catalog is read-only').waitFor();
      await screenshot('inbox');
      await letter.getByRole('button', { name: 'Replay' }).click();
      await letter.getByText(`replayed to ${original}`).waitFor();
      await replayed.waitFor((records) => records.some((r) => r.key === key));
      const record = replayed.records.find((r) => r.key === key)!;
      assert.equal(record.headers.id, key, 'the original headers go with it');
      assert.equal(record.headers['outflow.dlq.error.message'], undefined, 'the error headers do not');
    } finally {
      await replayed.close();
    }
    // A consumer group that committed offset 0 of the topic now holding one record is one record behind.
    const group = `${prefix}-catalog`;
    const groupAdmin = createAdmin({ bootstrapServers: [kafkaBootstrap] });
    try {
      await groupAdmin.alterConsumerGroupOffsets({
        groupId: group,
        topics: [{ name: original, partitionOffsets: [{ partition: 0, offset: 0n }] }],
      });
    } finally {
      await groupAdmin.close();
    }
    await page.reload();
    await page.locator(`[data-group="${group}"] [data-lag="1"]`).waitFor();
  });
});
