import { type SourceOffset, type SourceRecord, silentLogger } from '@outflow/relay-core';
import { postgresUrl } from '@outflow/testing';
import pg from 'pg';
import { type PostgresSourceConfig, postgresConfigDef, toPostgresSourceConfig } from '../src/config.ts';
import { PostgresSourceTask } from '../src/postgres-source-task.ts';

/** Parses connector properties for a database of the project's PostgreSQL, with test-friendly timings. */
export function testConfig(database: string, props: Record<string, string> = {}): PostgresSourceConfig {
  const url = new URL(postgresUrl(database));
  const parsed = postgresConfigDef.parse({
    'database.hostname': url.hostname,
    'database.port': url.port,
    'database.user': 'outflow',
    'database.password': 'outflow',
    'database.dbname': database,
    'topic.prefix': 'dbserver1',
    'poll.interval.ms': '100',
    'status.update.interval.ms': '1000',
    ...props,
  });
  return { ...toPostgresSourceConfig(parsed.values), standbyPollIntervalMs: 200 };
}

/** A running task with an in-memory offset store that commits like the task loop (store, then commit). */
export class Harness {
  readonly task: PostgresSourceTask;
  readonly config: PostgresSourceConfig;
  stored: SourceOffset | null;
  readonly received: SourceRecord[] = [];

  constructor(config: PostgresSourceConfig, stored: SourceOffset | null = null) {
    this.config = config;
    this.stored = stored;
    this.task = new PostgresSourceTask(config, silentLogger);
  }

  async start(): Promise<this> {
    await this.task.start({ connector: 'test', logger: silentLogger, offset: async () => this.stored });
    return this;
  }

  /** Polls until `count` records (in total) were received or the timeout passes. */
  async pollUntil(count: number, timeoutMs = 15_000): Promise<SourceRecord[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.received.length < count && Date.now() < deadline) {
      this.received.push(...(await this.task.poll(AbortSignal.timeout(1000))));
    }
    if (this.received.length < count)
      throw new Error(
        `expected ${count} records, got ${this.received.length}: ${JSON.stringify(this.received.map(describe))}`,
      );
    return this.received;
  }

  /** Polls for `ms` and returns what arrived. */
  async pollFor(ms: number): Promise<SourceRecord[]> {
    const deadline = Date.now() + ms;
    const got: SourceRecord[] = [];
    while (Date.now() < deadline)
      got.push(...(await this.task.poll(AbortSignal.timeout(Math.max(1, deadline - Date.now())))));
    this.received.push(...got);
    return got;
  }

  /** Delivers a record: stores its offset and commits it, as the task loop does after Kafka acknowledged it. */
  async deliver(record: SourceRecord): Promise<void> {
    this.stored = record.sourceOffset;
    await this.task.commit(record.sourcePartition, record.sourceOffset);
  }

  async stop(): Promise<void> {
    await this.task.stop();
  }
}

/** A short description of a record for assertions and failure messages. */
export function describe(record: SourceRecord): string {
  const value = record.value as {
    op?: string;
    after?: Record<string, unknown>;
    before?: Record<string, unknown>;
  } | null;
  if (value === null) return `${record.topic}:tombstone`;
  return `${record.topic}:${value.op ?? 'hb'}`;
}

/** Runs SQL on a database of the project's PostgreSQL. */
export async function sql(database: string, text: string, params?: unknown[]): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: postgresUrl(database) });
  await client.connect();
  try {
    return await client.query(text, params);
  } finally {
    await client.end();
  }
}

/** Drops a replication slot if it exists (slots outlive databases and hold WAL). */
export async function dropSlotIfExists(slot: string): Promise<void> {
  const client = new pg.Client({ connectionString: postgresUrl() });
  await client.connect();
  try {
    await client.query(
      `SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = $1 AND active`,
      [slot],
    );
    for (let i = 0; i < 20; i++) {
      const r = await client.query(
        'SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1 AND NOT active',
        [slot],
      );
      const left = await client.query('SELECT 1 FROM pg_replication_slots WHERE slot_name = $1', [slot]);
      if (r.rowCount !== null && left.rowCount === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    await client.end();
  }
}

/**
 * The slot's confirmed_flush_lsn once it reaches `target` (or what it is when `timeoutMs` runs out): the server
 * applies a standby status update some time after the client sent it.
 */
export async function confirmedFlushReaching(
  slot: string,
  target: bigint,
  timeoutMs = 5000,
): Promise<bigint | null> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const lsn = await confirmedFlush(slot);
    if ((lsn !== null && lsn >= target) || Date.now() > deadline) return lsn;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The slot's confirmed_flush_lsn as a bigint, or null. */
export async function confirmedFlush(slot: string): Promise<bigint | null> {
  const r = await sql(
    'outflow',
    'SELECT confirmed_flush_lsn::text AS lsn FROM pg_replication_slots WHERE slot_name = $1',
    [slot],
  );
  const text = r.rows[0]?.lsn as string | undefined;
  if (text === undefined || text === null) return null;
  const [hi, lo] = text.split('/');
  return (BigInt(`0x${hi}`) << 32n) | BigInt(`0x${lo}`);
}
