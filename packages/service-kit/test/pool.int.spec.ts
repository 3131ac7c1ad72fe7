/**
 * The pools against the project's real MariaDB (3307) and PostgreSQL (5433): one suite, run for both dialects,
 * each in a throwaway database.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import {
  createMariaDbDatabase,
  createPostgresDatabase,
  type TestDatabase,
  uniqueName,
} from '@outflow/testing';
import Fastify from 'fastify';
import {
  connectPool,
  DatabaseUnavailableError,
  listen,
  prepareDatabase,
  type SqlPool,
  selectMysqlRows,
  selectPostgresRows,
} from '../src/index.ts';

/** A local port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === 'object' && address !== null ? address.port : 1;
}

function withPort(url: string, port: number): string {
  const u = new URL(url);
  u.port = String(port);
  return u.toString();
}

const backends = [
  { dialect: 'mysql', create: createMariaDbDatabase, select: selectMysqlRows, p: (_i: number) => '?' },
  {
    dialect: 'postgres',
    create: createPostgresDatabase,
    select: selectPostgresRows,
    p: (i: number) => `$${i}`,
  },
] as const;

for (const backend of backends) {
  describe(`pool on ${backend.dialect}`, () => {
    let testDb: TestDatabase;
    let pool: SqlPool;
    const values = async () =>
      pool.transaction(async (tx) =>
        (await backend.select<{ id: number; n: number }>(tx, 'SELECT id, n FROM counter ORDER BY id')).map(
          (r) => Number(r.n),
        ),
      );

    before(async () => {
      testDb = await backend.create('kit_pool');
      pool = connectPool(testDb.url, { maxConnections: 4 });
      assert.equal(pool.dialect, backend.dialect);
      await pool.execute('CREATE TABLE counter (id INT PRIMARY KEY, n INT NOT NULL)');
      await pool.execute('INSERT INTO counter (id, n) VALUES (1, 0), (2, 0)');
    });
    after(async () => {
      await pool.close();
      await testDb.drop();
    });

    it('commits when the callback resolves and rolls back when it throws', async () => {
      const set = `UPDATE counter SET n = n + 1 WHERE id = ${backend.p(1)}`;
      const result = await pool.transaction(async (tx) => {
        await tx.query(set, [1]);
        return 'done';
      });
      assert.equal(result, 'done');
      await assert.rejects(
        pool.transaction(async (tx) => {
          await tx.query(set, [2]);
          throw new Error('changed my mind');
        }),
        /changed my mind/,
      );
      assert.deepEqual(await values(), [1, 0]);
      await pool.ping();
    });

    it('runs a deadlock victim again, so both crossing transactions commit', async () => {
      const before = await values();
      const set = `UPDATE counter SET n = n + 1 WHERE id = ${backend.p(1)}`;
      // Each takes one row, waits until the other holds the other row, then asks for it: one is a victim.
      let arrived = 0;
      let release: () => void = () => {};
      const bothHold = new Promise<void>((resolve) => {
        release = resolve;
      });
      const runs = [0, 0];
      const cross = (index: number, first: number, second: number) =>
        pool.transaction(async (tx) => {
          runs[index] = (runs[index] ?? 0) + 1;
          await tx.query(set, [first]);
          if (++arrived === 2) release();
          await bothHold;
          await tx.query(set, [second]);
        });
      await Promise.all([cross(0, 1, 2), cross(1, 2, 1)]);
      assert.deepEqual(
        await values(),
        before.map((n) => n + 2),
      );
      assert.equal((runs[0] ?? 0) + (runs[1] ?? 0), 3, `runs ${runs}`);
    });

    it('execute runs outside a transaction and gives the driver result', async () => {
      const result = await pool.execute(`SELECT n FROM counter WHERE id = ${backend.p(1)}`, [2]);
      const rows = Array.isArray(result) ? result[0] : (result as { rows: unknown }).rows;
      assert.equal((rows as { n: number }[]).length, 1);
    });

    it('reports a database it cannot reach, and a closed pool, as DatabaseUnavailableError', async () => {
      const down = connectPool(withPort(testDb.url, await closedPort()), { connectTimeoutMs: 1000 });
      try {
        await assert.rejects(
          down.transaction(async () => 1),
          DatabaseUnavailableError,
        );
        await assert.rejects(down.ping(), DatabaseUnavailableError);
      } finally {
        await down.close();
      }
      const closed = connectPool(testDb.url);
      await closed.ping();
      await closed.close();
      await closed.close(); // idempotent
      await assert.rejects(
        closed.transaction(async () => 1),
        DatabaseUnavailableError,
      );
    });

    it('prepareDatabase creates a missing database, and names an unreachable one without its password', async () => {
      const url = new URL(testDb.url);
      url.pathname = `/${uniqueName('kit_new')}`;
      await prepareDatabase(url.toString());
      await prepareDatabase(url.toString()); // already there
      const created = connectPool(url.toString());
      try {
        await created.ping();
      } finally {
        await created.close();
        const admin = connectPool(testDb.url);
        await admin.execute(`DROP DATABASE ${url.pathname.slice(1)}`);
        await admin.close();
      }
      const unreachable = new URL(withPort(testDb.url, await closedPort()));
      unreachable.password = 'hunter2';
      await assert.rejects(prepareDatabase(unreachable.toString()), (error: Error) => {
        assert.match(error.message, /^cannot reach or create the database at .*:\*\*\*@/);
        assert.doesNotMatch(error.message, /hunter2/);
        return true;
      });
    });
  });
}

describe('listen', () => {
  it('listens on a free port and returns the base URL', async () => {
    const app = Fastify();
    app.get('/', async () => 'hi');
    try {
      const url = await listen(app, { port: 0, host: '127.0.0.1' });
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.equal(await (await fetch(url)).text(), 'hi');
    } finally {
      await app.close();
    }
  });
});
