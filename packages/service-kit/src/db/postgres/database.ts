/** The {@link SqlPool} over `pg`, for PostgreSQL. */
import pg from 'pg';
import { databaseName } from '../../config.ts';
import type { PoolOptions, SqlPool, Transaction } from '../pool.ts';
import type { TransactionConnection } from '../run-transaction.ts';
import { sqlPool } from '../sql-pool.ts';
import { isPostgresUnavailable } from './connection-errors.ts';

/** A pool on a PostgreSQL database, from a `postgres://` or `postgresql://` URL. Connects lazily. */
export function createPostgresPool(url: string, options: PoolOptions = {}): SqlPool {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.maxConnections ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
  });
  return fromPostgresPool(pool, options);
}

/** A {@link SqlPool} over an existing `pg` `Pool`. Closing the result ends `pool`. */
export function fromPostgresPool(pool: pg.Pool, options: Pick<PoolOptions, 'onIdleError'> = {}): SqlPool {
  // Idle clients that lose their server (e.g. 57P01 on shutdown) emit here; without a listener the process dies.
  pool.on('error', (error) => options.onIdleError?.(error));
  async function acquire(): Promise<TransactionConnection> {
    const client = await pool.connect();
    // pg-pool stops listening for 'error' on a checked-out client, and a lost connection emits one besides
    // failing the running query: without this listener the process would crash. The query's rejection is
    // what the caller sees.
    const ignore = () => {};
    client.on('error', ignore);
    return {
      executor: client as Transaction,
      begin: async () => void (await client.query('BEGIN')),
      commit: async () => void (await client.query('COMMIT')),
      rollback: async () => void (await client.query('ROLLBACK')),
      release: () => {
        client.off('error', ignore);
        client.release();
      },
      destroy: () => {
        client.off('error', ignore);
        client.release(true);
      },
    };
  }

  return sqlPool({
    dialect: 'postgres',
    acquire,
    isUnavailable: isPostgresUnavailable,
    query: (sql, values) => pool.query(sql, values),
    end: () => pool.end(),
  });
}

/**
 * Creates the URL's database if `pg_database` does not list it, connecting to the `postgres` maintenance
 * database with the same credentials; a start-up step. Needs the CREATEDB privilege.
 */
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
