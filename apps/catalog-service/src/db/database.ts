/**
 * The small database seam the service runs on: a pool that hands out transactions, to the HTTP routes and
 * (through `inbox`) to the event consumer. One implementation per database in `mysql/` and `postgres/`.
 */
import { type InboxDatabase, isConnectionError, type SqlExecutor } from '@outflow/inbox';
import type { CatalogRepository } from '../catalog/catalog-repository.ts';
import { CatalogServiceError, DatabaseUnavailableError } from '../errors.ts';

/** Which SQL dialect a database speaks. */
export type Dialect = 'mysql' | 'postgres';

/** The driver connection inside an open transaction, typed down to `query`. Valid only inside the callback. */
export type Transaction = SqlExecutor;

/** A connection pool to the catalog database. */
export interface Database {
  /** The dialect, picked from the URL scheme. */
  readonly dialect: Dialect;
  /** The `catalog_course` repository for this dialect. */
  readonly catalog: CatalogRepository;
  /** The same pool as the inbox consumer needs it (transactions for handlers, statements for cleanup). */
  readonly inbox: InboxDatabase;
  /**
   * Runs `fn` in a transaction on one pooled connection: commits if it resolves, rolls back if it throws.
   * Connection failures are rethrown as `DatabaseUnavailableError` (`DATABASE_UNAVAILABLE`, HTTP 503).
   */
  transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T>;
  /** Resolves if the database answers `SELECT 1` within 2 s; rejects with `DatabaseUnavailableError`. */
  ping(): Promise<void>;
  /** Closes the pool. Idempotent. */
  close(): Promise<void>;
}

/** Options shared by both pool implementations. */
export interface PoolOptions {
  /** Maximum connections in the pool (default 10). */
  readonly maxConnections?: number;
  /** How long to wait for a new connection, in ms (default 5000). */
  readonly connectTimeoutMs?: number;
  /** Told about errors on idle connections (they are dropped from the pool); default: ignored. */
  readonly onIdleError?: (error: unknown) => void;
}

/** The dialect a database URL asks for, or `undefined` for an unknown scheme. */
export function dialectOf(url: string): Dialect | undefined {
  const scheme = url.slice(0, url.indexOf(':') + 1).toLowerCase();
  if (scheme === 'mysql:' || scheme === 'mariadb:') return 'mysql';
  if (scheme === 'postgres:' || scheme === 'postgresql:') return 'postgres';
  return undefined;
}

/** Wraps the inbox database's transactions so connection failures become `DatabaseUnavailableError`. */
export function classifiedTransaction(inbox: InboxDatabase): Database['transaction'] {
  return async (fn) => {
    try {
      return await inbox.transaction(fn);
    } catch (error) {
      if (error instanceof CatalogServiceError || !isConnectionError(error)) throw error;
      throw new DatabaseUnavailableError(error);
    }
  };
}

/** `SELECT 1` within 2 s, else `DatabaseUnavailableError`. */
export async function pingWithin(query: () => Promise<unknown>, ms = 2000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const pending = query();
  pending.catch(() => {}); // if the timeout wins, a later rejection must not go unhandled
  try {
    await Promise.race([
      pending,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
      }),
    ]);
  } catch (error) {
    throw new DatabaseUnavailableError(error);
  } finally {
    clearTimeout(timer);
  }
}
