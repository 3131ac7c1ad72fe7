/** The {@link SqlPool} over `mysql2/promise`, for MySQL and MariaDB. */
import { readFileSync } from 'node:fs';
import mysql from 'mysql2/promise';
import { databaseName } from '../../config.ts';
import type { PoolOptions, SqlPool, Transaction } from '../pool.ts';
import type { TransactionConnection } from '../run-transaction.ts';
import { sqlPool } from '../sql-pool.ts';
import { isMysqlUnavailable } from './connection-errors.ts';

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
  const ssl = mysqlTlsOptions(u.searchParams);
  if (ssl !== undefined) options.ssl = ssl;
  return options;
}

const SSL_MODES = ['DISABLED', 'PREFERRED', 'REQUIRED', 'VERIFY_CA', 'VERIFY_IDENTITY'];

/**
 * TLS from a `mysql://` URL's query, with the MySQL client's names: `ssl-mode` (or Connector/J's `sslMode`:
 * `DISABLED`, `PREFERRED`, `REQUIRED`, `VERIFY_CA` checks the chain, `VERIFY_IDENTITY` also the host name),
 * `ssl-ca`, `ssl-cert`, `ssl-key` (PEM files). Undefined when the URL asks for no TLS.
 */
export function mysqlTlsOptions(params: URLSearchParams): mysql.SslOptions | undefined {
  const mode = (params.get('ssl-mode') ?? params.get('sslMode') ?? '').toUpperCase();
  const file = (name: string) => {
    const path = params.get(name);
    return path === null ? undefined : readFileSync(path, 'utf8');
  };
  if (mode === '' && params.get('ssl-ca') === null) return undefined;
  if (mode !== '' && !SSL_MODES.includes(mode))
    throw new Error(`DATABASE_URL: ssl-mode must be one of ${SSL_MODES.join(', ')}, got '${mode}'`);
  if (mode === 'DISABLED') return undefined;
  const verify =
    mode === 'VERIFY_CA' || mode === 'VERIFY_IDENTITY' || (mode === '' && params.get('ssl-ca') !== null);
  const ca = file('ssl-ca');
  const cert = file('ssl-cert');
  const key = file('ssl-key');
  return {
    rejectUnauthorized: verify,
    verifyIdentity: mode === 'VERIFY_IDENTITY',
    ...(ca === undefined ? {} : { ca }),
    ...(cert === undefined ? {} : { cert }),
    ...(key === undefined ? {} : { key }),
  };
}

/**
 * A pool on a MySQL/MariaDB database, from a `mysql://` or `mariadb://` URL. Connects lazily. Dates are read
 * and written as UTC (`timezone: 'Z'`), text as utf8mb4.
 */
export function createMysqlPool(url: string, options: PoolOptions = {}): SqlPool {
  const pool = mysql.createPool({
    ...connectionOptions(url, true),
    connectionLimit: options.maxConnections ?? 10,
    connectTimeout: options.connectTimeoutMs ?? 5000,
    waitForConnections: true,
    enableKeepAlive: true,
  });
  return fromMysqlPool(pool, options);
}

/**
 * A {@link SqlPool} over an existing `mysql2/promise` pool (create it with `timezone: 'Z'` if you store
 * `DATETIME`s). Closing the result ends `pool`.
 */
export function fromMysqlPool(pool: mysql.Pool, options: Pick<PoolOptions, 'onIdleError'> = {}): SqlPool {
  // An idle connection that dies is dropped from the pool by mysql2; report it and carry on.
  pool.on('connection', (conn) => {
    conn.on('error', (error: unknown) => options.onIdleError?.(error));
  });
  async function acquire(): Promise<TransactionConnection> {
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

  return sqlPool({
    dialect: 'mysql',
    acquire,
    isUnavailable: isMysqlUnavailable,
    query: (sql, values) => pool.query(sql, values),
    end: () => pool.end(),
  });
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
