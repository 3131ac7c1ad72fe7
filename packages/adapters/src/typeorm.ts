/**
 * `@outflow/adapters/typeorm`: TypeORM. The transaction is the `EntityManager` that
 * `dataSource.transaction(async (manager) => …)` gives, or a `QueryRunner` after `startTransaction()`. A
 * `DataSource` does not compile; `dataSource.manager` has the same type as a transaction's manager, so it is
 * refused at run time (`ADAPTER_NOT_IN_TRANSACTION`).
 *
 * @packageDocumentation
 */
import type { Handler, InboxDatabase, InboxEvent, SqlExecutor } from '@outflow/inbox';
import type { DataSource, EntityManager, QueryRunner } from 'typeorm';
import { AdapterError } from './errors.ts';
import { bindExecutor, checkDialect, inboxDatabaseOver, result } from './executor.ts';
import { handlerFor } from './handler.ts';

/** A TypeORM transaction: its `EntityManager` or its `QueryRunner`. */
export type TypeormTransaction = EntityManager | QueryRunner;

function runnerOf(tx: TypeormTransaction): QueryRunner {
  const runner = 'connection' in tx && 'isTransactionActive' in tx ? tx : (tx as EntityManager).queryRunner;
  if (runner === undefined || !runner.isTransactionActive) {
    throw new AdapterError(
      'ADAPTER_NOT_IN_TRANSACTION',
      'The TypeORM EntityManager/QueryRunner holds no open transaction (dataSource.manager runs each query ' +
        'on any connection): pass the manager of dataSource.transaction(async (manager) => …).',
    );
  }
  return runner;
}

/** Runs one statement with TypeORM's structured result, so the affected row count is known. */
async function query(runner: QueryRunner, sql: string, values: unknown[]) {
  const r = await runner.query(sql, values, true);
  return result(Array.isArray(r.records) ? r.records : [], r.affected);
}

/** The executor `outbox.write` and the inbox take, running on the open transaction of `tx`. */
export function sqlExecutor(tx: TypeormTransaction): SqlExecutor {
  const runner = runnerOf(tx);
  return bindExecutor(tx, (sql, values) => query(runner, sql, values));
}

/**
 * An `InboxDatabase` on `dataSource` (type `postgres`, `mysql` or `mariadb`): each record's transaction is one
 * `dataSource.transaction(…)`.
 */
export function inboxDatabase(dataSource: DataSource): InboxDatabase {
  const type = dataSource.options.type;
  const dialect = checkDialect(type === 'mariadb' ? 'mysql' : type);
  return inboxDatabaseOver<EntityManager>(
    dialect,
    (fn) => dataSource.transaction(fn),
    sqlExecutor,
    async (sql, values) => {
      const runner = dataSource.createQueryRunner();
      try {
        return await query(runner, sql, values);
      } finally {
        await runner.release();
      }
    },
  );
}

/** An inbox handler given the `EntityManager` of the record's transaction. */
export function inboxHandler<TPayload = unknown, TType extends string = string>(
  fn: (manager: EntityManager, event: InboxEvent<TPayload, TType>) => Promise<void> | void,
): Handler<TPayload, TType> {
  return handlerFor('typeorm', fn);
}
