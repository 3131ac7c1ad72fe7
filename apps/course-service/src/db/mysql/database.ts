import mysql from 'mysql2/promise';
import { databaseName } from '../../config.ts';
import { DatabaseUnavailableError } from '../../errors.ts';
import type { Database, PoolOptions, Transaction } from '../database.ts';
import { runTransaction, withTimeout } from '../run-transaction.ts';
import { isMysqlUnavailable } from './connection-errors.ts';
import { createMysqlCourseRepository } from './course-repository.ts';

/** mysql2 connection options from a `mysql://` or `mariadb://` URL (user, password, host, port, database). */
function connectionOptions(url: string, withDatabase: boolean): mysql.ConnectionOptions {
  const u = new URL(url);
  const options: mysql.ConnectionOptions = {
    host: u.hostname,
    port: u.port === '' ? 3306 : Number(u.port),
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    timezone: 'Z',
    charset: 'utf8mb4_unicode_ci',
    supportBigNumbers: true,
  };
  if (withDatabase) options.database = databaseName(u);
  return options;
}

/** A pool on a MySQL/MariaDB database, from a `mysql://` or `mariadb://` URL. Connects lazily. */
export function createMysqlDatabase(url: string, options: PoolOptions = {}): Database {
  const pool = mysql.createPool({
    ...connectionOptions(url, true),
    connectionLimit: options.maxConnections ?? 10,
    connectTimeout: options.connectTimeoutMs ?? 5000,
    waitForConnections: true,
    enableKeepAlive: true,
  });
  // An idle connection that dies is dropped from the pool by mysql2; report it and carry on.
  pool.on('connection', (conn) => {
    conn.on('error', (error: unknown) => options.onIdleError?.(error));
  });
  const courses = createMysqlCourseRepository();
  let closed = false;

  async function acquire() {
    const conn = await pool.getConnection();
    return {
      executor: conn as Transaction,
      begin: () => conn.beginTransaction(),
      commit: () => conn.commit(),
      rollback: () => conn.rollback(),
      release: () => conn.release(),
      destroy: () => conn.destroy(),
    };
  }

  return {
    dialect: 'mysql',
    courses,
    transaction: (fn) => runTransaction(acquire, isMysqlUnavailable, fn),
    async ping() {
      try {
        await withTimeout(pool.query('SELECT 1'), 2000);
      } catch (error) {
        throw error instanceof DatabaseUnavailableError ? error : new DatabaseUnavailableError(error);
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}

/**
 * Creates the URL's database (utf8mb4) if it does not exist, connecting without one; a start-up step, since the
 * pool cannot connect to a missing database. Needs the CREATE privilege.
 */
export async function ensureMysqlDatabase(url: string): Promise<void> {
  const name = databaseName(new URL(url));
  const conn = await mysql.createConnection({ ...connectionOptions(url, false), connectTimeout: 5000 });
  try {
    const quoted = `\`${name.replaceAll('`', '``')}\``;
    await conn.query(
      `CREATE DATABASE IF NOT EXISTS ${quoted} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
    );
  } finally {
    await conn.end();
  }
}
