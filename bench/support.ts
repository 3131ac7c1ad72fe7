/**
 * The relay benchmark, whatever the source database, through the relay's CLI as a user runs it (compiled
 * JavaScript unless `--relay source`), optionally side by side with the real Debezium in Kafka Connect
 * (`--against debezium`), in interleaved rounds. Each run of each contender:
 *   1. backlog: N outbox events committed (100 per transaction, four writers) while the contender is stopped,
 *      then the contender started; reports the drain rate (events/s from the first to the last event in
 *      Kafka) and the cold start (process spawn → first event in Kafka);
 *   2. steady: events committed one per transaction at a fixed rate (1,000/s) while it runs; reports the
 *      commit → consumer latency p50/p99;
 *   3. fast: 10,000 events/s (10 per transaction); reports p99;
 *   4. the process's RSS idle (its connector running, before the backlog), at the end of the steady phase and
 *      its peak (VmHWM) over all phases; with `--memory`, where the relay's idle and peak RSS go (`memory.ts`).
 * Medians per contender are printed and appended to BENCHMARKS.md with the commit and the load average of
 * every round. Each database's script (`relay-mysql.ts`, `relay-postgres.ts`) gives its connectors and writers.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { status } from '@outflow/infra';
import type { Outboxable } from '@outflow/outbox';
import { collectTopics, kafkaBootstrap, type TopicCollector, uniqueName } from '@outflow/testing';
import { buildCli } from '../apps/relay/build-cli.ts';
import { eventRouterConfig, workerConfig } from '../apps/relay/test/support/connectors.ts';
import { freePort, startRelayProcess } from '../apps/relay/test/support/relay-process.ts';
import { waitForRunning } from '../apps/relay/test/support/wait-for-running.ts';
import { type ConnectRelease, fetchConnect, startConnect } from '../parity/connect-worker.ts';
import { formatBreakdown, type MemoryBreakdown, memoryBreakdown } from './memory.ts';

/** One connection that commits outbox events, one transaction per call. */
export interface BenchWriter {
  /** Writes `events` in one transaction (rolled back when it fails); returns their ids. */
  commit(events: readonly Outboxable[]): Promise<readonly { id: string }[]>;
  end(): Promise<void>;
}

/** What a database's benchmark script provides. */
export interface BenchSource {
  /** Row label, e.g. `MariaDB binlog`. */
  readonly label: string;
  /**
   * The relay connector's source properties for a run named `name`; the Event Router is added. The same for
   * every call with the same name (see {@link samePerName}): the relay takes other properties for the stored
   * connector as an update and restarts its task, which the cold start would then include.
   */
  relayConnector(name: string): Readonly<Record<string, string>>;
  /** Debezium's connector (with `name`, routing with the Event Router's defaults to `topic`) and its release. */
  readonly debezium?: {
    readonly release: ConnectRelease;
    connector(name: string, topic: string): Record<string, string>;
  };
  openWriter(): Promise<BenchWriter>;
  /** Frees what a run left behind in the database (e.g. a replication slot). */
  cleanup?(name: string): Promise<void>;
}

/** The command line: `--events`, `--rate`, `--seconds`, `--fast-rate`, `--fast-seconds`, … */
export interface BenchArgs {
  readonly backlog: number;
  readonly rate: number;
  readonly seconds: number;
  readonly fastRate: number;
  readonly fastSeconds: number;
  /** `enabled`, `disabled`, or `both` (two relay contenders). */
  readonly exactlyOnce: 'enabled' | 'disabled' | 'both';
  readonly against: readonly ('debezium' | 'debezium-poll10')[];
  readonly rounds: number;
  readonly relay: 'compiled' | 'source';
  /** Appends the result rows to BENCHMARKS.md. */
  readonly record: boolean;
  readonly note: string;
  /**
   * Node.js flags for the relay process, one relay contender per set: `--relay-node-flags=";--max-semi-space-size=4"`
   * compares the defaults (the empty set) with a smaller young generation.
   */
  readonly relayNodeFlags: readonly (readonly string[])[];
  /** The relay's `task.isolation`, one relay contender per value (`--task-isolation both`). */
  readonly taskIsolation: readonly ('thread' | 'none')[];
  /** `--memory`: the relay samples its heaps (`heap-monitor.mjs`) and the run says where its RSS went. */
  readonly memory: boolean;
}

