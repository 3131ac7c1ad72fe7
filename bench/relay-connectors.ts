/**
 * Two connectors in one relay, as for two services: one on MariaDB, one on PostgreSQL (two databases of one
 * engine would share its log, and the quiet connector would read through the busy one's backlog), with each task in its own thread (`task.isolation=thread`)
 * and all on the main thread (`none`), interleaved. Each run of each contender:
 *   1. one busy: a backlog of `--events` outbox events in the MariaDB connector's database, written while the
 *      relay is stopped; the relay is started, and while it drains that backlog the PostgreSQL connector's
 *      database takes `--rate` events/s, one per transaction. Reports the drain rate, the PostgreSQL
 *      connector's commit → consumer p50 / p99 for events committed during the drain (and, for comparison,
 *      for 5 s of the same load with the MariaDB connector idle), and `GET …/status` timed every 100 ms: what
 *      a busy connector costs the others and the REST API.
 *   2. all busy: a backlog of `--events` in every connector's database; the relay is started and drains them
 *      together. Reports the events/s of all of them and the relay's CPU time over the drain in cores (above 1:
 *      more than one core used).
 * Medians per contender are printed and appended to BENCHMARKS.md.
 *
 * Usage: npm run bench:connectors -- [--events 50000] [--rate 500] [--rounds 2]
 *   [--task-isolation thread|none|both] [--exactly-once enabled|disabled] [--no-record] [--note text]
 * Needs the local infrastructure (`npm run infra -- up`).
 */
import { mkdtempSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createOutbox, migrate } from '@outflow/outbox';
import {
  collectTopics,
  createMariaDbDatabase,
  createPostgresDatabase,
  type TestDatabase,
  uniqueName,
} from '@outflow/testing';
import mysql from 'mysql2/promise';
import pg from 'pg';
import {
  eventRouterConfig,
  mysqlSourceConfig,
  postgresSourceConfig,
  workerConfig,
} from '../apps/relay/test/support/connectors.ts';
import { dropSlots } from '../apps/relay/test/support/postgres-slots.ts';
import { freePort, type RelayProcess, startRelayProcess } from '../apps/relay/test/support/relay-process.ts';
import {
  type BenchSource,
  type BenchWriter,
  buildRelayAsInstalled,
  commit,
  commitLabel,
  median,
  payload,
  percentile,
  probeRest,
  procStatusKb,
  recordRows,
  samePerName,
  say,
  steadyLoad,
  treeCpuSeconds,
} from './support.ts';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '50000' },
    rate: { type: 'string', default: '500' },
    rounds: { type: 'string', default: '2' },
    'task-isolation': { type: 'string', default: 'both' },
    'exactly-once': { type: 'string', default: 'enabled' },
    'no-record': { type: 'boolean', default: false },
    note: { type: 'string', default: '' },
  },
});
const connectors = 'MariaDB + PostgreSQL';
const backlog = Number(values.events);
const rate = Number(values.rate);
const rounds = Number(values.rounds);
const isolations = (
  values['task-isolation'] === 'both' ? ['thread', 'none'] : [values['task-isolation']]
) as ('thread' | 'none')[];
for (const i of isolations)
  if (i !== 'thread' && i !== 'none')
    throw new Error(`--task-isolation: expected thread, none or both, got ${i}`);
const exactlyOnce = values['exactly-once'];
if (exactlyOnce !== 'enabled' && exactlyOnce !== 'disabled')
  throw new Error(`--exactly-once: expected enabled or disabled, got ${exactlyOnce}`);

