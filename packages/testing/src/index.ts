import mysql from 'mysql2/promise';
import pg from 'pg';

import { host, mariadbPort, postgresPort, uniqueName } from './env.ts';

export { host, kafkaBootstrap, mariadbPort, postgresPort, uniqueName } from './env.ts';
export { type LogEntry, recordingLogger } from './logger.ts';

/** Connection URL for the project's MariaDB, optionally on one database. */
export function mariadbUrl(database?: string): string {
  return `mysql://outflow:outflow@${host}:${mariadbPort}/${database ?? ''}`;
}

/** Connection URL for the project's PostgreSQL, on `database` (default `outflow`). */
export function postgresUrl(database = 'outflow'): string {
  return `postgres://outflow:outflow@${host}:${postgresPort}/${database}`;
}

/** A throwaway database: its name, its URL, and `drop()` to remove it. */
export interface TestDatabase {
  readonly name: string;
  readonly url: string;
  drop(): Promise<void>;
}

/** Creates a fresh utf8mb4 database on the project's MariaDB. */
export async function createMariaDbDatabase(prefix = 'test'): Promise<TestDatabase> {
  const name = uniqueName(prefix);
  const admin = await mysql.createConnection(mariadbUrl());
  try {
    await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  } finally {
    await admin.end();
  }
  return {
    name,
    url: mariadbUrl(name),
    async drop() {
      const c = await mysql.createConnection(mariadbUrl());
      try {
        await c.query(`DROP DATABASE IF EXISTS \`${name}\``);
      } finally {
        await c.end();
      }
    },
  };
}

/** Creates a fresh database on the project's PostgreSQL. */
export async function createPostgresDatabase(prefix = 'test'): Promise<TestDatabase> {
  const name = uniqueName(prefix);
  const admin = new pg.Client({ connectionString: postgresUrl() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  return {
    name,
    url: postgresUrl(name),
    async drop() {
      const c = new pg.Client({ connectionString: postgresUrl() });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

export { type CollectedRecord, collectTopics, type TopicCollector } from './kafka.ts';
export { closedPort, TcpProxy } from './tcp-proxy.ts';
