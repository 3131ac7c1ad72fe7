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
  record(tx: SqlExecutor, record: InboxRecord): Promise<'recorded' | 'duplicate'>;
  /**
   * Deletes rows older than `retentionMs` in batches of `batchSize`, each DELETE its own autocommit statement
   * on `executor` (never call it inside a handler's transaction). Resolves with the number of rows deleted.
   */
  cleanup(executor: SqlExecutor, options: CleanupOptions): Promise<number>;
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
      const values = [
        r.eventId,
        r.eventType,
        r.aggregateType,
        r.aggregateId,
        r.topic,
        r.partition,
        r.offset.toString(),
      ];
      try {
        const result = await tx.query(insert, values);
        return dialect.insertedRows(result) > 0 ? 'recorded' : 'duplicate';
      } catch (error) {
        if (dialect.isDuplicate(error)) return 'duplicate';
        throw sqlFailed('insert', table, error);
      }
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
