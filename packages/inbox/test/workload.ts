/**
 * The throughput workload of the benchmark and of the crash test: course events (about 500 bytes of JSON)
 * over 1,000 aggregates, keyed by aggregate id, with the `id` and `eventType` headers the relay writes, and a
 * read model that keeps one row per aggregate, as the catalog does. The read model also counts what it saw,
 * so that "every event applied once, in order per aggregate" can be checked against the database.
 */
import { randomUUID } from 'node:crypto';
import type { OutflowProducer } from '@outflow/kafka';
import type { BatchHandler, Handler, InboxEvent, SqlExecutor } from '../src/index.ts';

/** Aggregates the events are spread over. */
export const AGGREGATES = 1000;

/** The payload of event `i` (its aggregate's `seq`-th event), padded to about 500 bytes of JSON. */
function payload(i: number): Record<string, unknown> {
  return {
    courseId: `course-${i % AGGREGATES}`,
    seq: Math.floor(i / AGGREGATES),
    name: 'MSA 파헤치기',
    description: 'MSA의 모든 것을 가르쳐 드립니다. Event sourcing, sagas, the transactional outbox, CDC.',
    teacherId: '7ead2ed1-77fa-4d70-bdfd-77e67c513bbd',
    thumbnail: 'msa_course.jpeg',
    posted: true,
    tags: ['msa', 'kafka', 'debezium', 'outbox', 'inbox', 'cdc'],
    padding: 'x'.repeat(140),
  };
}

/** Produces events `from` to `to - 1` to `topic`, 1,000 per request. Resolves with the count sent. */
export async function produceWorkload(
  producer: OutflowProducer,
  topic: string,
  to: number,
  from = 0,
): Promise<number> {
  for (let start = from; start < to; start += 1000) {
    const end = Math.min(to, start + 1000);
    const messages = [];
    for (let i = start; i < end; i++) {
      messages.push({
        topic,
        key: `course-${i % AGGREGATES}`,
        value: JSON.stringify(payload(i)),
        headers: { id: randomUUID(), eventType: 'CoursePostedEvent' },
      });
    }
    await producer.send({ messages });
  }
  return to - from;
}

/** The read model's DDL. */
export function readModelDdl(dialect: 'mysql' | 'postgres'): string {
  return dialect === 'mysql'
    ? 'CREATE TABLE read_model (aggregate_id VARCHAR(64) PRIMARY KEY, first_seq INT NOT NULL, ' +
        'last_seq INT NOT NULL, applied INT NOT NULL, out_of_order INT NOT NULL)'
    : 'CREATE TABLE read_model (aggregate_id text PRIMARY KEY, first_seq integer NOT NULL, ' +
        'last_seq integer NOT NULL, applied integer NOT NULL, out_of_order integer NOT NULL)';
}

interface Row {
  first: number;
  last: number;
  applied: number;
  outOfOrder: number;
}

/** One upsert of `rows` rows; a row whose first event is not after the stored last one counts as out of order. */
function upsertSql(dialect: 'mysql' | 'postgres', rows: number): string {
  if (dialect === 'mysql') {
    return (
      'INSERT INTO read_model (aggregate_id, first_seq, last_seq, applied, out_of_order) VALUES ' +
      Array(rows).fill('(?, ?, ?, ?, ?)').join(', ') +
      ' ON DUPLICATE KEY UPDATE out_of_order = out_of_order + VALUES(out_of_order) + ' +
      '(VALUES(first_seq) <= last_seq), applied = applied + VALUES(applied), ' +
      'last_seq = GREATEST(last_seq, VALUES(last_seq))'
    );
  }
  const lists = Array.from(
    { length: rows },
    (_, r) => `(${[1, 2, 3, 4, 5].map((c) => `$${r * 5 + c}`).join(', ')})`,
  );
  return (
    `INSERT INTO read_model AS m (aggregate_id, first_seq, last_seq, applied, out_of_order) VALUES ${lists.join(', ')}` +
    ' ON CONFLICT (aggregate_id) DO UPDATE SET out_of_order = m.out_of_order + EXCLUDED.out_of_order + ' +
    '(CASE WHEN EXCLUDED.first_seq <= m.last_seq THEN 1 ELSE 0 END), applied = m.applied + EXCLUDED.applied, ' +
    'last_seq = GREATEST(m.last_seq, EXCLUDED.last_seq)'
  );
}

async function apply(
  dialect: 'mysql' | 'postgres',
  tx: SqlExecutor,
  events: readonly InboxEvent[],
): Promise<void> {
  const rows = new Map<string, Row>();
  for (const event of events) {
    const { courseId, seq } = event.payload as { courseId: string; seq: number };
    const row = rows.get(courseId);
    if (row === undefined) rows.set(courseId, { first: seq, last: seq, applied: 1, outOfOrder: 0 });
    else {
      if (seq <= row.last) row.outOfOrder++;
      row.last = Math.max(row.last, seq);
      row.applied++;
    }
  }
  const values = [...rows].flatMap(([id, r]) => [id, r.first, r.last, r.applied, r.outOfOrder]);
  await tx.query(upsertSql(dialect, rows.size), values);
}

/** The read model's handler: per event (one upsert each, like the catalog), or set-based per batch. */
export function readModelHandler(
  dialect: 'mysql' | 'postgres',
  mode: 'event' | 'batch',
): Handler | BatchHandler {
  if (mode === 'event') return (tx, event) => apply(dialect, tx, [event]);
  return { handleBatch: (tx, events) => apply(dialect, tx, events) };
}

/** What the read model holds, against what `events` events of the workload should have left. */
export function checkReadModel(
  rows: readonly {
    aggregate_id: string;
    first_seq: number;
    last_seq: number;
    applied: number;
    out_of_order: number;
  }[],
  events: number,
): { applied: number; correct: boolean; problems: string[] } {
  const problems: string[] = [];
  let applied = 0;
  const byId = new Map(rows.map((r) => [r.aggregate_id, r]));
  for (let a = 0; a < Math.min(AGGREGATES, events); a++) {
    const expected = Math.floor(events / AGGREGATES) + (a < events % AGGREGATES ? 1 : 0);
    const r = byId.get(`course-${a}`);
    if (r === undefined) {
      problems.push(`course-${a}: no row`);
      continue;
    }
    applied += Number(r.applied);
    if (Number(r.applied) !== expected)
      problems.push(`course-${a}: applied ${r.applied}, expected ${expected}`);
    if (Number(r.first_seq) !== 0) problems.push(`course-${a}: first applied seq ${r.first_seq}`);
    if (Number(r.last_seq) !== expected - 1) problems.push(`course-${a}: last seq ${r.last_seq}`);
    if (Number(r.out_of_order) !== 0) problems.push(`course-${a}: ${r.out_of_order} out of order`);
  }
  if (rows.length !== Math.min(AGGREGATES, events)) problems.push(`${rows.length} rows`);
  return { applied, correct: problems.length === 0, problems: problems.slice(0, 10) };
}
