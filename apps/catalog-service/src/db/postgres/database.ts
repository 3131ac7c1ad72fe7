import { postgresDatabase } from '@outflow/inbox';
import pg from 'pg';
import { databaseName } from '../../config.ts';
import { classifiedTransaction, type Database, type PoolOptions, pingWithin } from '../database.ts';
import { createPostgresCatalogRepository } from './catalog-repository.ts';

/** A pool on a PostgreSQL database, from a `postgres://` or `postgresql://` URL. Connects lazily. */
export function createPostgresDatabase(url: string, options: PoolOptions = {}): Database {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.maxConnections ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
  });
  // Idle clients that lose their server emit here; without a listener the process dies.
  pool.on('error', (error) => options.onIdleError?.(error));
  const inbox = postgresDatabase(pool);
  let closed = false;
  return {
    dialect: 'postgres',
    catalog: createPostgresCatalogRepository(),
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

/** Creates the URL's database if `pg_database` does not list it (connecting to `postgres`); needs CREATEDB. */
export async function ensurePostgresDatabase(url: string): Promise<void> {
  const name = databaseName(new URL(url));
  const maintenance = new URL(url);
  maintenance.pathname = '/postgres';
  const client = new pg.Client({ connectionString: maintenance.toString(), connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) {
      try {
        await client.query(`CREATE DATABASE "${name.replaceAll('"', '""')}"`);
      } catch (error) {
        // Another instance created it between the check and the CREATE.
        if ((error as { code?: unknown }).code !== '42P04') throw error;
      }
    }
  } finally {
    await client.end();
  }
}
