/**
 * `@outflow/adapters/knex`: Knex. The transaction is the `Knex.Transaction` of `knex.transaction(async (trx) =>
 * …)` (or `await knex.transaction()`); the `Knex` instance itself is not accepted.
 *
 * @packageDocumentation
 */
import type { Handler, InboxDatabase, InboxDialect, InboxEvent, SqlExecutor } from '@outflow/inbox';
import type { Knex } from 'knex';
import { bindExecutor, checkDialect, fromDriverResult, inboxDatabaseOver } from './executor.ts';
import { handlerFor } from './handler.ts';
import { splitPlaceholders } from './placeholders.ts';

/** Runs positional-placeholder SQL as `knex.raw` with `?` bindings (a literal `?` is escaped for Knex). */
async function raw(knex: Knex, text: string, values: unknown[], dialect: InboxDialect) {
  const split = splitPlaceholders(text, dialect);
  const body = split.text.map((t) => t.replaceAll('?', '\\?')).join('?');
  const bindings = split.params.map((i) => (values[i] ?? null) as Knex.Value);
  return fromDriverResult(await knex.raw(body, bindings));
}

/**
 * The executor `outbox.write` and the inbox take, running on the open transaction `trx`. `dialect` says which
 * placeholders the SQL it is given uses.
 */
export function sqlExecutor(trx: Knex.Transaction, options: { dialect: InboxDialect }): SqlExecutor {
  const dialect = checkDialect(options.dialect);
  return bindExecutor(trx, (text, values) => raw(trx, text, values, dialect));
}

/** An `InboxDatabase` on `knex`: each record's transaction is one `knex.transaction(…)`. */
export function inboxDatabase(knex: Knex, options: { dialect: InboxDialect }): InboxDatabase {
  const dialect = checkDialect(options.dialect);
  return inboxDatabaseOver<Knex.Transaction>(
    dialect,
    (fn) => knex.transaction(fn),
    (trx) => sqlExecutor(trx, { dialect }),
    (text, values) => raw(knex, text, values, dialect),
  );
}

/** An inbox handler given the `Knex.Transaction` of the record's transaction. */
export function inboxHandler<TPayload = unknown, TType extends string = string>(
  fn: (trx: Knex.Transaction, event: InboxEvent<TPayload, TType>) => Promise<void> | void,
): Handler<TPayload, TType> {
  return handlerFor('knex', fn);
}

/**
 * A Knex migration module creating the given tables (the outbox, the inbox: anything with `ddl()`):
 * `export const { up } = migration(outbox, inbox);` in a file of your migrations directory. Their DDL is
 * idempotent; `down` does nothing on purpose, dropping an outbox is never automatic.
 */
export function migration(...tables: readonly { ddl(): string[] }[]): Knex.Migration {
  return {
    async up(knex) {
      for (const table of tables) {
        for (const statement of table.ddl()) await knex.raw(statement.replaceAll('?', '\\?'));
      }
    },
    async down() {},
  };
}
