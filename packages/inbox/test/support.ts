import { randomUUID } from 'node:crypto';
import { createAdmin, createProducer, ensureTopic, type OutflowProducer } from '@outflow/kafka';
import { fromMysqlPool, fromPostgresPool } from '@outflow/service-kit';
import {
  createMariaDbDatabase,
  createPostgresDatabase,
  kafkaBootstrap,
  type TestDatabase,
} from '@outflow/testing';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { createInbox, type Inbox, type InboxDatabase } from '../src/index.ts';

/** A throwaway database with an inbox table and an `effect` table handlers write to. */
export interface Fixture {
  readonly dialect: 'mysql' | 'postgres';
  readonly database: InboxDatabase;
  readonly inbox: Inbox;
  /** Runs a statement outside a transaction; resolves with the rows. */
  rows<R>(sql: string, values?: unknown[]): Promise<R[]>;
  /** `INSERT INTO effect (event_id, note)` through `tx`, with the dialect's placeholders. */
  effectSql: string;
  close(): Promise<void>;
}

/** Creates a fresh database for `dialect` with the inbox and effect tables. */
export async function createFixture(dialect: 'mysql' | 'postgres'): Promise<Fixture> {
  const test: TestDatabase =
    dialect === 'mysql' ? await createMariaDbDatabase('inbox') : await createPostgresDatabase('inbox');
  const inbox = createInbox({ dialect });
  if (dialect === 'mysql') {
    const pool = mysql.createPool({ uri: test.url, timezone: 'Z', connectionLimit: 5 });
    await inbox.migrate(pool);
    await pool.query(
      'CREATE TABLE effect (seq INT AUTO_INCREMENT PRIMARY KEY, event_id VARCHAR(255), note TEXT)',
    );
    // The service kit's pool is an InboxDatabase as it is: this assignment is the compile-time check.
    const database: InboxDatabase = fromMysqlPool(pool);
    return {
      dialect,
      database,
      inbox,
      rows: async <R>(sql: string, values: unknown[] = []) => (await pool.query(sql, values))[0] as R[],
      effectSql: 'INSERT INTO effect (event_id, note) VALUES (?, ?)',
      async close() {
        await pool.end();
        await test.drop();
      },
    };
  }
  const pool = new pg.Pool({ connectionString: test.url, max: 5 });
  pool.on('error', () => {});
  await inbox.migrate(pool);
  await pool.query('CREATE TABLE effect (seq serial PRIMARY KEY, event_id text, note text)');
  const database: InboxDatabase = fromPostgresPool(pool);
  return {
    dialect,
    database,
    inbox,
    rows: async <R>(sql: string, values: unknown[] = []) => (await pool.query(sql, values)).rows as R[],
    effectSql: 'INSERT INTO effect (event_id, note) VALUES ($1, $2)',
    async close() {
      await pool.end();
      await test.drop();
    },
  };
}

/** Creates `topic` with `partitions`. */
export async function createTopic(topic: string, partitions = 1): Promise<void> {
  const admin = createAdmin({ bootstrapServers: kafkaBootstrap, clientId: 'inbox-spec-admin' });
  try {
    await ensureTopic(admin, topic, { partitions });
  } finally {
    await admin.close();
  }
}

/** A record as the Event Router emits it: key = aggregate id, value = payload JSON, header `id`. */
export interface RoutedRecord {
  readonly id?: string;
  readonly aggregateId?: string;
  readonly type?: string;
  readonly payload?: unknown;
  /** Raw value bytes instead of `JSON.stringify(payload)`. */
  readonly raw?: string;
  readonly partition?: number;
}

/** A producer for the tests; `routed` sends Event Router-shaped records and returns their ids. */
export function testProducer(): {
  producer: OutflowProducer;
  routed(topic: string, records: RoutedRecord[]): Promise<string[]>;
} {
  const producer = createProducer({ bootstrapServers: kafkaBootstrap, clientId: 'inbox-spec-producer' });
  return {
    producer,
    async routed(topic, records) {
      const ids = records.map((r) => r.id ?? randomUUID());
      await producer.send({
        messages: records.map((r, i) => ({
          topic,
          key: r.aggregateId ?? 'aggregate-1',
          value: r.raw ?? JSON.stringify(r.payload ?? {}),
          headers: { id: ids[i] as string, ...(r.type === undefined ? {} : { eventType: r.type }) },
          ...(r.partition === undefined ? {} : { partition: r.partition }),
        })),
      });
      return ids;
    },
  };
}

/** Polls `check` every 50 ms until it returns true; fails after `timeoutMs` with `describe()`. */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  describe: () => unknown,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms: ${JSON.stringify(describe())}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
