import type { InboxDialect } from '../types.ts';

/**
 * What differs between databases for the inbox table: quoting, column types, how an insert reports a
 * duplicate, how a batch delete is written. Each dialect file implements this shape; builders are pure.
 * Names passed in are already validated.
 */
export interface InboxSqlDialect {
  /** The dialect's name. */
  readonly name: InboxDialect;
  /** Quotes a possibly qualified name (`schema.table`), part by part. */
  quote(name: string): string;
  /** `CREATE TABLE IF NOT EXISTS` (and index) statements for the inbox table. */
  ddl(table: string): string[];
  /**
   * The INSERT of one inbox row; parameters: event_id, event_type, aggregate_type, aggregate_id, topic,
   * partition, offset. A duplicate `event_id` either inserts nothing ({@link insertedRows} gives 0) or fails
   * with an error {@link isDuplicate} recognises.
   */
  insertSql(table: string): string;
  /**
   * The INSERT of `rows` inbox rows in one statement, parameters as {@link insertSql} row after row. MySQL:
   * a plain INSERT that fails whole with a duplicate error (InnoDB rolls back only the statement). PostgreSQL:
   * `ON CONFLICT DO NOTHING RETURNING event_id`, so the result names the ids it inserted.
   */
  insertManySql(table: string, rows: number): string;
  /** The ids a {@link insertManySql} result names as inserted, or `undefined` if the dialect cannot say. */
  insertedIds(result: unknown): string[] | undefined;
  /** `SELECT event_id` of the rows among `count` ids (parameters) that exist. */
  existingSql(table: string, count: number): string;
  /** The `event_id` values of an {@link existingSql} result. */
  existingIds(result: unknown): string[];
  /** Rows an INSERT or DELETE result reports as written. */
  insertedRows(result: unknown): number;
  /** True if `error` is the unique-key violation of a duplicate event id. */
  isDuplicate(error: unknown): boolean;
  /**
   * Deletes at most `batchSize` rows received longer ago than the parameter (by the database clock). One
   * parameter: the retention in microseconds (an integer).
   */
  cleanupSql(table: string, batchSize: number): string;
}

/**
 * The database's own error code when a data layer wrapped the driver's error without keeping it: Prisma's
 * raw-query failure (`P2010`) carries it in `meta`, as `driverAdapterError.cause.originalCode` with a driver
 * adapter (Prisma 7's `@prisma/adapter-mariadb`, `@prisma/adapter-pg`) and as `code` with its query engine.
 */
export function wrappedDatabaseCode(error: unknown): string | undefined {
  const meta = (error as { meta?: unknown } | null)?.meta as
    | { code?: unknown; driverAdapterError?: { cause?: { originalCode?: unknown } } }
    | undefined;
  if (typeof meta !== 'object' || meta === null) return undefined;
  const code = meta.driverAdapterError?.cause?.originalCode ?? meta.code;
  return typeof code === 'string' ? code : undefined;
}

/** Column names of the inbox table. */
export const INBOX_COLUMNS = [
  'event_id',
  'event_type',
  'aggregate_type',
  'aggregate_id',
  'topic',
  'partition',
  'offset',
  'received_at',
] as const;

/** Columns the INSERT fills, in parameter order (`received_at` takes its default). */
export const INSERT_COLUMNS = INBOX_COLUMNS.slice(0, 7);