/** `make(name)` once per name, then the same answer (a MariaDB source draws a random `database.server.id`). */
export function samePerName<T>(make: (name: string) => T): (name: string) => T {
  const made = new Map<string, T>();
  return (name) => {
    if (!made.has(name)) made.set(name, make(name));
    return made.get(name)!;
  };
}

export function benchArgs(): BenchArgs {
  const { values } = parseArgs({
    options: {
      events: { type: 'string', default: '100000' },
      rate: { type: 'string', default: '1000' },
      seconds: { type: 'string', default: '60' },
      'fast-rate': { type: 'string', default: '10000' },
      'fast-seconds': { type: 'string', default: '10' },
      'exactly-once': { type: 'string', default: 'enabled' },
      against: { type: 'string', default: '' },
      rounds: { type: 'string' },
      relay: { type: 'string', default: 'compiled' },
      'no-record': { type: 'boolean', default: false },
      note: { type: 'string', default: '' },
      'relay-node-flags': { type: 'string', default: '' },
      'task-isolation': { type: 'string', default: 'thread' },
      memory: { type: 'boolean', default: false },
    },
  });
  const exactlyOnce = values['exactly-once'];
  if (exactlyOnce !== 'enabled' && exactlyOnce !== 'disabled' && exactlyOnce !== 'both')
    throw new Error(`--exactly-once: expected enabled, disabled or both, got ${exactlyOnce}`);
  // `debezium` alone means both Debezium configurations: its defaults, and poll.interval.ms=10.
  const against = values.against
    .split(',')
    .filter((a) => a !== '')
    .flatMap((a) => (a === 'debezium' ? ['debezium', 'debezium-poll10'] : [a]));
  for (const a of against)
    if (a !== 'debezium' && a !== 'debezium-poll10' && a !== 'debezium-default')
      throw new Error(`--against: expected debezium, debezium-default or debezium-poll10, got ${a}`);
  const isolation = values['task-isolation'];
  if (isolation !== 'thread' && isolation !== 'none' && isolation !== 'both')
    throw new Error(`--task-isolation: expected thread, none or both, got ${isolation}`);
  const relay = values.relay;
  if (relay !== 'compiled' && relay !== 'source')
    throw new Error(`--relay: expected compiled or source, got ${relay}`);
  return {
    backlog: Number(values.events),
    rate: Number(values.rate),
    seconds: Number(values.seconds),
    fastRate: Number(values['fast-rate']),
    fastSeconds: Number(values['fast-seconds']),
    exactlyOnce,
    against: [...new Set(against.map((a) => (a === 'debezium-default' ? 'debezium' : a)))] as (
      | 'debezium'
      | 'debezium-poll10'
    )[],
    rounds: Number(values.rounds ?? (against.length > 0 ? 3 : 1)),
    relay,
    record: !values['no-record'],
    note: values.note,
    taskIsolation: isolation === 'both' ? ['thread', 'none'] : [isolation],
    relayNodeFlags: values['relay-node-flags']
      .split(';')
      .map((set) => set.split(' ').filter((f) => f !== '')),
    memory: values.memory,
  };
}

/** Commits, again (after a short random pause) after a deadlock or serialisation failure (the outbox marks those `retriable`). */
export async function commit(
  writer: BenchWriter,
  events: readonly Outboxable[],
): Promise<readonly { id: string }[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await writer.commit(events);
    } catch (error) {
      if ((error as { retriable?: boolean }).retriable !== true || attempt >= 50) throw error;
      // Four writers of 100-row insert-then-delete transactions deadlock often on InnoDB; back off a little.
      await new Promise((r) => setTimeout(r, Math.random() * 20 * attempt));
    }
  }
}

export function say(line: string): void {
  console.log(`bench: ${line}`);
}

export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

