import { clientSecurity, parseBootstrapServers } from '@outflow/kafka';
import type { RawRecord } from '../envelope.ts';
import { InboxConfigError } from '../errors.ts';
import type { Inbox } from '../inbox.ts';
import {
  checkFunction,
  checkInteger,
  checkString,
  isPlainObject,
  type OptionSpec,
  rejectUnknown,
} from '../options.ts';
import type { BatchHandler, Handler, Handlers, InboxDatabase, InboxEvent, InboxLogger } from '../types.ts';
import { silentLogger } from '../types.ts';
import { type ResolvedHandler, resolveHandler } from './dispatch.ts';

/** What happened to an event whose transaction committed. */
export type TransactionOutcome = 'handled' | 'unhandled' | 'duplicate';

/** Options of `createInboxConsumer`. Unknown fields are rejected; see {@link CONSUMER_OPTION_SPECS}. */
export interface InboxConsumerOptions<TEvents extends Record<string, unknown> = Record<string, unknown>> {
  /** Kafka brokers, `host:port` (array or comma-separated). */
  bootstrapServers: string | readonly string[];
  /** Client id the broker sees (default `outflow-inbox`). */
  clientId?: string;
  /**
   * Kafka client security properties with Kafka's names: `security.protocol`, `sasl.mechanism`,
   * `sasl.jaas.config`, `ssl.truststore.*`, `ssl.keystore.*`, `ssl.endpoint.identification.algorithm`.
   */
  clientProperties?: Readonly<Record<string, string>>;
  /** Consumer group: its members share the partitions and the committed offsets. */
  groupId: string;
  /** Topics to consume, e.g. `['outbox.event.Course']`. */
  topics: readonly string[];
  /** Where the inbox table and the handlers' data live. Not closed by the consumer. */
  database: InboxDatabase;
  /** The inbox table (from `createInbox`); its dialect must be the database's. */
  inbox: Inbox;
  /** Handlers by event type. */
  handlers: Handlers<TEvents>;
  /** Called for events whose type has no handler or is unknown; without it they are recorded and skipped. */
  fallbackHandler?: Handler | BatchHandler;
  /** Header holding the event id (default `id`, the Event Router's). */
  idHeader?: string;
  /** Header holding the event type (default `eventType`, as `table.fields.additional.placement=type:header:eventType`). */
  typeHeader?: string;
  /** Fallback when no header carries the type: the type from the parsed payload. */
  typeFrom?: (payload: unknown, record: RawRecord) => string | undefined;
  /** Handler retries: `attempts` in all (default 5), backoff doubling from `minBackoffMs` (100) to `maxBackoffMs` (5000). */
  retry?: { attempts?: number; minBackoffMs?: number; maxBackoffMs?: number };
  /** Dead-letter topic: a name, or a function of the source topic (default `<topic>.dlq`). */
  deadLetterTopic?: string | ((topic: string) => string);
  /** Create missing dead-letter topics at start (default `true`). */
  createDeadLetterTopics?: boolean;
  /** Inbox rows older than this are deleted by the cleanup (default 7 days). */
  retentionMs?: number;
  /** Cleanup period (default 60 000 ms; 0 turns the periodic cleanup off). */
  cleanupIntervalMs?: number;
  /** Rows per cleanup DELETE (default 1000). */
  cleanupBatchSize?: number;
  /** Where a group without committed offsets starts (default `earliest`). */
  startFrom?: 'earliest' | 'latest';
  /**
   * Batches: up to `maxRecords` consecutive records of one partition (default 500; `1` turns batching off)
   * are handled in one transaction; a partition with fewer waits up to `lingerMs` (default 0: a batch takes
   * what has arrived, and records arriving while a transaction runs form the next one).
   */
  batch?: { maxRecords?: number; lingerMs?: number };
  /** Most database transactions running at once, over all partitions (default 4). */
  concurrency?: number;
  /**
   * `'partition'` (default): one batch at a time per partition, in offset order. `'key'`: batches of one
   * partition may run at once when they share no record key (order is kept per key, i.e. per aggregate).
   */
  ordering?: 'partition' | 'key';
  /** Records read ahead and not yet processed, over all partitions (default 1000). */
  maxInFlight?: number;
  /** Bytes (keys, values, headers) read ahead and not yet processed, over all partitions (default 4 MiB). */
  maxInFlightBytes?: number;
  /** Most bytes one fetch brings, over all partitions (default 1 MiB; a larger first record still comes). */
  fetchMaxBytes?: number;
  /** Most bytes one fetch brings for one partition (default 256 KiB), so that a fetch mixes partitions. */
  fetchMaxBytesPerPartition?: number;
  /** Consumer group session timeout (default 10 000 ms). */
  sessionTimeoutMs?: number;
  /** Heartbeat period (default 3000 ms). */
  heartbeatIntervalMs?: number;
  /** Longest broker-side wait of a fetch (default 500 ms). */
  maxWaitTimeMs?: number;
  /**
   * Errors retried without limit and without counting attempts (the database is unreachable, not the event
   * bad). Default: socket errors and the drivers' connection-loss codes.
   */
  isTransient?: (error: unknown) => boolean;
  /** Logger (pino-compatible); default silent. */
  logger?: InboxLogger;
  /**
   * Test seams. `afterTransaction` runs after an event's database transaction committed and before its Kafka
   * offset is committed; if it throws, the consumer stops there as if the process had died (the offset stays
   * uncommitted), which is how crash recovery is tested.
   */
  hooks?: { afterTransaction?: (event: InboxEvent, outcome: TransactionOutcome) => void | Promise<void> };
}