/** A connector's database, as a bench source (writers of outbox events); `slots` collects PostgreSQL's. */
function sourceOf(kind: 'mariadb' | 'postgres', db: TestDatabase): BenchSource {
  const outbox = createOutbox({ dialect: kind === 'mariadb' ? 'mysql' : 'postgres' });
  const connect = async (): Promise<{
    query(sql: string): Promise<unknown>;
    end(): Promise<void>;
    write: (events: Parameters<BenchWriter['commit']>[0]) => Promise<readonly { id: string }[]>;
  }> => {
    if (kind === 'mariadb') {
      const conn = await mysql.createConnection(db.url);
      return { query: (sql) => conn.query(sql), end: () => conn.end(), write: (e) => outbox.write(conn, e) };
    }
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    return {
      query: (sql) => client.query(sql),
      end: () => client.end(),
      write: (e) => outbox.write(client, e),
    };
  };
  return {
    label: kind === 'mariadb' ? 'MariaDB binlog' : 'PostgreSQL pgoutput',
    relayConnector: samePerName((name) => {
      if (kind === 'mariadb') return mysqlSourceConfig({ database: db.name });
      const slot = `${name.replaceAll('-', '_')}_slot`;
      slots.add(slot);
      return postgresSourceConfig({ database: db.name, slot });
    }),
    async openWriter(): Promise<BenchWriter> {
      const conn = await connect();
      return {
        async commit(events) {
          await conn.query('BEGIN');
          try {
            const rows = await conn.write(events);
            await conn.query('COMMIT');
            return rows;
          } catch (error) {
            await conn.query('ROLLBACK');
            throw error;
          }
        },
        end: () => conn.end(),
      };
    },
  };
}

async function writeBacklog(source: BenchSource, events: number, seqBase: number): Promise<void> {
  await Promise.all(
    Array.from({ length: 4 }, async (_, w) => {
      const writer = await source.openWriter();
      for (let i = w * 100; i < events; i += 400)
        await commit(
          writer,
          Array.from({ length: Math.min(100, events - i) }, (_, j) => ({
            aggregateType: 'Course',
            aggregateId: `course-${(i + j) % 1000}`,
            type: 'CoursePostedEvent',
            payload: { ...payload, seq: seqBase + i + j },
          })),
        );
      await writer.end();
    }),
  );
}

interface Result {
  readonly contender: string;
  readonly oneDrain: number;
  /** The quiet connector alone (the busy one idle), then during the busy one's drain. */
  readonly aloneP50: number;
  readonly aloneP99: number;
  readonly otherP50: number;
  readonly otherP99: number;
  readonly restP99: number;
  readonly restMax: number;
  readonly allDrain: number;
  readonly cores: number;
  readonly peakRssMb: number;
  readonly load: number;
}

