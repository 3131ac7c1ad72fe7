import { ConfigError, redactUrl } from '../config.ts';
import { createMysqlPool, ensureMysqlDatabase } from './mysql/database.ts';
import { dialectOf, type PoolOptions, type SqlPool } from './pool.ts';
import { createPostgresPool, ensurePostgresDatabase } from './postgres/database.ts';

function dialectOrThrow(url: string) {
  const dialect = dialectOf(url);
  if (dialect === undefined) {
    throw new ConfigError([
      `DATABASE_URL must be a mysql://, mariadb://, postgres:// or postgresql:// URL, got '${redactUrl(url)}'`,
    ]);
  }
  return dialect;
}

/**
 * Opens a connection pool on the database at `url`; the scheme picks the implementation (`mysql://`,
 * `mariadb://` → MySQL/MariaDB; `postgres://`, `postgresql://` → PostgreSQL). Connects lazily: a database that
 * is down only shows when the pool is used.
 *
 * @throws {ConfigError} for any other scheme.
 */
export function connectPool(url: string, options: PoolOptions = {}): SqlPool {
  return dialectOrThrow(url) === 'mysql' ? createMysqlPool(url, options) : createPostgresPool(url, options);
}

/**
 * Creates the database named in `url` if it is missing: `CREATE DATABASE IF NOT EXISTS` on MySQL/MariaDB
 * (connected without a database), a `pg_database` check then `CREATE DATABASE` on PostgreSQL (connected to
 * `postgres`). Needs the privilege to create databases.
 *
 * @throws {ConfigError} for an unknown scheme; the driver's error if the server cannot be reached.
 */
export async function ensureDatabaseExists(url: string): Promise<void> {
  if (dialectOrThrow(url) === 'mysql') await ensureMysqlDatabase(url);
  else await ensurePostgresDatabase(url);
}