/** Options after defaults and validation. */
export interface ResolvedConsumerOptions {
  readonly bootstrapServers: string[];
  readonly clientId: string;
  readonly clientProperties: Readonly<Record<string, string>>;
  readonly groupId: string;
  readonly topics: readonly string[];
  readonly database: InboxDatabase;
  readonly inbox: Inbox;
  readonly handlers: Readonly<Record<string, ResolvedHandler>>;
  readonly fallbackHandler: ResolvedHandler | undefined;
  readonly idHeader: string;
  readonly typeHeader: string;
  readonly typeFrom: ((payload: unknown, record: RawRecord) => string | undefined) | undefined;
  readonly attempts: number;
  readonly minBackoffMs: number;
  readonly maxBackoffMs: number;
  readonly deadLetterTopic: (topic: string) => string;
  readonly createDeadLetterTopics: boolean;
  readonly retentionMs: number;
  readonly cleanupIntervalMs: number;
  readonly cleanupBatchSize: number;
  readonly startFrom: 'earliest' | 'latest';
  readonly maxBatchRecords: number;
  readonly lingerMs: number;
  readonly concurrency: number;
  readonly ordering: 'partition' | 'key';
  readonly maxInFlight: number;
  readonly maxInFlightBytes: number;
  readonly fetchMaxBytes: number;
  readonly fetchMaxBytesPerPartition: number;
  readonly sessionTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  readonly maxWaitTimeMs: number;
  readonly isTransient: (error: unknown) => boolean;
  readonly logger: InboxLogger;
  readonly afterTransaction:
    | ((event: InboxEvent, outcome: TransactionOutcome) => void | Promise<void>)
    | undefined;
}

const DAY = 24 * 60 * 60 * 1000;
const TOPIC = /^[a-zA-Z0-9._-]{1,249}$/;

