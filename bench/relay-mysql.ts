/**
 * Relay benchmark on MariaDB → Kafka, through the relay's CLI as a user runs it:
 *   1. backlog: N outbox events committed while the relay is stopped, then the relay started; reports the
 *      drain rate (events/s from the first to the last event in Kafka) and the time from process start;
 *   2. steady: events committed one per transaction at a fixed rate while the relay runs; reports the
 *      commit → consumer latency p50/p99;
 *   3. the relay's peak RSS (VmHWM) over both phases.
 *
 * Usage: npm run bench -- [--events 100000] [--rate 1000] [--seconds 10]
 * Needs the local infrastructure (`npm run infra -- up`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createOutbox, migrate } from '@outflow/outbox';
import {
  collectTopics,
  createMariaDbDatabase,
  kafkaBootstrap,
  mariadbPort,
  uniqueName,
} from '@outflow/testing';
import mysql from 'mysql2/promise';
import { freePort, startRelayProcess } from '../apps/relay/test/support/relay-process.ts';

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '100000' },
    rate: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '10' },
  },
});
const backlog = Number(args.events);
const rate = Number(args.rate);
const seconds = Number(args.seconds);

function say(line: string): void {
  console.log(`bench: ${line}`);
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

const db = await createMariaDbDatabase('bench');
const dir = mkdtempSync(join(tmpdir(), 'outflow-bench-'));
const name = uniqueName('bench');
const topic = `${name}.events`;
const collector = await collectTopics([topic]);
const outbox = createOutbox({ dialect: 'mysql' });
const options = {
  dir,
  restPort: await freePort(),
  worker: {
    'bootstrap.servers': kafkaBootstrap,
    'offset.storage.topic': `${name}.offsets`,
    'config.storage.topic': `${name}.configs`,
  },
  connector: {
    name,
    config: {
      'connector.class': 'io.debezium.connector.mysql.MySqlConnector',
      'database.hostname': '127.0.0.1',
      'database.port': String(mariadbPort),
      'database.user': 'outflow',
      'database.password': 'outflow',
      'database.server.id': String(10_000 + Math.floor(Math.random() * 100_000)),
      'topic.prefix': name,
      'table.include.list': `${db.name}.outbox`,
      'snapshot.mode': 'no_data',
      transforms: 'outbox',
      'transforms.outbox.type': 'io.debezium.transforms.outbox.EventRouter',
      'transforms.outbox.route.topic.replacement': topic,
    },
  },
};
const payload = {
  name: 'MSA 파헤치기',
  description: 'MSA의 모든 것을 가르쳐 드립니다.',
  teacherId: '7ead2ed1-77fa-4d70-bdfd-77e67c513bbd',
  thumbnail: 'msa_course.jpeg',
  posted: true,
};

try {
  const setup = await mysql.createConnection(db.url);
  await migrate(setup, outbox);
  await setup.end();

  say('starting the relay once to record its starting position');
  let relay = await startRelayProcess(options);
  await relay.waitForRunning(name);
  const conn = await mysql.createConnection(db.url);
  await conn.beginTransaction();
  await outbox.write(conn, { aggregateType: 'Course', aggregateId: 'warmup', type: 'Warmup', payload });
  await conn.commit();
  await collector.waitFor((r) => r.length >= 1);
  await relay.stop();

  say(`writing a backlog of ${backlog} events (100 per transaction) while the relay is stopped…`);
  const writers = 4;
  let written = 0;
  let lastReport = Date.now();
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      const c = await mysql.createConnection(db.url);
      for (let i = w * 100; i < backlog; i += writers * 100) {
        const events = Array.from({ length: Math.min(100, backlog - i) }, (_, j) => ({
          aggregateType: 'Course',
          aggregateId: `course-${(i + j) % 1000}`,
          type: 'CoursePostedEvent',
          payload: { ...payload, seq: i + j },
        }));
        await c.beginTransaction();
        await outbox.write(c, events);
        await c.commit();
        written += events.length;
        if (Date.now() - lastReport > 2000) {
          say(`  ${written} written`);
          lastReport = Date.now();
        }
      }
      await c.end();
    }),
  );

  say('starting the relay on the backlog…');
  const startedAt = Date.now();
  relay = await startRelayProcess(options);
  const target = 1 + backlog;
  await collector.waitFor((r) => r.length >= target, {
    timeoutMs: 600_000,
    onProgress: (r) => say(`  ${r.length - 1} of ${backlog} in Kafka`),
  });
  const drained = collector.records.slice(1, target);
  const first = drained[0]!.receivedAt;
  const last = drained[drained.length - 1]!.receivedAt;
  const drainRate = Math.round(backlog / ((last - first) / 1000));
  const fromStart = Math.round(backlog / ((last - startedAt) / 1000));

  say(`steady load: ${rate} events/s for ${seconds} s, one event per transaction…`);
  const committedAt = new Map<string, number>();
  const interval = 1000 / rate;
  const steadyStart = Date.now();
  const pool = mysql.createPool({ uri: db.url, connectionLimit: 8 });
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < rate * seconds; i++) {
    const due = steadyStart + i * interval;
    const wait = due - Date.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    inFlight.push(
      (async () => {
        const c = await pool.getConnection();
        try {
          await c.beginTransaction();
          const [row] = await outbox.write(c, {
            aggregateType: 'Course',
            aggregateId: `course-${i % 1000}`,
            type: 'CoursePostedEvent',
            payload: { ...payload, seq: i },
          });
          await c.commit();
          committedAt.set(row!.id, Date.now());
        } finally {
          c.release();
        }
      })(),
    );
  }
  await Promise.all(inFlight);
  const achieved = Math.round((rate * seconds) / ((Date.now() - steadyStart) / 1000));
  await collector.waitFor((r) => r.length >= target + rate * seconds, { timeoutMs: 120_000 });
  await pool.end();
  const latencies = collector.records
    .slice(target)
    .map((r) => r.receivedAt - (committedAt.get(r.headers.id ?? '') ?? Number.NaN))
    .filter((n) => !Number.isNaN(n))
    .sort((a, b) => a - b);
  const peakMb = Math.round((relay.peakRssKb() ?? 0) / 1024);
  await relay.stop();

  console.log(
    '\n| source | backlog | drain (events/s) | incl. start-up (events/s) | steady rate (achieved) | p50 ms | p99 ms | peak RSS MB |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  console.log(
    `| MariaDB binlog | ${backlog} | ${drainRate} | ${fromStart} | ${rate}/s (${achieved}/s) | ${percentile(latencies, 50)} | ${percentile(latencies, 99)} | ${peakMb} |`,
  );
} finally {
  await collector.close();
  await db.drop();
  rmSync(dir, { recursive: true, force: true });
}
