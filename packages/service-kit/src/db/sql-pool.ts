import type { SqlPool } from './pool.ts';
import { pingWithin, runTransaction, type TransactionConnection } from './run-transaction.ts';

/** What a database's folder (`mysql/`, `postgres/`) supplies to build a {@link SqlPool}: only the driver calls. */
export interface PoolDriver {
  readonly dialect: SqlPool['dialect'];
  /** A pooled connection, wrapped for the transaction runner. */
  acquire(): Promise<TransactionConnection>;
  /** True if a driver error means the database cannot be reached. */
  isUnavailable(error: unknown): boolean;
  /** One statement on any pooled connection (autocommit); the driver's result. */
  query(sql: string, values: unknown[]): Promise<unknown>;
  /** Ends the driver's pool. */
  end(): Promise<void>;
}

/** The {@link SqlPool} over a driver: transactions through `runTransaction`, `SELECT 1` pings, one close. */
export function sqlPool(driver: PoolDriver): SqlPool {
  let closed = false;
  return {
    dialect: driver.dialect,
    transaction: (fn) => runTransaction(() => driver.acquire(), driver.isUnavailable, fn),
    execute: (sql, values) => driver.query(sql, values ?? []),
    ping: () => pingWithin(() => driver.query('SELECT 1', [])),
    async close() {
      if (closed) return;
      closed = true;
      await driver.end();
    },
  };
}
