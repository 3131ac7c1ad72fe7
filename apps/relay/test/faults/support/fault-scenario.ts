/**
 * One fault scenario against the real services and a real relay process, under a steady outbox write
 * load: start the relay and the load, inject the fault, let it last, heal it, keep writing a little, then
 * wait until every committed event is in Kafka or the task is FAILED. It measures what the issue's table
 * asks for and judges it: nothing lost unless the task is FAILED with the loss named in its trace; for an
 * outage, the trace and the metrics said so while it lasted; for a recoverable fault, the task is RUNNING
 * again by itself (this harness never calls `POST …/restart`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createOutbox, migrate, type OutboxMode } from '@outflow/outbox';
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
import { readCommitted } from '../../support/committed-reader.ts';
import {
  type ConnectorConfig,
  eventRouterConfig,
  mysqlSourceConfig,
  postgresSourceConfig,
  stringConverters,
  workerConfig,
} from '../../support/connectors.ts';
import { judgeDelivery } from '../../support/outbox-workload.ts';
import { dropSlots } from '../../support/postgres-slots.ts';
import { freePort, type RelayProcess, startRelayProcess } from '../../support/relay-process.ts';
import {
  logLines,
  type MetricsSample,
  observeRelay,
  readMetrics,
  readStatus,
  type StatusSample,
} from './relay-observer.ts';
import { faultDuration, recordRow } from './report.ts';
import { type SteadyLoad, startSteadyLoad } from './steady-load.ts';

/** What a fault's steps can reach. */
export interface FaultContext {
  readonly dialect: 'mysql' | 'postgres';
  readonly db: TestDatabase;
  readonly connector: string;
  /** The PostgreSQL slot (PostgreSQL only). */
  readonly slot: string;
  readonly load: SteadyLoad;
  /** The relay process now running (replaced by `restartRelay`). */
  relay(): RelayProcess;
  /** Starts a new relay process on the same files and port (the previous one must have exited). */
  restartRelay(): Promise<void>;
  /** Adds a fact to the row's status column (e.g. how long a SIGTERM took). */
  note(text: string): void;
}

/** A fault: `inject` starts it, it lasts `durationMs`, `heal` ends it. */
export interface Fault {
  readonly durationMs: number;
  inject(ctx: FaultContext): Promise<void>;
  heal(ctx: FaultContext): Promise<void>;
}

/** What must hold afterwards. */
export interface Expectation {
  /** `recovers`: RUNNING again and nothing lost; `fails`: FAILED with the loss named (`trace` checks it). */
  readonly outcome: 'recovers' | 'fails';
  /** An outage of the sink (Kafka) or the source (database): status and metrics must show it while it lasts. */
  readonly outage?: 'sink' | 'source';
  /** Problems with the FAILED task's whole trace (for `fails`). */
  trace?(trace: string, ctx: FaultContext): string[] | Promise<string[]>;
  /** Further problems, checked after the scenario. */
  extra?(ctx: FaultContext): string[];
}

/** A scenario: the row's label, the source, the fault and what must hold. */
export interface Scenario {
  readonly label: string;
  readonly dialect: 'mysql' | 'postgres';
  readonly mode?: OutboxMode;
  readonly fault: Fault;
  readonly expect: Expectation;
  /** Extra connector properties. */
  readonly connector?: ConnectorConfig;
}

const PRE_MS = faultDuration('PRE', 3000);
const POST_MS = faultDuration('POST', 5000);
const CATCH_UP_MS = faultDuration('CATCH_UP', 120_000);

async function migrateOutbox(dialect: 'mysql' | 'postgres', url: string, mode: OutboxMode): Promise<void> {
  const outbox = createOutbox({ dialect, mode });
  if (dialect === 'mysql') {
    const conn = await mysql.createConnection(url);
    await migrate(conn, outbox).finally(() => conn.end());
  } else {
    const conn = new pg.Client({ connectionString: url });
    await conn.connect();
    await migrate(conn, outbox).finally(() => conn.end());
  }
}

/** Resolves `promise`, or undefined after `ms` (for clean-ups that must not hang a run). */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  return Promise.race([promise, sleep(ms).then(() => undefined)]);
}

