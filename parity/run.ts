/**
 * `npm run parity [mariadb|postgres]`: the real Debezium and the Outflow relay side by side on the same
 * database and Kafka; prints a field-by-field diff and writes the last result to docs/parity.md.
 * Starts the local infrastructure if needed (it is left running). Not part of `npm test`: it takes minutes.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { up } from '@outflow/infra';
import {
  type CollectedRecord,
  collectTopics,
  createMariaDbDatabase,
  createPostgresDatabase,
  host,
  kafkaBootstrap,
  mariadbPort,
  postgresPort,
  type TestDatabase,
  type TopicCollector,
} from '@outflow/testing';
import pg from 'pg';
import { DEBEZIUM_RELEASES, fetchConnect, startConnect } from './connect-worker.ts';
import { type ComparedRecord, compareRecords } from './diff.ts';
import { startRelay } from './relay-worker.ts';
import { renderMarkdown, renderSummary, type TargetResult } from './report.ts';
import { MODES, mariadbWorkload, postgresWorkload, type Workload } from './workloads.ts';

const root = new URL('..', import.meta.url).pathname;
const dataDir = process.env.OUTFLOW_DATA_DIR ?? join(root, '.data');
const connectPort = Number(
  process.env.OUTFLOW_CONNECT_REST_PORT ?? Number(process.env.OUTFLOW_RELAY_REST_PORT ?? 8083) + 1,
);
const relayPort = Number(process.env.OUTFLOW_RELAY_REST_PORT ?? 8083);
const log = (line: string) => process.stdout.write(`${line}\n`);

async function runTarget(target: 'mariadb' | 'postgres'): Promise<TargetResult> {
  const release = DEBEZIUM_RELEASES[target];
  const libs = join(dataDir, 'parity', `${target}-libs`);
  fetchConnect(release, libs, log);
  const run = randomBytes(3).toString('hex');
  const db: TestDatabase =
    target === 'mariadb' ? await createMariaDbDatabase('parity') : await createPostgresDatabase('parity');
  const workload: Workload =
    target === 'mariadb'
      ? mariadbWorkload({ host, port: mariadbPort, db: db.name, bootstrap: kafkaBootstrap })
      : postgresWorkload({ host, port: postgresPort, db: db.name });
  const prefix = (side: 'dbz' | 'ofl', mode: string) => `${side}_${run}_${mode}`;
  const connectors = (side: 'dbz' | 'ofl') =>
    MODES.map((mode) =>
      workload.connector({
        name: `${side}-${run}-${mode}`,
        prefix: prefix(side, mode),
        mode,
        unique:
          target === 'mariadb'
            ? String(100_000 + Math.floor(Math.random() * 1e9))
            : `parity_${run}_${side}_${mode}`,
      }),
    );
  const ns = target === 'mariadb' ? db.name : 'public';
  const topics = (side: 'dbz' | 'ofl') =>
    MODES.flatMap((mode) => {
      const p = prefix(side, mode);
      const schemaTopic = target === 'mariadb' ? [p] : [];
      if (mode === 'rtr') return [`${p}.outbox.Course`, `${p}.outbox.Teacher`, ...schemaTopic];
      if (mode === 'raw') return [`${p}.${ns}.types`, `${p}.${ns}.outbox`, ...schemaTopic];
      return [`${p}.${ns}.types`, ...schemaTopic];
    });
  const collectors: TopicCollector[] = [];
  const stops: (() => Promise<void>)[] = [];
  let error: string | undefined;
  try {
    await workload.setup();
    const dbz = await collectTopics(topics('dbz'));
    const ofl = await collectTopics(topics('ofl'));
    collectors.push(dbz, ofl);
    log(
      `${target}: starting Kafka Connect ${release.connectVersion} (${release.debeziumArtifact} ${release.debeziumVersion}) and the relay`,
    );
    const connect = await startConnect({
      libs,
      dir: join(dataDir, 'parity', `${target}-${run}`),
      bootstrap: kafkaBootstrap,
      restPort: connectPort,
      connectors: connectors('dbz'),
    });
    stops.push(() => connect.stop());
    const relayOptions = {
      dir: join(dataDir, 'parity', `${target}-${run}-relay`),
      restPort: relayPort,
      worker: {
        'bootstrap.servers': kafkaBootstrap,
        'group.id': `ofl_${run}`,
        'offset.storage.topic': `ofl_${run}.offsets`,
        'config.storage.topic': `ofl_${run}.configs`,
        'status.storage.topic': `ofl_${run}.status`,
      },
      connectors: connectors('ofl'),
    };
    let relay = await startRelay(relayOptions);
    stops.push(() => relay.stop());
    const snapshotDone = (c: TopicCollector, side: 'dbz' | 'ofl') =>
      MODES.every((mode) => {
        const t =
          mode === 'rtr' ? `${prefix(side, mode)}.outbox.Course` : `${prefix(side, mode)}.${ns}.types`;
        return c.records.filter((r) => r.topic === t).length >= (mode === 'rtr' ? 1 : 2);
      });
    await waitFor(
      () => snapshotDone(dbz, 'dbz') && snapshotDone(ofl, 'ofl'),
      240_000,
      () =>
        `snapshot: debezium ${dbz.records.length} records, outflow ${ofl.records.length}\n${connect.output().slice(-3000)}\n${relay.output().slice(-3000)}`,
    );
    log(`${target}: snapshots read; streaming the workload`);
    await workload.stream();
    await waitStable(dbz, ofl, 120_000);
    log(`${target}: stopping the relay; rows around an ALTER TABLE while it is behind`);
    await relay.stop();
    await workload.ddl();
    relay = await startRelay(relayOptions);
    await waitStable(dbz, ofl, 120_000);
  } catch (e) {
    error = e instanceof Error ? e.message : String(e);
    log(`${target}: ${error.slice(0, 4000)}`);
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => {});
    await workload.close().catch(() => {});
  }
  const normalise = (records: readonly CollectedRecord[], side: 'dbz' | 'ofl'): ComparedRecord[] => {
    const from = `${side}_${run}_`;
    const n = (s: string | null) => (s === null ? null : s.split(from).join('P_'));
    return [...records]
      .sort((a, b) => (a.topic === b.topic ? Number(a.offset - b.offset) : a.topic.localeCompare(b.topic)))
      .map((r) => ({
        topic: n(r.topic)!.replace(`.${db.name}.`, '.<db>.'),
        key: n(r.key),
        value: n(r.value),
        headers: Object.entries(r.headers).map(([k, v]) => [k, n(v)!] as const),
      }));
  };
  const dbzRecords = normalise(collectors[0]?.records ?? [], 'dbz');
  const oflRecords = normalise(collectors[1]?.records ?? [], 'ofl');
  // Both sides' records as compared, to read a difference in full (the report shows only its start).
  const dump = process.env.OUTFLOW_PARITY_DUMP;
  if (dump !== undefined && dump !== '')
    writeFileSync(
      `${dump}.${target}.json`,
      JSON.stringify({ debezium: dbzRecords, outflow: oflRecords }, null, 1),
    );
  const comparison = compareRecords(dbzRecords, oflRecords);
  for (const c of collectors) await c.close().catch(() => {});
  if (target === 'postgres') await dropSlots(run);
  await db.drop().catch(() => {});
  return {
    target: target === 'mariadb' ? 'MariaDB' : 'PostgreSQL',
    debezium: `${release.debeziumArtifact} ${release.debeziumVersion}`,
    connect: release.connectVersion,
    database: await serverVersion(target),
    comparison,
    ...(error === undefined ? {} : { error }),
  };
}

async function waitFor(predicate: () => boolean, timeoutMs: number, describe: () => string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > until) throw new Error(`timed out: ${describe()}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Waits until both sides hold as many records and nothing arrived for a few seconds. */
async function waitStable(a: TopicCollector, b: TopicCollector, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  let last = '';
  let since = Date.now();
  for (;;) {
    const now = `${a.records.length}/${b.records.length}`;
    if (now !== last) {
      last = now;
      since = Date.now();
    }
    if (a.records.length === b.records.length && Date.now() - since > 5_000) return;
    if (Date.now() - since > 20_000 || Date.now() > until) return;
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function dropSlots(run: string): Promise<void> {
  const client = new pg.Client({
    host,
    port: postgresPort,
    user: 'outflow',
    password: 'outflow',
    database: 'outflow',
  });
  await client.connect();
  try {
    await client.query(
      'SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name LIKE $1 AND NOT active',
      [`parity_${run}_%`],
    );
  } catch {
    // a slot still held: left for the server to clean up with the database
  } finally {
    await client.end();
  }
}

async function serverVersion(target: 'mariadb' | 'postgres'): Promise<string> {
  try {
    if (target === 'postgres') {
      const client = new pg.Client({
        host,
        port: postgresPort,
        user: 'outflow',
        password: 'outflow',
        database: 'outflow',
      });
      await client.connect();
      const r = await client.query('SHOW server_version');
      await client.end();
      return `PostgreSQL ${String(r.rows[0]?.server_version)}`;
    }
    const mysql = (await import('mysql2/promise')).default;
    const conn = await mysql.createConnection({
      host,
      port: mariadbPort,
      user: 'outflow',
      password: 'outflow',
    });
    const [rows] = (await conn.query('SELECT VERSION() AS v')) as [{ v: string }[], unknown];
    await conn.end();
    return `MariaDB ${rows[0]?.v ?? '?'}`;
  } catch {
    return target;
  }
}

if (import.meta.main) {
  const wanted = process.argv.slice(2).filter((a) => a === 'mariadb' || a === 'postgres') as (
    | 'mariadb'
    | 'postgres'
  )[];
  const targets = wanted.length > 0 ? wanted : (['mariadb', 'postgres'] as const);
  await up({ progress: log });
  const results: TargetResult[] = [];
  for (const target of targets) {
    const result = await runTarget(target);
    results.push(result);
    log(renderSummary(result));
  }
  const doc = join(root, 'docs', 'parity.md');
  writeFileSync(doc, renderMarkdown(results, new Date().toISOString()));
  log(`wrote ${doc}`);
  const unexplained = results.some(
    (r) => r.error !== undefined || r.comparison.differences.some((d) => d.expected === undefined),
  );
  process.exit(unexplained ? 1 : 0);
}
