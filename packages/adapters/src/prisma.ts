/**
 * `@outflow/adapters/prisma`: Prisma ORM's interactive transactions (Prisma 5+; Prisma 7's engine-free client
 * with a driver adapter such as `@prisma/adapter-pg` included). The transaction is the `tx` of
 * `prisma.$transaction(async (tx) => …)`; the `PrismaClient` itself does not compile (it has `$connect`,
 * which Prisma leaves out of a transaction client). Statements run through `$executeRawUnsafe` /
 * `$queryRawUnsafe`, whose placeholders (`$1…` on PostgreSQL, `?` on MySQL) are those the outbox and inbox write.
 *
 * Tested on PostgreSQL (`@prisma/adapter-pg`) and MariaDB (`@prisma/adapter-mariadb`). Prisma reports a
 * duplicate key as its own `P2010` error, keeping the database's code in `meta`, where the inbox reads it.
 *
 * @packageDocumentation
 */
import type { Handler, InboxDatabase, InboxDialect, InboxEvent, SqlExecutor } from '@outflow/inbox';
import { bindExecutor, checkDialect, inboxDatabaseOver, result } from './executor.ts';
import { handlerFor } from './handler.ts';

/** What a Prisma interactive-transaction client has; the `PrismaClient` is refused by its `$connect`. */
export interface PrismaTransactionClient {
  /** Runs a statement; resolves with the number of affected rows. */
  $executeRawUnsafe(query: string, ...values: unknown[]): PromiseLike<number>;
  /** Runs a query; resolves with its rows. */
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): PromiseLike<T>;
  /** Absent on a transaction client (Prisma omits it there): passing the `PrismaClient` does not compile. */
  $connect?: never;
}

/** A `PrismaClient` opening interactive transactions of type `Tx`. */
export interface PrismaClientLike<Tx extends PrismaTransactionClient> {
  /** Prisma's interactive `$transaction(fn)`. */
  $transaction<R>(fn: (tx: Tx) => Promise<R>): Promise<R>;
  /** Runs a statement outside any transaction. */
  $executeRawUnsafe(query: string, ...values: unknown[]): PromiseLike<number>;
}

const RETURNS_ROWS = /^\s*(select|with|show|values)\b/i;

/** Runs one statement: `$queryRawUnsafe` when it returns rows (and the client has it), else `$executeRawUnsafe`. */
async function raw(
  client: {
    $executeRawUnsafe(query: string, ...values: unknown[]): PromiseLike<number>;
    $queryRawUnsafe?<T = unknown>(query: string, ...values: unknown[]): PromiseLike<T>;
  },
  sql: string,
  values: unknown[],
) {
  if (RETURNS_ROWS.test(sql) && client.$queryRawUnsafe !== undefined) {
    const rows = await client.$queryRawUnsafe<unknown[]>(sql, ...values);
    return result(rows, rows.length);
  }
  return result([], await client.$executeRawUnsafe(sql, ...values));
}

/** The executor `outbox.write` and the inbox take, running on the interactive transaction `tx`. */
export function sqlExecutor(tx: PrismaTransactionClient): SqlExecutor {
  return bindExecutor(tx, (sql, values) => raw(tx, sql, values));
}

/** An `InboxDatabase` on `prisma`: each record's transaction is one interactive `prisma.$transaction(…)`. */
export function inboxDatabase<Tx extends PrismaTransactionClient>(
  prisma: PrismaClientLike<Tx>,
  options: { dialect: InboxDialect },
): InboxDatabase {
  return inboxDatabaseOver<Tx>(
    checkDialect(options.dialect),
    (fn) => prisma.$transaction(fn),
    sqlExecutor,
    (sql, values) => raw(prisma, sql, values),
  );
}

/** An inbox handler given the transaction client of the record's transaction. */
export function inboxHandler<
  Tx extends PrismaTransactionClient,
  TPayload = unknown,
  TType extends string = string,
>(fn: (tx: Tx, event: InboxEvent<TPayload, TType>) => Promise<void> | void): Handler<TPayload, TType> {
  return handlerFor('prisma', fn);
}
