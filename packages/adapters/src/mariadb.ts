/**
 * `@outflow/adapters/mariadb`: the MariaDB connector (`mariadb` package, promise API). The transaction is the
 * `PoolConnection` (or `Connection`) on which you called `beginTransaction()`; a `Pool` is not accepted.
 *
 * @packageDocumentation
 */
import type { Handler, InboxDatabase, InboxEvent, SqlExecutor } from '@outflow/inbox';
import type { Connection, Pool, PoolConnection } from 'mariadb';
import { bindExecutor, fromDriverResult, inboxDatabaseOver } from './executor.ts';
import { handlerFor } from './handler.ts';

/** A mariadb connection holding an open transaction. */
export type MariadbTransaction = PoolConnection | Connection;

/** The executor `outbox.write` and the inbox take, running on `connection`'s open transaction. */
export function sqlExecutor(connection: MariadbTransaction): SqlExecutor {
  return bindExecutor(connection, async (sql, values) =>
    fromDriverResult(await connection.query(sql, values)),
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
    await connection.release().catch(() => undefined);
  }
}

/** An `InboxDatabase` on `pool`: each record's transaction runs on one pooled connection. */
export function inboxDatabase(pool: Pool): InboxDatabase {
  return inboxDatabaseOver<PoolConnection>(
    'mysql',
    (fn) => inTransaction(pool, fn),
    sqlExecutor,
    async (sql, values) => fromDriverResult(await pool.query(sql, values)),
  );
}

/** An inbox handler given the `PoolConnection` that holds the record's transaction. */
export function inboxHandler<TPayload = unknown, TType extends string = string>(
  fn: (connection: PoolConnection, event: InboxEvent<TPayload, TType>) => Promise<void> | void,
): Handler<TPayload, TType> {
  return handlerFor('mariadb', fn);
}
