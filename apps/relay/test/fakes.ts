import { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ConfigDef,
  type ProducerRecord,
  RelayError,
  type Sink,
  type SourceConnectorPlugin,
  type SourceRecord,
} from '@outflow/relay-core';
import { eventRouterPlugin } from '@outflow/transforms';
import { createPluginRegistry } from '../src/plugins.ts';
import { type CreatedRelay, createRelay, type RelayBackends } from '../src/relay.ts';
import { createMemoryConfigStore } from '../src/worker/config-store.ts';
import { createMemoryOffsetStore } from '../src/worker/offsets.ts';

/** The seed's `POST /connectors` body, verbatim. */
export const SEED_BODY =
  '{"name":"outbox-connector","config":{"connector.class":"io.debezium.connector.mysql.MySqlConnector","tasks.max":"1","database.hostname":"mysql","database.port":"3306","database.user":"mysqluser","database.password":"mysqlpw","database.server.id":"184054","database.server.name":"dbserver1","table.include.list":"course.outbox","database.history.kafka.bootstrap.servers":"kafka:9092","database.history.kafka.topic":"course.outbox","database.allowPublicKeyRetrieval":"true"}}';

/** What the fake source does; tests change it between runs. */
export const fakeSource = {
  /** Records handed out by the next polls. */
  queue: [] as SourceRecord[],
  /** Thrown by `start`: a retriable or fatal failure. */
  failStart: undefined as RelayError | undefined,
  /** How long `start` takes. */
  startDelayMs: 0,
  starts: 0,
  stops: 0,
  /** The values the last task was created with (provider references resolved). */
  lastValues: undefined as Readonly<Record<string, unknown>> | undefined,
};

/** What the fake sink does: `hang` makes every send wait forever (a Kafka that stopped answering). */
export const fakeSink = { hang: false };

/** A stand-in for the MySQL connector with the same property names (no I/O). */
export const fakeMySqlPlugin: SourceConnectorPlugin = {
  classNames: [
    'io.debezium.connector.mysql.MySqlConnector',
    'io.debezium.connector.mariadb.MariaDbConnector',
  ],
  version: '9.9.9-fake',
  configDef: new ConfigDef([
    { name: 'database.hostname', type: 'string', description: 'Host.' },
    { name: 'database.port', type: 'int', default: 3306, description: 'Port.' },
    { name: 'database.user', type: 'string', description: 'User.' },
    { name: 'database.password', type: 'password', description: 'Password.' },
    { name: 'database.server.id', type: 'long', min: 1, description: 'Replica id.' },
    { name: 'topic.prefix', type: 'string', aliases: ['database.server.name'], description: 'Prefix.' },
    { name: 'table.include.list', type: 'list', default: null, description: 'Tables.' },
    {
      name: 'schema.history.internal.kafka.bootstrap.servers',
      type: 'string',
      default: null,
      aliases: ['database.history.kafka.bootstrap.servers'],
      description: 'History brokers.',
    },
    {
      name: 'schema.history.internal.kafka.topic',
      type: 'string',
      default: null,
      aliases: ['database.history.kafka.topic'],
      description: 'History topic.',
    },
  ]),
  acceptsProperty: (name) => name.startsWith('database.'),
  createTask(values) {
    fakeSource.lastValues = values;
    return {
      async start(context) {
        fakeSource.starts++;
        await context.offset({ server: values['topic.prefix'] });
        if (fakeSource.startDelayMs > 0) await sleep(fakeSource.startDelayMs);
        if (fakeSource.failStart !== undefined) throw fakeSource.failStart;
      },
      async poll(signal) {
        if (fakeSource.queue.length > 0) return fakeSource.queue.splice(0);
        await sleep(5, undefined, { signal }).catch(() => undefined);
        return [];
      },
      async stop() {
        fakeSource.stops++;
      },
    };
  },
};

/** A change event as the MySQL source would emit it for an outbox row. */
export function outboxRecord(op: 'c' | 'd', id: string, file = 'binlog.000001', pos = 100): SourceRecord {
  const row = {
    id,
    aggregatetype: 'Course',
    aggregateid: 'course-1',
    type: 'CoursePosted',
    payload: '{"a":1}',
  };
  return {
    sourcePartition: { server: 'dbserver1' },
    sourceOffset: { file, pos, row: 0, event: 1 },
    topic: 'dbserver1.course.outbox',
    keySchema: null,
    key: { id },
    valueSchema: null,
    value: {
      before: op === 'd' ? row : null,
      after: op === 'c' ? row : null,
      source: { ts_ms: Date.now() - 50, file, pos },
      op,
      ts_ms: Date.now(),
    },
    headers: [],
  };
}

/** A relay over fakes: memory stores, a recording sink, captured logs. */
export async function createTestRelay(
  options: {
    configStore?: RelayBackends['configStore'];
    offsetStore?: RelayBackends['offsetStore'];
    workerProperties?: Record<string, string>;
    env?: Record<string, string>;
  } = {},
): Promise<{ relay: CreatedRelay; sent: ProducerRecord[]; logs: () => string } & RelayBackends> {
  const sent: ProducerRecord[] = [];
  const lines: string[] = [];
  const logStream = new PassThrough();
  logStream.on('data', (chunk: Buffer) => lines.push(chunk.toString('utf8')));
  const backends: RelayBackends = {
    configStore: options.configStore ?? createMemoryConfigStore(),
    offsetStore: options.offsetStore ?? createMemoryOffsetStore(),
    createSink: (): Sink => ({
      async send(records) {
        if (fakeSink.hang) await new Promise(() => {});
        sent.push(...records);
      },
      async close() {},
    }),
    kafkaClusterId: async () => 'fake-cluster',
    async close() {},
  };
  const relay = await createRelay({
    workerProperties: { 'log.level': 'debug', 'offset.flush.interval.ms': '0', ...options.workerProperties },
    env: options.env ?? {},
    plugins: createPluginRegistry({ connectors: [fakeMySqlPlugin], transforms: [eventRouterPlugin] }),
    backends: async () => backends,
    logDestination: logStream,
    backoff: { initialMs: 5, maxMs: 20 },
  });
  return { relay, sent, logs: () => lines.join(''), ...backends };
}

/** Polls `check` until it is true (or fails after `ms`). */
export async function eventually(check: () => boolean | Promise<boolean>, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(5);
  }
}

export { RelayError };
