/**
 * The relay cluster: three relay processes with one `group.id`, a MariaDB and a PostgreSQL connector, real
 * Kafka and databases, the relay's CLI. A worker that joins takes its share of the connectors; the worker
 * running a task is SIGKILLed, another frozen (SIGSTOP) while events flow, and each task moves to another
 * worker with nothing lost, nothing duplicated for a `read_committed` reader and per-aggregate order kept;
 * the frozen worker, resumed, gives up its task and writes nothing; pause, resume, a configuration change
 * and a deletion sent to any worker take effect on the worker that runs the task.
 * `npm run test:cluster` (its own command, like the fault and delivery suites: four relay processes and
 * their faults take the machine for a couple of minutes).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, type TestContext, test } from 'node:test';
import { createOutbox, migrate } from '@outflow/outbox';
import {
  collectTopics,
  createMariaDbDatabase,
  createPostgresDatabase,
  type TestDatabase,
  type TopicCollector,
  uniqueName,
} from '@outflow/testing';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { readCommitted } from '../support/committed-reader.ts';
import {
  eventRouterConfig,
  mysqlSourceConfig,
  postgresSourceConfig,
  workerConfig,
} from '../support/connectors.ts';
import { judgeDelivery, type WrittenEvent, writeOutboxEvents } from '../support/outbox-workload.ts';
import { dropSlots } from '../support/postgres-slots.ts';
import { freePort, type RelayProcess, startRelayProcess } from '../support/relay-process.ts';

/**
 * The documented fail-over is session.timeout.ms (6 s) + a heartbeat + the task's start (4–9 s measured); the
 * bound leaves room for a CI machine running other suites beside this one, and for two faults in a row (each
 * rebalance waits for the other fault's worker to time out too).
 */
const FAILOVER_BOUND_MS = 30_000;

// The workers' group and task lines are what explains a slow fail-over.
process.env.OUTFLOW_RELAY_LOG_LEVEL ??= 'info';
const EVENTS = Number(process.env.OUTFLOW_CLUSTER_EVENTS ?? 3000);

const name = uniqueName('cluster');
const my = `${name}-my`;
const pgc = `${name}-pg`;
const myTopic = `${name}.my.events`;
const pgTopic = `${name}.pg.events`;
const slot = `${name.replace(/-/g, '_')}_slot`;
let mariadb: TestDatabase;
let postgres: TestDatabase;
let dir: string;
let myCollector: TopicCollector;
let pgCollector: TopicCollector;
const workers: RelayProcess[] = [];
const dead = new Set<RelayProcess>();
/** Frozen workers accept connections but never answer: they are left out of the queries. */
const frozenSet = new Set<RelayProcess>();

const worker = workerConfig(name, { 'offset.flush.interval.ms': '200' });
const connectors = (): Record<string, Record<string, string>> => ({
  [my]: {
    ...mysqlSourceConfig({ database: mariadb.name, onlyDatabase: true }),
    'topic.prefix': my,
    'topic.creation.default.partitions': '3',
    ...eventRouterConfig(myTopic),
  },
  [pgc]: {
    ...postgresSourceConfig({ database: postgres.name, slot }),
    'topic.prefix': pgc,
    'topic.creation.default.partitions': '3',
    ...eventRouterConfig(pgTopic),
  },
});

async function startWorker(connector: string): Promise<RelayProcess> {
  const workerDir = mkdtempSync(join(dir, 'worker-'));
  const relay = await startRelayProcess({
    dir: workerDir,
    restPort: await freePort(),
    worker,
    connector: { name: connector, config: connectors()[connector]! },
  });
  workers.push(relay);
  return relay;
}

const live = () => workers.filter((w) => !dead.has(w) && !frozenSet.has(w));

async function getJson<T>(url: string): Promise<{ status: number; body: T }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  const text = await res.text();
  return { status: res.status, body: (text === '' ? undefined : JSON.parse(text)) as T };
}