export function median(xs: readonly number[]): number {
  const sorted = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** A field of `/proc/<pid>/status` in kB (`VmRSS`, `VmHWM`), undefined once the process is gone. */
export function procStatusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number | undefined {
  try {
    const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds (user + system) of `pid` and every process under it (PostgreSQL's backends, the JVM's
 * children), from `/proc`; 0 when the process is gone. A child that has exited and been waited for counts in
 * its parent's cutime/cstime, so a backend that ends between two readings is not subtracted.
 */
export function treeCpuSeconds(pid: number): number {
  const parents = new Map<number, number>();
  const ticks = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The command name may hold spaces and parentheses: the fields start after its last `)`.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parents.set(Number(entry), Number(fields[1]));
      ticks.set(
        Number(entry),
        Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]),
      );
    } catch {
      // gone meanwhile
    }
  }
  let total = 0;
  const pending = [pid];
  while (pending.length > 0) {
    const p = pending.pop()!;
    total += ticks.get(p) ?? 0;
    for (const [child, parent] of parents) if (parent === p) pending.push(child);
  }
  // USER_HZ is 100 on Linux.
  return total / 100;
}

/** Cores used by each named process tree between `start()` and `stop()`. */
export function cpuMeter(pids: Readonly<Record<string, number>>): { stop(): Record<string, number> } {
  const began = performance.now();
  const before = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, treeCpuSeconds(pid)]));
  return {
    stop() {
      const seconds = (performance.now() - began) / 1000;
      return Object.fromEntries(
        Object.entries(pids).map(([k, pid]) => [
          k,
          Math.round(((treeCpuSeconds(pid) - before[k]!) / seconds) * 100) / 100,
        ]),
      );
    },
  };
}

export const payload = {
  name: 'MSA 파헤치기',
  description: 'MSA의 모든 것을 가르쳐 드립니다.',
  teacherId: '7ead2ed1-77fa-4d70-bdfd-77e67c513bbd',
  thumbnail: 'msa_course.jpeg',
  posted: true,
};

/** A process under test: the relay, or Kafka Connect running Debezium. */
interface Contender {
  readonly label: string;
  /** Starts it for the run `name`, whose connector routes every event to `topic`; resolves once its REST API answers. */
  start(name: string, topic: string, dir: string): Promise<ContenderProcess>;
}

interface ContenderProcess {
  readonly pid: number;
  readonly url: string;
  output(): string;
  stop(): Promise<void>;
  /** With `--memory`, the relay's breakdown at its peak or its last sample so far. */
  memory?(at: 'peak' | 'last'): MemoryBreakdown | undefined;
}

/** With `--memory`, the folder made for this run's heap samples (the relay finds it in its environment). */
let heapSamples: string | undefined;
const heapMonitor = new URL('./heap-monitor.mjs', import.meta.url).pathname;

function relayContender(
  source: BenchSource,
  args: BenchArgs,
  exactlyOnce: 'enabled' | 'disabled',
  nodeFlags: readonly string[],
  isolation: 'thread' | 'none',
): Contender {
  return {
    label: `Outflow relay (${args.relay === 'compiled' ? 'dist' : 'src'}, exactly-once ${exactlyOnce === 'enabled' ? 'on' : 'off'}${isolation === 'none' ? ', task on the main thread' : ''}${nodeFlags.length > 0 ? `, ${nodeFlags.join(' ')}` : ''})`,
    async start(name, topic, dir) {
      const relay = await startRelayProcess({
        dir,
        restPort: await freePort(),
        worker: workerConfig(name, {
          'exactly.once.source.support': exactlyOnce,
          'task.isolation': isolation,
        }),
        connector: {
          name,
          config: { ...source.relayConnector(name), 'topic.prefix': name, ...eventRouterConfig(topic) },
        },
        compiled: args.relay === 'compiled',
        nodeFlags: args.memory ? [`--import=${heapMonitor}`, ...nodeFlags] : nodeFlags,
      });
      const samples = heapSamples;
      return {
        pid: relay.pid,
        url: relay.url,
        output: relay.output,
        async stop() {
          await relay.stop();
        },
        ...(samples === undefined
          ? {}
          : { memory: (at: 'peak' | 'last') => memoryBreakdown(samples, relay.pid, at) }),
      };
    },
  };
}

