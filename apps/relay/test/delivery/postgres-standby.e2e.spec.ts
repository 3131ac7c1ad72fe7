/**
 * Two relay processes with the same PostgreSQL connector (same slot, same offsets and configs topics): the
 * second waits as a standby (task RUNNING, its log says it waits, no failure loop) while the first holds the
 * slot. The first is SIGKILLed while events are being written; the standby takes the slot over and every
 * event reaches Kafka, in commit order per aggregate. Then the same with the first relay frozen (SIGSTOP:
 * its socket stays open, as with a hung process or a lost network): the server frees the slot after the
 * connection's `wal_sender_timeout` (`wal.sender.timeout.ms`), not its 60 s default.
 * Real PostgreSQL, real Kafka, the relay's CLI.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, type TestContext, test } from 'node:test';
import { createOutbox, migrate } from '@outflow/outbox';
import {
  collectTopics,
  createPostgresDatabase,
  type TestDatabase,
  type TopicCollector,
  uniqueName,
} from '@outflow/testing';
import pg from 'pg';
import {
  eventRouterConfig,
  postgresSourceConfig,
  stringConverters,
  workerConfig,
} from '../support/connectors.ts';
import { judgeDelivery, writeOutboxEvents } from '../support/outbox-workload.ts';
import { dropSlots, slotState } from '../support/postgres-slots.ts';
import { freePort, type RelayProcess, startRelayProcess } from '../support/relay-process.ts';

const TOTAL = 5_000;
/** The standby checks the slot every 3 s; the server notices a killed client at once (its socket closes). */
const TAKEOVER_BOUND_MS = 15_000;
/** A frozen client is noticed after wal_sender_timeout (3 s here), then the standby's next check (3 s). */
const FROZEN_TAKEOVER_BOUND_MS = 15_000;

// The standby announces itself at info level.
process.env.OUTFLOW_RELAY_LOG_LEVEL = 'info';

let db: TestDatabase;
const dirs: string[] = [];
/** One scenario's connector: its name, slot and topic. */
interface Scenario {
  readonly name: string;
  readonly slot: string;
  readonly topic: string;
}
const scenario = (prefix: string): Scenario => {
  const name = uniqueName(prefix);
  return { name, slot: `${name}_slot`, topic: `${name}.events` };
};
const killed = scenario('pgstandby');
const frozen = scenario('pgfrozen');
const collectors = new Map<Scenario, TopicCollector>();

before(async () => {
  db = await createPostgresDatabase('pgstandby');
  const conn = new pg.Client({ connectionString: db.url });
  await conn.connect();
  await migrate(conn, createOutbox({ dialect: 'postgres' }));
  await conn.end();
  for (const s of [killed, frozen]) collectors.set(s, await collectTopics([s.topic], { partitions: 3 }));
});

after(async () => {
  for (const collector of collectors.values()) await collector.close();
  await dropSlots([killed.slot, frozen.slot]);
  await db?.drop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function startRelay(
  { name, slot, topic }: Scenario,
  extra: Record<string, string> = {},
): Promise<RelayProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'outflow-pgstandby-'));
  dirs.push(dir);
  return startRelayProcess({
    dir,
    restPort: await freePort(),
    worker: workerConfig(name, { 'offset.flush.interval.ms': '200' }),
    connector: {
      name,
      config: {
        ...postgresSourceConfig({ database: db.name, slot }),
        'topic.prefix': name,
        'topic.creation.default.partitions': '3',
        ...stringConverters,
        ...eventRouterConfig(topic),
        ...extra,
      },
    },
  });
}

