/**
 * The database seam services run on: a pool that hands out transactions. One implementation per database in
 * `mysql/` and `postgres/`, with the same file set; {@link connectPool} picks one from the URL scheme.
 */

/** Which SQL dialect a database speaks. `'mysql'` covers MySQL and MariaDB. */
export type Dialect = 'mysql' | 'postgres';

/**
 * The smallest structural subset of a `mysql2/promise` connection or a `pg` client: one statement with
 * positional parameters (`?` for mysql, `$1…` for postgres). It fits `@outflow/outbox`'s and `@outflow/inbox`'s
 * executors, so `outbox.write(tx, event)` joins the same transaction.
 */
export interface SqlExecutor {
  /** Runs one statement; `values` fill the placeholders. */
  query(sql: string, values?: unknown[]): Promise<unknown>;
}

/**
 * A pooled connection inside an open transaction: the driver's own connection (mysql2 or pg), typed down to
 * `query`. Valid only inside the `transaction` callback that received it.
 */
export type Transaction = SqlExecutor;

/** What the HTTP edge and a service's routes need of its database. A service adds its repositories to it. */
export interface ServiceDatabase {
  /** The dialect, picked from the URL scheme. */
  readonly dialect: Dialect;
  /**
   * Runs `fn` in a transaction on one pooled connection: commits if `fn` resolves, rolls back if it throws,
   * and always returns the connection to the pool. Driver errors meaning "the database cannot be reached" are
   * rethrown as `DatabaseUnavailableError` (code `DATABASE_UNAVAILABLE`); if the connection turns out to be
   * dead before the transaction began, a fresh one is tried first; a deadlock or serialisation victim is run
   * again (see `runTransaction`), so `fn` must do its work only through `tx`. Safe to call concurrently.
   */
  transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T>;
  /** Resolves if the database answers `SELECT 1` within 2 s; rejects with `DatabaseUnavailableError` otherwise. */
  ping(): Promise<void>;
  /** Closes the pool, waiting for connections in use to be released. Idempotent; later use fails as unavailable. */
  close(): Promise<void>;
}

/**
 * A connection pool: {@link ServiceDatabase} plus plain statements. It is structurally an `InboxDatabase` of
 * `@outflow/inbox` (dialect, transaction, execute), so the inbox consumer takes it as it is.
 */
export interface SqlPool extends ServiceDatabase {
  /** Runs one statement outside any transaction (autocommit) on any pooled connection; the driver's result. */
  execute(sql: string, values?: unknown[]): Promise<unknown>;
}

/** Options of both pool implementations. */
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

/** Socket error codes meaning the server cannot be reached or dropped the connection, whichever the driver. */
export const SOCKET_ERROR_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
]);
