/**
 * Checked by `npm run typecheck`, never run: passing a pool or a database object where an adapter wants the
 * transaction must not compile. If one of these calls starts compiling, its `@ts-expect-error` fails the check.
 */
import type { Knex } from 'knex';
import type { Kysely } from 'kysely';
import type * as mariadb from 'mariadb';
import type * as mysql from 'mysql2/promise';
import type * as pg from 'pg';
import type { Sql } from 'postgres';
import type { DataSource } from 'typeorm';
import * as drizzleAdapter from '../src/drizzle.ts';
import * as knexAdapter from '../src/knex.ts';
import * as kyselyAdapter from '../src/kysely.ts';
import * as mariadbAdapter from '../src/mariadb.ts';
import * as mysql2Adapter from '../src/mysql2.ts';
import * as pgAdapter from '../src/pg.ts';
import * as postgresJsAdapter from '../src/postgres-js.ts';
import * as typeormAdapter from '../src/typeorm.ts';

export function wrongCalls(
  pgPool: pg.Pool,
  mysqlPool: mysql.Pool,
  mariadbPool: mariadb.Pool,
  sql: Sql,
  kysely: Kysely<{ t: { id: string } }>,
  knex: Knex,
  drizzleDb: { execute(q: never): Promise<unknown>; transaction(fn: never): Promise<unknown> },
  dataSource: DataSource,
): void {
  // @ts-expect-error a pg Pool runs each query on any connection
  pgAdapter.sqlExecutor(pgPool);
  // @ts-expect-error a mysql2 Pool runs each query on any connection
  mysql2Adapter.sqlExecutor(mysqlPool);
  // @ts-expect-error a mariadb Pool runs each query on any connection
  mariadbAdapter.sqlExecutor(mariadbPool);
  // @ts-expect-error postgres.js's top-level sql is a pool
  postgresJsAdapter.sqlExecutor(sql);
  // @ts-expect-error the Kysely instance is not a Transaction
  kyselyAdapter.sqlExecutor(kysely);
  // @ts-expect-error the Knex instance is not a Knex.Transaction
  knexAdapter.sqlExecutor(knex, { dialect: 'mysql' });
  // @ts-expect-error a Drizzle database has no rollback()
  drizzleAdapter.sqlExecutor(drizzleDb, { dialect: 'postgres' });
  // @ts-expect-error a TypeORM DataSource is not a transaction (dataSource.manager is refused at run time)
  typeormAdapter.sqlExecutor(dataSource);
}
