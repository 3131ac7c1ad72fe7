import { silentLogger } from '@outflow/relay-core';
import { createMariaDbDatabase, host, mariadbPort, mariadbUrl, TcpProxy } from '@outflow/testing';
import { type SourceHarness, sourceContract } from '@outflow/testing/source-contract';
import mysql from 'mysql2/promise';
import { mysqlConfigDef, toMySqlSourceConfig } from '../src/config.ts';
import { MySqlSourceTask } from '../src/mysql-source-task.ts';

let serverId = 7400 + Math.floor(Math.random() * 1000);

sourceContract('MariaDB binlog', async (): Promise<SourceHarness> => {
  const db = await createMariaDbDatabase('srccontract');
  const conn = await mysql.createConnection(mariadbUrl(db.name));
  await conn.query('CREATE TABLE items (id INT PRIMARY KEY, v VARCHAR(64))');
  const proxy = new TcpProxy(host, mariadbPort);
  await proxy.start();
  return {
    createTask(props = {}, options = {}) {
      const { values } = mysqlConfigDef.parse({
        'database.hostname': host,
        'database.port': String(options.viaProxy ? proxy.port : mariadbPort),
        'database.user': 'outflow',
        'database.password': 'outflow',
        'database.server.id': String(serverId++),
        'topic.prefix': 'contract',
        'database.include.list': db.name,
        'table.include.list': `${db.name}\\.items`,
        'poll.interval.ms': '100',
        // The contract counts row records; schema-change records have their own tests.
        'include.schema.changes': 'false',
        ...props,
      });
      return new MySqlSourceTask(toMySqlSourceConfig(values, 'mariadb'), silentLogger);
    },
    async insert(ids) {
      await conn.query('BEGIN');
      for (const id of ids) await conn.query('INSERT INTO items VALUES (?, ?)', [id, `v${id}`]);
      await conn.query('COMMIT');
    },
    async insertThenDelete(ids) {
      await conn.query('BEGIN');
      for (const id of ids) await conn.query('INSERT INTO items VALUES (?, ?)', [id, `v${id}`]);
      await conn.query('DELETE FROM items WHERE id IN (?)', [ids]);
      await conn.query('COMMIT');
    },
    async lostOffset(stored) {
      // Purging the shared server's binlogs would pull them from under concurrent tests; a file the server
      // never had is just as gone (the fault suite purges for real).
      return { ...stored, file: String(stored.file).replace(/\d+$/, '999999') };
    },
    cutProxy: () => proxy.stop(),
    restoreProxy: async () => {
      await proxy.start();
    },
    async dispose() {
      await proxy.stop();
      await conn.end();
      await db.drop();
    },
  };
});
