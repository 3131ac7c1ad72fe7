/**
 * Inbox benchmark: how fast a consumer built on `@outflow/inbox` applies a backlog, and with what latency at a
 * steady rate. For each database and partition count:
 *   1. first pass: N course events (about 500 bytes, 1,000 aggregates, `id` and `eventType` headers) are in
 *      the topic; a consumer process (packages/inbox/test/consumer-process.ts) applies them to a read model
 *      of one row per aggregate; events/s is from its first record read to its last record finished;
 *   2. duplicate pass: a second consumer group reads the same records into the same database: all duplicates;
 *   3. latency (once per database, on the first partition count): `--rate` events/s for `--seconds` s while a
 *      consumer runs; p50/p99 from record timestamp to the commit that applied it (the inbox's histogram,
 *      bucket upper bounds).
 * `correct` checks the read model: every event applied once, in order per aggregate. Peak RSS is the
 * consumer process's (maxRSS); load is the 1-minute load average when the run ended.
 *
 * Usage: npm run bench:inbox -- [--events 100000] [--partitions 1,6] [--dbs mysql,postgres] [--json]
 *        [--handler batch|event] [--batch 500] [--linger 0] [--concurrency 4] [--ordering partition|key]
 *        [--rate 1000] [--seconds 10] [--no-latency]
 * With `--json` each pass is one JSON line on stdout (`npm run -s` leaves out npm's own header lines).
 * Needs the local infrastructure (`npm run infra -- up`).
 */
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createAdmin, createProducer, ensureTopic } from '@outflow/kafka';
import { connectPool, type SqlPool } from '@outflow/service-kit';
import {
  createMariaDbDatabase,
  createPostgresDatabase,
  kafkaBootstrap,
  type TestDatabase,
  uniqueName,
} from '@outflow/testing';
import { checkReadModel, produceWorkload, readModelDdl } from '../packages/inbox/test/workload.ts';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '100000' },
    partitions: { type: 'string', default: '1,6' },
    dbs: { type: 'string', default: 'mysql,postgres' },
    handler: { type: 'string', default: 'batch' },
    batch: { type: 'string' },
    concurrency: { type: 'string' },
    ordering: { type: 'string' },
    linger: { type: 'string' },
    rate: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '10' },
    latency: { type: 'boolean', default: true },
    'no-latency': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
});
const events = Number(values.events);
const partitionCounts = values.partitions.split(',').map(Number);
const dbs = values.dbs.split(',') as ('mysql' | 'postgres')[];
const handler = values.handler as 'batch' | 'event';
const consumerOptions = {
  ...(values.batch === undefined ? {} : { batch: { maxRecords: Number(values.batch) } }),
  ...(values.concurrency === undefined ? {} : { concurrency: Number(values.concurrency) }),
  ...(values.ordering === undefined ? {} : { ordering: values.ordering }),
};
if (values.linger !== undefined) {
  Object.assign(consumerOptions, {
    batch: { ...(consumerOptions as { batch?: object }).batch, lingerMs: Number(values.linger) },
  });
}
// OUTFLOW_BENCH_INBOX_CONSUMER: another consumer-process.ts (e.g. an older version's copy) to measure.
const script =
  process.env.OUTFLOW_BENCH_INBOX_CONSUMER ??
  fileURLToPath(new URL('../packages/inbox/test/consumer-process.ts', import.meta.url));

function say(line: string): void {
  if (!values.json) console.log(`bench: ${line}`);
}

interface ConsumerResult {
  events: number;
  seconds: number;
  eventsPerSecond: number;
  peakRssMb: number;
  cpuSeconds: number;
  memoryMb: Record<string, number>;
  timings: Record<string, { count: number; p50: number; p99: number }>;
}

/** Runs the consumer process until it has finished `expected` records; resolves its result line. */
function runConsumer(
  db: TestDatabase,
  dialect: 'mysql' | 'postgres',
  topic: string,
  expected: number,
  whileRunning?: () => Promise<void>,
): Promise<ConsumerResult> {
  const config = {
    url: db.url,
    dialect,
    bootstrapServers: kafkaBootstrap,
    topic,
    groupId: uniqueName('bench_inbox'),
    handler,
    expected,
    options: consumerOptions,
  };
  const child = spawn(process.execPath, [script, JSON.stringify(config)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  let ready = false;
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    if (!ready && out.includes('"ready"')) {
      ready = true;
      void whileRunning?.();
    }
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      if (code !== 0) reject(new Error(`consumer exited with ${code}: ${out}`));
      else resolve(JSON.parse(line) as ConsumerResult);
    });
  });
}

