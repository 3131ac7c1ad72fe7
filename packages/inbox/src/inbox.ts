import type { InboxSqlDialect } from './dialects/dialect.ts';
import { mysqlDialect } from './dialects/mysql.ts';
import { postgresDialect } from './dialects/postgres.ts';
import { InboxConfigError, InboxError } from './errors.ts';
import {
  checkDialect,
  checkInteger,
  checkTableName,
  INBOX_OPTION_SPECS,
  isPlainObject,
  rejectUnknown,
} from './options.ts';
import type { InboxDialect, InboxRecord, SqlExecutor } from './types.ts';

const DIALECTS: Readonly<Record<InboxDialect, InboxSqlDialect>> = {
  mysql: mysqlDialect,
  postgres: postgresDialect,
};

/** Options of {@link createInbox}. Unknown fields are rejected. */
export interface InboxOptions {
  /** SQL dialect: `'mysql'` (MySQL, MariaDB) or `'postgres'`. */
  dialect: InboxDialect;
  /** Table name, default `'inbox'`; may be qualified (`'public.inbox'`). */
  table?: string;
}

/** Options of {@link Inbox.cleanup}. */
export interface CleanupOptions {
  /** Rows received longer ago than this many milliseconds are deleted. */
  retentionMs: number;
  /** Rows per DELETE statement (default 1000). */
  batchSize?: number;
  /** Stop after this many statements even if more rows are due (default: until a batch comes back short). */
  maxBatches?: number;
}

/**
 * The inbox table of one dialect: its DDL, the insert that records an event, the batched cleanup.
 * Create with {@link createInbox}; pure configuration, it holds no connection.
 */
export interface Inbox {
  /** The dialect. */
  readonly dialect: InboxDialect;
  /** The table name. */
  readonly table: string;
  /** `CREATE TABLE IF NOT EXISTS` and `CREATE INDEX` statements (idempotent). */
  ddl(): string[];
  /** Runs {@link Inbox.ddl} through `executor`. Concurrent first runs on PostgreSQL should hold a lock. */
  migrate(executor: SqlExecutor): Promise<void>;
  /**
   * Inserts the event's row through `tx`, the caller's transaction. Resolves `'recorded'`, or `'duplicate'`
   * when a row with this event id exists (committed by an earlier delivery): the caller then skips the event.
   * Other database errors reject with `INBOX_SQL_FAILED`.
   */
  record(tx: SqlExecutor, record: InboxRecord): Promise<RecordOutcome>;
  /**
   * Records a batch of events through `tx` with one multi-row statement in the common cases (all new, or all
   * already there), and resolves each one's outcome in the batch's order. An id seen earlier in the same
   * batch is a `'duplicate'`. Any database error rejects with `INBOX_SQL_FAILED`; the caller then rolls
   * back and can fall back to {@link Inbox.record}, one event at a time.
   */
  recordBatch(tx: SqlExecutor, records: readonly InboxRecord[]): Promise<RecordOutcome[]>;
  /**
   * Deletes rows older than `retentionMs` in batches of `batchSize`, each DELETE its own autocommit statement
   * on `executor` (never call it inside a handler's transaction). Resolves with the number of rows deleted.
   */
  cleanup(executor: SqlExecutor, options: CleanupOptions): Promise<number>;
}

/** Whether an event's id was new (`'recorded'`) or already in the inbox (`'duplicate'`). */
export type RecordOutcome = 'recorded' | 'duplicate';

function rowValues(r: InboxRecord): unknown[] {
  return [r.eventId, r.eventType, r.aggregateType, r.aggregateId, r.topic, r.partition, r.offset.toString()];
}

/**
 * Inserts `records` (distinct ids) and returns the ids that were new. PostgreSQL's `RETURNING` says so in one
 * statement. MySQL's plain multi-row INSERT either inserts all (one statement, the first delivery) or fails
 * on a duplicate without touching the transaction; then the existing ids are read and the others inserted
 * (a redelivery: usually all exist, so nothing is inserted).
 */
