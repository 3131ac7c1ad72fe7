/**
 * Ready-made {@link InboxDatabase}s over the two drivers' pools. Typed structurally, so this package has no
 * runtime dependency on mysql2 or pg: pass a `mysql2/promise` pool or a `pg` `Pool`.
 */
import type { InboxDatabase, SqlExecutor } from './types.ts';

/** The part of a `mysql2/promise` `Pool` used here. */
export interface MysqlPoolLike {
  getConnection(): Promise<MysqlConnectionLike>;
  query(sql: string, values?: unknown): Promise<unknown>;
}

/** The part of a `mysql2/promise` `PoolConnection` used here. */
export interface MysqlConnectionLike {
  query(sql: string, values?: unknown): Promise<unknown>;
  beginTransaction(): Promise<void>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
  release(): void;
  destroy(): void;
}

/** The part of a `pg` `Pool` used here. */
export interface PgPoolLike {
  connect(): Promise<PgClientLike>;
  query(sql: string, values?: unknown[]): Promise<unknown>;
}

/** The part of a `pg` `PoolClient` used here. */
export interface PgClientLike {
  query(sql: string, values?: unknown[]): Promise<unknown>;
  release(destroy?: boolean | Error): void;
  on?(event: 'error', listener: (error: Error) => void): unknown;
  off?(event: 'error', listener: (error: Error) => void): unknown;
}

/**
 * BEGIN, `fn`, COMMIT; on failure ROLLBACK and rethrow. A connection whose ROLLBACK fails is destroyed rather
 * than returned to the pool.
 */
async function run<T>(
  conn: { executor: SqlExecutor; begin(): Promise<void>; commit(): Promise<void>; rollback(): Promise<void> },
  done: (broken: boolean) => void,
  fn: (tx: SqlExecutor) => Promise<T>,
): Promise<T> {
  try {
    await conn.begin();
  } catch (error) {
    done(true);
    throw error;
  }
  try {
    const result = await fn(conn.executor);
    await conn.commit();
    done(false);
    return result;
  } catch (error) {
    let broken = false;
    try {
      await conn.rollback();
    } catch {
      broken = true;
    }
    done(broken);
    throw error;
  }
}

/**
 * An inbox database over a `mysql2/promise` pool (create it with `timezone: 'Z'` if your handlers store
 * `DATETIME`s). Transactions use one pooled connection each; `execute` runs on any pooled connection. The
 * pool stays the caller's to close.
 */
export function mysqlDatabase(pool: MysqlPoolLike): InboxDatabase {
  return {
    dialect: 'mysql',
    async transaction(fn) {
      const conn = await pool.getConnection();
      return run(
        {
          executor: conn,
          begin: () => conn.beginTransaction(),
          commit: () => conn.commit(),
          rollback: () => conn.rollback(),
        },
        (broken) => (broken ? conn.destroy() : conn.release()),
        fn,
      );
    },
    execute: (sql, values) => pool.query(sql, values ?? []),
  };
}

/**
 * An inbox database over a `pg` `Pool`. Transactions use one client each; `execute` runs on any pooled client.
 * The pool stays the caller's to close (give it an `error` listener: idle clients can emit one).
 */
export function postgresDatabase(pool: PgPoolLike): InboxDatabase {
  return {
    dialect: 'postgres',
    async transaction(fn) {
      const client = await pool.connect();
      // A checked-out pg client that loses its connection emits 'error' besides failing the query; without a
      // listener that would crash the process. The failed query is what the caller sees.
      const ignore = () => {};
      client.on?.('error', ignore);
      return run(
        {
          executor: client,
          begin: async () => void (await client.query('BEGIN')),
          commit: async () => void (await client.query('COMMIT')),
          rollback: async () => void (await client.query('ROLLBACK')),
        },
        (broken) => {
          client.off?.('error', ignore);
          client.release(broken ? true : undefined);
        },
        fn,
      );
    },
    execute: (sql, values) => pool.query(sql, values ?? []),
  };
}
