import type { Outbox } from '@outflow/outbox';
import type { Database } from '../../src/db/database.ts';

/** Runs one read in a transaction and returns plain rows, whichever the dialect. */
export async function rows<R = Record<string, unknown>>(db: Database, sql: string, values: unknown[] = []) {
  return db.transaction(async (tx) => {
    const result = await tx.query(sql, values);
    return (Array.isArray(result) ? result[0] : (result as { rows: unknown[] }).rows) as R[];
  });
}

/** One outbox row, with the payload parsed (MariaDB returns JSON as text, PostgreSQL's jsonb as an object). */
export interface OutboxRow {
  id: string;
  aggregateType: string;
  aggregateId: string;
  type: string;
  payload: Record<string, unknown>;
}

/** The rows of the outbox table, oldest first. */
export async function outboxRows(db: Database, outbox: Outbox): Promise<OutboxRow[]> {
  const { table, columns: c } = outbox.options;
  const q = db.dialect === 'mysql' ? (n: string) => `\`${n}\`` : (n: string) => `"${n}"`;
  const found = await rows<Record<string, unknown>>(
    db,
    `SELECT ${q(c.id)} AS id, ${q(c.aggregateType)} AS aggregate_type, ${q(c.aggregateId)} AS aggregate_id,
            ${q(c.type)} AS type, ${q(c.payload)} AS payload
       FROM ${q(table)} ORDER BY ${q(c.timestamp)}, ${q(c.id)}`,
  );
  return found.map((r) => ({
    id: String(r.id),
    aggregateType: String(r.aggregate_type),
    aggregateId: String(r.aggregate_id),
    type: String(r.type),
    payload: (typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload) as Record<string, unknown>,
  }));
}

/** Number of rows in `table`. */
export async function count(db: Database, table: string): Promise<number> {
  const [row] = await rows<{ n: number | string }>(db, `SELECT COUNT(*) AS n FROM ${table}`);
  return Number(row?.n);
}
