/**
 * `@outflow/adapters/postgres-js`: postgres.js (`postgres` package). The transaction is the `TransactionSql`
 * that `sql.begin(async (tx) => …)` gives; the top-level `Sql` is not accepted, since each of its queries may
 * run on another connection.
 *
 * @packageDocumentation
 */
import type { Handler, InboxDatabase, InboxEvent, SqlExecutor } from '@outflow/inbox';
import type { Sql, TransactionSql } from 'postgres';
import { bindExecutor, fromDriverResult, inboxDatabaseOver } from './executor.ts';
import { handlerFor } from './handler.ts';

/** postgres.js's own default for its type map (`Sql` is `Sql<{}>`), so plain `postgres(url)` fits. */
// biome-ignore lint/complexity/noBannedTypes: the library's default is exactly `{}`
type DefaultTypes = {};

/** The executor `outbox.write` and the inbox take, running on the open transaction `tx`. */
export function sqlExecutor<TTypes extends Record<string, unknown> = DefaultTypes>(
  tx: TransactionSql<TTypes>,
): SqlExecutor {
  return bindExecutor(tx, async (sql, values) => fromDriverResult(await tx.unsafe(sql, values as never)));
}

/** An `InboxDatabase` on `sql`: each record's transaction is one `sql.begin(…)`. */
export function inboxDatabase<TTypes extends Record<string, unknown> = DefaultTypes>(
  sql: Sql<TTypes>,
): InboxDatabase {
  return inboxDatabaseOver<TransactionSql<TTypes>>(
    'postgres',
    <T>(fn: (tx: TransactionSql<TTypes>) => Promise<T>) => sql.begin((tx) => fn(tx)) as Promise<T>,
    sqlExecutor,
    async (text, values) => fromDriverResult(await sql.unsafe(text, values as never)),
  );
}

/** An inbox handler given the `TransactionSql` of the record's transaction. */
export function inboxHandler<
  TPayload = unknown,
  TType extends string = string,
  TTypes extends Record<string, unknown> = DefaultTypes,
>(
  fn: (tx: TransactionSql<TTypes>, event: InboxEvent<TPayload, TType>) => Promise<void> | void,
): Handler<TPayload, TType> {
  return handlerFor('postgres-js', fn);
}
