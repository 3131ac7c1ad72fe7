/** The query-builder and ORM adapters (Kysely, Drizzle, Knex, TypeORM) against the real PostgreSQL and MariaDB. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sql } from 'drizzle-orm';
import { mysqlTable, varchar as mysqlVarchar } from 'drizzle-orm/mysql-core';
import { drizzle as drizzleMysql } from 'drizzle-orm/mysql2';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { pgTable, varchar } from 'drizzle-orm/pg-core';
import knexFactory, { type Knex } from 'knex';
import { Kysely, MysqlDialect, PostgresDialect, type Transaction } from 'kysely';
import mysqlCallback from 'mysql2';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { DataSource, type EntityManager } from 'typeorm';
import * as drizzleAdapter from '../src/drizzle.ts';
import * as knexAdapter from '../src/knex.ts';
import * as kyselyAdapter from '../src/kysely.ts';
import * as typeormAdapter from '../src/typeorm.ts';
import { type AdapterHarness, adapterContract } from './adapter.contract.ts';
import { type CheckedDatabase, mariadbDatabase, postgresDatabase } from './checker.ts';

interface Db {
  business: { id: string };
}

const databases = {
  PostgreSQL: { dialect: 'postgres', open: postgresDatabase },
  MariaDB: { dialect: 'mysql', open: mariadbDatabase },
} as const;

for (const [name, { dialect, open }] of Object.entries(databases)) {
  adapterContract<Transaction<Db>>(`Kysely on ${name}`, async () => {
    const checked = await open('adapter_kysely');
    const db = new Kysely<Db>({
      dialect:
        dialect === 'postgres'
          ? new PostgresDialect({ pool: new pg.Pool({ connectionString: checked.db.url, max: 4 }) })
          : new MysqlDialect({ pool: mysqlCallback.createPool({ uri: checked.db.url, connectionLimit: 4 }) }),
    });
    return {
      ...base(checked, dialect),
      transaction: (fn) => db.transaction().execute(fn),
      executor: kyselyAdapter.sqlExecutor,
      inboxDatabase: kyselyAdapter.inboxDatabase(db, { dialect }),
      inboxHandler: kyselyAdapter.inboxHandler,
      insertBusiness: async (trx, id) => {
        await trx.insertInto('business').values({ id }).execute();
      },
      migrate: (outbox, inbox) => kyselyAdapter.migration(outbox, inbox).up(db as Kysely<unknown>),
      close: async () => {
        await db.destroy();
        await checked.close();
      },
    };
  });

  adapterContract<drizzleAdapter.DrizzleTransaction>(`Drizzle on ${name}`, async () => {
    const checked = await open('adapter_drizzle');
    const harness = dialect === 'postgres' ? drizzlePostgres(checked) : drizzleMariadb(checked);
    return harness;
  });

  adapterContract<Knex.Transaction>(`Knex on ${name}`, async () => {
    const checked = await open('adapter_knex');
    const knex = knexFactory({
      client: dialect === 'postgres' ? 'pg' : 'mysql2',
      connection: checked.db.url,
      pool: { min: 0, max: 4 },
    });
    return {
      ...base(checked, dialect),
      transaction: (fn) => knex.transaction(fn),
      executor: (trx) => knexAdapter.sqlExecutor(trx, { dialect }),
      inboxDatabase: knexAdapter.inboxDatabase(knex, { dialect }),
      inboxHandler: knexAdapter.inboxHandler,
      insertBusiness: async (trx, id) => {
        await trx('business').insert({ id });
      },
      migrate: async (outbox, inbox) => {
        await knexAdapter.migration(outbox, inbox).up(knex);
      },
      close: async () => {
        await knex.destroy();
        await checked.close();
      },
    };
  });
}

function base(checked: CheckedDatabase, dialect: 'mysql' | 'postgres') {
  return { dialect, count: checked.count, backdateInbox: checked.backdateInbox };
}

const pgBusiness = pgTable('business', { id: varchar('id', { length: 64 }).primaryKey() });
const mysqlBusiness = mysqlTable('business', { id: mysqlVarchar('id', { length: 64 }).primaryKey() });

/** Runs the DDL of the outbox and inbox through a Drizzle database (Drizzle's own migrations are drizzle-kit's). */
async function drizzleMigrate(
  db: { execute(q: ReturnType<typeof sql.raw>): PromiseLike<unknown> },
  tables: readonly { ddl(): string[] }[],
) {
  for (const table of tables) for (const statement of table.ddl()) await db.execute(sql.raw(statement));
}