async function send(method: string, url: string, body?: unknown): Promise<string> {
  const res = await fetch(url, {
    method,
    signal: AbortSignal.timeout(30_000),
    ...(body === undefined
      ? {}
      : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return res.status < 300 ? String(res.status) : `${res.status} ${text}`;
}

interface Status {
  connector: { state: string; worker_id: string };
  tasks: { state: string; worker_id: string }[];
}

interface Cluster {
  joined: boolean;
  generation: number;
  leader: string | null;
  workers: { worker_id: string; url: string; connectors: string[]; self: boolean }[];
}

/** Waits until `check` holds, polling every 100 ms; fails after `timeoutMs` with `describe()`. */
async function until(
  check: () => Promise<boolean>,
  timeoutMs: number,
  describe: () => string,
): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await check().catch(() => false)) return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`not within ${timeoutMs} ms: ${describe()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The worker a connector's task runs on (RUNNING), as every live worker reports it; undefined if they differ. */
async function runningOn(connector: string, among = live()): Promise<RelayProcess | undefined> {
  const ids = new Set<string>();
  for (const w of among) {
    const { status, body } = await getJson<Status>(`${w.url}/connectors/${connector}/status`);
    if (status !== 200 || body.tasks[0]?.state !== 'RUNNING') return undefined;
    ids.add(body.tasks[0].worker_id);
  }
  if (ids.size !== 1) return undefined;
  const id = [...ids][0]!;
  return among.find((w) => w.url === `http://${id}`);
}

/** Waits until every live worker has joined the same generation and counts the same workers. */
async function settled(timeoutMs = 30_000): Promise<void> {
  let last = '';
  await until(
    async () => {
      const views = await Promise.all(live().map((w) => getJson<Cluster>(`${w.url}/cluster`)));
      last = JSON.stringify(views.map((v) => v.body));
      const first = views[0]!.body;
      return views.every(
        (v) =>
          v.body.joined && v.body.generation === first.generation && v.body.workers.length === live().length,
      );
    },
    timeoutMs,
    () => `the cluster did not settle: ${last}`,
  );
}

const outputs = () =>
  workers.map((w, i) => `--- worker ${i} (${w.url})\n${w.output().slice(-12000)}`).join('\n');

before(async () => {
  mariadb = await createMariaDbDatabase('cluster');
  postgres = await createPostgresDatabase('cluster');
  const conn = await mysql.createConnection(mariadb.url);
  await migrate(conn, createOutbox({ dialect: 'mysql' }));
  await conn.end();
  const client = new pg.Client({ connectionString: postgres.url });
  await client.connect();
  await migrate(client, createOutbox({ dialect: 'postgres' }));
  await client.end();
  dir = mkdtempSync(join(tmpdir(), 'outflow-cluster-'));
  myCollector = await collectTopics([myTopic], { partitions: 3 });
  pgCollector = await collectTopics([pgTopic], { partitions: 3 });
});

after(async () => {
  await Promise.all(workers.map((w) => w.stop().catch(() => undefined)));
  await myCollector?.close();
  await pgCollector?.close();
  await dropSlots([slot]).catch(() => undefined);
  await mariadb?.drop();
  await postgres?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('workers with one group.id form a cluster; a joining worker takes its share', {
  timeout: 180_000,
}, async (t) => {
  const a = await startWorker(my);
  await a.waitForRunning(my, 60_000);
  // The second connector is created through the first worker's file, then a second worker joins.
  const b = await startWorker(pgc);
  await until(
    async () => (await runningOn(my)) !== undefined && (await runningOn(pgc)) !== undefined,
    60_000,
    outputs,
  );
  await until(
    async () => {
      const on = [await runningOn(my), await runningOn(pgc)];
      return on[0] !== on[1];
    },
    30_000,
    () => `both connectors on one worker\n${outputs()}`,
  );
  const c = await startWorker(my);
  // Every worker sees the same cluster: three workers, one leader, one generation, each connector once.
  await until(
    async () => {
      const views = await Promise.all([a, b, c].map((w) => getJson<Cluster>(`${w.url}/cluster`)));
      const first = views[0]!.body;
      return (
        views.every((v) => v.body.generation === first.generation && v.body.leader === first.leader) &&
        first.workers.length === 3 &&
        first.workers
          .flatMap((w) => w.connectors)
          .sort()
          .join() === [my, pgc].sort().join()
      );
    },
    30_000,
    outputs,
  );
  const view = (await getJson<Cluster>(`${c.url}/cluster`)).body;
  t.diagnostic(
    `cluster: generation ${view.generation}, leader ${view.leader}, ${JSON.stringify(view.workers)}`,
  );
  assert.equal(
    view.workers.filter((w) => w.connectors.length > 1).length,
    0,
    'no worker runs both connectors',
  );
});

const label = (connector: string) => (connector === my ? 'MariaDB' : 'PostgreSQL');
const writtenSoFar = new Map<string, WrittenEvent[]>([
  [my, []],
  [pgc, []],
]);

/**
 * Writes events to both databases and, a third of the way, SIGKILLs the worker running `killed`'s task and
 * freezes the one running `frozen`'s; each task must run on another worker within the bound. The frozen
 * worker is then resumed and must give its task up; every event must arrive once, in order per aggregate.
 */
async function failoverRound(t: TestContext, killed: string, frozen: string): Promise<void> {
  await settled();
  await until(
    async () => (await runningOn(my)) !== undefined && (await runningOn(pgc)) !== undefined,
    30_000,
    () => `both connectors should run\n${outputs()}`,
  );
  const failovers: string[] = [];
  let faults: Promise<void> = Promise.resolve();
  let sleeper: RelayProcess | undefined;

  const moved = async (connector: string, from: RelayProcess, how: string) => {
    const took = await until(
      async () => {
        const now = await runningOn(connector);
        return now !== undefined && now !== from;
      },
      FAILOVER_BOUND_MS,
      () => `${label(connector)} connector did not move after ${how}\n${outputs()}`,
    );
    failovers.push(`${how}: ${label(connector)} task running again on another worker after ${took} ms`);
  };
  // Where a task runs, once every live worker agrees (a rebalance for the other fault may be under way).
  const ownerOf = async (connector: string) => {
    let seen = '';
    await until(
      async () => {
        seen = JSON.stringify(
          await Promise.all(
            live().map(async (w) => [w.url, (await getJson(`${w.url}/connectors/${connector}/status`)).body]),
          ),
        );
        return (await runningOn(connector)) !== undefined;
      },
      30_000,
      () => `statuses: ${seen}\n${outputs()}`,
    );
    return (await runningOn(connector))!;
  };
  const kill = async () => {
    const owner = await ownerOf(killed);
    await owner.kill();
    dead.add(owner);
    await moved(killed, owner, 'SIGKILL');
  };
  const freeze = async () => {
    const owner = await ownerOf(frozen);
    owner.freeze();
    sleeper = owner;
    frozenSet.add(owner);
    await moved(frozen, owner, 'SIGSTOP');
  };

  const write = (connector: string) => {
    let struck = false;
    const dialect = connector === my ? 'mysql' : 'postgres';
    return writeOutboxEvents({
      url: dialect === 'mysql' ? mariadb.url : postgres.url,
      aggregateType: 'Tick',
      total: EVENTS,
      writers: 4,
      aggregates: 40,
      dialect,
      onProgress: (count) => {
        if (struck || count < EVENTS / 3) return;
        struck = true;
        faults = faults.then(connector === killed ? kill : freeze);
      },
    });
  };
  const [a, b] = await Promise.all([write(my), write(pgc)]);
  await faults;
  writtenSoFar.get(my)!.push(...a);
  writtenSoFar.get(pgc)!.push(...b);
  for (const line of failovers) t.diagnostic(line);

  // The frozen worker wakes up: its session is gone, it stops its task and rejoins without writing.
  sleeper!.thaw();
  frozenSet.delete(sleeper!);
  await until(
    async () => /evicted|no longer a member/.test(sleeper!.output()),
    30_000,
    () => `the resumed worker did not give up its task\n${sleeper!.output().slice(-3000)}`,
  );

  for (const [connector, collector] of [
    [my, myCollector],
    [pgc, pgCollector],
  ] as const) {
    const written = writtenSoFar.get(connector)!;
    const ids = new Set(written.map((e) => e.id));
    const seen = () =>
      new Set(collector.records.map((r) => r.headers.id).filter((id) => id && ids.has(id))).size;
    await collector.waitFor(() => seen() >= written.length, {
      timeoutMs: 120_000,
      describe: () => `${label(connector)}: ${seen()} of ${written.length}\n${outputs()}`,
    });
    // The verdict reads the topic again with Kafka's read_committed algorithm (see readCommitted).
    const report = judgeDelivery(
      written,
      (await readCommitted(collector === myCollector ? myTopic : pgTopic)).filter(
        (r) => r.headers.id === undefined || ids.has(r.headers.id),
      ),
    );
    t.diagnostic(
      `${label(connector)}: ${report.distinct} of ${report.written} delivered, ${report.duplicates} duplicates`,
    );
    assert.deepEqual(report.missing, [], `${label(connector)}: lost events`);
    assert.deepEqual(report.outOfOrder, [], `${label(connector)}: per-aggregate order`);
    assert.equal(report.duplicates, 0, `${label(connector)}: duplicates for a read_committed reader`);
  }
}

test(
  "SIGKILL of the MariaDB task's worker and SIGSTOP of the PostgreSQL one: both tasks move, exactly once",
  {
    timeout: 300_000,
  },
  (t) => failoverRound(t, my, pgc),
);

test("a fourth worker joins; SIGKILL of the PostgreSQL task's worker and SIGSTOP of the MariaDB one", {
  timeout: 300_000,
}, async (t) => {
  await startWorker(my);
  await failoverRound(t, pgc, my);
});

test('pause, resume, a configuration change and a deletion through any worker take effect cluster-wide', {
  timeout: 180_000,
}, async () => {
  await until(async () => (await runningOn(my)) !== undefined, 30_000, outputs);
  const owner = (await runningOn(my))!;
  const others = live().filter((w) => w !== owner);
  assert.ok(others.length >= 1, 'a worker that does not run the task');
  const via = others[0]!;
  const everywhere = (state: string) =>
    until(
      async () => {
        for (const w of live()) {
          const { body } = await getJson<Status>(`${w.url}/connectors/${my}/status`);
          if (body.tasks[0]?.state !== state) return false;
        }
        return true;
      },
      20_000,
      () => `not ${state} on every worker\n${outputs()}`,
    );

  assert.equal(await send('PUT', `${via.url}/connectors/${my}/pause`), '202');
  await everywhere('PAUSED');
  assert.equal(await send('PUT', `${via.url}/connectors/${my}/resume`), '202');
  await everywhere('RUNNING');
  // Active topics, recorded by the worker that produced to them, answered by any worker.
  const topics = (await getJson<Record<string, { topics: string[] }>>(`${via.url}/connectors/${my}/topics`))
    .body;
  assert.ok(topics[my]?.topics.includes(myTopic), `topics seen by another worker: ${JSON.stringify(topics)}`);
  // A restart sent to a worker that does not run the task is carried out by the one that does.
  assert.equal(await send('POST', `${via.url}/connectors/${my}/restart`), '204');
  await everywhere('RUNNING');

  // The seed's create (POST /connectors) through a worker that is not the leader, seen by every worker.
  const leader = (await getJson<Cluster>(`${via.url}/cluster`)).body.leader;
  const follower = live().find((w) => w.url !== `http://${leader}`)!;
  const extra = `${name}-extra`;
  const created = await send('POST', `${follower.url}/connectors`, {
    name: extra,
    config: { ...mysqlSourceConfig({ database: mariadb.name, onlyDatabase: true }), 'topic.prefix': extra },
  });
  assert.equal(created, '201');
  await until(
    async () => {
      for (const w of live()) {
        const { body } = await getJson<Status>(`${w.url}/connectors/${extra}/status`);
        if (body.tasks?.[0]?.state !== 'RUNNING') return false;
      }
      return true;
    },
    30_000,
    () => `the created connector does not run\n${outputs()}`,
  );
  // The seed's other curls, against any worker: the server, the list, the connector.
  for (const w of live()) {
    const root = await getJson<{ version?: string; kafka_cluster_id?: string }>(`${w.url}/`);
    assert.equal(root.status, 200);
    assert.ok(root.body.version && root.body.kafka_cluster_id, JSON.stringify(root.body));
    const list = await getJson<string[]>(`${w.url}/connectors/`);
    assert.deepEqual([...list.body].sort(), [extra, my, pgc].sort());
    const info = await getJson<{ name: string; config: Record<string, string>; type: string }>(
      `${w.url}/connectors/${extra}`,
    );
    assert.equal(info.status, 200);
    assert.equal(info.body.name, extra);
    assert.equal(info.body.type, 'source');
    assert.equal(info.body.config['topic.prefix'], extra);
  }
  assert.equal(await send('DELETE', `${follower.url}/connectors/${extra}`), '204');

  // A new route, sent to a worker that runs nothing of it: new events go to the new topic.
  const newTopic = `${myTopic}.v2`;
  const v2 = await collectTopics([newTopic], { partitions: 1 });
  try {
    const config = { ...connectors()[my]!, ...eventRouterConfig(newTopic) };
    const current = (await getJson<Record<string, string>>(`${owner.url}/connectors/${my}/config`)).body;
    config['database.server.id'] = current['database.server.id']!;
    assert.equal(await send('PUT', `${via.url}/connectors/${my}/config`, config), '200');
    // Read-your-writes: the worker that forwarded the change answers with it at once.
    const seen = (await getJson<Record<string, string>>(`${via.url}/connectors/${my}/config`)).body;
    assert.equal(seen['transforms.outbox.route.topic.replacement'], newTopic);
    await everywhere('RUNNING');
    const [event] = await writeOutboxEvents({
      url: mariadb.url,
      aggregateType: 'Moved',
      total: 1,
      writers: 1,
      aggregates: 1,
    });
    await v2.waitFor((records) => records.some((r) => r.headers.id === event!.id), { timeoutMs: 30_000 });
  } finally {
    await v2.close();
  }

  assert.equal(await send('DELETE', `${via.url}/connectors/${my}`), '204');
  await until(
    async () => {
      for (const w of live()) {
        const { body } = await getJson<string[]>(`${w.url}/connectors`);
        if (body.includes(my)) return false;
        const view = (await getJson<Cluster>(`${w.url}/cluster`)).body;
        if (view.workers.some((x) => x.connectors.includes(my))) return false;
      }
      return true;
    },
    20_000,
    () => `connector still known or assigned somewhere\n${outputs()}`,
  );
});
