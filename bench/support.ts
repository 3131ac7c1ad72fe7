/**
 * The relay benchmark, whatever the source database, through the relay's CLI as a user runs it:
 *   1. backlog: N outbox events committed while the relay is stopped, then the relay started; reports the
 *      drain rate (events/s from the first to the last event in Kafka) and the time from process start;
 *   2. steady: events committed one per transaction at a fixed rate while the relay runs; reports the
 *      commit → consumer latency p50/p99;
 *   3. the relay's peak RSS (VmHWM) over both phases.
 * Each database's script (`relay-mysql.ts`, `relay-postgres.ts`) gives its connector and its writers.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Outboxable } from '@outflow/outbox';
import { collectTopics } from '@outflow/testing';
import { eventRouterConfig, workerConfig } from '../apps/relay/test/support/connectors.ts';
import { freePort, startRelayProcess } from '../apps/relay/test/support/relay-process.ts';

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
  /** A unique name for the connector, its topics (and a slot, where the database has them). */
  readonly name: string;
  /** The connector's source properties; the Event Router routing to the bench topic is added. */
  readonly connector: Readonly<Record<string, string>>;
  openWriter(): Promise<BenchWriter>;
}

/** `--events`, `--rate`, `--seconds`, `--exactly-once enabled|disabled` from the command line. */
export function benchArgs(): { backlog: number; rate: number; seconds: number; exactlyOnce: string } {
  const { values } = parseArgs({
    options: {
      events: { type: 'string', default: '100000' },
      rate: { type: 'string', default: '1000' },
      seconds: { type: 'string', default: '10' },
      'exactly-once': { type: 'string', default: 'enabled' },
    },
  });
  const exactlyOnce = values['exactly-once'];
  if (exactlyOnce !== 'enabled' && exactlyOnce !== 'disabled')
    throw new Error(`--exactly-once: expected enabled or disabled, got ${exactlyOnce}`);
  return {
    backlog: Number(values.events),
    rate: Number(values.rate),
    seconds: Number(values.seconds),
    exactlyOnce,
  };
}

/** Commits, again (after a short random pause) after a deadlock or serialisation failure (the outbox marks those `retriable`). */
async function commit(
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

function say(line: string): void {
  console.log(`bench: ${line}`);
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

const payload = {
  name: 'MSA 파헤치기',
  description: 'MSA의 모든 것을 가르쳐 드립니다.',
  teacherId: '7ead2ed1-77fa-4d70-bdfd-77e67c513bbd',
  thumbnail: 'msa_course.jpeg',
  posted: true,
};

/** Runs both phases against `source` and prints the result row (Markdown table). */
export async function runRelayBench(source: BenchSource): Promise<void> {
  const { backlog, rate, seconds, exactlyOnce } = benchArgs();
  const dir = mkdtempSync(join(tmpdir(), 'outflow-bench-'));
  const { name } = source;
  const topic = `${name}.events`;
  const collector = await collectTopics([topic]);
  const options = {
    dir,
    restPort: await freePort(),
    worker: workerConfig(name, { 'exactly.once.source.support': exactlyOnce }),
    connector: { name, config: { ...source.connector, 'topic.prefix': name, ...eventRouterConfig(topic) } },
  };
  try {
    say('starting the relay once to record its starting position');
    let relay = await startRelayProcess(options);
    await relay.waitForRunning(name);
    const warm = await source.openWriter();
    await commit(warm, [{ aggregateType: 'Course', aggregateId: 'warmup', type: 'Warmup', payload }]);
    await warm.end();
    await collector.waitFor((r) => r.length >= 1);
    await relay.stop();

    say(`writing a backlog of ${backlog} events (100 per transaction) while the relay is stopped…`);
    const writers = 4;
    let written = 0;
    let lastReport = Date.now();
    await Promise.all(
      Array.from({ length: writers }, async (_, w) => {
        const writer = await source.openWriter();
        for (let i = w * 100; i < backlog; i += writers * 100) {
          const events = Array.from({ length: Math.min(100, backlog - i) }, (_, j) => ({
            aggregateType: 'Course',
            aggregateId: `course-${(i + j) % 1000}`,
            type: 'CoursePostedEvent',
            payload: { ...payload, seq: i + j },
          }));
          await commit(writer, events);
          written += events.length;
          if (Date.now() - lastReport > 2000) {
            say(`  ${written} written`);
            lastReport = Date.now();
          }
        }
        await writer.end();
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
    const idle: BenchWriter[] = await Promise.all(Array.from({ length: 8 }, () => source.openWriter()));
    const steadyStart = Date.now();
    const all = [...idle];
    const waiting: ((writer: BenchWriter) => void)[] = [];
    const acquire = async () => idle.pop() ?? new Promise<BenchWriter>((resolve) => waiting.push(resolve));
    const release = (writer: BenchWriter) => {
      const next = waiting.shift();
      if (next) next(writer);
      else idle.push(writer);
    };
    const inFlight: Promise<void>[] = [];
    for (let i = 0; i < rate * seconds; i++) {
      const due = steadyStart + i * interval;
      const wait = due - Date.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      inFlight.push(
        (async () => {
          const writer = await acquire();
          try {
            const [row] = await commit(writer, [
              {
                aggregateType: 'Course',
                aggregateId: `course-${i % 1000}`,
                type: 'CoursePostedEvent',
                payload: { ...payload, seq: i },
              },
            ]);
            committedAt.set(row!.id, Date.now());
          } finally {
            release(writer);
          }
        })(),
      );
    }
    await Promise.all(inFlight);
    const achieved = Math.round((rate * seconds) / ((Date.now() - steadyStart) / 1000));
    await collector.waitFor((r) => r.length >= target + rate * seconds, { timeoutMs: 120_000 });
    await Promise.all(all.map((writer) => writer.end()));
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
      `| ${source.label}${exactlyOnce === 'enabled' ? ', exactly-once' : ', at-least-once'} | ${backlog} | ${drainRate} | ${fromStart} | ${rate}/s (${achieved}/s) | ${percentile(latencies, 50)} | ${percentile(latencies, 99)} | ${peakMb} |`,
    );
  } finally {
    await collector.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
