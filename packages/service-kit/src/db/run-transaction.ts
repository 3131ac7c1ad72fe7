/**
 * The transaction skeleton both pool implementations share: acquire, begin, run, commit, release, with
 * connection failures classified as `DatabaseUnavailableError` and deadlock victims run again.
 */
import { DatabaseUnavailableError, ServiceError } from '../errors.ts';
import { someCause, type Transaction } from './pool.ts';

/** A pooled connection as both pool implementations expose it to {@link runTransaction}. */
export interface TransactionConnection {
  readonly executor: Transaction;
  begin(): Promise<void>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
  /** Returns a healthy connection to the pool. */
  release(): void;
  /** Closes a connection that may be broken and drops it from the pool. */
  destroy(): void;
}

/** How many pooled connections to try when they turn out to be dead before the transaction began. */
const BEGIN_ATTEMPTS = 3;

/** How many times a whole transaction runs when the database chose it as a deadlock or serialisation victim. */
const TRANSACTION_ATTEMPTS = 5;

/**
 * Deadlocks (MySQL/MariaDB 1213, PostgreSQL 40P01) and serialisation failures (40001) roll the victim back
 * entirely, so running it again is safe and is what the database asks for. Concurrent insert-then-delete on
 * the outbox table makes InnoDB deadlocks a normal event under load.
 */
export function isTransactionConflict(error: unknown): boolean {
  return someCause(
    error,
    (e) =>
      e.code === 'ER_LOCK_DEADLOCK' ||
      e.code === '40P01' ||
      e.code === '40001' ||
      (e as { errno?: unknown }).errno === 1213,
  );
}

/**
 * Runs {@link runOnce}, again (up to {@link TRANSACTION_ATTEMPTS} times, with a short jittered pause) when the
 * database rolled the transaction back as a deadlock or serialisation victim. `fn` must therefore be safe to
 * run again from the start, which holds for work done only through `tx`.
 */
export async function runTransaction<T>(
  acquire: () => Promise<TransactionConnection>,
  isUnavailable: (error: unknown) => boolean,
  fn: (tx: Transaction) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await runOnce(acquire, isUnavailable, fn);
    } catch (error) {
      if (attempt >= TRANSACTION_ATTEMPTS || !isTransactionConflict(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * attempt));
    }
  }
}

/**
 * The transaction skeleton both dialects share: acquire, begin, run `fn`, commit, release; roll back and
 * rethrow on failure. A connection that fails at `BEGIN` with a connection error (a stale pooled connection
 * after a database restart) is replaced, since nothing has run on it yet; after `BEGIN` nothing is retried.
 */
async function runOnce<T>(
  acquire: () => Promise<TransactionConnection>,
  isUnavailable: (error: unknown) => boolean,
  fn: (tx: Transaction) => Promise<T>,
): Promise<T> {
  const classify = (error: unknown): unknown =>
    error instanceof ServiceError || !isUnavailable(error) ? error : new DatabaseUnavailableError(error);

  let conn: TransactionConnection | undefined;
  for (let attempt = 1; conn === undefined; attempt++) {
    let candidate: TransactionConnection;
    try {
      candidate = await acquire();
    } catch (error) {
      throw classify(error);
    }
    try {
      await candidate.begin();
      conn = candidate;
    } catch (error) {
      candidate.destroy();
      if (!isUnavailable(error) || attempt >= BEGIN_ATTEMPTS) throw classify(error);
    }
  }

  try {
    const result = await fn(conn.executor);
    await conn.commit();
    conn.release();
    return result;
  } catch (error) {
    if (isUnavailable(error)) {
      conn.destroy();
    } else {
      try {
        await conn.rollback();
        conn.release();
      } catch {
        conn.destroy();
      }
    }
    throw classify(error);
  }
}

/** Rejects with `DatabaseUnavailableError` if `promise` takes longer than `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new DatabaseUnavailableError(new Error(`no answer within ${ms} ms`))),
      ms,
    );
  });
  promise.catch(() => {}); // if the timeout wins, a later rejection must not go unhandled
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves if `query` (a `SELECT 1`) answers within `ms`; rejects with `DatabaseUnavailableError` otherwise. */
export async function pingWithin(query: () => Promise<unknown>, ms = 2000): Promise<void> {
  try {
    await withTimeout(query(), ms);
  } catch (error) {
    throw error instanceof DatabaseUnavailableError ? error : new DatabaseUnavailableError(error);
  }
}
