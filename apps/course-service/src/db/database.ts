/**
 * The small database seam the service runs on: a pool that hands out transactions. One implementation per
 * database in `mysql/` and `postgres/`, with the same file set.
 */
import type { SqlExecutor } from '@outflow/outbox';
import type { CourseRepository } from '../courses/course-repository.ts';

/** Which SQL dialect a database speaks. */
export type Dialect = 'mysql' | 'postgres';

/**
 * A pooled connection inside an open transaction: the driver's own connection (mysql2 or pg), typed down to the
 * one method the outbox needs, so `outbox.write(tx, event)` joins the same transaction. Valid only inside the
 * `transaction` callback that received it.
 */
export type Transaction = SqlExecutor;

/** A connection pool to the course database. */
export interface Database {
  /** The dialect, picked from the URL scheme. */
  readonly dialect: Dialect;
  /** The course repository for this dialect. */
  readonly courses: CourseRepository;
  /**
   * Runs `fn` in a transaction on one pooled connection: commits if `fn` resolves, rolls back if it throws,
   * and always returns the connection to the pool. Driver errors meaning "the database cannot be reached" are
   * rethrown as `DatabaseUnavailableError` (code `DATABASE_UNAVAILABLE`); if the connection turns out to be
   * dead before the transaction began, a fresh one is tried first. Safe to call concurrently.
   */
  transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T>;
  /** Resolves if the database answers `SELECT 1`; rejects with `DatabaseUnavailableError` otherwise. */
  ping(): Promise<void>;
  /** Closes the pool, waiting for connections in use to be released. Later calls fail as unavailable. */
  close(): Promise<void>;
}

/** Options shared by both pool implementations. */
export interface PoolOptions {
  /** Maximum connections in the pool (default 10). */
  readonly maxConnections?: number;
  /** How long to wait for a new connection before giving up, in ms (default 5000). */
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

/** True if `error`, or any error in its `cause` chain, satisfies `test`. */
export function someCause(error: unknown, test: (e: Error & { code?: unknown }) => boolean): boolean {
  for (let e = error, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    if (test(e)) return true;
  }
  return false;
}