function drizzlePostgres(checked: CheckedDatabase): AdapterHarness<drizzleAdapter.DrizzleTransaction> {
  const pool = new pg.Pool({ connectionString: checked.db.url, max: 4 });
  const db = drizzlePg({ client: pool });
  type Tx = Parameters<Parameters<typeof db.transaction>[0]>[0];
  return {
    ...base(checked, 'postgres'),
    transaction: (fn) => db.transaction(fn),
    executor: (tx) => drizzleAdapter.sqlExecutor(tx, { dialect: 'postgres' }),
    inboxDatabase: drizzleAdapter.inboxDatabase(db, { dialect: 'postgres' }),
    inboxHandler: drizzleAdapter.inboxHandler,
    insertBusiness: async (tx, id) => {
      await (tx as Tx).insert(pgBusiness).values({ id });
    },
    migrate: (outbox, inbox) => drizzleMigrate(db, [outbox, inbox]),
    close: async () => {
      await pool.end();
      await checked.close();
    },
  };
}

function drizzleMariadb(checked: CheckedDatabase): AdapterHarness<drizzleAdapter.DrizzleTransaction> {
  const pool = mysql.createPool({ uri: checked.db.url, connectionLimit: 4 });
  const db = drizzleMysql({ client: pool });
  type Tx = Parameters<Parameters<typeof db.transaction>[0]>[0];
  return {
    ...base(checked, 'mysql'),
    transaction: (fn) => db.transaction(fn),
    executor: (tx) => drizzleAdapter.sqlExecutor(tx, { dialect: 'mysql' }),
    inboxDatabase: drizzleAdapter.inboxDatabase(db, { dialect: 'mysql' }),
    inboxHandler: drizzleAdapter.inboxHandler,
    insertBusiness: async (tx, id) => {
      await (tx as Tx).insert(mysqlBusiness).values({ id });
    },
    migrate: (outbox, inbox) => drizzleMigrate(db, [outbox, inbox]),
    close: async () => {
      await pool.end();
      await checked.close();
    },
  };
}

for (const [name, { dialect, open }] of Object.entries(databases)) {
  adapterContract<EntityManager>(`TypeORM on ${name}`, async () => {
    const checked = await open('adapter_typeorm');
    const url = new URL(checked.db.url);
    const dataSource = new DataSource({
      type: dialect === 'postgres' ? 'postgres' : 'mariadb',
      host: url.hostname,
      port: Number(url.port),
      username: 'outflow',
      password: 'outflow',
      database: url.pathname.slice(1),
    });
    await dataSource.initialize();
    return {
      ...base(checked, dialect),
      transaction: (fn) => dataSource.transaction(fn),
      executor: typeormAdapter.sqlExecutor,
      inboxDatabase: typeormAdapter.inboxDatabase(dataSource),
      inboxHandler: typeormAdapter.inboxHandler,
      insertBusiness: async (manager, id) => {
        await manager.createQueryBuilder().insert().into('business').values({ id }).execute();
      },
      migrate: async (outbox, inbox) => {
        await dataSource.transaction(async (manager) => {
          for (const sql of [...outbox.ddl(), ...inbox.ddl()]) await manager.query(sql);
        });
      },
      close: async () => {
        await dataSource.destroy();
        await checked.close();
      },
    };
  });
}

describe('TypeORM outside a transaction', () => {
  it('refuses dataSource.manager, whose queries run on any connection', async () => {
    const checked = await postgresDatabase('adapter_typeorm_manager');
    const url = new URL(checked.db.url);
    const dataSource = new DataSource({
      type: 'postgres',
      host: url.hostname,
      port: Number(url.port),
      username: 'outflow',
      password: 'outflow',
      database: url.pathname.slice(1),
    });
    await dataSource.initialize();
    try {
      assert.throws(() => typeormAdapter.sqlExecutor(dataSource.manager), {
        code: 'ADAPTER_NOT_IN_TRANSACTION',
      });
      await dataSource.transaction(async (manager) => {
        assert.equal(typeof typeormAdapter.sqlExecutor(manager).query, 'function');
      });
    } finally {
      await dataSource.destroy();
      await checked.close();
    }
  });
});
