import type { InboxDatabase, InboxDialect, SqlExecutor } from '@outflow/inbox';
import { AdapterError } from './errors.ts';

/**
 * What every adapter's executor resolves with: one shape that both the outbox and the inbox read, whatever
 * the library returned (`rowCount` is what the PostgreSQL dialects read, `affectedRows` the MySQL ones).
 */
export interface ExecutorResult {
  /** Rows returned by the statement (empty for DML without RETURNING). */
  readonly rows: unknown[];
  /** Rows inserted, updated or deleted. */
  readonly rowCount: number;
  /** Same number, under the name mysql2 uses. */
  readonly affectedRows: number;
}

/** Builds an {@link ExecutorResult}. */
export function result(rows: unknown[], affected: number | bigint | undefined): ExecutorResult {
  const count = affected === undefined ? 0 : Number(affected);
  return { rows, rowCount: count, affectedRows: count };
}

/**
 * The driver's own error under a library's wrapper (Drizzle's `DrizzleQueryError` keeps it as `cause`), so the
 * inbox sees `code` (`ER_DUP_ENTRY`, `23505`) and `errno` as the driver set them.
 */
export function driverError(error: unknown): unknown {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
    if ('code' in current || 'errno' in current) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return error;
}

/** The library transaction each executor made by an adapter stands for (see {@link transactionOf}). */
const transactions = new WeakMap<SqlExecutor, unknown>();

/**
 * An executor that runs `query` on a library's transaction `tx` and remembers `tx`, so an inbox handler
 * adapted by {@link handlerFor} is given the library's own transaction object.
 */
export function bindExecutor(
  tx: unknown,
  query: (sql: string, values: unknown[]) => Promise<ExecutorResult>,
): SqlExecutor {
  const executor: SqlExecutor = {
    async query(sql: string, values: unknown[] = []) {
      try {
        return await query(sql, values);
      } catch (error) {
        throw driverError(error);
      }
    },
  };
  transactions.set(executor, tx);
  return executor;
}

/** The library transaction behind an executor made by {@link bindExecutor}; throws for any other executor. */
export function transactionOf<T>(executor: SqlExecutor, adapter: string): T {
  if (!transactions.has(executor)) {
    throw new AdapterError(
      'ADAPTER_FOREIGN_EXECUTOR',
      `This handler was adapted with @outflow/adapters/${adapter} but runs under another InboxDatabase: ` +
        `give the consumer the database from @outflow/adapters/${adapter}'s inboxDatabase().`,
      { adapter },
    );
  }
  return transactions.get(executor) as T;
}

/** Checks an adapter's `dialect` option. */
export function checkDialect(dialect: unknown): InboxDialect {
  if (dialect !== 'mysql' && dialect !== 'postgres') {
    throw new AdapterError(
      'ADAPTER_CONFIG_INVALID',
      `Invalid adapter option "dialect" (${JSON.stringify(dialect)}): must be 'mysql' or 'postgres'`,
      { option: 'dialect' },
    );
  }
  return dialect;
}

/**
 * An {@link InboxDatabase} over a library: `transaction` opens one of the library's transactions and hands the
 * inbox an executor bound to it; `execute` runs one autocommit statement (cleanup).
 */
export function inboxDatabaseOver<Tx>(
  dialect: InboxDialect,
  transaction: <T>(fn: (tx: Tx) => Promise<T>) => Promise<T>,
  executorOf: (tx: Tx) => SqlExecutor,
  execute: (sql: string, values: unknown[]) => Promise<ExecutorResult>,
): InboxDatabase {
  return Object.freeze({
    dialect,
    transaction: <T>(fn: (tx: SqlExecutor) => Promise<T>) => transaction((tx: Tx) => fn(executorOf(tx))),
    async execute(sql: string, values: unknown[] = []) {
      try {
        return await execute(sql, values);
      } catch (error) {
        throw driverError(error);
      }
    },
  });
}

/**
 * Reads what a driver resolved with into an {@link ExecutorResult}: mysql2's `[rows | ResultSetHeader, fields]`,
 * pg's `{ rows, rowCount }`, mariadb's rows array or `{ affectedRows }`, postgres.js's rows array with `count`.
 */
export function fromDriverResult(raw: unknown): ExecutorResult {
  if (Array.isArray(raw)) {
    const [first, second] = raw as unknown[];
    const mysql2Tuple = raw.length === 2 && (second === undefined || Array.isArray(second));
    if (mysql2Tuple && typeof first === 'object' && first !== null && 'affectedRows' in first) {
      return result([], (first as { affectedRows: number }).affectedRows);
    }
    if (mysql2Tuple && Array.isArray(first)) return result(first, first.length);
    const count = (raw as { count?: unknown }).count;
    return result([...raw], typeof count === 'number' ? count : raw.length);
  }
  if (typeof raw === 'object' && raw !== null) {
    const r = raw as { rows?: unknown; rowCount?: unknown; affectedRows?: unknown };
    const rows = Array.isArray(r.rows) ? r.rows : [];
    if (typeof r.rowCount === 'number') return result(rows, r.rowCount);
    if (typeof r.affectedRows === 'number' || typeof r.affectedRows === 'bigint') {
      return result(rows, r.affectedRows);
    }
    return result(rows, 0);
  }
  return result([], 0);
}
