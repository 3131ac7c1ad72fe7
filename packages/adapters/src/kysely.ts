/**
 * `@outflow/adapters/kysely`: Kysely. The transaction is the `Transaction<DB>` of `db.transaction().execute(…)`
 * (or a `ControlledTransaction`); the `Kysely<DB>` instance itself is not accepted.
 *
 * @packageDocumentation
 */
import type { Handler, InboxDatabase, InboxDialect, InboxEvent, SqlExecutor } from '@outflow/inbox';
import { CompiledQuery, type Kysely, type Transaction } from 'kysely';
import { bindExecutor, checkDialect, inboxDatabaseOver, result } from './executor.ts';
import { handlerFor } from './handler.ts';

/** Runs raw SQL through Kysely's driver: `?` or `$n` placeholders, whichever the database takes. */
async function raw<DB>(db: Kysely<DB>, sql: string, values: unknown[]) {
  const r = await db.executeQuery(CompiledQuery.raw(sql, values));
  return result(r.rows as unknown[], r.numAffectedRows);
}

/** The executor `outbox.write` and the inbox take, running on the open transaction `trx`. */
export function sqlExecutor<DB>(trx: Transaction<DB>): SqlExecutor {
  return bindExecutor(trx, (sql, values) => raw(trx, sql, values));
}

/** An `InboxDatabase` on `db`: each record's transaction is one `db.transaction().execute(…)`. */
export function inboxDatabase<DB>(db: Kysely<DB>, options: { dialect: InboxDialect }): InboxDatabase {
  return inboxDatabaseOver<Transaction<DB>>(
    checkDialect(options.dialect),
    (fn) => db.transaction().execute(fn),
    sqlExecutor,
    (sql, values) => raw(db, sql, values),
  );
}

/** An inbox handler given the `Transaction<DB>` of the record's transaction. */
export function inboxHandler<DB, TPayload = unknown, TType extends string = string>(
  fn: (trx: Transaction<DB>, event: InboxEvent<TPayload, TType>) => Promise<void> | void,
): Handler<TPayload, TType> {
  return handlerFor('kysely', fn);
}

/** A Kysely migration (the shape Kysely's `Migrator` takes, declared here so any Kysely version fits). */
export interface KyselyMigration {
  /** Creates the tables. */
  up(db: Kysely<unknown>): Promise<void>;
}

/**
 * A Kysely migration creating the given tables (the outbox, the inbox: anything with `ddl()`), for a Migrator's
 * provider: `{ '0001_outflow': migration(outbox, inbox) }`. Their DDL is idempotent; `down` is left out on
 * purpose, dropping an outbox is never automatic.
 */
export function migration(...tables: readonly { ddl(): string[] }[]): KyselyMigration {
  return {
    async up(db) {
      for (const table of tables) {
        for (const statement of table.ddl()) await db.executeQuery(CompiledQuery.raw(statement));
      }
    },
  };
}