async function runOnce(
  sources: readonly BenchSource[],
  isolation: 'thread' | 'none',
  round: number,
): Promise<Result> {
  const label = `Outflow relay (dist, exactly-once ${exactlyOnce === 'enabled' ? 'on' : 'off'}, ${isolation === 'thread' ? 'a thread per task' : 'tasks on the main thread'})`;
  const name = uniqueName('multi');
  const names = sources.map((_, i) => `${name}-${i}`);
  const topics = names.map((n) => `${n}.events`);
  const dir = mkdtempSync(join(tmpdir(), 'outflow-bench-'));
  // A consumer per topic: in one, the quiet topic's records would wait behind the busy one's in each fetch.
  const collectors = await Promise.all(topics.map((topic) => collectTopics([topic])));
  const records = (i: number) => collectors[i]!.records;
  const count = (i: number) => records(i).length;
  const total = () => collectors.reduce((n, c) => n + c.records.length, 0);
  /** Waits until `check` holds, saying where things are every 5 s. */
  const until = async (check: () => boolean, timeoutMs: number, progress?: () => string): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    let told = Date.now();
    while (!check()) {
      if (Date.now() > deadline)
        throw new Error(`not reached within ${timeoutMs} ms${progress ? `: ${progress()}` : ''}`);
      if (progress !== undefined && Date.now() - told >= 5000) {
        say(`  ${progress()}`);
        told = Date.now();
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const defs = sources.map((source, i) => ({
    name: names[i]!,
    config: {
      ...source.relayConnector(names[i]!),
      'topic.prefix': names[i]!,
      ...eventRouterConfig(topics[i]!),
    },
  }));
  /** Commit → consumer of connector `i`'s records from its `from`-th on, for the ids committed at the times given. */
  const latenciesOf = (i: number, from: number, committedAt: ReadonlyMap<string, number>): number[] =>
    records(i)
      .slice(from)
      .map((r) => r.receivedAt - (committedAt.get(r.headers.id ?? '') ?? Number.NaN))
      .filter((n) => !Number.isNaN(n))
      .sort((a, b) => a - b);
  const start = async (): Promise<RelayProcess> =>
    startRelayProcess({
      dir,
      restPort: await freePort(),
      worker: workerConfig(name, { 'exactly.once.source.support': exactlyOnce, 'task.isolation': isolation }),
      connector: defs[0]!,
      moreConnectors: defs.slice(1),
      compiled: true,
    });
  let relay: RelayProcess | undefined;
  try {
    say(`[${label}, round ${round}] starting once to record the starting positions`);
    relay = await start();
    for (const n of names) await relay.waitForRunning(n, 180_000);
    for (const [i, source] of sources.entries()) {
      const writer = await source.openWriter();
      while (count(i) === 0) {
        await commit(writer, [{ aggregateType: 'Course', aggregateId: 'warmup', type: 'Warmup', payload }]);
        await until(() => count(i) > 0, 2_000).catch(() => {});
      }
      await writer.end();
    }
    say(`  alone: ${rate} events/s for 5 s to ${names[1]}, the other connector idle…`);
    const aloneBase = count(1);
    const alone = await steadyLoad(sources[1]!, rate, 5, 1, backlog);
    await until(() => count(1) >= aloneBase + alone.committedAt.size, 60_000);
    const aloneLatencies = latenciesOf(1, aloneBase, alone.committedAt);
    await relay.stop();
    relay = undefined;
    let settled = -1;
    while (settled !== total()) {
      settled = total();
      await new Promise((r) => setTimeout(r, 1000));
    }

    say(`  one busy: ${backlog} events for ${names[0]} while stopped…`);
    const base0 = count(0);
    const base1 = count(1);
    await writeBacklog(sources[0]!, backlog, 0);
    relay = await start();
    const rest = probeRest(relay.url, names[0]!);
    // The second connector's load runs through the first one's drain, and a little past it.
    const other = steadyLoad(sources[1]!, rate, Math.ceil(backlog / 8000) + 5, 1, backlog);
    await until(
      () => count(0) >= base0 + backlog,
      900_000,
      () => `${count(0) - base0} of ${backlog} in Kafka`,
    );
    const restTimings = await rest.stop();
    const drained = records(0).slice(base0, base0 + backlog);
    const firstAt = drained[0]!.receivedAt;
    const lastAt = drained[drained.length - 1]!.receivedAt;
    const { committedAt } = await other;
    await until(() => count(1) >= base1 + committedAt.size, 300_000);
    const during = new Map([...committedAt].filter(([, at]) => at >= firstAt && at <= lastAt));
    const otherLatencies = latenciesOf(1, base1, during);
    await relay.stop();
    relay = undefined;

    say(`  all busy: ${backlog} events for each of the ${sources.length} connectors while stopped…`);
    const bases = sources.map((_, i) => count(i));
    await Promise.all(sources.map((source) => writeBacklog(source, backlog, 0)));
    relay = await start();
    const pid = relay.pid;
    await until(() => sources.every((_, i) => count(i) > bases[i]!), 300_000);
    const cpuBefore = treeCpuSeconds(pid);
    const wallBefore = Date.now();
    await until(
      () => sources.every((_, i) => count(i) >= bases[i]! + backlog),
      900_000,
      () => `${sources.map((_, i) => count(i) - bases[i]!).join(' + ')} of ${backlog} each in Kafka`,
    );
    const cores = (treeCpuSeconds(pid) - cpuBefore) / ((Date.now() - wallBefore) / 1000);
    const all = topics.flatMap((_, i) => records(i).slice(bases[i]!, bases[i]! + backlog));
    const times = all.map((r) => r.receivedAt);
    const allDrain = Math.round(all.length / ((Math.max(...times) - Math.min(...times)) / 1000));
    const peakRssMb = Math.round((procStatusKb(pid, 'VmHWM') ?? 0) / 1024);
    await relay.stop();
    relay = undefined;
    const result: Result = {
      contender: label,
      oneDrain: Math.round(backlog / ((lastAt - firstAt) / 1000)),
      aloneP50: percentile(aloneLatencies, 50),
      aloneP99: percentile(aloneLatencies, 99),
      otherP50: percentile(otherLatencies, 50),
      otherP99: percentile(otherLatencies, 99),
      restP99: Math.round(percentile(restTimings, 99)),
      restMax: Math.round(restTimings[restTimings.length - 1] ?? Number.NaN),
      allDrain,
      cores: Math.round(cores * 100) / 100,
      peakRssMb,
      load: Math.round(loadavg()[0]! * 10) / 10,
    };
    say(`  ${JSON.stringify(result)}`);
    return result;
  } finally {
    await relay?.stop();
    await Promise.all(collectors.map((c) => c.close()));
    // A slot left behind would hold the WAL of the runs after it.
    await dropSlots([...slots]).catch(() => undefined);
    slots.clear();
  }
}

const mariadb = await createMariaDbDatabase('multi');
const postgres = await createPostgresDatabase('multi');
const slots = new Set<string>();
try {
  const setupMariaDb = await mysql.createConnection(mariadb.url);
  await migrate(setupMariaDb, createOutbox({ dialect: 'mysql' }));
  await setupMariaDb.end();
  const setupPostgres = new pg.Client({ connectionString: postgres.url });
  await setupPostgres.connect();
  await migrate(setupPostgres, createOutbox({ dialect: 'postgres' }));
  await setupPostgres.end();
  // The commit measured is the one built now, whatever is committed while the rounds run.
  const commitId = commitLabel();
  await buildRelayAsInstalled();
  const sources = [sourceOf('mariadb', mariadb), sourceOf('postgres', postgres)];
  const results: Result[] = [];
  for (let round = 1; round <= rounds; round++) {
    const order = round % 2 === 1 ? isolations : [...isolations].reverse();
    for (const isolation of order) results.push(await runOnce(sources, isolation, round));
  }
  const date = new Date().toISOString().slice(0, 10);
  const fmt = (n: number, digits = 0) => (Number.isNaN(n) ? '-' : n.toFixed(digits));
  const rows = [...new Set(results.map((r) => r.contender))].map((contender) => {
    const runs = results.filter((r) => r.contender === contender);
    const m = (f: (r: Result) => number) => median(runs.map(f));
    return `| ${date} | ${commitId} | ${contender}${values.note === '' ? '' : ` (${values.note})`} | ${connectors} | ${runs.length} | ${fmt(m((r) => r.oneDrain))} | ${fmt(m((r) => r.aloneP50))} / ${fmt(m((r) => r.aloneP99))} → ${fmt(m((r) => r.otherP50))} / ${fmt(m((r) => r.otherP99))} (${rate}/s) | ${fmt(m((r) => r.restP99))} / ${fmt(m((r) => r.restMax))} | ${fmt(m((r) => r.allDrain))} | ${fmt(
      m((r) => r.cores),
      2,
    )} | ${fmt(m((r) => r.peakRssMb))} | ${runs.map((r) => r.load.toFixed(1)).join(', ')} |`;
  });
  console.log(
    `\n| date | commit | contender | connectors | rounds | one busy: drain (events/s) | one busy: the other's p50 / p99 ms, alone → during the drain | one busy: REST p99 / max ms | all busy: drain, all together (events/s) | all busy: relay CPU (cores) | peak RSS MB | load (1 min, per round) |`,
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const row of rows) console.log(row);
  if (!values['no-record']) {
    recordRows('<!-- bench rows: `npm run bench:connectors` inserts its rows above this line -->', rows);
    say('rows added to BENCHMARKS.md');
  }
} finally {
  await dropSlots([...slots]).catch(() => undefined);
  await mariadb.drop();
  await postgres.drop();
}
