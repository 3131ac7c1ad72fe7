/**
 * `@outflow/adapters/drizzle`: Drizzle ORM (node-postgres, postgres.js, mysql2 and the other SQL drivers). The
 * transaction is the `tx` of `db.transaction(async (tx) => …)`; the database object itself is not accepted
 * (it has no `rollback`).
 *
 * @packageDocumentation
 */
import type { Handler, InboxDatabase, InboxDialect, InboxEvent, SqlExecutor } from '@outflow/inbox';
import { type SQL, sql } from 'drizzle-orm';
import { bindExecutor, checkDialect, fromDriverResult, inboxDatabaseOver } from './executor.ts';
import { handlerFor } from './handler.ts';
import { splitPlaceholders } from './placeholders.ts';

/** What every Drizzle transaction has and a Drizzle database lacks: `rollback()`. */
export interface DrizzleTransaction {
  /** Throws to roll the transaction back. */
  rollback(): never;
  /** Runs a `sql` query. */
  execute(query: SQL): PromiseLike<unknown>;
}

/** A Drizzle database: it opens transactions of type `Tx` and runs `sql` queries. */
export interface DrizzleDatabase<Tx extends DrizzleTransaction> {
  /** Drizzle's `db.transaction(fn)`. */
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /** Drizzle's `db.execute(query)`. */
  execute(query: SQL): PromiseLike<unknown>;
}

/** Positional-placeholder SQL as a Drizzle `sql` object, each value a bound parameter. */
function toSql(text: string, values: unknown[], dialect: InboxDialect): SQL {
  const split = splitPlaceholders(text, dialect);
  const chunks: SQL[] = [sql.raw(split.text[0]!)];
  split.params.forEach((index, i) => {
    chunks.push(sql`${values[index] ?? null}`, sql.raw(split.text[i + 1]!));
  });
  return sql.join(chunks);
}

/**
 * The executor `outbox.write` and the inbox take, running on the open transaction `tx`. `dialect` says which
 * placeholders the SQL it is given uses (Drizzle has no runtime name for it).
 */
export function sqlExecutor(tx: DrizzleTransaction, options: { dialect: InboxDialect }): SqlExecutor {
  const dialect = checkDialect(options.dialect);
  return bindExecutor(tx, async (text, values) =>
    fromDriverResult(await tx.execute(toSql(text, values, dialect))),
  );
}

/** An `InboxDatabase` on `db`: each record's transaction is one `db.transaction(…)`. */
export function inboxDatabase<Tx extends DrizzleTransaction>(
  db: DrizzleDatabase<Tx>,
  options: { dialect: InboxDialect },
): InboxDatabase {
  const dialect = checkDialect(options.dialect);
  return inboxDatabaseOver<Tx>(
    dialect,
    (fn) => db.transaction(fn),
    (tx) => sqlExecutor(tx, { dialect }),
    async (text, values) => fromDriverResult(await db.execute(toSql(text, values, dialect))),
  );
}

/** An inbox handler given the Drizzle `tx` of the record's transaction. */
export function inboxHandler<
  Tx extends DrizzleTransaction,
  TPayload = unknown,
  TType extends string = string,
>(fn: (tx: Tx, event: InboxEvent<TPayload, TType>) => Promise<void> | void): Handler<TPayload, TType> {
  return handlerFor('drizzle', fn);
}
