/**
 * The SIGKILL delivery scenario both sources' crash specs run: 10,000 outbox events (`OUTFLOW_CRASH_EVENTS`)
 * written by concurrent writers while the relay process is killed at random moments (3 times while writing,
 * `OUTFLOW_CRASH_KILLS`, and once while draining) and restarted. Every event must reach Kafka (none lost)
 * and, per aggregate, arrive in commit order; with exactly-once delivery (the default) a `read_committed`
 * reader (the collector) must see no duplicate. `npm run test:delivery` runs the long variant.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createOutbox, migrate } from '@outflow/outbox';
import { collectTopics, type TestDatabase, type TopicCollector, uniqueName } from '@outflow/testing';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { readCommitted } from './committed-reader.ts';
import { type ConnectorConfig, eventRouterConfig, workerConfig } from './connectors.ts';
import { judgeDelivery, writeOutboxEvents } from './outbox-workload.ts';
import { freePort, type RelayProcess, startRelayProcess } from './relay-process.ts';

const TOTAL = Number(process.env.OUTFLOW_CRASH_EVENTS ?? 10_000);
const KILLS_WHILE_WRITING = Number(process.env.OUTFLOW_CRASH_KILLS ?? 3);
/** Waits scale with the workload: the long variant writes ten times the default. */
const SCALE = Math.max(1, TOTAL / 10_000);

export interface CrashScenarioOptions {
  /** Prefix of the test's database, connector, topics and state directory (`crash`, `pgcrash`). */
  prefix: string;
  dialect: 'mysql' | 'postgres';
  /** Creates the (empty) test database; the scenario migrates the outbox into it. */
  createDatabase(prefix: string): Promise<TestDatabase>;
  /** The source connector's own properties for connector `name` on `db`. */
  sourceConfig(db: TestDatabase, name: string): ConnectorConfig;
  /** Converter properties, placed before the event router's. */
  converterConfig?: ConnectorConfig;
  /** Runs after the collectors close and before the database is dropped (e.g. drops replication slots). */
  cleanup?(name: string): Promise<void>;
}

async function migrateOutbox(dialect: 'mysql' | 'postgres', url: string): Promise<void> {
  if (dialect === 'mysql') {
    const conn = await mysql.createConnection(url);
    await migrate(conn, createOutbox({ dialect: 'mysql' }));
    await conn.end();
  } else {
    const conn = new pg.Client({ connectionString: url });
    await conn.connect();
    await migrate(conn, createOutbox({ dialect: 'postgres' }));
    await conn.end();
  }
}

