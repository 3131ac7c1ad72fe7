/**
 * Delivery guarantee under SIGKILL: a consumer process is killed at random points while it drains a backlog
 * with batching on, and started again, until the backlog is done; then every event must have been applied
 * exactly once and in order per aggregate (checked in the read model), and recorded once in the inbox.
 *
 * `npm test` runs a short variant (2,000 records, 2 kills per database). The full one:
 *   OUTFLOW_INBOX_CRASH_EVENTS=20000 OUTFLOW_INBOX_CRASH_KILLS=5 npm test -- packages/inbox/test/delivery/crash.int.spec.ts
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createProducer } from '@outflow/kafka';
import { connectPool, type SqlPool } from '@outflow/service-kit';
import {
  createMariaDbDatabase,
  createPostgresDatabase,
  kafkaBootstrap,
  type TestDatabase,
  uniqueName,
} from '@outflow/testing';
import { createTopic } from '../support.ts';
import { checkReadModel, produceWorkload, readModelDdl } from '../workload.ts';

const EVENTS = Number(process.env.OUTFLOW_INBOX_CRASH_EVENTS ?? 2000);
const KILLS = Number(process.env.OUTFLOW_INBOX_CRASH_KILLS ?? 2);
const script = fileURLToPath(new URL('../consumer-process.ts', import.meta.url));

function rowsOf(dialect: 'mysql' | 'postgres', result: unknown): Record<string, unknown>[] {
  return (dialect === 'mysql' ? (result as unknown[])[0] : (result as { rows: unknown[] }).rows) as Record<
    string,
    unknown
  >[];
}

/** Starts the consumer process; resolves once it has joined and is consuming. */
function startConsumer(config: Record<string, unknown>): Promise<ChildProcess> {
  const child = spawn(process.execPath, [script, JSON.stringify(config)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('"ready"')) resolve(child);
    });
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`consumer exited with ${code} before it was ready`)));
  });
}

function killed(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

for (const dialect of ['mysql', 'postgres'] as const) {
  describe(`inbox consumer killed with SIGKILL during a batched drain on ${dialect}`, () => {
    let db: TestDatabase;
    let pool: SqlPool;
    before(async () => {
      db =
        dialect === 'mysql'
          ? await createMariaDbDatabase('inbox_crash')
          : await createPostgresDatabase('inbox_crash');
      pool = connectPool(db.url);
      await pool.execute(readModelDdl(dialect));
    });
    after(async () => {
      await pool?.close();
      await db?.drop();
    });

    async function progress(): Promise<number> {
      const rows = rowsOf(
        dialect,
        await pool.execute('SELECT COALESCE(SUM(applied), 0) AS n FROM read_model'),
      );
      return Number(rows[0]?.n ?? 0);
    }

    test(`${EVENTS} records, ${KILLS} kills at random points: each event applied once, in order per aggregate`, {
      timeout: 15 * 60_000,
    }, async () => {
      const topic = uniqueName('inbox_crash');
      await createTopic(topic, 3);
      const producer = createProducer({ bootstrapServers: kafkaBootstrap, clientId: 'inbox-crash' });
      try {
        await produceWorkload(producer, topic, EVENTS);
      } finally {
        await producer.close();
      }
      const config = {
        url: db.url,
        dialect,
        bootstrapServers: kafkaBootstrap,
        topic,
        groupId: uniqueName('inbox_crash'),
        // Small batches make many of them, so that kills land between and inside batches all along the drain.
        options: {
          batch: { maxRecords: 20 },
          maxInFlight: 200,
          sessionTimeoutMs: 6000,
          heartbeatIntervalMs: 1000,
        },
      };

      const cuts: string[] = [];
      let midDrain = 0;
      for (let kill = 0; kill < KILLS; kill++) {
        const handler = kill % 2 === 0 ? 'batch' : 'event';
        const child = await startConsumer({ ...config, handler });
        // Kill at a random point of what is left of the drain (progress is polled between batches).
        const before = await progress();
        const target = before + Math.ceil(Math.random() * 0.6 * (EVENTS - before));
        const deadline = Date.now() + 5 * 60_000;
        while ((await progress()) < target && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
        child.kill('SIGKILL');
        await killed(child);
        const at = await progress();
        if (at > 0 && at < EVENTS) midDrain++;
        cuts.push(`${handler} handler killed past ${target}, at ${at}/${EVENTS}`);
      }

      const last = await startConsumer({ ...config, handler: 'batch' });
      try {
        const deadline = Date.now() + 3 * 60_000;
        while ((await progress()) < EVENTS && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        // Let a redelivered tail (if any) land, so that a second application would show.
        await new Promise((resolve) => setTimeout(resolve, 500));
      } finally {
        last.kill('SIGTERM');
        await killed(last);
      }

      assert.ok(midDrain > 0, `no kill landed mid-drain: ${cuts.join('; ')}`);
      const verdict = checkReadModel(
        rowsOf(dialect, await pool.execute('SELECT * FROM read_model')) as unknown as Parameters<
          typeof checkReadModel
        >[0],
        EVENTS,
      );
      assert.deepEqual(verdict.problems, [], cuts.join('; '));
      assert.equal(verdict.applied, EVENTS);
      const inbox = rowsOf(dialect, await pool.execute('SELECT COUNT(*) AS n FROM inbox'));
      assert.equal(Number(inbox[0]?.n), EVENTS);
    });
  });
}
