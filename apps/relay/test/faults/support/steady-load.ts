/**
 * A steady outbox write load that outlives database outages: a few writers commit 1–3 events per
 * transaction at a bounded rate, each owning its aggregates (so per aggregate, list order is commit order),
 * and reconnect when the database goes away. A transaction whose COMMIT got no answer may or may not have
 * committed: its events are kept apart as `uncertain`, never counted as written nor as lost.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { createOutbox, type OutboxMode } from '@outflow/outbox';
import mysql from 'mysql2/promise';
import pg from 'pg';
import type { WrittenEvent } from '../../support/outbox-workload.ts';

/** A running load; `stop()` ends it and resolves what it committed. */
export interface SteadyLoad {
  /** Events committed so far, in commit order per aggregate. */
  readonly written: readonly WrittenEvent[];
  /** Commit time (epoch ms) of each written event, by id. */
  readonly committedAt: ReadonlyMap<string, number>;
  /** Events of transactions whose outcome is unknown (the connection died during COMMIT). */
  readonly uncertain: ReadonlySet<string>;
  /** Connection or statement failures the writers met (and retried). */
  failures(): number;
  stop(): Promise<void>;
}

interface Connection {
  query(sql: string, values?: unknown[]): Promise<unknown>;
  end(): Promise<void>;
}

async function connect(dialect: 'mysql' | 'postgres', url: string): Promise<Connection> {
  if (dialect === 'mysql') return mysql.createConnection({ uri: url, connectTimeout: 2000 });
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  // A server that goes away emits 'error' on an idle client; the next query reports it.
  client.on('error', () => {});
  await client.connect();
  return client;
}

/** Starts `writers` writers on `url`, each committing a transaction about every `intervalMs`. */
export function startSteadyLoad(options: {
  url: string;
  dialect: 'mysql' | 'postgres';
  mode?: OutboxMode;
  aggregateType: string;
  writers?: number;
  intervalMs?: number;
}): SteadyLoad {
  const outbox = createOutbox({ dialect: options.dialect, mode: options.mode ?? 'insert-then-delete' });
  const writers = options.writers ?? 2;
  const written: WrittenEvent[] = [];
  const committedAt = new Map<string, number>();
  const uncertain = new Set<string>();
  let failures = 0;
  let running = true;
  const seqs = new Map<string, number>();

  const writer = async (w: number) => {
    const mine = Array.from({ length: 10 }, (_, i) => `agg-${w}-${i}`);
    let turn = 0;
    let conn: Connection | undefined;
    while (running) {
      try {
        conn ??= await connect(options.dialect, options.url);
      } catch {
        failures++;
        await sleep(250);
        continue;
      }
      const events = Array.from({ length: 1 + Math.floor(Math.random() * 3) }, () => {
        const aggregateId = mine[turn++ % mine.length]!;
        const seq = (seqs.get(aggregateId) ?? 0) + 1;
        seqs.set(aggregateId, seq);
        return {
          id: randomUUID(),
          aggregateType: options.aggregateType,
          aggregateId,
          type: 'Tick',
          payload: { aggregateId, seq },
        };
      });
      let committing = false;
      try {
        await conn.query('BEGIN');
        await outbox.write(conn, events);
        committing = true;
        await conn.query('COMMIT');
        const now = Date.now();
        for (const e of events) {
          written.push({ id: e.id, aggregateId: e.aggregateId, seq: e.payload.seq });
          committedAt.set(e.id, now);
        }
      } catch {
        failures++;
        if (committing) for (const e of events) uncertain.add(e.id);
        await conn.end().catch(() => {});
        conn = undefined;
        await sleep(250);
        continue;
      }
      await sleep(options.intervalMs ?? 40);
    }
    await conn?.end().catch(() => {});
  };
  const all = Promise.all(Array.from({ length: writers }, (_, w) => writer(w)));
  return {
    written,
    committedAt,
    uncertain,
    failures: () => failures,
    async stop() {
      running = false;
      await all;
    },
  };
}
