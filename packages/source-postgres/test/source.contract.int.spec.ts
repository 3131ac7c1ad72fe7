import { silentLogger } from '@outflow/relay-core';
import { createPostgresDatabase, host, postgresPort, TcpProxy, uniqueName } from '@outflow/testing';
import { type SourceHarness, sourceContract } from '@outflow/testing/source-contract';
import { postgresConfigDef, toPostgresSourceConfig } from '../src/config.ts';
import { PostgresSourceTask } from '../src/postgres-source-task.ts';
import { dropSlotIfExists, sql } from './support.ts';

sourceContract('PostgreSQL logical replication', async (): Promise<SourceHarness> => {
  const db = await createPostgresDatabase('srccontract');
  await sql(db.name, 'CREATE TABLE items (id int PRIMARY KEY, v varchar(64))');
  const slot = uniqueName('slot');
  const proxy = new TcpProxy(host, postgresPort);
  await proxy.start();
  return {
    createTask(props = {}, options = {}) {
      const { values } = postgresConfigDef.parse({
        'database.hostname': host,
        'database.port': String(options.viaProxy ? proxy.port : postgresPort),
        'database.user': 'outflow',
        'database.password': 'outflow',
        'database.dbname': db.name,
        'topic.prefix': 'contract',
        'slot.name': slot,
        'publication.name': `pub_${slot}`,
        'table.include.list': 'public.items',
        'poll.interval.ms': '100',
        'status.update.interval.ms': '1000',
        ...props,
      });
      return new PostgresSourceTask(
        { ...toPostgresSourceConfig(values), standbyPollIntervalMs: 200 },
        silentLogger,
      );
    },
    async insert(ids) {
      await sql(db.name, `INSERT INTO items SELECT id, 'v' || id FROM unnest($1::int[]) AS id`, [ids]);
    },
    async insertThenDelete(ids) {
      const list = ids.map((id) => Math.trunc(id)).join(',');
      await sql(
        db.name,
        `BEGIN; INSERT INTO items SELECT id, 'v' || id FROM unnest(ARRAY[${list}]) AS id; ` +
          `DELETE FROM items WHERE id IN (${list}); COMMIT`,
      );
    },
    async lostOffset(stored) {
      await dropSlotIfExists(slot);
      return stored;
    },
    cutProxy: () => proxy.stop(),
    restoreProxy: async () => {
      await proxy.start();
    },
    async dispose() {
      await proxy.stop();
      await dropSlotIfExists(slot);
      await db.drop();
    },
  };
});