async function openDatabase(dialect: 'mysql' | 'postgres'): Promise<{ db: TestDatabase; pool: SqlPool }> {
  const db =
    dialect === 'mysql'
      ? await createMariaDbDatabase('bench_inbox')
      : await createPostgresDatabase('bench_inbox');
  const pool = connectPool(db.url);
  await pool.execute(readModelDdl(dialect));
  return { db, pool };
}

async function check(pool: SqlPool, dialect: 'mysql' | 'postgres', expected: number): Promise<boolean> {
  const result = (await pool.execute('SELECT * FROM read_model')) as unknown;
  const rows = (
    dialect === 'mysql' ? (result as unknown[])[0] : (result as { rows: unknown[] }).rows
  ) as Parameters<typeof checkReadModel>[0];
  const verdict = checkReadModel(rows, expected);
  if (!verdict.correct) say(`read model wrong: ${verdict.problems.join('; ')}`);
  return verdict.correct;
}

function report(row: Record<string, unknown>): void {
  if (values.json) console.log(JSON.stringify(row));
  else say(JSON.stringify(row));
}

const producer = createProducer({ bootstrapServers: kafkaBootstrap, clientId: 'bench-inbox' });
const admin = createAdmin({ bootstrapServers: kafkaBootstrap, clientId: 'bench-inbox-admin' });
try {
  for (const dialect of dbs) {
    for (const [index, partitions] of partitionCounts.entries()) {
      const { db, pool } = await openDatabase(dialect);
      try {
        const topic = uniqueName('bench_inbox');
        await ensureTopic(admin, topic, { partitions });
        say(`${dialect}, ${partitions} partition(s): producing ${events} events…`);
        await produceWorkload(producer, topic, events);
        for (const pass of ['first', 'duplicate'] as const) {
          say(`${dialect}, ${partitions} partition(s): ${pass} pass…`);
          const r = await runConsumer(db, dialect, topic, events);
          report({
            db: dialect,
            partitions,
            pass,
            events: r.events,
            eventsPerSecond: r.eventsPerSecond,
            peakRssMb: r.peakRssMb,
            loadAvg: Number(loadavg()[0]?.toFixed(2)),
            correct: await check(pool, dialect, events),
            handler,
            batchP50: r.timings.batchRecords?.p50,
            transactionP50Ms: r.timings.transaction?.p50,
            transactionP99Ms: r.timings.transaction?.p99,
            consumerCpu: Number((r.cpuSeconds / r.seconds).toFixed(2)),
            memoryAtEndMb: r.memoryMb,
          });
        }
        if (index === 0 && values.latency && !values['no-latency']) {
          const total = Number(values.rate) * Number(values.seconds);
          const latencyTopic = uniqueName('bench_inbox_latency');
          await ensureTopic(admin, latencyTopic, { partitions });
          await pool.execute('DELETE FROM read_model');
          say(`${dialect}: latency at ${values.rate} events/s for ${values.seconds} s…`);
          let produced = 0;
          const r = await runConsumer(db, dialect, latencyTopic, total, async () => {
            const perTick = Number(values.rate) / 100;
            const start = Date.now();
            while (produced < total) {
              const due = Math.min(
                total,
                Math.floor(((Date.now() - start) / 1000) * Number(values.rate)) + perTick,
              );
              if (due > produced) produced += await produceWorkload(producer, latencyTopic, due, produced);
              await new Promise((resolve) => setTimeout(resolve, 10));
            }
          });
          report({
            db: dialect,
            partitions,
            pass: 'latency',
            events: r.events,
            rate: Number(values.rate),
            p50Ms: r.timings.endToEnd?.p50,
            p99Ms: r.timings.endToEnd?.p99,
            peakRssMb: r.peakRssMb,
            loadAvg: Number(loadavg()[0]?.toFixed(2)),
            correct: await check(pool, dialect, total),
          });
        }
      } finally {
        await pool.close();
        await db.drop();
      }
    }
  }
} finally {
  await producer.close();
  await admin.close();
}
