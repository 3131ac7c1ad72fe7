import { randomUUID } from 'node:crypto';
import { createOutbox } from '@outflow/outbox';
import type { CollectedRecord } from '@outflow/testing';
import mysql from 'mysql2/promise';
import pg from 'pg';

/** One event the workload committed: which aggregate, its position in that aggregate's history. */
export interface WrittenEvent {
  readonly id: string;
  readonly aggregateId: string;
  readonly seq: number;
}

/**
 * Writes `total` outbox events through `writers` concurrent connections, each owning its own aggregates so
 * that, per aggregate, `seq` order is commit order. Transactions hold 1–3 events (insert-then-delete).
 * `onProgress(written)` is called after every commit. `dialect` picks the database (default `'mysql'`; `'postgres'`
 * takes a `postgres://` url).
 */
export async function writeOutboxEvents(options: {
  url: string;
  aggregateType: string;
  total: number;
  writers: number;
  aggregates: number;
  dialect?: 'mysql' | 'postgres';
  onProgress?: (written: number) => void | Promise<void>;
}): Promise<WrittenEvent[]> {
  const dialect = options.dialect ?? 'mysql';
  const outbox = createOutbox({ dialect });
  const written: WrittenEvent[] = [];
  const seqs = new Map<string, number>();
  let remaining = options.total;
  const writer = async (w: number) => {
    const conn = await connect(dialect, options.url);
    const mine = Array.from({ length: options.aggregates }, (_, i) => i)
      .filter((i) => i % options.writers === w)
      .map((i) => `agg-${String(i).padStart(4, '0')}`);
    let turn = 0;
    try {
      while (remaining > 0) {
        const size = Math.min(remaining, 1 + Math.floor(Math.random() * 3));
        remaining -= size;
        const events = Array.from({ length: size }, () => {
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
        const rows = await commitWithRetry(conn, () => outbox.write(conn, events));
        rows.forEach((row, i) => {
          written.push({
            id: row.id,
            aggregateId: row.aggregateId,
            seq: (events[i]!.payload as { seq: number }).seq,
          });
        });
        await options.onProgress?.(written.length);
      }
    } finally {
      await conn.end();
    }
  };
  await Promise.all(Array.from({ length: options.writers }, (_, w) => writer(w)));
  return written;
}

/** One writer's connection, whatever the database: SQL in, transactions by statement. */
interface WriterConnection {
  query(sql: string, values?: unknown[]): Promise<unknown>;
  end(): Promise<void>;
}

async function connect(dialect: 'mysql' | 'postgres', url: string): Promise<WriterConnection> {
  if (dialect === 'mysql') return mysql.createConnection(url);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return client;
}

/**
 * Runs `work` in a transaction, again after a deadlock or serialisation failure (InnoDB deadlocks;
 * PostgreSQL 40001/40P01): concurrent insert-then-delete on one table can deadlock, and the right answer is
 * to roll back and retry it. The outbox marks those errors `retriable`.
 */
async function commitWithRetry<T>(conn: WriterConnection, work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    await conn.query('BEGIN');
    try {
      const result = await work();
      await conn.query('COMMIT');
      return result;
    } catch (error) {
      await conn.query('ROLLBACK');
      const retriable = (error as { retriable?: boolean }).retriable === true;
      if (!retriable || attempt >= 20) throw error;
    }
  }
}

/** What a consumer saw, judged against what was written. */
export interface DeliveryReport {
  readonly written: number;
  readonly received: number;
  readonly distinct: number;
  readonly missing: readonly string[];
  readonly duplicates: number;
  /**
   * Aggregates whose first deliveries are not in commit order, with the offending sequence: each event's
   * place (1-based) in its aggregate's commit order across all of `written`, which may join several
   * workloads over the same aggregates (their `seq` restarts at 1 in each).
   */
  readonly outOfOrder: readonly { aggregateId: string; seqs: number[] }[];
}

/**
 * Checks that every written event arrived and that, per aggregate, first arrivals follow commit order.
 * `written` must be in commit order per aggregate (as `writeOutboxEvents` returns it; workloads joined in
 * the order they ran).
 */
export function judgeDelivery(
  written: readonly WrittenEvent[],
  records: readonly CollectedRecord[],
): DeliveryReport {
  const place = new Map<string, number>();
  const perAggregate = new Map<string, number>();
  for (const e of written) {
    const n = (perAggregate.get(e.aggregateId) ?? 0) + 1;
    perAggregate.set(e.aggregateId, n);
    place.set(e.id, n);
  }
  const seen = new Set<string>();
  const firstSeqs = new Map<string, number[]>();
  let duplicates = 0;
  for (const record of records) {
    const id = record.headers.id;
    if (id === undefined || record.value === null) continue;
    if (seen.has(id)) {
      duplicates++;
      continue;
    }
    seen.add(id);
    const { aggregateId, seq } = decodeValue(record.value) as { aggregateId: string; seq: number };
    const key = record.key === null ? null : decodeKey(record.key);
    if (key !== aggregateId)
      throw new Error(`record ${id} has key ${record.key}, payload says ${aggregateId}`);
    const list = firstSeqs.get(aggregateId) ?? [];
    list.push(place.get(id) ?? seq);
    firstSeqs.set(aggregateId, list);
  }
  const outOfOrder: { aggregateId: string; seqs: number[] }[] = [];
  for (const [aggregateId, seqs] of firstSeqs) {
    if (seqs.some((s, i) => s !== i + 1)) outOfOrder.push({ aggregateId, seqs });
  }
  return {
    written: written.length,
    received: records.length,
    distinct: seen.size,
    missing: written.filter((e) => !seen.has(e.id)).map((e) => e.id),
    duplicates,
    outOfOrder,
  };
}

/**
 * A record's key or value as the connector's converter wrote it: StringConverter writes the text itself,
 * JsonConverter (Connect's default, used when a connector sets no converter) with `schemas.enable=true`
 * wraps it as `{"schema":…,"payload":…}`.
 */
function unwrapJsonEnvelope(text: string): unknown {
  if (!text.startsWith('{"schema":')) return undefined;
  const parsed = JSON.parse(text) as Record<string, unknown>;
  const keys = Object.keys(parsed);
  return keys.length === 2 && keys.includes('payload') ? parsed.payload : undefined;
}

function decodeKey(text: string): unknown {
  return unwrapJsonEnvelope(text) ?? text;
}

/** The outbox payload: the JSON the event's payload column held. */
function decodeValue(text: string): unknown {
  const payload = unwrapJsonEnvelope(text);
  if (payload === undefined) return JSON.parse(text);
  return typeof payload === 'string' ? JSON.parse(payload) : payload;
}
