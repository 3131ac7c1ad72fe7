/**
 * Fault suite, quick part (also in `npm test`): configurations that used to be accepted and fail only
 * later. Each must be refused at create time with a 400 whose message names the property: a replacement
 * naming a group the regex lacks, a second connector with the same `database.server.id`, a connector name
 * over 100 characters, a 9 MB property value. And a regex that backtracks catastrophically
 * (`(?<routedByValue>(a+)+)` against 40 `a` and a `!`) must not freeze the relay: either the create is
 * refused, or the REST API keeps answering within a second while the connector routes that row.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createOutbox, migrate } from '@outflow/outbox';
import { createMariaDbDatabase, type TestDatabase, uniqueName } from '@outflow/testing';
import mysql from 'mysql2/promise';
import {
  type ConnectorConfig,
  eventRouterConfig,
  mysqlSourceConfig,
  stringConverters,
  workerConfig,
} from '../support/connectors.ts';
import { freePort, type RelayProcess, startRelayProcess } from '../support/relay-process.ts';
import { stopRelay } from './support/fault-scenario.ts';
import { recordRow, thisFileTable } from './support/report.ts';

let db: TestDatabase;
let dir: string;
let relay: RelayProcess;
const base = uniqueName('checks');

before(async () => {
  db = await createMariaDbDatabase('checks');
  const conn = await mysql.createConnection(db.url);
  await migrate(conn, createOutbox({ dialect: 'mysql' })).finally(() => conn.end());
  dir = mkdtempSync(join(tmpdir(), 'outflow-checks-'));
  delete process.env.OUTFLOW_RELAY_REST_PORT;
  relay = await startRelayProcess({
    dir,
    restPort: await freePort(),
    worker: workerConfig(base),
    connector: { name: base, config: connectorConfig(base) },
  });
  await relay.waitForRunning(base, 60_000);
});

after(async () => {
  if (relay) await stopRelay(relay, 10_000);
  await db?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
  console.log(`\nfault scenarios of this file:\n\n${thisFileTable()}\n`);
});

function connectorConfig(name: string, extra: ConnectorConfig = {}): ConnectorConfig {
  return {
    ...mysqlSourceConfig({ database: db.name }),
    'topic.prefix': name,
    ...stringConverters,
    ...eventRouterConfig(`${name}.events`),
    ...extra,
  };
}

/** POSTs a connector; resolves the HTTP status and the error message (if any). */
async function create(name: string, config: ConnectorConfig): Promise<{ status: number; message: string }> {
  const res = await fetch(`${relay.url}/connectors`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, config }),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  let message = text;
  try {
    message = String((JSON.parse(text) as { message?: unknown }).message ?? text);
  } catch {
    // not JSON
  }
  return { status: res.status, message };
}

/** Records the row of one create-time check and resolves its problems. */
function judgeRefusal(
  label: string,
  answer: { status: number; message: string },
  property: string,
): string[] {
  const problems: string[] = [];
  if (answer.status !== 400) problems.push(`answered ${answer.status}, not 400`);
  if (!answer.message.includes(property)) problems.push(`message does not name ${property}`);
  recordRow({
    scenario: `create refused: ${label}`,
    written: '-',
    delivered: '-',
    lost: '-',
    duplicated: '-',
    recover: '-',
    status: `${answer.status} "${answer.message.slice(0, 160)}"`,
    metrics: '-',
    verdict: problems.length === 0 ? 'pass' : `FAIL: ${problems.join('; ')}`,
  });
  return problems;
}

test('a replacement naming a group the regex lacks is refused', async () => {
  const name = uniqueName('chk');
  const answer = await create(
    name,
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the EventRouter's own placeholder syntax
    connectorConfig(name, { 'transforms.outbox.route.topic.replacement': 'outbox.${missingGroup}' }),
  );
  assert.deepEqual(judgeRefusal('replacement names a missing group', answer, 'route.topic.replacement'), []);
});

test('a second connector with the same database.server.id is refused', async () => {
  const name = uniqueName('chk');
  const serverId = (await (await fetch(`${relay.url}/connectors/${base}/config`)).json()) as ConnectorConfig;
  const answer = await create(
    name,
    connectorConfig(name, { 'database.server.id': serverId['database.server.id']! }),
  );
  assert.deepEqual(judgeRefusal('duplicate database.server.id', answer, 'database.server.id'), []);
});