/**
 * A reader of `topic` from its earliest offset. Joining a consumer group can fail while the broker is
 * still settling (just restarted, or its group coordinator loading): tried again a few times.
 */
async function collect(topic: string): Promise<TopicCollector> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await collectTopics([topic]);
    } catch (error) {
      if (attempt >= 5) throw error;
      await sleep(1000 * attempt);
    }
  }
}

/** SIGTERM, then SIGKILL if the relay has not exited within `ms`. */
export async function stopRelay(relay: RelayProcess, ms = 15_000): Promise<void> {
  const stopped = within(
    relay.stop().then(() => true),
    ms,
  );
  if ((await stopped) === undefined) await relay.kill();
}

/** Runs `scenario`, records its row and resolves the problems found (empty = pass). */
export async function runFaultScenario(scenario: Scenario, log: (line: string) => void): Promise<string[]> {
  const { dialect, fault, expect } = scenario;
  const mode = scenario.mode ?? 'insert-then-delete';
  const prefix = dialect === 'mysql' ? 'fault' : 'pgfault';
  const db = dialect === 'mysql' ? await createMariaDbDatabase(prefix) : await createPostgresDatabase(prefix);
  const connector = uniqueName(prefix);
  const slot = `${connector}_slot`;
  const topic = `${connector}.events`;
  const dir = mkdtempSync(join(tmpdir(), 'outflow-fault-'));
  const notes: string[] = [];
  let relay: RelayProcess | undefined;
  let load: SteadyLoad | undefined;
  let collector: TopicCollector | undefined;
  let warm: TopicCollector | undefined;
  try {
    await migrateOutbox(dialect, db.url, mode);
    const options = {
      dir,
      restPort: await freePort(),
      worker: workerConfig(connector, { 'offset.flush.interval.ms': '1000' }),
      connector: {
        name: connector,
        config: {
          ...(dialect === 'mysql'
            ? mysqlSourceConfig({ database: db.name })
            : postgresSourceConfig({ database: db.name, slot })),
          'topic.prefix': connector,
          ...stringConverters,
          ...eventRouterConfig(topic),
          ...scenario.connector,
        },
      },
    };
    process.env.OUTFLOW_RELAY_LOG_LEVEL ??= 'info';
    // The relay takes its REST port from this variable over `rest.port`; each scenario needs its own.
    delete process.env.OUTFLOW_RELAY_REST_PORT;
    relay = await startRelayProcess(options);
    await relay.waitForRunning(connector, 60_000);
    warm = await collect(topic);
    load = startSteadyLoad({ url: db.url, dialect, mode, aggregateType: 'Tick' });
    await warm.waitFor((records) => records.length > 0, {
      timeoutMs: 60_000,
      describe: () => `nothing delivered before the fault; relay output:\n${relay?.output().slice(-3000)}`,
    });
    await sleep(PRE_MS);
    const ctx: FaultContext = {
      dialect,
      db,
      connector,
      slot,
      load,
      relay: () => relay!,
      async restartRelay() {
        relay = await startRelayProcess(options);
      },
      note: (text) => notes.push(text),
    };
    const observer = observeRelay(() => relay!.url, connector);
    const faultStart = Date.now();
    log(`${scenario.label}: fault injected, lasting ${fault.durationMs} ms`);
    await fault.inject(ctx);
    await sleep(fault.durationMs);
    await fault.heal(ctx);
    const faultEnd = Date.now();
    log(`${scenario.label}: fault healed after ${faultEnd - faultStart} ms`);
    await within(
      warm.close().catch(() => undefined),
      5000,
    );
    warm = undefined;
    // A fresh reader from the earliest offset: the one open during the fault may not survive a broker outage.
    collector = await collect(topic);
    await sleep(POST_MS);
    await load.stop();

    const written = load.written;
    const ids = new Set(written.map((e) => e.id));
    const after = written.filter((e) => (load!.committedAt.get(e.id) ?? 0) > faultEnd).map((e) => e.id);
    const afterIds = new Set(after);
    let firstAfter: number | undefined;
    let caughtUp: number | undefined;
    let finalStatus: StatusSample = await readStatus(relay.url, connector);
    const deadline = Date.now() + CATCH_UP_MS;
    while (Date.now() < deadline) {
      const seen = new Set(collector.records.map((r) => r.headers.id));
      if (firstAfter === undefined) {
        const hit = collector.records.find((r) => afterIds.has(r.headers.id ?? ''));
        if (hit !== undefined) firstAfter = hit.receivedAt;
      }
      if ([...ids].every((id) => seen.has(id))) {
        caughtUp = Date.now();
        break;
      }
      finalStatus = await readStatus(relay.url, connector);
      if (finalStatus.state === 'FAILED') break;
      await sleep(250);
    }
    await observer.stop();
    finalStatus = await readStatus(relay.url, connector);
    const finalMetrics = await readMetrics(relay.url, connector);

    // The verdict reads the topic again with Kafka's read_committed algorithm, as the delivery suite does:
    // the streaming collector may also hold records of aborted transactions (ADR 0008).
    const report = judgeDelivery(
      written,
      (await readCommitted(topic)).filter((r) => ids.has(r.headers.id ?? '')),
    );
    const streamed = judgeDelivery(
      written,
      collector.records.filter((r) => ids.has(r.headers.id ?? '')),
    );
    if (streamed.duplicates > report.duplicates)
      notes.push(
        `the streaming reader also received ${streamed.duplicates - report.duplicates} records of aborted transactions`,
      );
    const during = observer.statuses.filter((s) => s.at >= faultStart && s.at <= faultEnd + 1000);
    const metricsDuring = observer.metrics.filter((m) => m.at >= faultStart && m.at <= faultEnd + 1000);
    const logs = logLines(relay.output(), faultStart);
    const problems: string[] = [];
    const failedTrace =
      finalStatus.state === 'FAILED'
        ? (finalStatus.fullTrace ?? '')
        : observer.statuses.find((s) => s.state === 'FAILED')?.fullTrace;

    if (expect.outcome === 'recovers') {
      if (finalStatus.state !== 'RUNNING') problems.push(`task ${finalStatus.state} at the end, not RUNNING`);
      if (report.missing.length > 0) problems.push(`${report.missing.length} events lost`);
      if (firstAfter === undefined) problems.push('no event written after the fault was delivered');
    } else {
      if (failedTrace === undefined) {
        problems.push(
          `task never FAILED (final ${finalStatus.state})${report.missing.length > 0 ? ` while ${report.missing.length} events were lost` : ''}`,
        );
      } else {
        problems.push(...(await (expect.trace?.(failedTrace, ctx) ?? [])));
      }
    }
    if (report.outOfOrder.length > 0) problems.push(`${report.outOfOrder.length} aggregates out of order`);
    // Exactly-once (the worker's default): no fault may publish an event twice for a read_committed reader.
    if (report.duplicates > 0) problems.push(`${report.duplicates} events published twice`);
    if (expect.outage !== undefined)
      problems.push(...outageProblems(expect.outage, during, metricsDuring, logs, faultEnd));
    problems.push(...(expect.extra?.(ctx) ?? []));

    const metricsText = describeMetrics(metricsDuring, finalMetrics);
    const warnings = logs.filter((l) => l.level === 'warn' || l.level === 'error');
    recordRow({
      scenario: scenario.label,
      written: written.length,
      delivered: report.distinct,
      lost: report.missing.length,
      duplicated: report.duplicates,
      recover:
        firstAfter === undefined
          ? 'never'
          : `${((firstAfter - faultEnd) / 1000).toFixed(1)} s${caughtUp === undefined ? ' (no full catch-up)' : `; caught up ${((caughtUp - faultEnd) / 1000).toFixed(1)} s`}`,
      status: [
        `during: ${summarizeStates(during)}`,
        `end: ${finalStatus.state}${finalStatus.trace ? ` "${finalStatus.trace.slice(0, 200)}"` : ''}`,
        `log: ${warnings.length} warn/error${warnings[0] ? ` ("${warnings[0].msg.slice(0, 80)}")` : ''}`,
        ...notes,
      ].join('; '),
      metrics: metricsText,
      verdict: problems.length === 0 ? 'pass' : `FAIL: ${problems.join('; ')}`,
    });
    if (problems.length > 0) log(`${scenario.label}: relay output tail:\n${relay.output().slice(-3000)}`);
    return problems;
  } finally {
    await load?.stop().catch(() => {});
    if (relay !== undefined) await stopRelay(relay);
    // A reader that lived through a Kafka outage may fail to leave its group cleanly; that is not the verdict.
    await within(collector?.close().catch(() => undefined) ?? Promise.resolve(), 5000);
    await within(warm?.close().catch(() => undefined) ?? Promise.resolve(), 5000);
    if (dialect === 'postgres') await dropSlots([slot]).catch(() => {});
    await db.drop().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
}

function summarizeStates(samples: readonly StatusSample[]): string {
  const parts: string[] = [];
  for (const s of samples) {
    const text = s.trace ? `${s.state} "${s.trace.slice(0, 120)}"` : s.state;
    if (parts.at(-1) !== text) parts.push(text);
  }
  return parts.length === 0 ? 'no sample' : parts.slice(0, 4).join(' → ');
}

function describeMetrics(during: readonly MetricsSample[], final: MetricsSample | undefined): string {
  if (during.length === 0 && final === undefined) return 'no answer';
  const min = (pick: (m: (typeof during)[number]) => number | undefined) => {
    const values = during.map(pick).filter((v): v is number => v !== undefined);
    return values.length === 0 ? 'absent' : String(Math.min(...values));
  };
  const lags = during.map((m) => m.lagMs).filter((v): v is number => v !== undefined);
  const errors = final?.errors ?? {};
  const errorText =
    Object.keys(errors).length === 0
      ? 'absent'
      : Object.entries(errors)
          .map(([k, v]) => `${k}=${v}`)
          .join(',');
  return [
    `source_connected min ${min((m) => m.sourceConnected)}`,
    `sink_connected min ${min((m) => m.sinkConnected)}`,
    `lag ${lags.length === 0 ? 'absent' : `${lags[0]}→max ${Math.max(...lags)} ms`}`,
    `errors_total ${errorText}`,
  ].join('; ');
}

/** What an outage must have shown while it lasted. */
function outageProblems(
  side: 'sink' | 'source',
  statuses: readonly StatusSample[],
  metrics: readonly MetricsSample[],
  logs: ReturnType<typeof logLines>,
  faultEnd: number,
): string[] {
  const problems: string[] = [];
  if (!statuses.some((s) => s.trace !== undefined && s.trace !== ''))
    problems.push('status trace empty during the outage');
  const connected = metrics.map((m) => (side === 'sink' ? m.sinkConnected : m.sourceConnected));
  const name = `outflow_${side}_connected`;
  if (connected.every((v) => v === undefined)) problems.push(`${name} absent`);
  else if (!connected.includes(0)) problems.push(`${name} never 0 during the outage`);
  const errorKinds = metrics.flatMap((m) =>
    Object.entries(m.errors).filter(([kind, v]) => kind !== '*' && v > 0),
  );
  if (errorKinds.length === 0) problems.push('outflow_errors_total{kind} never counted the failure');
  const lags = metrics.map((m) => m.lagMs).filter((v): v is number => v !== undefined);
  if (lags.length < 2) problems.push('outflow_source_lag_seconds not sampled during the outage');
  else if (!(Math.max(...lags) > lags[0]!))
    problems.push(`lag did not grow during the outage (${lags[0]}→${Math.max(...lags)} ms)`);
  if (!logs.some((l) => l.level === 'warn' && l.time <= faultEnd + 1000))
    problems.push('no warning logged when the outage began');
  const recovered = logs.some(
    (l) =>
      l.level === 'info' &&
      l.time >= faultEnd - 1000 &&
      (Object.keys(l.raw).some((k) => /duration|downtime|elapsed/i.test(k)) ||
        /\d+(\.\d+)?\s?(ms|s)\b/.test(l.msg)),
  );
  if (!recovered) problems.push('no info line with the outage duration when it ended');
  return problems;
}