function debeziumContender(source: BenchSource, libs: string, poll10: boolean): Contender {
  const debezium = source.debezium!;
  return {
    label: `Debezium ${debezium.release.debeziumVersion} on Connect ${debezium.release.connectVersion}, -Xmx512m${poll10 ? ', poll.interval.ms=10' : ''}`,
    async start(name, topic, dir) {
      const connect = await startConnect({
        libs,
        dir,
        bootstrap: kafkaBootstrap,
        restPort: await freePort(),
        connectors: [{ ...debezium.connector(name, topic), ...(poll10 ? { 'poll.interval.ms': '10' } : {}) }],
      });
      return { pid: connect.pid, url: connect.url, output: connect.output, stop: () => connect.stop() };
    },
  };
}

/** What one run of one contender measured. */
interface RunResult {
  readonly contender: string;
  readonly round: number;
  /** Backlog writing, events/s (all four writers; the database's ceiling for this workload). */
  readonly writeRate: number;
  readonly drainRate: number;
  readonly coldStartMs: number;
  readonly p50: number;
  readonly p99: number;
  readonly achieved: number;
  readonly fastP99: number;
  readonly fastAchieved: number;
  readonly steadyRssMb: number;
  readonly peakRssMb: number;
  /** RSS with the connector running and nothing to capture (before the backlog). */
  readonly idleRssMb: number;
  /** `GET /connectors/<name>/status` answered during the drain, every 100 ms: p99 and slowest, ms. */
  readonly restP99: number;
  readonly restMax: number;
  readonly load: number;
  /**
   * The 1,000/s latencies split at the record's timestamp, which both contenders set when their connector
   * converts the change (the Event Router takes the envelope's `ts_ms`): commit → conversion and
   * conversion → consumer, p50 / p99 ms.
   */
  readonly split: { readonly toConversion: string; readonly toConsumer: string };
  /** Cores each process used during the 1,000/s phase (the contender, Kafka, the databases, the bench). */
  readonly steadyCores: Readonly<Record<string, number>>;
  /** The same for the 10,000/s phase: where its tail is, and what the machine had left. */
  readonly fastSplit?: { readonly toConversion: string; readonly toConsumer: string };
  readonly fastCores?: Readonly<Record<string, number>>;
  /** With `--memory`: the relay idle before the backlog, and at its peak over the run. */
  readonly memory?: { readonly idle?: MemoryBreakdown; readonly peak?: MemoryBreakdown };
}

/**
 * Asks the contender's REST API for the connector's status every 100 ms until stopped, timing each answer: what
 * a busy connector costs the API in the same process (the relay) or in another thread (Connect).
 */
export function probeRest(url: string, name: string): { stop(): Promise<number[]> } {
  const timings: number[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const began = performance.now();
      try {
        await (await fetch(`${url}/connectors/${encodeURIComponent(name)}/status`)).arrayBuffer();
      } catch {
        // A refused or broken answer is timed like any other.
      }
      timings.push(performance.now() - began);
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return timings.sort((a, b) => a - b);
    },
  };
}

/** Commits `rate` events/s for `seconds` (`perTx` per transaction) over 8 connections; returns each id's commit time. */
export async function steadyLoad(
  source: BenchSource,
  rate: number,
  seconds: number,
  perTx: number,
  seqBase: number,
): Promise<{ committedAt: Map<string, number>; achieved: number }> {
  const committedAt = new Map<string, number>();
  const transactions = Math.ceil((rate * seconds) / perTx);
  const interval = (1000 * perTx) / rate;
  const idle: BenchWriter[] = await Promise.all(Array.from({ length: 8 }, () => source.openWriter()));
  const all = [...idle];
  const waiting: ((writer: BenchWriter) => void)[] = [];
  const acquire = async () => idle.pop() ?? new Promise<BenchWriter>((resolve) => waiting.push(resolve));
  const release = (writer: BenchWriter) => {
    const next = waiting.shift();
    if (next) next(writer);
    else idle.push(writer);
  };
  const inFlight: Promise<void>[] = [];
  const start = Date.now();
  for (let t = 0; t < transactions; t++) {
    const due = start + t * interval;
    const wait = due - Date.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    inFlight.push(
      (async () => {
        const writer = await acquire();
        try {
          const rows = await commit(
            writer,
            Array.from({ length: perTx }, (_, j) => ({
              aggregateType: 'Course',
              aggregateId: `course-${(t * perTx + j) % 1000}`,
              type: 'CoursePostedEvent',
              payload: { ...payload, seq: seqBase + t * perTx + j },
            })),
          );
          const now = Date.now();
          for (const row of rows) committedAt.set(row.id, now);
        } finally {
          release(writer);
        }
      })(),
    );
  }
  await Promise.all(inFlight);
  const achieved = Math.round((transactions * perTx) / ((Date.now() - start) / 1000));
  await Promise.all(all.map((writer) => writer.end()));
  return { committedAt, achieved };
}

