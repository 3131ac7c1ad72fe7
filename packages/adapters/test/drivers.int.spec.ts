/** The driver adapters (pg, postgres.js, mysql2, mariadb) against the real PostgreSQL and MariaDB. */
import { migrate } from '@outflow/outbox';
import * as mariadb from 'mariadb';
import mysql from 'mysql2/promise';
import pg from 'pg';
import postgres from 'postgres';
import * as mariadbAdapter from '../src/mariadb.ts';
import * as mysql2Adapter from '../src/mysql2.ts';
import * as pgAdapter from '../src/pg.ts';
import * as postgresJsAdapter from '../src/postgres-js.ts';
import { adapterContract } from './adapter.contract.ts';
import { mariadbDatabase, postgresDatabase } from './checker.ts';

adapterContract<pg.PoolClient>('pg on PostgreSQL', async () => {
  const checked = await postgresDatabase('adapter_pg');
  const pool = new pg.Pool({ connectionString: checked.db.url, max: 4 });
  return {
    ...checked,
    dialect: 'postgres',
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const value = await fn(client);
        await client.query('COMMIT');
        return value;
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      } finally {
        client.release();
      }
    },
    executor: pgAdapter.sqlExecutor,
    inboxDatabase: pgAdapter.inboxDatabase(pool),
    inboxHandler: pgAdapter.inboxHandler,
    insertBusiness: async (client, id) => {
      await client.query('INSERT INTO business (id) VALUES ($1)', [id]);
    },
    migrate: async (outbox, inbox) => {
      await migrate(pool, outbox);
      await inbox.migrate(pool);
    },
    close: async () => {
      await pool.end();
      await checked.close();
    },
  };
});

adapterContract<postgres.TransactionSql>('postgres.js on PostgreSQL', async () => {
  const checked = await postgresDatabase('adapter_pgjs');
  const sql = postgres(checked.db.url, { max: 4, onnotice: () => {} });
  return {
    ...checked,
    dialect: 'postgres',
    transaction: (fn) => sql.begin((tx) => fn(tx)) as never,
    executor: postgresJsAdapter.sqlExecutor,
    inboxDatabase: postgresJsAdapter.inboxDatabase(sql),
    inboxHandler: postgresJsAdapter.inboxHandler,
    insertBusiness: async (tx, id) => {
      await tx`INSERT INTO business (id) VALUES (${id})`;
    },
    migrate: async (outbox, inbox) => {
      await sql.begin(async (tx) => {
        await migrate(postgresJsAdapter.sqlExecutor(tx), outbox);
        await inbox.migrate(postgresJsAdapter.sqlExecutor(tx));
      });
    },
    close: async () => {
      await sql.end();
      await checked.close();
    },
  };
});

adapterContract<mysql.PoolConnection>('mysql2 on MariaDB', async () => {
  const checked = await mariadbDatabase('adapter_mysql2');
  const pool = mysql.createPool({ uri: checked.db.url, connectionLimit: 4 });
  return {
    ...checked,
    dialect: 'mysql',
    async transaction(fn) {
      const connection = await pool.getConnection();
      try {
        await connection.beginTransaction();
        const value = await fn(connection);
        await connection.commit();
        return value;
      } catch (error) {
        await connection.rollback();
        throw error;
      } finally {
        connection.release();
      }
    },
    executor: mysql2Adapter.sqlExecutor,
    inboxDatabase: mysql2Adapter.inboxDatabase(pool),
    inboxHandler: mysql2Adapter.inboxHandler,
    insertBusiness: async (connection, id) => {
      await connection.query('INSERT INTO business (id) VALUES (?)', [id]);
    },
    migrate: async (outbox, inbox) => {
      await migrate(pool, outbox);
      await inbox.migrate(pool);
    },
    close: async () => {
      await pool.end();
      await checked.close();
    },
  };
});

adapterContract<mariadb.PoolConnection>('mariadb on MariaDB', async () => {
  const checked = await mariadbDatabase('adapter_mariadb');
  const url = new URL(checked.db.url);
  const pool = mariadb.createPool({
    host: url.hostname,
    port: Number(url.port),
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    database: url.pathname.slice(1),
    connectionLimit: 4,
  });
  return {
    ...checked,
    dialect: 'mysql',
    async transaction(fn) {
      const connection = await pool.getConnection();
      try {
        await connection.beginTransaction();
        const value = await fn(connection);
        await connection.commit();
        return value;
      } catch (error) {
        await connection.rollback();
        throw error;
      } finally {
        await connection.release();
      }
    },
    executor: mariadbAdapter.sqlExecutor,
    inboxDatabase: mariadbAdapter.inboxDatabase(pool),
    inboxHandler: mariadbAdapter.inboxHandler,
    insertBusiness: async (connection, id) => {
      await connection.query('INSERT INTO business (id) VALUES (?)', [id]);
    },
    migrate: async (outbox, inbox) => {
      const connection = await pool.getConnection();
      try {
        await migrate(mariadbAdapter.sqlExecutor(connection), outbox);
        await inbox.migrate(mariadbAdapter.sqlExecutor(connection));
      } finally {
        await connection.release();
      }
    },
    close: async () => {
      await pool.end();
      await checked.close();
    },
  };
});
