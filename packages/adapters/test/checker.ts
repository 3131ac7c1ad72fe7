import {
  createMariaDbDatabase,
  createPostgresDatabase,
  postgresUrl,
  type TestDatabase,
} from '@outflow/testing';
import mysql from 'mysql2/promise';
import pg from 'pg';

/** A fresh database with a `business` table, and the plain-driver queries the contract checks with. */
export interface CheckedDatabase {
  readonly db: TestDatabase;
  count(table: 'business' | 'outbox' | 'inbox', id: string): Promise<number>;
  backdateInbox(eventId: string): Promise<void>;
  close(): Promise<void>;
}

const KEY = { business: 'id', outbox: 'aggregateid', inbox: 'event_id' } as const;

/** A throwaway MariaDB database, checked through its own mysql2 pool (never the adapter under test). */
export async function mariadbDatabase(prefix: string): Promise<CheckedDatabase> {
  const db = await createMariaDbDatabase(prefix);
  const pool = mysql.createPool({ uri: db.url, connectionLimit: 2 });
  await pool.query('CREATE TABLE business (id VARCHAR(64) PRIMARY KEY) ENGINE=InnoDB');
  return {
    db,
    async count(table, id) {
      const [rows] = await pool.query(`SELECT COUNT(*) AS n FROM \`${table}\` WHERE \`${KEY[table]}\` = ?`, [
        id,
      ]);
      return Number((rows as { n: number }[])[0]!.n);
    },
    async backdateInbox(eventId) {
      await pool.query('UPDATE inbox SET received_at = NOW(3) - INTERVAL 1 HOUR WHERE event_id = ?', [
        eventId,
      ]);
    },
    async close() {
      await pool.end();
      await db.drop();
    },
  };
}

/**
 * Waits until every session on `database` has gone: a library's pool may still be closing its sockets when its
 * `destroy()` resolved, and `DROP DATABASE … WITH (FORCE)` would then kill them under a pool with no error
 * listener left.
 */
async function sessionsGone(database: string): Promise<void> {
  const admin = new pg.Client({ connectionString: postgresUrl() });
  await admin.connect();
  try {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const r = await admin.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1', [
        database,
      ]);
      if (r.rows[0].n === 0 || Date.now() > deadline) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    await admin.end();
  }
}

/** A throwaway PostgreSQL database, checked through its own pg pool (never the adapter under test). */
export async function postgresDatabase(prefix: string): Promise<CheckedDatabase> {
  const db = await createPostgresDatabase(prefix);
  const pool = new pg.Pool({ connectionString: db.url, max: 2 });
  await pool.query('CREATE TABLE business (id varchar(64) PRIMARY KEY)');
  return {
    db,
    async count(table, id) {
      const r = await pool.query(`SELECT COUNT(*)::int AS n FROM "${table}" WHERE "${KEY[table]}" = $1`, [
        id,
      ]);
      return r.rows[0].n as number;
    },
    async backdateInbox(eventId) {
      await pool.query("UPDATE inbox SET received_at = now() - interval '1 hour' WHERE event_id = $1", [
        eventId,
      ]);
    },
    async close() {
      await pool.end();
      await sessionsGone(db.name);
      await db.drop();
    },
  };
}