test('a long connector name is either refused or fully addressable, never created and then stranded', async () => {
  // Was: a 101-character name was created, then every GET/PUT/DELETE answered 400, so it could not be deleted.
  const long = `n${'x'.repeat(150)}`;
  const created = await create(
    long,
    connectorConfig(long, { 'database.server.id': String(7_100_000 + (Date.now() % 100_000)) }),
  );
  const problems: string[] = [];
  if (created.status === 201) {
    const path = `${relay.url}/connectors/${encodeURIComponent(long)}`;
    const got = await fetch(path);
    if (got.status !== 200) problems.push(`GET answered ${got.status}`);
    const deleted = await fetch(path, { method: 'DELETE' });
    if (deleted.status !== 204) problems.push(`DELETE answered ${deleted.status}`);
    if ((await fetch(path)).status !== 404) problems.push('still there after DELETE');
  } else if (created.status !== 400 || !created.message.includes('name')) {
    problems.push(`create answered ${created.status} "${created.message.slice(0, 120)}"`);
  }
  recordRow({
    scenario: 'create: name of 151 characters',
    written: '-',
    delivered: '-',
    lost: '-',
    duplicated: '-',
    recover: '-',
    status: `${created.status}${created.status === 201 ? ', then GET 200 and DELETE 204' : ''}`,
    metrics: '-',
    verdict: problems.length === 0 ? 'pass' : `FAIL: ${problems.join('; ')}`,
  });
  assert.deepEqual(problems, []);
  const tooLong = `n${'x'.repeat(300)}`;
  assert.deepEqual(
    judgeRefusal('name of 301 characters', await create(tooLong, connectorConfig(tooLong)), 'name'),
    [],
  );
});

test('a 9 MB property value is refused', async () => {
  const name = uniqueName('chk');
  // A supported property with a valid (if absurd) value, so only its size can be what is refused.
  const list = `${db.name}.outbox,${'x'.repeat(9 * 1024 * 1024)}`;
  const answer = await create(name, connectorConfig(name, { 'table.include.list': list }));
  assert.deepEqual(judgeRefusal('9 MB property value', answer, 'table.include.list'), []);
});

test('a catastrophically backtracking regex never freezes the relay', { timeout: 120_000 }, async () => {
  const name = uniqueName('regex');
  const answer = await create(
    name,
    connectorConfig(name, { 'transforms.outbox.route.topic.regex': '(?<routedByValue>(a+)+)' }),
  );
  const problems: string[] = [];
  let said = `create ${answer.status}`;
  if (answer.status === 400) {
    if (!answer.message.includes('route.topic.regex'))
      problems.push('refused without naming route.topic.regex');
    said += ` "${answer.message.slice(0, 120)}"`;
  } else {
    await relay.waitForRunning(name, 60_000);
    // Written by hand: the outbox writer itself refuses such an aggregate type, another producer may not.
    const conn = await mysql.createConnection(db.url);
    await conn
      .query(
        "INSERT INTO outbox (id, aggregatetype, aggregateid, type, payload) VALUES (UUID(), ?, 'x', 'Tick', '{}')",
        [`${'a'.repeat(40)}!`],
      )
      .finally(() => conn.end());
    // The row reaches the router within moments; from then on every probe must be answered within 1 s.
    let slowest = 0;
    let unanswered = 0;
    for (let i = 0; i < 20; i++) {
      const began = Date.now();
      try {
        await fetch(`${relay.url}/connectors/${name}/status`, { signal: AbortSignal.timeout(1000) });
        slowest = Math.max(slowest, Date.now() - began);
      } catch {
        unanswered++;
      }
      await sleep(250);
    }
    said += `; REST: ${unanswered} of 20 probes unanswered within 1 s, slowest answered ${slowest} ms`;
    if (unanswered > 0) problems.push(`REST API did not answer within 1 s (${unanswered} of 20 probes)`);
  }
  recordRow({
    scenario: 'catastrophic regex (a+)+',
    written: answer.status === 400 ? '-' : 1,
    delivered: '-',
    lost: '-',
    duplicated: '-',
    recover: '-',
    status: said,
    metrics: '-',
    verdict: problems.length === 0 ? 'pass' : `FAIL: ${problems.join('; ')}`,
  });
  if (problems.length > 0) {
    // A frozen relay never answers SIGTERM; it must not hold the run up.
    await relay.kill();
  }
  assert.deepEqual(problems, []);
});