async function taskState(relay: RelayProcess, name: string): Promise<string> {
  const status = (await (await fetch(`${relay.url}/connectors/${name}/status`)).json()) as {
    tasks?: { state: string }[];
  };
  return status.tasks?.[0]?.state ?? 'none';
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Starts a relay, then a standby with the same connector, checks that the standby waits quietly, then writes
 * events and `interrupt`s the first relay at 30 %; returns how long the standby took to hold the slot, after
 * checking that every event arrived in order per aggregate.
 */
async function takeover(
  t: TestContext,
  s: Scenario,
  options: {
    extra?: Record<string, string>;
    interrupt: (first: RelayProcess) => Promise<void>;
    boundMs: number;
  },
): Promise<void> {
  const collector = collectors.get(s)!;
  const first = await startRelay(s, options.extra);
  let standby: RelayProcess | undefined;
  try {
    await first.waitForRunning(s.name);
    const held = await slotState(s.slot);
    assert.equal(held?.active, true, 'the first relay holds the slot once its task is RUNNING');
    const warmup = await writeOutboxEvents({
      url: db.url,
      dialect: 'postgres',
      aggregateType: 'Warmup',
      total: 1,
      writers: 1,
      aggregates: 1,
    });
    await collector.waitFor((records) => records.some((r) => r.headers.id === warmup[0]!.id));

    standby = await startRelay(s, options.extra);
    await standby.waitForRunning(s.name);
    const second = standby;
    await until(
      'the standby to say it waits',
      async () => second.output().includes('waiting as a standby'),
      10_000,
    );
    // Waiting is not failing: for several standby checks the task stays RUNNING, the slot stays the first's.
    const watchUntil = Date.now() + 7_000;
    while (Date.now() < watchUntil) {
      assert.equal(await taskState(second, s.name), 'RUNNING', second.output().slice(-2000));
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.equal(
      (await slotState(s.slot))?.activePid,
      held?.activePid,
      'the first relay still holds the slot',
    );
    const waits = second.output().match(/waiting as a standby/g) ?? [];
    assert.equal(waits.length, 1, 'the standby says once that it waits, not at every check');
    assert.doesNotMatch(second.output(), /"level":"(error|fatal)"/);

    let interruptedAt = 0;
    let interrupting: Promise<void> = Promise.resolve();
    const written = await writeOutboxEvents({
      url: db.url,
      dialect: 'postgres',
      aggregateType: 'Tick',
      total: TOTAL,
      writers: 8,
      aggregates: 100,
      onProgress: (count) => {
        if (interruptedAt === 0 && count >= TOTAL * 0.3) {
          interruptedAt = Date.now();
          interrupting = options.interrupt(first);
        }
      },
    });
    await interrupting;
    await until(
      'the standby to take the slot over',
      async () => {
        const state = await slotState(s.slot);
        return state?.active === true && state.activePid !== held?.activePid;
      },
      options.boundMs,
    ).catch((error: Error) => {
      throw new Error(`${error.message}\nstandby output:\n${second.output().slice(-4000)}`);
    });
    t.diagnostic(
      `the standby holds the slot ${Date.now() - interruptedAt} ms after the first relay stopped answering`,
    );

    const ids = new Set(written.map((e) => e.id));
    const distinctSeen = () =>
      new Set(collector.records.map((r) => r.headers.id).filter((id) => id !== undefined && ids.has(id)))
        .size;
    await collector.waitFor(() => distinctSeen() >= TOTAL, {
      timeoutMs: 120_000,
      describe: () =>
        `${distinctSeen()} of ${TOTAL} distinct events\nstandby output:\n${second.output().slice(-4000)}`,
    });
    const report = judgeDelivery(
      written,
      collector.records.filter((r) => r.headers.id === undefined || ids.has(r.headers.id)),
    );
    t.diagnostic(
      `written: ${report.written}; received: ${report.received}; distinct: ${report.distinct}; duplicates: ${report.duplicates}`,
    );
    assert.deepEqual(report.missing, []);
    assert.deepEqual(report.outOfOrder, []);
    assert.equal(report.distinct, TOTAL);
    assert.equal(await taskState(second, s.name), 'RUNNING');
  } finally {
    await first.kill().catch(() => {});
    await standby?.stop();
  }
}

test('a second relay waits as a standby and takes over the slot when the first is SIGKILLed', {
  timeout: 300_000,
}, async (t) => {
  await takeover(t, killed, { interrupt: (first) => first.kill(), boundMs: TAKEOVER_BOUND_MS });
});

test('a frozen relay (SIGSTOP) loses the slot after wal.sender.timeout.ms and the standby takes over', {
  timeout: 300_000,
}, async (t) => {
  await takeover(t, frozen, {
    extra: { 'wal.sender.timeout.ms': '3000', 'status.update.interval.ms': '1000' },
    interrupt: async (first) => {
      process.kill(first.pid, 'SIGSTOP');
    },
    boundMs: FROZEN_TAKEOVER_BOUND_MS,
  });
});
