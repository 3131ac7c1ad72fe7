/**
 * An inbox consumer of the workload (`workload.ts`) in a process of its own, so that the benchmark can
 * measure its memory and the crash test can SIGKILL it. Configured by one JSON argument:
 * `{ url, dialect, bootstrapServers, topic, groupId, handler: 'event'|'batch', expected?, options? }`.
 * With `expected` it exits once that many records are finished and prints one JSON line (throughput, peak
 * RSS, timings); without it, it runs until killed (SIGTERM closes it cleanly).
 */
import { connectPool } from '@outflow/service-kit';
import { createInbox, createInboxConsumer, type InboxConsumerOptions } from '../src/index.ts';
import { readModelHandler } from './workload.ts';

interface Config {
  readonly url: string;
  readonly dialect: 'mysql' | 'postgres';
  readonly bootstrapServers: string;
  readonly topic: string;
  readonly groupId: string;
  readonly handler: 'event' | 'batch';
  readonly expected?: number;
  readonly options?: Partial<InboxConsumerOptions>;
}

const config = JSON.parse(process.argv[2] ?? '{}') as Config;
const database = connectPool(config.url, { maxConnections: 10 });
const inbox = createInbox({ dialect: config.dialect });
await database.transaction((tx) => inbox.migrate(tx));
const consumer = createInboxConsumer({
  bootstrapServers: config.bootstrapServers,
  groupId: config.groupId,
  topics: [config.topic],
  database,
  inbox,
  handlers: { CoursePostedEvent: readModelHandler(config.dialect, config.handler) },
  cleanupIntervalMs: 0,
  createDeadLetterTopics: false,
  ...config.options,
});
process.on('SIGTERM', () => {
  void consumer.close().then(() => database.close());
});
consumer.done.catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
await consumer.start();
console.log(JSON.stringify({ ready: true }));

if (config.expected !== undefined) {
  const finished = () => {
    const s = consumer.stats();
    return s.handled + s.duplicates + s.unhandled + s.deadLettered + s.skipped;
  };
  let first: number | undefined;
  const started = performance.now();
  while (finished() < config.expected) {
    if (first === undefined && consumer.stats().consumed > 0) first = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const end = performance.now();
  const seconds = (end - (first ?? started)) / 1000;
  console.log(
    JSON.stringify({
      events: finished(),
      seconds,
      withStartSeconds: (end - started) / 1000,
      eventsPerSecond: Math.round(finished() / seconds),
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
      cpuSeconds: (process.cpuUsage().user + process.cpuUsage().system) / 1e6,
      memoryMb: Object.fromEntries(
        Object.entries(process.memoryUsage()).map(([k, v]) => [k, Math.round(v / 1048576)]),
      ),
      stats: consumer.stats(),
      timings: await consumer.timings(),
    }),
  );
  await consumer.close();
  await database.close();
}
