/**
 * `@outflow/adapters/mysql2`: mysql2's promise API. The transaction is the `PoolConnection` (or `Connection`)
 * on which you called `beginTransaction()`; a `Pool` is not accepted, since each of its queries may run on
 * another connection.
 *
 * @packageDocumentation
 */
import type { Handler, InboxDatabase, InboxEvent, SqlExecutor } from '@outflow/inbox';
import type { Connection, Pool, PoolConnection } from 'mysql2/promise';
import { bindExecutor, fromDriverResult, inboxDatabaseOver } from './executor.ts';
import { handlerFor } from './handler.ts';

/** A mysql2/promise connection holding an open transaction. */
export type Mysql2Transaction = PoolConnection | Connection;

/**
 * mysql2's typings declare `Pool extends Connection`, so a pool would fit {@link Mysql2Transaction}; this turns
 * that call into a compile error whose message says what to pass instead.
 */
export type NotAPool<C> = C extends Pool
  ? { 'pass the PoolConnection holding the transaction, not the Pool': never }
  : unknown;

/** The executor `outbox.write` and the inbox take, running on `connection`'s open transaction. */
export function sqlExecutor<C extends Mysql2Transaction>(connection: C & NotAPool<C>): SqlExecutor {
  return bindExecutor(connection, async (sql, values) =>
    fromDriverResult(await connection.query(sql, values as never)),
  );
}

/** Runs `fn` between `beginTransaction()` and `commit()` on one pooled connection (`rollback()` if it throws). */
async function inTransaction<T>(pool: Pool, fn: (connection: PoolConnection) => Promise<T>): Promise<T> {
  const connection = await pool.getConnection();
  try {
    await connection.beginTransaction();
    const value = await fn(connection);
    await connection.commit();
    return value;
  } catch (error) {
    await connection.rollback().catch(() => connection.destroy());
    throw error;
  } finally {
    connection.release();
  }
}

/** An `InboxDatabase` on `pool`: each record's transaction runs on one pooled connection. */
export function inboxDatabase(pool: Pool): InboxDatabase {
  return inboxDatabaseOver<PoolConnection>(
    'mysql',
    (fn) => inTransaction(pool, fn),
    sqlExecutor,
    async (sql, values) => fromDriverResult(await pool.query(sql, values as never)),
  );
}

/** An inbox handler given the `PoolConnection` that holds the record's transaction. */
export function inboxHandler<TPayload = unknown, TType extends string = string>(
  fn: (connection: PoolConnection, event: InboxEvent<TPayload, TType>) => Promise<void> | void,
): Handler<TPayload, TType> {
  return handlerFor('mysql2', fn);
}
