import { mysqlDatabase } from '@outflow/inbox';
import mysql from 'mysql2/promise';
import { databaseName } from '../../config.ts';
import { classifiedTransaction, type Database, type PoolOptions, pingWithin } from '../database.ts';
import { createMysqlCatalogRepository } from './catalog-repository.ts';

/** mysql2 connection options from a `mysql://` or `mariadb://` URL. */
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
  pool.on('connection', (conn) => {
    conn.on('error', (error: unknown) => options.onIdleError?.(error));
  });
  const inbox = mysqlDatabase(pool);
  let closed = false;
  return {
    dialect: 'mysql',
    catalog: createMysqlCatalogRepository(),
    inbox,
    transaction: classifiedTransaction(inbox),
    ping: () => pingWithin(() => pool.query('SELECT 1')),
    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}

/** Creates the URL's database (utf8mb4) if it does not exist; needs the CREATE privilege. */
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