/** Registers the scenario's `before`/`after` hooks and its test in the calling spec file. */
export function crashScenario(options: CrashScenarioOptions): void {
  const { prefix, dialect } = options;
  let db: TestDatabase;
  let dir: string;
  let collector: TopicCollector;
  let offsetsCollector: TopicCollector;
  const name = uniqueName(prefix);
  const topic = `${name}.events`;
  const offsetsTopic = `${name}.offsets`;

  before(async () => {
    db = await options.createDatabase(prefix);
    await migrateOutbox(dialect, db.url);
    dir = mkdtempSync(join(tmpdir(), `outflow-${prefix}-`));
    collector = await collectTopics([topic], { partitions: 3 });
    offsetsCollector = await collectTopics([offsetsTopic], { partitions: 25 });
  });

  after(async () => {
    await collector?.close();
    await offsetsCollector?.close();
    await options.cleanup?.(name);
    await db?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  function relayOptions(restPort: number) {
    return {
      dir,
      restPort,
      worker: workerConfig(name, { 'offset.flush.interval.ms': '200' }),
      connector: {
        name,
        config: {
          ...options.sourceConfig(db, name),
          'topic.prefix': name,
          'topic.creation.default.partitions': '3',
          ...options.converterConfig,
          ...eventRouterConfig(topic),
        },
      },
    };
  }

  test('no event is lost and per-aggregate order holds across SIGKILLs of the relay', {
    timeout: 600_000 * SCALE,
  }, async (t) => {
    const restPort = await freePort();
    let relay: RelayProcess = await startRelayProcess(relayOptions(restPort));
    let kills = 0;
    try {
      await relay.waitForRunning(name);
      // A first event proves streaming has begun and its stored offset proves a restart resumes from the log,
      // not from "now" (which would skip whatever was written while the relay was down).
      const warmup = await writeOutboxEvents({
        url: db.url,
        aggregateType: 'Warmup',
        total: 1,
        writers: 1,
        aggregates: 1,
        dialect,
      });
      await collector.waitFor((records) => records.some((r) => r.headers.id === warmup[0]!.id));
      await offsetsCollector.waitFor((records) => records.some((r) => r.key?.includes(name) === true));

      const killAt = Array.from({ length: KILLS_WHILE_WRITING }, () =>
        Math.floor(TOTAL * (0.1 + Math.random() * 0.75)),
      ).sort((a, b) => a - b);
      t.diagnostic(
        `killing the relay after ${killAt.join(', ')} committed events, and once more while draining`,
      );
      let restarting: Promise<void> = Promise.resolve();
      const crash = async () => {
        await relay.kill();
        kills++;
        relay = await startRelayProcess(relayOptions(restPort));
        await relay.waitForRunning(name);
      };
      const written = await writeOutboxEvents({
        url: db.url,
        aggregateType: 'Tick',
        total: TOTAL,
        writers: 8,
        aggregates: 100,
        dialect,
        onProgress: (count) => {
          if (killAt.length > 0 && count >= killAt[0]!) {
            killAt.shift();
            restarting = restarting.then(crash);
          }
        },
      });
      await restarting;
      t.diagnostic(`${written.length} events committed; relay killed ${kills} times so far`);

      const ids = new Set(written.map((e) => e.id));
      const distinctSeen = () =>
        new Set(collector.records.map((r) => r.headers.id).filter((id) => id !== undefined && ids.has(id)))
          .size;
      await collector
        .waitFor(() => distinctSeen() >= TOTAL / 2, { timeoutMs: 120_000 * SCALE })
        .catch(() => {});
      if (distinctSeen() < TOTAL) await crash();
      await collector.waitFor(() => distinctSeen() >= TOTAL, {
        timeoutMs: 180_000 * SCALE,
        describe: () =>
          `${distinctSeen()} of ${TOTAL} distinct events\nrelay output:\n${relay.output().slice(-4000)}`,
        onProgress: () => t.diagnostic(`${distinctSeen()} of ${TOTAL} events in Kafka`),
      });

      const streamed = judgeDelivery(
        written,
        collector.records.filter((r) => r.headers.id === undefined || ids.has(r.headers.id)),
      );
      // The verdict reads the topic again with Kafka's read_committed algorithm (see readCommitted).
      const report = judgeDelivery(
        written,
        (await readCommitted(topic)).filter((r) => r.headers.id === undefined || ids.has(r.headers.id)),
      );
      t.diagnostic(
        `kills: ${kills}; written: ${report.written}; received: ${report.received}; distinct: ${report.distinct}; duplicates: ${report.duplicates}`,
      );
      if (streamed.duplicates > 0)
        t.diagnostic(
          `the streaming consumer (@platformatic/kafka, read_committed) also received ${streamed.duplicates} records of aborted transactions`,
        );
      assert.ok(kills >= KILLS_WHILE_WRITING, `the relay was killed ${kills} times`);
      assert.deepEqual(report.missing, []);
      assert.deepEqual(report.outOfOrder, []);
      assert.equal(report.distinct, TOTAL);
      // Exactly-once (the worker's default): records and offsets commit together, so no kill republishes.
      assert.equal(report.duplicates, 0, 'exactly-once: no duplicate for a read_committed reader');
    } finally {
      await relay.stop();
    }
  });
}