function latencySplit(
  collector: TopicCollector,
  from: number,
  committedAt: ReadonlyMap<string, number>,
): RunResult['split'] {
  const toConversion: number[] = [];
  const toConsumer: number[] = [];
  for (const r of collector.records.slice(from)) {
    const committed = committedAt.get(r.headers.id ?? '');
    if (committed === undefined) continue;
    toConversion.push(Number(r.timestamp) - committed);
    toConsumer.push(r.receivedAt - Number(r.timestamp));
  }
  const summary = (xs: number[]) => {
    xs.sort((a, b) => a - b);
    return `${percentile(xs, 50)} / ${percentile(xs, 99)}`;
  };
  return { toConversion: summary(toConversion), toConsumer: summary(toConsumer) };
}

export function latencies(
  collector: TopicCollector,
  from: number,
  committedAt: ReadonlyMap<string, number>,
): number[] {
  return collector.records
    .slice(from)
    .map((r) => r.receivedAt - (committedAt.get(r.headers.id ?? '') ?? Number.NaN))
    .filter((n) => !Number.isNaN(n))
    .sort((a, b) => a - b);
}

async function runOnce(
  source: BenchSource,
  contender: Contender,
  args: BenchArgs,
  round: number,
): Promise<RunResult> {
  const { backlog, rate, seconds, fastRate, fastSeconds } = args;
  const name = uniqueName('bench');
  const topic = `${name}.events`;
  const dir = mkdtempSync(join(tmpdir(), 'outflow-bench-'));
  const collector = await collectTopics([topic]);
  let proc: ContenderProcess | undefined;
  try {
    say(`[${contender.label}, round ${round}] starting once to record the starting position`);
    proc = await contender.start(name, topic, dir);
    await waitForRunning(proc.url, name, { timeoutMs: 180_000, context: proc.output });
    // A source may report RUNNING before it reads the log (Debezium records its position after the task
    // starts), so warm-up events are written until one arrives.
    const warm = await source.openWriter();
    const warmUntil = Date.now() + 180_000;
    while (collector.records.length === 0) {
      if (Date.now() > warmUntil)
        throw new Error(`no warm-up event in Kafka after 180 s:\n${proc.output().slice(-5000)}`);
      await commit(warm, [{ aggregateType: 'Course', aggregateId: 'warmup', type: 'Warmup', payload }]);
      await collector.waitFor((r) => r.length >= 1, { timeoutMs: 2_000 }).catch(() => {});
    }
    await warm.end();
    // Idle: the connector streaming with nothing to capture, a few seconds after its first event.
    await new Promise((r) => setTimeout(r, 3000));
    const idleRssMb = Math.round((procStatusKb(proc.pid, 'VmRSS') ?? 0) / 1024);
    const idleMemory = proc.memory?.('last');
    await proc.stop();
    proc = undefined;
    // Warm-up events still on their way are counted before the backlog is written.
    let base = -1;
    while (base !== collector.records.length) {
      base = collector.records.length;
      await new Promise((r) => setTimeout(r, 1000));
    }

    say(`  writing a backlog of ${backlog} events (100 per transaction) while it is stopped…`);
    const writers = 4;
    const writeStart = Date.now();
    await Promise.all(
      Array.from({ length: writers }, async (_, w) => {
        const writer = await source.openWriter();
        for (let i = w * 100; i < backlog; i += writers * 100) {
          await commit(
            writer,
            Array.from({ length: Math.min(100, backlog - i) }, (_, j) => ({
              aggregateType: 'Course',
              aggregateId: `course-${(i + j) % 1000}`,
              type: 'CoursePostedEvent',
              payload: { ...payload, seq: i + j },
            })),
          );
        }
        await writer.end();
      }),
    );
    const writeRate = Math.round(backlog / ((Date.now() - writeStart) / 1000));

    say(`  starting on the backlog (written at ${writeRate} events/s)…`);
    const startedAt = Date.now();
    proc = await contender.start(name, topic, dir);
    const target = base + backlog;
    const rest = probeRest(proc.url, name);
    await collector.waitFor((r) => r.length >= target, {
      timeoutMs: 900_000,
      onProgress: (r) => say(`  ${r.length - base} of ${backlog} in Kafka`),
      describe: (r) => `${r.length - base} of ${backlog}:\n${proc?.output().slice(-5000)}`,
    });
    const restTimings = await rest.stop();
    const drained = collector.records.slice(base, target);
    const first = drained[0]!.receivedAt;
    const last = drained[drained.length - 1]!.receivedAt;
    const drainRate = Math.round(backlog / ((last - first) / 1000));
    const coldStartMs = first - startedAt;

    say(`  steady: ${rate} events/s for ${seconds} s, one event per transaction…`);
    const services = Object.fromEntries(
      (await status()).flatMap((s) => (s.pid === undefined ? [] : [[s.service, s.pid]])),
    );
    const cpu = cpuMeter({ contender: proc.pid, ...services, bench: process.pid });
    const steady = await steadyLoad(source, rate, seconds, 1, backlog);
    const steadyCores = cpu.stop();
    const steadyEnd = target + rate * seconds;
    await collector.waitFor((r) => r.length >= steadyEnd, { timeoutMs: 300_000 });
    const steadyRssMb = Math.round((procStatusKb(proc.pid, 'VmRSS') ?? 0) / 1024);
    const steadyLatencies = latencies(collector, target, steady.committedAt);

    let fastP99 = Number.NaN;
    let fastAchieved = Number.NaN;
    let fastMeasures: Pick<RunResult, 'fastSplit' | 'fastCores'> = {};
    if (fastSeconds > 0) {
      const perTx = Math.max(1, Math.ceil(fastRate / 1000));
      say(`  fast: ${fastRate} events/s for ${fastSeconds} s, ${perTx} per transaction…`);
      const fastCpu = cpuMeter({ contender: proc.pid, ...services, bench: process.pid });
      const fast = await steadyLoad(source, fastRate, fastSeconds, perTx, backlog + rate * seconds);
      const fastCores = fastCpu.stop();
      await collector.waitFor((r) => r.length >= steadyEnd + fast.committedAt.size, { timeoutMs: 300_000 });
      fastP99 = percentile(latencies(collector, steadyEnd, fast.committedAt), 99);
      fastAchieved = fast.achieved;
      fastMeasures = { fastSplit: latencySplit(collector, steadyEnd, fast.committedAt), fastCores };
    }
    const peakMemory = proc.memory?.('peak');
    const peakRssMb = Math.round((procStatusKb(proc.pid, 'VmHWM') ?? 0) / 1024);
    const result: RunResult = {
      contender: contender.label,
      round,
      writeRate,
      drainRate,
      coldStartMs,
      p50: percentile(steadyLatencies, 50),
      p99: percentile(steadyLatencies, 99),
      achieved: steady.achieved,
      fastP99,
      fastAchieved,
      steadyRssMb,
      peakRssMb,
      idleRssMb,
      restP99: Math.round(percentile(restTimings, 99)),
      restMax: Math.round(restTimings[restTimings.length - 1] ?? Number.NaN),
      load: Math.round(loadavg()[0]! * 10) / 10,
      split: latencySplit(collector, target, steady.committedAt),
      steadyCores,
      ...fastMeasures,
      ...(idleMemory === undefined && peakMemory === undefined
        ? {}
        : { memory: { ...(idleMemory && { idle: idleMemory }), ...(peakMemory && { peak: peakMemory }) } }),
    };
    say(`  ${JSON.stringify(result)}`);
    return result;
  } finally {
    await proc?.stop().catch(() => {});
    await collector.close();
    await source.cleanup?.(name).catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
}

const root = new URL('..', import.meta.url).pathname;

export function commitLabel(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd: root,
      encoding: 'utf8',
    }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
      cwd: root,
      encoding: 'utf8',
    }).trim();
    return dirty === '' ? head : `${head}+changes`;
  } catch {
    return '?';
  }
}