async function insertNew(
  dialect: InboxSqlDialect,
  table: string,
  tx: SqlExecutor,
  records: readonly InboxRecord[],
): Promise<Set<string>> {
  const values = records.flatMap(rowValues);
  let result: unknown;
  try {
    result = await tx.query(dialect.insertManySql(table, records.length), values);
  } catch (error) {
    if (!dialect.isDuplicate(error)) throw error;
    const ids = records.map((r) => r.eventId);
    const existing = new Set(
      dialect.existingIds(await tx.query(dialect.existingSql(table, ids.length), ids)),
    );
    const fresh = records.filter((r) => !existing.has(r.eventId));
    // A concurrent delivery that inserts one of `fresh` in between makes this fail: the caller falls back.
    if (fresh.length > 0)
      await tx.query(dialect.insertManySql(table, fresh.length), fresh.flatMap(rowValues));
    return new Set(fresh.map((r) => r.eventId));
  }
  return new Set(dialect.insertedIds(result) ?? records.map((r) => r.eventId));
}

function sqlFailed(statement: string, table: string, error: unknown): InboxError {
  return new InboxError(
    'INBOX_SQL_FAILED',
    `inbox ${statement} on "${table}" failed: ${(error as Error)?.message}`,
    {
      cause: error,
      details: { statement, table },
    },
  );
}

/**
 * Creates the inbox table description for `dialect`. Throws `INBOX_CONFIG_INVALID` naming a bad option.
 *
 * @example
 * const inbox = createInbox({ dialect: 'mysql' });
 * await inbox.migrate(connection);
 */
export function createInbox(options: InboxOptions): Inbox {
  if (!isPlainObject(options)) throw new InboxConfigError('options', options, 'must be an object');
  rejectUnknown(options as unknown as Record<string, unknown>, INBOX_OPTION_SPECS);
  const dialectName = checkDialect('dialect', options.dialect);
  const table = checkTableName('table', options.table ?? 'inbox');
  const dialect = DIALECTS[dialectName];
  const insert = dialect.insertSql(table);

  return Object.freeze({
    dialect: dialectName,
    table,
    ddl: () => dialect.ddl(table),
    async migrate(executor: SqlExecutor) {
      for (const statement of dialect.ddl(table)) {
        try {
          await executor.query(statement);
        } catch (error) {
          throw sqlFailed('ddl', table, error);
        }
      }
    },
    async record(tx: SqlExecutor, r: InboxRecord) {
      try {
        const result = await tx.query(insert, rowValues(r));
        return dialect.insertedRows(result) > 0 ? 'recorded' : 'duplicate';
      } catch (error) {
        if (dialect.isDuplicate(error)) return 'duplicate';
        throw sqlFailed('insert', table, error);
      }
    },
    async recordBatch(tx: SqlExecutor, records: readonly InboxRecord[]) {
      const firsts = new Map<string, InboxRecord>();
      for (const r of records) if (!firsts.has(r.eventId)) firsts.set(r.eventId, r);
      let fresh: Set<string>;
      try {
        fresh = firsts.size === 0 ? new Set() : await insertNew(dialect, table, tx, [...firsts.values()]);
      } catch (error) {
        throw sqlFailed('batch insert', table, error);
      }
      return records.map((r) =>
        firsts.get(r.eventId) === r && fresh.has(r.eventId) ? 'recorded' : 'duplicate',
      );
    },
    async cleanup(executor: SqlExecutor, c: CleanupOptions) {
      const retentionMs = checkInteger('retentionMs', c.retentionMs, 0, Number.MAX_SAFE_INTEGER / 1000) ?? 0;
      const batchSize = checkInteger('batchSize', c.batchSize, 1, 100_000) ?? 1000;
      const maxBatches = checkInteger('maxBatches', c.maxBatches, 1, Number.MAX_SAFE_INTEGER) ?? Infinity;
      const sql = dialect.cleanupSql(table, batchSize);
      let deleted = 0;
      for (let batch = 0; batch < maxBatches; batch++) {
        let rows: number;
        try {
          rows = dialect.insertedRows(await executor.query(sql, [retentionMs * 1000]));
        } catch (error) {
          throw sqlFailed('cleanup', table, error);
        }
        deleted += rows;
        if (rows < batchSize) break;
      }
      return deleted;
    },
  });
}
