import { ConfigError, redactUrl } from '../config.ts';
import { type Database, dialectOf, type PoolOptions } from './database.ts';
import { createMysqlDatabase, ensureMysqlDatabase } from './mysql/database.ts';
import { createPostgresDatabase, ensurePostgresDatabase } from './postgres/database.ts';

function dialectOrThrow(url: string) {
  const dialect = dialectOf(url);
  if (dialect === undefined) {
    throw new ConfigError([
      `DATABASE_URL must be a mysql://, mariadb://, postgres:// or postgresql:// URL, got '${redactUrl(url)}'`,
    ]);
  }
  return dialect;
}

/** Opens a pool on the database at `url`; the scheme picks MySQL/MariaDB or PostgreSQL. Connects lazily. */
export function connectDatabase(url: string, options: PoolOptions = {}): Database {
  return dialectOrThrow(url) === 'mysql'
    ? createMysqlDatabase(url, options)
    : createPostgresDatabase(url, options);
}

/** Creates the database named in `url` if it is missing. Needs the privilege to create databases. */
export async function ensureDatabaseExists(url: string): Promise<void> {
  if (dialectOrThrow(url) === 'mysql') await ensureMysqlDatabase(url);
  else await ensurePostgresDatabase(url);
}