/** The table rows are inserted before this line of BENCHMARKS.md. */
export const ROWS_MARKER = '<!-- bench rows: `npm run bench` inserts its rows above this line -->';
/** The rows of `--memory` (where the relay's RSS goes) before this one. */
export const MEMORY_ROWS_MARKER =
  '<!-- bench memory rows: `npm run bench -- --memory` inserts its rows above this line -->';

/** Inserts `rows` before `marker` in BENCHMARKS.md (every bench's rows go through here). */
export function recordRows(marker: string, rows: readonly string[]): void {
  const file = join(root, 'BENCHMARKS.md');
  const text = readFileSync(file, 'utf8');
  if (!text.includes(marker)) throw new Error(`BENCHMARKS.md has no line ${marker}`);
  writeFileSync(file, text.replace(marker, `${rows.join('\n')}\n${marker}`));
}

/** `young / old / other (used)` MB of the heaps of these threads together. */
function heapCells(b: MemoryBreakdown, thread: 'main' | 'task'): string {
  const heaps = b.threads.filter((h) => h.thread === thread);
  if (heaps.length === 0) return '–';
  const sum = (f: (h: (typeof heaps)[number]) => number) => heaps.reduce((total, h) => total + f(h), 0);
  return `${sum((h) => h.newMb)} / ${sum((h) => h.oldMb)} / ${sum((h) => h.otherMb)} (${sum((h) => h.usedMb)})`;
}