/** Every option of `createInboxConsumer`, declared once (the README's table mirrors it). */
export const CONSUMER_OPTION_SPECS: readonly OptionSpec[] = [
  { name: 'bootstrapServers', default: '(required)', description: 'Kafka brokers, `host:port`' },
  { name: 'clientId', default: '`outflow-inbox`', description: 'client id the broker sees' },
  {
    name: 'clientProperties',
    default: 'PLAINTEXT',
    description:
      'Kafka security properties: `security.protocol`, `sasl.mechanism`, `sasl.jaas.config`, `ssl.*` (PEM)',
  },
  { name: 'groupId', default: '(required)', description: 'consumer group' },
  { name: 'topics', default: '(required)', description: 'topics to consume' },
  { name: 'database', default: '(required)', description: '`InboxDatabase` (transaction + execute)' },
  { name: 'inbox', default: '(required)', description: 'the inbox table, from `createInbox`' },
  { name: 'handlers', default: '(required)', description: 'handlers by event type' },
  {
    name: 'fallbackHandler',
    default: 'none',
    description: 'handler for types without one (and unknown types)',
  },
  { name: 'idHeader', default: '`id`', description: 'header with the event id' },
  { name: 'typeHeader', default: '`eventType`', description: 'header with the event type' },
  { name: 'typeFrom', default: 'none', description: '`(payload, record) => type` when no header has it' },
  { name: 'retry.attempts', default: '`5`', description: 'handler attempts before dead-lettering' },
  { name: 'retry.minBackoffMs', default: '`100`', description: 'first retry delay, doubled each time' },
  { name: 'retry.maxBackoffMs', default: '`5000`', description: 'longest retry delay' },
  { name: 'deadLetterTopic', default: '`<topic>.dlq`', description: 'name, or function of the source topic' },
  {
    name: 'createDeadLetterTopics',
    default: '`true`',
    description: 'create missing dead-letter topics at start',
  },
  {
    name: 'retentionMs',
    default: '`604800000` (7 days)',
    description: 'age after which inbox rows are deleted',
  },
  { name: 'cleanupIntervalMs', default: '`60000`', description: 'cleanup period; `0` turns it off' },
  { name: 'cleanupBatchSize', default: '`1000`', description: 'rows per cleanup DELETE' },
  { name: 'startFrom', default: '`earliest`', description: 'start of a group with no committed offset' },
  {
    name: 'batch.maxRecords',
    default: '`500`',
    description: 'records of one partition per transaction; `1` turns batching off',
  },
  { name: 'batch.lingerMs', default: '`0`', description: 'how long a short batch waits for more records' },
  { name: 'concurrency', default: '`4`', description: 'database transactions at once, over all partitions' },
  {
    name: 'ordering',
    default: "`'partition'`",
    description: "`'key'`: batches of one partition run at once when their keys differ",
  },
  { name: 'maxInFlight', default: '`1000`', description: 'records read ahead over all partitions' },
  {
    name: 'maxInFlightBytes',
    default: '`4194304` (4 MiB)',
    description: 'bytes read ahead over all partitions',
  },
  { name: 'fetchMaxBytes', default: '`1048576` (1 MiB)', description: 'bytes one fetch brings at most' },
  {
    name: 'fetchMaxBytesPerPartition',
    default: '`262144` (256 KiB)',
    description: 'bytes one fetch brings from one partition',
  },
  { name: 'sessionTimeoutMs', default: '`10000`', description: 'group session timeout' },
  { name: 'heartbeatIntervalMs', default: '`3000`', description: 'group heartbeat period' },
  { name: 'maxWaitTimeMs', default: '`500`', description: 'longest broker wait of one fetch' },
  { name: 'isTransient', default: 'connection errors', description: 'errors retried forever, not counted' },
  { name: 'logger', default: 'silent', description: 'pino-compatible logger' },
  {
    name: 'hooks.afterTransaction',
    default: 'none',
    description: 'test seam between DB commit and offset commit',
  },
];

const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'PROTOCOL_CONNECTION_LOST',
  'ER_CON_COUNT_ERROR',
  'DATABASE_UNAVAILABLE',
  '57P01',
  '57P02',
  '57P03',
  '53300',
]);

/** Default {@link InboxConsumerOptions.isTransient}: the database (not the event) is the problem. */
export function isConnectionError(error: unknown): boolean {
  for (let e = error, depth = 0; typeof e === 'object' && e !== null && depth < 8; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && (TRANSIENT_CODES.has(code) || /^08[0-9A-Z]{3}$/.test(code))) return true;
    if ((e as { fatal?: unknown }).fatal === true) return true;
    const message = (e as { message?: unknown }).message;
    if (
      typeof message === 'string' &&
      /^(Connection terminated|Client has encountered a connection error)/.test(message)
    ) {
      return true;
    }
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

function checkBoolean(option: string, value: unknown): boolean | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw new InboxConfigError(option, value, 'must be true or false');
  return value;
}

