/**
 * `@outflow/adapters/pg`: node-postgres. The transaction is the `PoolClient` (or `Client`) on which you ran
 * `BEGIN`; a `Pool` is not accepted, since each of its queries may run on another connection.
 *
 * @packageDocumentation
 */
import type { Handler, InboxDatabase, InboxEvent, SqlExecutor } from '@outflow/inbox';
import type { Client, Pool, PoolClient } from 'pg';
import { bindExecutor, inboxDatabaseOver, result } from './executor.ts';
import { handlerFor } from './handler.ts';

/** A node-postgres connection holding an open transaction. */
export type PgTransaction = PoolClient | Client;

/** The executor `outbox.write` and the inbox take, running on `client`'s open transaction. */
export function sqlExecutor(client: PgTransaction): SqlExecutor {
  return bindExecutor(client, async (sql, values) => {
    const r = await client.query(sql, values);
    return result(r.rows, r.rowCount ?? 0);
  });
}

/** Runs `fn` between `BEGIN` and `COMMIT` on one pooled client (`ROLLBACK` if it throws). */
async function inTransaction<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query('BEGIN');
    const value = await fn(client);
    await client.query('COMMIT');
    return value;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {
      broken = true;
    });
    throw error;
  } finally {
    client.release(broken);
  }
}

/** An `InboxDatabase` on `pool`: each record's transaction is a `BEGIN … COMMIT` on one pooled client. */
export function inboxDatabase(pool: Pool): InboxDatabase {
  return inboxDatabaseOver<PoolClient>(
    'postgres',
    (fn) => inTransaction(pool, fn),
    sqlExecutor,
    async (sql, values) => {
      const r = await pool.query(sql, values);
      return result(r.rows, r.rowCount ?? 0);
    },
  );
}

/** An inbox handler given the `PoolClient` that holds the record's transaction. */
export function inboxHandler<TPayload = unknown, TType extends string = string>(
  fn: (client: PoolClient, event: InboxEvent<TPayload, TType>) => Promise<void> | void,
): Handler<TPayload, TType> {
  return handlerFor('pg', fn);
}