/** Builds what the bundled `outflow-relay` command runs, as `npm run build` does for the package. */
export async function buildRelayAsInstalled(): Promise<void> {
  say('building the relay as installed: tsc -b tsconfig.build.json, then the bundled outflow-relay command…');
  execFileSync(
    process.execPath,
    [join(root, 'node_modules/typescript/bin/tsc'), '-b', 'tsconfig.build.json'],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
  await buildCli();
}

/** Runs every contender `rounds` times, interleaved, and prints (and records) the medians. */
export async function runRelayBench(source: BenchSource): Promise<void> {
  const args = benchArgs();
  const contenders: Contender[] = (
    args.exactlyOnce === 'both' ? (['enabled', 'disabled'] as const) : [args.exactlyOnce]
  ).flatMap((eo) =>
    args.relayNodeFlags.flatMap((flags) =>
      args.taskIsolation.map((isolation) => relayContender(source, args, eo, flags, isolation)),
    ),
  );
  if (args.against.length > 0) {
    if (source.debezium === undefined)
      throw new Error(`--against debezium: not available for ${source.label}`);
    const libs = join(
      process.env.OUTFLOW_DATA_DIR ?? join(root, '.data'),
      'parity',
      `${source.debezium.release.debeziumArtifact}-${source.debezium.release.debeziumVersion}-libs`,
    );
    mkdirSync(join(libs, '..'), { recursive: true });
    fetchConnect(source.debezium.release, libs, say);
    for (const a of args.against) contenders.push(debeziumContender(source, libs, a === 'debezium-poll10'));
  }
  // The commit measured is the one built now, whatever is committed while the rounds run.
  const commitId = commitLabel();
  if (args.relay === 'compiled') await buildRelayAsInstalled();
  if (args.memory) {
    heapSamples = mkdtempSync(join(tmpdir(), 'outflow-bench-heap-'));
    process.env.OUTFLOW_BENCH_HEAP_DIR = heapSamples;
  }
  const results: RunResult[] = [];
  try {
    for (let round = 1; round <= args.rounds; round++) {
      // Rotate the order each round, so no contender always runs first on a fresh binlog or a cooler machine.
      const order = contenders.map((_, i) => contenders[(i + round - 1) % contenders.length]!);
      for (const contender of order) results.push(await runOnce(source, contender, args, round));
    }
  } finally {
    if (heapSamples !== undefined) rmSync(heapSamples, { recursive: true, force: true });
  }
  const date = new Date().toISOString().slice(0, 10);
  const rows = contenders.map((contender) => {
    const runs = results.filter((r) => r.contender === contender.label);
    const m = (f: (r: RunResult) => number) => median(runs.map(f));
    const fmt = (n: number, digits = 0) => (Number.isNaN(n) ? '–' : n.toFixed(digits));
    return `| ${date} | ${commitId} | ${source.label} | ${contender.label}${args.note === '' ? '' : ` (${args.note})`} | ${runs.length} | ${fmt(m((r) => r.drainRate))} | ${fmt(m((r) => r.coldStartMs) / 1000, 2)} | ${fmt(m((r) => r.p50))} / ${fmt(m((r) => r.p99))} (${args.rate}/s, ${fmt(m((r) => r.achieved))} achieved) | ${fmt(m((r) => r.fastP99))} (${args.fastRate}/s, ${fmt(m((r) => r.fastAchieved))} achieved) | ${fmt(m((r) => r.steadyRssMb))} / ${fmt(m((r) => r.peakRssMb))} | ${fmt(m((r) => r.writeRate))} | ${runs.map((r) => r.load.toFixed(1)).join(', ')} | ${fmt(m((r) => r.restP99))} / ${fmt(m((r) => r.restMax))} | ${fmt(m((r) => r.idleRssMb))} |`;
  });
  console.log(
    `\n| date | commit | source | contender | rounds | drain (events/s) | cold start → first event (s) | commit → consumer p50 / p99 ms | p99 ms fast | RSS steady / peak MB | backlog written (events/s) | load (1 min, per round) | REST p99 / max during drain (ms) | RSS idle MB |`,
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const row of rows) console.log(row);
  for (const r of results)
    if (r.fastSplit !== undefined)
      console.log(
        `${r.contender}, round ${r.round}, ${args.fastRate}/s: commit → conversion ${r.fastSplit.toConversion} ms, conversion → consumer ${r.fastSplit.toConsumer} ms (p50 / p99); cores ${JSON.stringify(r.fastCores)}`,
      );
  // Each relay contender's run with the median peak: where its RSS went idle and at that peak.
  const memoryRows = contenders.flatMap((contender) => {
    const runs = results
      .filter((r) => r.contender === contender.label && r.memory !== undefined)
      .sort((a, b) => a.peakRssMb - b.peakRssMb);
    const run = runs[Math.floor((runs.length - 1) / 2)];
    if (run === undefined) return [];
    return (['idle', 'peak'] as const).flatMap((at) => {
      const b = run.memory?.[at];
      if (b === undefined) return [];
      console.log(`${contender.label}, round ${run.round}, ${at}: ${formatBreakdown(b)}`);
      return [
        `| ${date} | ${commitId} | ${source.label} | ${contender.label}${args.note === '' ? '' : ` (${args.note})`} | ${run.round} of ${runs.length} | ${at} | ${b.rssMb} | ${b.fileMb} | ${heapCells(b, 'main')} | ${heapCells(b, 'task')} | ${b.nativeMb} | ${b.externalMb} | ${run.load.toFixed(1)} |`,
      ];
    });
  });
  const relays = results.filter((r) => r.contender.startsWith('Outflow'));
  const dbz = results.filter((r) => r.contender.startsWith('Debezium') && !r.contender.includes('poll'));
  if (relays.length > 0 && dbz.length > 0)
    console.log(
      `\nrelay / Debezium (medians): drain ×${(median(relays.map((r) => r.drainRate)) / median(dbz.map((r) => r.drainRate))).toFixed(2)}, peak RSS ×${(median(relays.map((r) => r.peakRssMb)) / median(dbz.map((r) => r.peakRssMb))).toFixed(2)}`,
    );
  if (args.record) {
    recordRows(ROWS_MARKER, rows);
    if (memoryRows.length > 0) recordRows(MEMORY_ROWS_MARKER, memoryRows);
    say('rows added to BENCHMARKS.md');
  }
}