/** Applies defaults and validates every field, naming the first bad one (`INBOX_CONFIG_INVALID`). */
export function resolveConsumerOptions(options: InboxConsumerOptions): ResolvedConsumerOptions {
  if (!isPlainObject(options)) throw new InboxConfigError('options', options, 'must be an object');
  const o = options as unknown as Record<string, unknown>;
  rejectUnknown(o, CONSUMER_OPTION_SPECS);

  let bootstrapServers: string[];
  try {
    bootstrapServers = parseBootstrapServers(options.bootstrapServers);
  } catch (error) {
    throw new InboxConfigError('bootstrapServers', options.bootstrapServers, (error as Error).message);
  }
  const clientProperties = options.clientProperties ?? {};
  try {
    clientSecurity(clientProperties);
  } catch (error) {
    throw new InboxConfigError('clientProperties', undefined, (error as Error).message);
  }
  const groupId = checkString('groupId', options.groupId);
  if (groupId === undefined) throw new InboxConfigError('groupId', undefined, 'is required');
  const topics = options.topics as unknown;
  if (!Array.isArray(topics) || topics.length === 0) {
    throw new InboxConfigError('topics', topics, 'must be a non-empty array of topic names');
  }
  for (const topic of topics) {
    if (typeof topic !== 'string' || !TOPIC.test(topic)) {
      throw new InboxConfigError(
        'topics',
        topic,
        'each topic must be 1 to 249 characters from [a-zA-Z0-9._-]',
      );
    }
  }

  const inbox = options.inbox as Inbox | undefined;
  if (!isPlainObject(inbox) || typeof inbox.record !== 'function') {
    throw new InboxConfigError('inbox', inbox, 'must be an inbox from createInbox()');
  }
  const database = options.database as InboxDatabase | undefined;
  if (
    !isPlainObject(database) ||
    typeof database.transaction !== 'function' ||
    typeof database.execute !== 'function'
  ) {
    throw new InboxConfigError('database', database, 'must have transaction(fn) and execute(sql, values)');
  }
  if (database.dialect !== inbox.dialect) {
    throw new InboxConfigError(
      'database',
      database.dialect,
      `its dialect must be the inbox's ('${inbox.dialect}')`,
    );
  }

  if (!isPlainObject(options.handlers))
    throw new InboxConfigError('handlers', options.handlers, 'must be an object');
  const handlers: Record<string, ResolvedHandler> = {};
  for (const [type, handler] of Object.entries(options.handlers)) {
    if (handler === undefined) continue;
    handlers[type] = resolveHandler(`handlers.${type}`, handler);
  }

  const batch = options.batch ?? {};
  if (!isPlainObject(batch)) throw new InboxConfigError('batch', batch, 'must be an object');
  rejectUnknown(batch, CONSUMER_OPTION_SPECS, 'batch.');
  const ordering = options.ordering ?? 'partition';
  if (ordering !== 'partition' && ordering !== 'key') {
    throw new InboxConfigError('ordering', ordering, "must be 'partition' or 'key'");
  }

  const retry = options.retry ?? {};
  if (!isPlainObject(retry)) throw new InboxConfigError('retry', retry, 'must be an object');
  rejectUnknown(retry, CONSUMER_OPTION_SPECS, 'retry.');
  const minBackoffMs = checkInteger('retry.minBackoffMs', retry.minBackoffMs, 0, 3_600_000) ?? 100;
  const maxBackoffMs = checkInteger('retry.maxBackoffMs', retry.maxBackoffMs, 0, 3_600_000) ?? 5000;
  if (maxBackoffMs < minBackoffMs) {
    throw new InboxConfigError(
      'retry.maxBackoffMs',
      maxBackoffMs,
      'must not be lower than retry.minBackoffMs',
    );
  }

  const dlq = options.deadLetterTopic;
  let deadLetterTopic: (topic: string) => string;
  if (dlq === undefined) deadLetterTopic = (topic) => `${topic}.dlq`;
  else if (typeof dlq === 'function') deadLetterTopic = dlq;
  else if (typeof dlq === 'string' && TOPIC.test(dlq)) deadLetterTopic = () => dlq;
  else
    throw new InboxConfigError(
      'deadLetterTopic',
      dlq,
      'must be a topic name or a function of the source topic',
    );

  const hooks = options.hooks ?? {};
  if (!isPlainObject(hooks)) throw new InboxConfigError('hooks', hooks, 'must be an object');
  rejectUnknown(hooks, CONSUMER_OPTION_SPECS, 'hooks.');

  const startFrom = options.startFrom ?? 'earliest';
  if (startFrom !== 'earliest' && startFrom !== 'latest') {
    throw new InboxConfigError('startFrom', startFrom, "must be 'earliest' or 'latest'");
  }
  const sessionTimeoutMs =
    checkInteger('sessionTimeoutMs', options.sessionTimeoutMs, 1000, 3_600_000) ?? 10_000;
  const heartbeatIntervalMs =
    checkInteger('heartbeatIntervalMs', options.heartbeatIntervalMs, 100, 3_600_000) ?? 3000;
  if (heartbeatIntervalMs >= sessionTimeoutMs) {
    throw new InboxConfigError(
      'heartbeatIntervalMs',
      heartbeatIntervalMs,
      'must be lower than sessionTimeoutMs',
    );
  }
  const logger = options.logger ?? silentLogger;
  if (typeof logger !== 'object' || logger === null || typeof logger.warn !== 'function') {
    throw new InboxConfigError('logger', logger, 'must have debug, info, warn and error methods');
  }

  return Object.freeze({
    bootstrapServers,
    clientId: checkString('clientId', options.clientId) ?? 'outflow-inbox',
    clientProperties,
    groupId,
    topics: Object.freeze([...(topics as string[])]),
    database,
    inbox,
    handlers: Object.freeze(handlers),
    fallbackHandler:
      options.fallbackHandler === undefined
        ? undefined
        : resolveHandler('fallbackHandler', options.fallbackHandler),
    idHeader: checkString('idHeader', options.idHeader) ?? 'id',
    typeHeader: checkString('typeHeader', options.typeHeader) ?? 'eventType',
    typeFrom: checkFunction<ResolvedConsumerOptions['typeFrom']>('typeFrom', options.typeFrom),
    attempts: checkInteger('retry.attempts', retry.attempts, 1, 1000) ?? 5,
    minBackoffMs,
    maxBackoffMs,
    deadLetterTopic,
    createDeadLetterTopics: checkBoolean('createDeadLetterTopics', options.createDeadLetterTopics) ?? true,
    retentionMs: checkInteger('retentionMs', options.retentionMs, 1000, 10 * 365 * DAY) ?? 7 * DAY,
    cleanupIntervalMs: checkInteger('cleanupIntervalMs', options.cleanupIntervalMs, 0, DAY) ?? 60_000,
    cleanupBatchSize: checkInteger('cleanupBatchSize', options.cleanupBatchSize, 1, 100_000) ?? 1000,
    startFrom,
    maxBatchRecords: checkInteger('batch.maxRecords', batch.maxRecords, 1, 5000) ?? 500,
    lingerMs: checkInteger('batch.lingerMs', batch.lingerMs, 0, 60_000) ?? 0,
    concurrency: checkInteger('concurrency', options.concurrency, 1, 1000) ?? 4,
    ordering,
    maxInFlight: checkInteger('maxInFlight', options.maxInFlight, 1, 100_000) ?? 1000,
    maxInFlightBytes:
      checkInteger('maxInFlightBytes', options.maxInFlightBytes, 1024, 2 ** 31 - 1) ?? 4 * 1024 * 1024,
    fetchMaxBytes: checkInteger('fetchMaxBytes', options.fetchMaxBytes, 1024, 2 ** 31 - 1) ?? 1024 * 1024,
    fetchMaxBytesPerPartition:
      checkInteger('fetchMaxBytesPerPartition', options.fetchMaxBytesPerPartition, 1024, 2 ** 31 - 1) ??
      256 * 1024,
    sessionTimeoutMs,
    heartbeatIntervalMs,
    maxWaitTimeMs: checkInteger('maxWaitTimeMs', options.maxWaitTimeMs, 0, 600_000) ?? 500,
    isTransient:
      checkFunction<(error: unknown) => boolean>('isTransient', options.isTransient) ?? isConnectionError,
    logger,
    afterTransaction: checkFunction<ResolvedConsumerOptions['afterTransaction']>(
      'hooks.afterTransaction',
      hooks.afterTransaction,
    ),
  });
}
